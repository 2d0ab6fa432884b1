/**
 * Writes of one row as ONE statement each, built from the model metadata: the change and its
 * event-log row are data-modifying CTEs of the same statement, so both commit or neither, in one
 * round trip and without a transaction's BEGIN/COMMIT. Rows come back keyed by field names in
 * the model's field order (hidden fields left out), as Prisma returns them, so the response built
 * from them is the same. An event's `changes` is built in SQL as audit.ts builds it in JS.
 *
 *   create   INSERT … SELECT <values> WHERE <the descriptor's guard> RETURNING, + the event
 *   read     the row and its version (xmin), which update and delete compare and set
 *   update   UPDATE … WHERE id = $1 AND xmin = $2 (unchanged since read) RETURNING, + the event
 *   remove   DELETE … WHERE id = $1 AND xmin = $2 RETURNING, + the event
 *
 * Statement texts depend on which fields a write sets; each shape is built once and kept.
 */
import type { DatamodelMeta, SqlNames } from '../db/sql-names';
import { quoteIdent } from '../db/pg-url';
import { columnsOf, jsonObjectOf, type Column } from './sql-row';

/** The parameter of each field a new row sets (undefined: the field is left to its default). */
export type ValueOf = (field: string) => string | undefined;

/**
 * A condition a new row must meet, checked in its INSERT (e.g. its session belongs to its owner);
 * when it does not hold, nothing is written and `error()` is thrown.
 */
export interface CreateGuard {
  sql(value: ValueOf, names: SqlNames): string | undefined;
  error(): Error;
}

export interface WriteShape {
  model: string;
  hidden?: readonly string[];
  guard?: CreateGuard;
}

/**
 * Another data-modifying CTE the create statement runs with the row it created (the HTTP layer
 * keeps an Idempotency-Key's response with it: src/api/idempotency-claim.ts), so both commit or
 * neither. It reads CTE `created` (rows by field name) and is given the row's response JSON.
 */
export interface CreateAttachment {
  /** Names the attachment in the statement cache. */
  key: string;
  /** `name AS (…)`: `rowJson` is the created row as its response body (jsonb); its own parameters are $first, $first + 1, … */
  cte(rowJson: string, first: number): string;
}

export interface CreateStatement {
  sql: string;
  /**
   * The columns whose values are $1…$n, in order; the event's actor, action, entity type and
   * request id follow; then the attachment's parameters.
   */
  columns: Column[];
}

/** Field-name aliases of the version column the read adds. */
export const VERSION = '__version';

/** How many shapes of create and update statements are kept per resource. */
const MAX_SHAPES = 256;

export type WriteStatements = NonNullable<ReturnType<typeof writeStatements>>;

