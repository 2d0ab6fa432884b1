/**
 * Database errors in HTTP terms: constraint violations become 409/400/404, an unreachable or
 * overloaded database becomes 503. Prisma's messages are never passed on (they carry SQL
 * and schema details); the fields named in its metadata are.
 */
import { conflict, HttpError, notFound, badRequest, serviceUnavailable } from '../core/errors';
import { Prisma } from '../generated/prisma/client';
import { datamodel } from '../models/generated/schema';

/** PostgreSQL SQLSTATE classes and codes that mean "the database is not there right now". */
const UNAVAILABLE_SQLSTATES = /^(08|53|57P|58)/;
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const DRIVER_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionAlreadyClosed',
  'DatabaseAccessDenied',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Connection refused|terminating connection|server closed the connection|Cannot use a pool after calling end/i;

interface AdapterCause {
  constraint?: { fields?: string[]; index?: string };
  table?: string;
}

/**
 * The fields of the unique index `index` of a model, from the generated model metadata: Prisma
 * 7's adapter names the violated index (`User_email_key`), not its fields. Unnamed indexes have
 * Prisma's default names, `<table>_<fields>_key` and `<table>_pkey`.
 */
function indexFields(modelName: unknown, table: string | undefined, index: string): string[] {
  const model = (
    datamodel.models as Record<string, { indexes: ReadonlyArray<{ type: string; name: string | null; fields: readonly string[] }> }>
  )[String(modelName)];
  const prefix = table ?? String(modelName);
  const match = model?.indexes.find(
    (i) =>
      i.name === index ||
      (i.type === 'unique' && `${prefix}_${i.fields.join('_')}_key` === index) ||
      (i.type === 'id' && `${prefix}_pkey` === index),
  );
  return match ? [...match.fields] : [];
}

/** `"serialNumber"` → serialNumber: the driver adapter reports column names as PostgreSQL quotes them. */
const unquote = (name: string): string => (/^".*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name);

function fieldsOf(meta: Record<string, unknown> | undefined): string[] {
  const cause = (meta?.driverAdapterError as { cause?: AdapterCause } | undefined)?.cause;
  const target = meta?.target ?? cause?.constraint?.fields;
  if (Array.isArray(target)) return target.map((f) => unquote(String(f)));
  if (typeof target === 'string') return [unquote(target)];
  if (cause?.constraint?.index) return indexFields(meta?.modelName, cause.table, cause.constraint.index);
  return [];
}

function driverCause(err: unknown): { kind?: string; originalCode?: string; code?: string } | undefined {
  const e = err as { cause?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
  return (e.meta?.driverAdapterError?.cause ?? (e.cause as { cause?: unknown } | undefined)?.cause ?? e.cause) as
    { kind?: string; originalCode?: string; code?: string } | undefined;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errorCode?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.errorCode === 'string' ? e.errorCode : undefined;
  if (code && (PRISMA_UNAVAILABLE.has(code) || NODE_NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code) || code === '57014'))
    return true;
  const cause = driverCause(err);
  if (cause?.kind && DRIVER_UNAVAILABLE_KINDS.has(cause.kind)) return true;
  const original = cause?.originalCode ?? cause?.code;
  if (original && (NODE_NETWORK_CODES.has(original) || UNAVAILABLE_SQLSTATES.test(original) || original === '57014')) return true;
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  return typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

/** The model whose table is `table` (by its mapped name, else its own). */
function modelOfTable(table: string | undefined): string | undefined {
  const models = datamodel.models as Record<string, { dbName: string | null }>;
  return Object.keys(models).find((name) => (models[name]?.dbName ?? name) === table);
}

/**
 * The code and metadata of a Prisma error as a model query would report them: a raw query's
 * unique violation (P2010, the driver's UniqueConstraintViolation) is a P2002 on the model of its
 * table, so a one-statement write answers the same 409 as Prisma's create.
 */
function asModelQueryError(err: Prisma.PrismaClientKnownRequestError): { code: string; meta: Record<string, unknown> | undefined } {
  const cause = (err.meta?.driverAdapterError as { cause?: AdapterCause & { kind?: string } } | undefined)?.cause;
  if (err.code === 'P2010' && cause?.kind === 'UniqueConstraintViolation') {
    return { code: 'P2002', meta: { ...err.meta, modelName: modelOfTable(cause.table) } };
  }
  return { code: err.code, meta: err.meta };
}

/** The HTTP error a database error stands for, or undefined when it is a bug (→ 500). */
export function httpErrorFromDatabase(err: unknown): HttpError | undefined {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    const { code, meta } = asModelQueryError(err);
    const fields = fieldsOf(meta);
    switch (code) {
      case 'P2002':
        return conflict(
          fields.length ? `A record with this ${fields.join(', ')} already exists` : 'A record with these values already exists',
          fields.map((f) => ({ path: `body.${f}`, message: 'must be unique' })),
        );
      case 'P2003':
        return conflict('The record is referenced by, or refers to, a record that does not allow this change');
      case 'P2025':
      case 'P2015':
      case 'P2018':
        return notFound('The record does not exist');
      case 'P2000':
        return badRequest(
          'A value is too long for its field',
          fields.map((f) => ({ path: `body.${f}`, message: 'too long' })),
        );
      case 'P2011':
      case 'P2012':
        return badRequest(
          'A required value is missing',
          fields.map((f) => ({ path: `body.${f}`, message: 'is required' })),
        );
      default:
        break;
    }
  }
  const sqlstate = driverCause(err)?.originalCode;
  switch (sqlstate) {
    case '23505':
      return conflict('A record with these values already exists');
    case '23503':
    case '23001': // restrict_violation: PostgreSQL 18 reports ON DELETE RESTRICT this way
      return conflict('The record is referenced by, or refers to, a record that does not allow this change');
    case '23502':
    case '23514':
    case '22001':
    case '22003':
    case '22P02':
      return badRequest('A value does not fit the rules of its field');
    case '40001':
    case '40P01':
      return conflict('The change collided with a concurrent one; retry it');
    default:
      break;
  }
  if (isDatabaseUnavailable(err)) {
    const timedOut = (err as { code?: string }).code === '57014' || driverCause(err)?.originalCode === '57014';
    return serviceUnavailable(timedOut ? 'The database did not answer in time' : 'The database is unavailable; try again shortly');
  }
  return undefined;
}
