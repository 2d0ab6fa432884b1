/**
 * Prisma's naming conventions for an introspected schema: `prisma db pull` names models and
 * fields after the database (`users`, `created_at`, a relation field `users`). This renames
 * them — models PascalCase and singular (`User`), enums PascalCase, fields camelCase, relation
 * fields after their foreign key (`user_id` → `user`) — and keeps the database's names with
 * `@@map` / `@map`, so the database is unchanged. The input is the Prisma-formatted output of
 * `db pull`; the caller checks the result with `prisma migrate diff` (same database schema) and
 * formats it with `prisma format`.
 */
import pluralize from 'pluralize';

const BLOCK_START = /^(model|enum|view)\s+(\w+)\s*\{\s*$/;
const FIELD_LINE = /^(\s+)(\w+)(\s+)([A-Za-z_]\w*)(\[\]|\?)?(.*)$/;

function words(name: string): string[] {
  return name.split(/_+/).filter(Boolean);
}

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** `recording_sessions` → `RecordingSession`; `User` stays. */
export function modelName(table: string): string {
  const parts = words(table);
  if (!parts.length) return table;
  parts[parts.length - 1] = pluralize.singular(parts[parts.length - 1] as string);
  return parts.map(upperFirst).join('');
}

/** `recording_status` → `RecordingStatus`. */
export function enumName(type: string): string {
  const parts = words(type);
  return parts.length ? parts.map(upperFirst).join('') : type;
}

/** `created_at` → `createdAt`; `email` stays. */
export function fieldName(column: string): string {
  const parts = words(column);
  if (!parts.length) return column;
  return lowerFirst(parts[0] as string) + parts.slice(1).map(upperFirst).join('');
}

interface Block {
  kind: 'model' | 'enum' | 'view';
  name: string;
  start: number;
  end: number;
}

function findBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = BLOCK_START.exec(lines[i] as string);
    if (!m) continue;
    let end = i + 1;
    while (end < lines.length && !/^\}/.test(lines[end] as string)) end++;
    blocks.push({ kind: m[1] as Block['kind'], name: m[2] as string, start: i, end });
    i = end;
  }
  return blocks;
}

/** Renames every identifier of a `[a, b(sort: Desc)]` list through `map`. */
function renameList(list: string, map: Map<string, string>): string {
  return list.replace(/(^|[[,]\s*)(\w+)/g, (all, lead: string, name: string) => `${lead}${map.get(name) ?? name}`);
}

function renameAttributeLists(text: string, own: Map<string, string>, target?: Map<string, string>): string {
  return text
    .replace(/(fields:\s*)(\[[^\]]*\])/g, (_, key: string, list: string) => key + renameList(list, own))
    .replace(/(references:\s*)(\[[^\]]*\])/g, (_, key: string, list: string) => key + renameList(list, target ?? own));
}

export interface Renaming {
  schema: string;
  /** Old name → new name of every renamed model and enum. */
  types: Map<string, string>;
  /** How many columns got a field name of their own (and an `@map`). */
  fields: number;
}

/** Gives an introspected schema Prisma's naming conventions, mapping the database's names. */
export function conventionalNames(schema: string): Renaming {
  const lines = schema.split('\n');
  const blocks = findBlocks(lines);
  const taken = new Set(blocks.map((b) => b.name));
  const types = new Map<string, string>();
  for (const b of blocks) {
    const wanted = b.kind === 'enum' ? enumName(b.name) : modelName(b.name);
    if (wanted === b.name || taken.has(wanted) || !/^[A-Za-z]/.test(wanted)) continue;
    taken.add(wanted);
    types.set(b.name, wanted);
  }
  const models = new Set(blocks.filter((b) => b.kind !== 'enum').map((b) => b.name));

  // First the new field names of every model (references: [...] needs the target's).
  const fieldMaps = new Map<string, Map<string, string>>();
  for (const b of blocks.filter((x) => x.kind !== 'enum')) {
    const map = new Map<string, string>();
    const used = new Set<string>();
    const parsed = lines.slice(b.start + 1, b.end).map((l) => FIELD_LINE.exec(l));
    for (const m of parsed) if (m) used.add(m[2] as string);
    for (const m of parsed) {
      if (!m) continue;
      const [, , name, , type, modifier, rest] = m as unknown as string[];
      let wanted = fieldName(name as string);
      if (models.has(type as string)) {
        const fk = /fields:\s*\[(\w+)\]/.exec(rest as string)?.[1];
        const base = fk && /(_id|Id)$/.test(fk) ? fk.replace(/(_id|Id)$/, '') : undefined;
        const targetName = types.get(type as string) ?? (type as string);
        if (base && modifier !== '[]') wanted = fieldName(base);
        else if (name === type) wanted = modifier === '[]' ? fieldName(name as string) : lowerFirst(targetName);
      }
      if (wanted !== name && !used.has(wanted) && /^[a-z]/.test(wanted)) {
        used.add(wanted);
        map.set(name as string, wanted);
      }
    }
    fieldMaps.set(b.name, map);
  }

  let fields = 0;
  for (const b of blocks) {
    const own = fieldMaps.get(b.name) ?? new Map<string, string>();
    let hasMap = false;
    for (let i = b.start + 1; i < b.end; i++) {
      const line = lines[i] as string;
      if (/^\s*@@map\(/.test(line)) hasMap = true;
      if (b.kind === 'enum') continue;
      const block = /^(\s*)(@@(?:index|unique|id|fulltext)\()(\[[^\]]*\])(.*)$/.exec(line);
      if (block) {
        lines[i] = `${block[1]}${block[2]}${renameList(block[3] as string, own)}${block[4]}`;
        continue;
      }
      const m = FIELD_LINE.exec(line);
      if (!m || line.trimStart().startsWith('//')) continue;
      const [, indent, name, gap, type, modifier = '', rest] = m as unknown as string[];
      const newName = own.get(name as string) ?? (name as string);
      const isRelation = models.has(type as string);
      let attributes = renameAttributeLists(rest as string, own, isRelation ? fieldMaps.get(type as string) : undefined);
      if (newName !== name && !isRelation && !/@map\(/.test(attributes)) {
        attributes = ` @map("${name}")${attributes}`;
        fields++;
      }
      lines[i] = `${indent}${newName}${gap}${types.get(type as string) ?? type}${modifier}${attributes}`;
    }
    const renamed = types.get(b.name);
    if (renamed) {
      lines[b.start] = (lines[b.start] as string).replace(b.name, renamed);
      if (!hasMap) lines[b.end] = `\n  @@map("${b.name}")\n}`;
    }
  }
  return { schema: lines.join('\n'), types, fields };
}