/** The statements of a model, or undefined when its fields are of kinds they do not handle. */
export function writeStatements(names: SqlNames, dm: DatamodelMeta, shape: WriteShape) {
  const model = dm.models[shape.model];
  const eventModel = dm.models.EventLog;
  if (!model || !eventModel) throw new Error(`no model ${shape.model}`);
  const enumType = (name: string): string => names.enumType(name as Parameters<SqlNames['enumType']>[0]);
  const columns = columnsOf(model.fields, enumType);
  const eventColumns = columnsOf(eventModel.fields, enumType);
  if (!columns || !eventColumns) return undefined;
  const T = names.table(shape.model as Parameters<SqlNames['table']>[0]);
  const E = names.table('EventLog');
  const e = E.c;
  const id = `${T.id.column}`;
  const output = columns.filter((c) => !shape.hidden?.includes(c.field));
  const returning = (alias: string): string => output.map((c) => `${alias}.${c.column} AS ${quoteIdent(c.field)}`).join(', ');
  const fieldList = output.map((c) => `c.${quoteIdent(c.field)}`).join(', ');
  const snapshot = (alias: string): string => jsonObjectOf(output.map((c) => [c.field, c.snapshot(`${alias}.${quoteIdent(c.field)}`)]));
  const actor = eventColumns.find((c) => c.field === 'actorId');
  if (!actor) throw new Error('EventLog has no actorId');

  /** The event-log row of each row of CTE `from`, its parameters from $n on: actor, action, entity type, request id. */
  const logged = (from: string, n: number, changes: string): string => `
  logged AS (
    INSERT INTO ${E.table} (${e.actorId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${e.requestId}, ${e.changes})
    SELECT ${actor.param(n)}, $${n + 1}::text, $${n + 2}::text, c."id"::text, $${n + 3}::text, ${changes} FROM ${from} c
  )`;

  /** The created row as its response body (toOutput's fields and values), as jsonb. */
  const rowJson = jsonObjectOf(output.map((c) => [c.field, c.json(`c.${quoteIdent(c.field)}`)]));

  const creates = new Map<string, CreateStatement>();
  const buildCreate = (present: ReadonlySet<string>, attach: CreateAttachment | undefined): CreateStatement => {
    // Set by the row, or made here (Prisma's uuid()): parameters; @updatedAt left unset: now().
    const given = columns.filter((c) => present.has(c.field) || c.generate);
    const set = [...given, ...columns.filter((c) => c.updatedAt && !present.has(c.field))];
    const param = new Map(given.map((c, i) => [c.field, c.param(i + 1)]));
    const values = set.map((c) => param.get(c.field) ?? 'now()');
    const guard = shape.guard?.sql((field) => param.get(field), names);
    const sql = `
WITH created AS (
  INSERT INTO ${T.table} AS t (${set.map((c) => c.column).join(', ')})
  SELECT ${values.join(', ')}${guard ? ` WHERE ${guard}` : ''}
  RETURNING ${returning('t')}
),${logged('created', given.length + 1, `jsonb_build_object('after', ${snapshot('c')})`)}${attach ? `,\n  ${attach.cte(rowJson, given.length + 5)}` : ''}
SELECT * FROM created`;
    return { sql, columns: given };
  };

  const updates = new Map<string, string>();
  const buildUpdate = (patched: readonly string[]): string => {
    const set = columns.filter((c) => patched.includes(c.field));
    const bumped = columns.filter((c) => c.updatedAt && !patched.includes(c.field));
    const assignments = [...set.map((c, i) => `${c.column} = ${c.param(i + 3)}`), ...bumped.map((c) => `${c.column} = now()`)];
    // Only fields the patch sets can change (and updatedAt, which the diff leaves out).
    const diffed = set.filter((c) => !c.updatedAt && output.includes(c));
    const side = (alias: string): string =>
      diffed.length
        ? diffed
            .map(
              (c) =>
                `CASE WHEN o.${c.column} IS DISTINCT FROM t.${c.column} THEN ${jsonObjectOf([[c.field, c.snapshot(`${alias}.${c.column}`)]])} ELSE '{}'::jsonb END`,
            )
            .join(' || ')
        : `'{}'::jsonb`;
    return `
WITH changed AS (
  UPDATE ${T.table} t SET ${assignments.join(', ')}
    FROM ${T.table} o
   WHERE t.${id} = $1::${T.id.type} AND o.${id} = t.${id} AND t.xmin = $2::text::xid
  RETURNING ${returning('t')}, ${side('o')} AS "__before", ${side('t')} AS "__after"
),${logged('changed', set.length + 3, `jsonb_build_object('before', c."__before", 'after', c."__after")`)}
SELECT ${fieldList} FROM changed c`;
  };

  const cached = <V>(map: Map<string, V>, key: string, build: () => V): V => {
    const hit = map.get(key);
    if (hit) return hit;
    const built = build();
    if (map.size < MAX_SHAPES) map.set(key, built);
    return built;
  };

  return {
    /** Every column of the model, hidden ones included. */
    columns,
    /** The INSERT of a row that sets the fields `present` (the rest: their defaults), with `attach` run by the same statement. */
    create: (present: ReadonlySet<string>, attach?: CreateAttachment): CreateStatement =>
      cached(
        creates,
        `${attach ? `${attach.key}:` : ''}${columns
          .filter((c) => present.has(c.field))
          .map((c) => c.field)
          .join(',')}`,
        () => buildCreate(present, attach),
      ),
    /** The fields of a response's body, in the order of the row read or returned. */
    outputFields: output.map((c) => c.field),
    /** $1 id: the row as Prisma reads it (hidden fields left out) and its version. */
    read: `SELECT ${returning('t')}, t.xmin::text AS ${quoteIdent(VERSION)} FROM ${T.table} t WHERE t.${id} = $1::${T.id.type}`,
    /** $1 id, $2 version, $3… the patched fields' values in model order (updateColumns), then the event's four. */
    update: (patched: readonly string[]): string =>
      cached(
        updates,
        columns
          .filter((c) => patched.includes(c.field))
          .map((c) => c.field)
          .join(','),
        () => buildUpdate(patched),
      ),
    /** The columns an update sets, in the order of its parameters. */
    updateColumns: (patched: readonly string[]): Column[] => columns.filter((c) => patched.includes(c.field)),
    /** $1 id, $2 version, $3… the event's four. */
    remove: `
WITH gone AS (
  DELETE FROM ${T.table} t WHERE t.${id} = $1::${T.id.type} AND t.xmin = $2::text::xid
  RETURNING ${returning('t')}
),${logged('gone', 3, `jsonb_build_object('before', ${snapshot('c')})`)}
SELECT c."id" FROM gone c`,
  };
}
