/**
 * The one hand-written list a new table joins, the registry (src/resources/registry.ts), edited
 * as text by `npm run resource:new`; everything else that lists resources derives from it. The
 * edit fails with what to add by hand when the file no longer has the shape it expects.
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
