/**
 * The hand-written lists a new table joins, edited as text by `npm run resource:new`:
 * the registry (src/resources/registry.ts) and, while it is still a list of literals, the
 * `EntityType` union (src/resources/audit.ts). Each edit fails with what to add by hand when
 * the file no longer has the shape it expects.
 */
import type { Names } from './plan';

/** registry.ts with the new descriptor imported and appended to `descriptors`. */
export function addToRegistry(source: string, names: Names): string {
  const importLine = `import { ${names.constant} } from './${names.resourceFile}';`;
  const byHand = `add \`${importLine}\` and ${names.constant} to \`descriptors\` by hand`;
  const imports = [...source.matchAll(/^import .* from '\.\/[\w-]+\.resource';$/gm)];
  const last = imports.at(-1);
  const list = /(export const descriptors\b[^=]*=\s*\[)([^\]]*)(\])/.exec(source);
  if (!last || last.index === undefined || !list) throw new Error(`src/resources/registry.ts has changed shape: ${byHand}`);
  const at = last.index + last[0].length;
  const items = (list[2] as string).replace(/,?\s*$/, '');
  const withItem = source.replace(list[0], `${list[1]}${items}, ${names.constant}${list[3]}`);
  return `${withItem.slice(0, at)}\n${importLine}${withItem.slice(at)}`;
}

/**
 * audit.ts with the new entity type in the `EntityType` union, when that is a list of string
 * literals; undefined when it is not (derived from the registry: nothing to add).
 */
export function addEntityType(source: string, names: Names): string | undefined {
  const union = /^export type EntityType =((?:\s*\|?\s*'[\w-]+')+)\s*;/m.exec(source);
  if (!union) return undefined;
  if (new RegExp(`'${names.entityType}'`).test(union[1] as string)) return source;
  return source.replace(union[0], `export type EntityType =${union[1]} | '${names.entityType}';`);
}
