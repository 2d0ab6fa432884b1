/**
 * The two modules `npm run resource:new` writes for a table, from its plan (plan.ts): the model
 * module (Zod schemas and field map, as src/models/session.model.ts) and the resource module
 * (the descriptor, defineResource as in src/resources/sessions.resource.ts). Prettier formats them afterwards.
 * When the descriptor API changes, this is the one place to follow it.
 */
import type { Plan } from './plan';

/** A JSDoc comment, wrapped at about 100 characters. */
function docComment(text: string): string {
  const words = text.replace(/\*\//g, '* /').split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length < 96) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length === 1 ? `/** ${lines[0]} */` : ['/**', ...lines.map((l) => ` * ${l}`), ' */'].join('\n');
}

export function modelModule(plan: Plan): string {
  const { names, input } = plan;
  const helpers = [...new Set(input.flatMap((f) => f.helpers))].sort();
  const enums = [...new Set(input.flatMap((f) => f.enums))].sort();
  const imports = [
    "import { z } from 'zod';",
    ...(enums.length ? [`import { ${enums.join(', ')} } from '../generated/prisma/client';`] : []),
    `import { ${[...helpers, 'type FieldMap', 'fieldsOf'].join(', ')} } from './fields';`,
  ];
  const sortable = plan.sortable.map((f) => `'${f}'`).join(', ');
  return [
    ...imports,
    '',
    docComment(
      plan.documentation ?? `${/^[aeiou]/.test(names.label) ? 'An' : 'A'} ${names.label} (model ${names.model} in prisma/schema.prisma).`,
    ),
    `export const ${names.camel}Fields: FieldMap = fieldsOf('${names.model}', { sortable: [${sortable}] });`,
    '',
    `export const ${names.camel}Create = z`,
    '  .object({',
    ...input.map((f) => `    ${f.name}: ${f.zod},`),
    '  })',
    '  .strict();',
    '',
    // A client-chosen id is given once, at create.
    `export const ${names.camel}Update = ${names.camel}Create${input.some((f) => f.name === 'id') ? '.omit({ id: true })' : ''}.partial().strict();`,
    '',
    `export type ${names.pascal}Create = z.infer<typeof ${names.camel}Create>;`,
    `export type ${names.pascal}Update = z.infer<typeof ${names.camel}Update>;`,
    '',
  ].join('\n');
}

function summary(plan: Plan): string {
  const plural = plan.names.resource.replace(/-/g, ' ');
  const capital = plural[0]?.toUpperCase() + plural.slice(1);
  if (plan.ownership === 'owned') return `${capital}: members see and change their own, admins all.`;
  if (!plan.adminOnlyWrites) return `${capital}: every signed-in user reads them all; owners (and admins) change them.`;
  return `${capital}: every signed-in user reads them all; only admins create, change and delete them.`;
}

export function resourceModule(plan: Plan): string {
  const { names } = plan;
  const relations = Object.entries(plan.relations).map(([name, resource]) => `${name}: { resource: '${resource}' }`);
  return [
    `import { ${names.camel}Create, ${names.camel}Fields, ${names.camel}Update } from '../models/${names.modelFile}';`,
    "import { defineResource } from './descriptor';",
    '',
    docComment(summary(plan)),
    `export const ${names.constant} = defineResource({`,
    `  name: '${names.resource}',`,
    `  label: '${names.label}',`,
    `  entityType: '${names.entityType}',`,
    `  model: '${names.model}',`,
    `  fields: ${names.camel}Fields,`,
    `  ownership: '${plan.ownership}',`,
    ...(plan.adminOnlyWrites ? ['  // No column names a user: no member owns a row, so only admins write.'] : []),
    `  ownerField: '${plan.ownerField}',`,
    ...(plan.adminOnlyWrites ? ['  adminOnlyCreate: true,', '  adminOnlyDelete: true,'] : []),
    ...(relations.length ? [`  relations: { ${relations.join(', ')} },`] : []),
    `  create: ${names.camel}Create,`,
    `  update: ${names.camel}Update,`,
    '});',
    '',
  ].join('\n');
}
