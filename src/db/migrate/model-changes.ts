/**
 * What changed in the models between two versions of the generated model metadata
 * (src/models/generated/schema.ts, written by scripts/generate-models.ts): models, fields and
 * enums added, removed or changed, one line each. Used by `npm run generate:models`.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface FieldMeta {
  kind: string;
  type: string;
  nativeType: string | null;
  required: boolean;
  list: boolean;
  id: boolean;
  unique: boolean;
  hasDefault: boolean;
  updatedAt: boolean;
  documentation: string | null;
}
export interface RelationMeta {
  model: string;
  list: boolean;
  required: boolean;
  /** The foreign-key fields on this side (none on the side of the back relation). */
  fields: string[];
}
export interface ModelMeta {
  documentation: string | null;
  fields: Record<string, FieldMeta>;
  relations: Record<string, RelationMeta>;
}
export interface ModelsMeta {
  models: Record<string, ModelMeta>;
  enums: Record<string, string[]>;
}

/** Reads a generated metadata module (its JSON literal); empty when the file does not exist. */
export function readModelsMeta(file: string): ModelsMeta {
  if (!existsSync(file)) return { models: {}, enums: {} };
  const text = readFileSync(file, 'utf8');
  const match = /export const datamodel = ([\s\S]*?) as const;/.exec(text);
  if (!match) throw new Error(`${file} is not generated model metadata`);
  return JSON.parse(match[1] as string) as ModelsMeta;
}

const describeField = (f: FieldMeta): string =>
  `${f.type}${f.list ? '[]' : f.required ? '' : '?'}${f.nativeType ? ` @db.${f.nativeType}` : ''}${f.id ? ' @id' : ''}${f.unique ? ' @unique' : ''}${f.hasDefault ? ' (default)' : ''}`;

export function modelChanges(before: ModelsMeta, after: ModelsMeta): string[] {
  const lines: string[] = [];
  const names = (o: object): string[] => Object.keys(o).sort();
  for (const model of names({ ...before.models, ...after.models })) {
    const b = before.models[model];
    const a = after.models[model];
    if (!b && a) lines.push(`+ model ${model} (${names(a.fields).join(', ')})`);
    else if (b && !a) lines.push(`- model ${model}`);
    else if (b && a) {
      for (const field of names({ ...b.fields, ...a.fields })) {
        const bf = b.fields[field];
        const af = a.fields[field];
        if (!bf && af) lines.push(`+ ${model}.${field}: ${describeField(af)}`);
        else if (bf && !af) lines.push(`- ${model}.${field}`);
        else if (bf && af && describeField(bf) !== describeField(af))
          lines.push(`~ ${model}.${field}: ${describeField(bf)} → ${describeField(af)}`);
      }
      for (const rel of names({ ...b.relations, ...a.relations })) {
        const br = b.relations[rel];
        const ar = a.relations[rel];
        if (!br && ar) lines.push(`+ ${model}.${rel} → ${ar.model}${ar.list ? '[]' : ''}`);
        else if (br && !ar) lines.push(`- ${model}.${rel} (relation)`);
      }
    }
  }
  for (const e of names({ ...before.enums, ...after.enums })) {
    const b = before.enums[e];
    const a = after.enums[e];
    if (!b && a) lines.push(`+ enum ${e} (${a.join(', ')})`);
    else if (b && !a) lines.push(`- enum ${e}`);
    else if (b && a && b.join() !== a.join()) lines.push(`~ enum ${e}: ${b.join(', ')} → ${a.join(', ')}`);
  }
  return lines;
}
