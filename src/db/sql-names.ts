/**
 * Names for hand-written SQL, from the generated model metadata (src/models/generated/schema.ts):
 * a model's table, its columns and its primary key's type as the database knows them, so raw
 * statements keep working when the schema maps names (@@map, @map) or a key is not a UUID.
 * Every name is quoted here; statements never spell a table or column themselves.
 */
import { datamodel } from '../models/generated/schema';
import { quoteIdent } from './pg-url';

export interface FieldMeta {
  readonly kind: string;
  readonly type: string;
  readonly nativeType: string | null;
  readonly dbName: string | null;
  readonly id: boolean;
  readonly list?: boolean;
  /** Set by Prisma on every write (@updatedAt). */
  readonly updatedAt?: boolean;
  /** A literal, or a function such as { name: 'uuid', args: [7] }; null when the field has none. */
  readonly default?: unknown;
}
interface ModelMeta {
  readonly dbName: string | null;
  readonly fields: Readonly<Record<string, FieldMeta>>;
}
/** The part of the generated metadata the names come from. */
export interface DatamodelMeta {
  readonly models: Readonly<Record<string, ModelMeta>>;
  readonly enumDbNames: Readonly<Record<string, string | null>>;
}

/** The SQL type of a single-column primary key, for casting its parameter. */
export function sqlTypeOfId(field: FieldMeta): 'uuid' | 'text' | 'integer' | 'bigint' {
  if (field.type === 'String') return field.nativeType === 'Uuid' ? 'uuid' : 'text';
  if (field.type === 'Int') return 'integer';
  if (field.type === 'BigInt') return 'bigint';
  throw new Error(`a primary key of type ${field.type} is not supported`);
}

export interface TableNames<F extends string> {
  /** The table, schema-qualified and quoted. */
  table: string;
  /** Each field's column, quoted. */
  c: Readonly<Record<F, string>>;
  /** Every column of the table under alias `alias`, named as its field: `r."leased_at" AS "leasedAt", …`. */
  fieldsOf(alias: string): string;
  /** The single-column primary key: its quoted column and SQL type. */
  id: { column: string; type: ReturnType<typeof sqlTypeOfId> };
}

type ModelsOf<D extends DatamodelMeta> = keyof D['models'] & string;
type FieldsOf<D extends DatamodelMeta, M extends ModelsOf<D>> = keyof D['models'][M]['fields'] & string;

/** The names of metadata `dm`, in the (quoted) schema `schema`. */
export function namesFor<D extends DatamodelMeta>(dm: D) {
  return (schema: string) => ({
    table<M extends ModelsOf<D>>(model: M): TableNames<FieldsOf<D, M>> {
      const meta = dm.models[model];
      if (!meta) throw new Error(`no model ${model}`);
      const entries = Object.entries(meta.fields).filter(([, f]) => f.kind !== 'object');
      const columns = Object.fromEntries(entries.map(([name, f]) => [name, quoteIdent(f.dbName ?? name)]));
      const keys = entries.filter(([, f]) => f.id);
      const [key] = keys;
      if (keys.length !== 1 || !key) throw new Error(`${model} has no single-column primary key`);
      // A misspelt field is an error where the statement is built, not SQL that names no column.
      const c = new Proxy(columns, {
        get(target, field) {
          if (typeof field !== 'string' || !(field in target)) throw new Error(`${model} has no field ${String(field)}`);
          return target[field];
        },
      }) as Record<FieldsOf<D, M>, string>;
      return {
        table: `${schema}.${quoteIdent(meta.dbName ?? model)}`,
        c,
        fieldsOf: (alias) => entries.map(([name]) => `${alias}.${columns[name]} AS ${quoteIdent(name)}`).join(', '),
        id: { column: columns[key[0]] as string, type: sqlTypeOfId(key[1]) },
      };
    },
    /** An enum's type, schema-qualified and quoted. */
    enumType(name: keyof D['enumDbNames'] & string): string {
      if (!(name in dm.enumDbNames)) throw new Error(`no enum ${name}`);
      return `${schema}.${quoteIdent(dm.enumDbNames[name] ?? name)}`;
    },
  });
}

/** The names of this project's schema (prisma/schema.prisma). */
export const sqlNames = namesFor(datamodel);
export type SqlNames = ReturnType<typeof sqlNames>;
