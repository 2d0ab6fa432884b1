/**
 * A resource descriptor says everything the generic CRUD machinery needs about one table:
 * its Prisma delegate, its schemas, which fields can be filtered and sorted, which relations
 * can be embedded, who owns a row, and the table's own rules (hooks).
 * Registering a table is one descriptor plus one line in src/resources/registry.ts.
 */
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { FieldMap } from '../models/fields';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { EntityType } from './audit';

export type Row = Record<string, unknown> & { id: unknown };
export type Db = PrismaClient | Prisma.TransactionClient;

/** The subset of a Prisma model delegate the machinery uses. */
export interface Delegate {
  findMany(args: object): Promise<Row[]>;
  findUnique(args: object): Promise<Row | null>;
  count(args: object): Promise<number>;
  create(args: object): Promise<Row>;
  createManyAndReturn(args: object): Promise<Row[]>;
  update(args: object): Promise<Row>;
  delete(args: object): Promise<Row>;
  deleteMany(args: object): Promise<{ count: number }>;
}

/**
 * Who sees and changes which rows.
 *   owned      members see and change only rows whose owner field is theirs; admins all
 *   sharedRead everyone authenticated reads all rows; members change only their own
 *   self       members see and change only their own user row; only admins create and delete
 *   actor      read only; members see only rows whose owner field (the actor) is theirs
 */
export type Ownership = 'owned' | 'sharedRead' | 'self' | 'actor';

export interface RelationSpec {
  /** The descriptor name of the embedded resource (for its output shape). */
  resource: string;
}

export interface WriteContext {
  tx: Prisma.TransactionClient;
  principal: Principal;
  query: Record<string, string>;
  /** Work for after the transaction has committed (never if it rolls back), e.g. removing a deleted recording's file. */
  afterCommit?: (task: CommitTask) => void;
}

/** What work after a commit may use. */
export interface CommitDeps {
  /** A recording's row is gone: remove its files (src/content/service.ts). */
  recordingDeleted(id: string): Promise<void>;
}

export type CommitTask = (deps: CommitDeps) => Promise<void>;

export interface ResourceDescriptor {
  /** URL segment: /api/v1/<name>. */
  name: string;
  /** Singular noun for messages: "No session with id …". */
  label: string;
  /** How its changes appear in the event log (writable resources only). */
  entityType?: EntityType;
  /** Prisma model name, e.g. 'Session' (for raw row locks). */
  model: Prisma.ModelName;
  delegate(db: Db): Delegate;
  fields: FieldMap;
  ownership: Ownership;
  /** The field holding the owner's user id ('id' for users themselves). */
  ownerField: string;
  /** Fields never sent to clients. */
  hidden?: readonly string[];
  /**
   * What of a row a caller who may not read it sees when another resource embeds it (include=):
   * these fields only. Default: the id alone (the embedding row's foreign key shows it already).
   */
  publicFields?: readonly string[];
  relations?: Record<string, RelationSpec>;
  readOnly?: boolean;
  /** Schemas of POST and PATCH bodies (strict: unknown fields are errors). */
  create?: z.ZodType<Record<string, unknown>>;
  update?: z.ZodType<Record<string, unknown>>;
  /** Only admins may create / delete (users). */
  adminOnlyCreate?: boolean;
  adminOnlyDelete?: boolean;
  /** Extra query parameters accepted by DELETE (e.g. `cascade`). */
  deleteParams?: readonly string[];
  /**
   * Table rules. Each receives the parsed input and may return changed data or throw an
   * HttpError. They run inside the write's transaction.
   */
  hooks?: {
    /** Before create: `data` already has the owner field set. */
    beforeCreate?(data: Record<string, unknown>, ctx: WriteContext): Promise<Record<string, unknown>>;
    /** Before create of many rows at once (e.g. one query to check all referenced rows). */
    beforeCreateMany?(rows: Array<Record<string, unknown>>, ctx: WriteContext): Promise<Array<Record<string, unknown>>>;
    beforeUpdate?(existing: Row, patch: Record<string, unknown>, ctx: WriteContext): Promise<Record<string, unknown>>;
    /** Before delete; may delete dependants (and audit them) when the request asks to cascade. */
    beforeDelete?(existing: Row, ctx: WriteContext): Promise<void>;
  };
  /** The listing's default sort. */
  defaultSort?: string;
}
