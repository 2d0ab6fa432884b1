/**
 * A resource descriptor says everything the generic CRUD machinery needs about one table:
 * its schemas, which fields can be filtered and sorted, which relations can be embedded, who
 * owns a row, and the table's own rules (hooks). Registering a table is one descriptor plus one
 * line in src/resources/registry.ts; its routes, OpenAPI operations and event-log entity type
 * follow from the registry.
 *
 * A descriptor is written with defineResource, typed by its Prisma model: every field name in it
 * (ownerField, hidden, publicFields, defaultSort, relation names, the parent's foreign key) must
 * be one of the model's, or it does not compile, and the Prisma delegate is found from the model:
 *
 *   export const recordings = defineResource({
 *     model: 'Recording',            // Prisma model; its delegate is prisma.recording
 *     name: 'recordings',            // /api/v1/recordings
 *     label: 'recording',            // "No recording with id …"
 *     entityType: 'recording',       // event-log entityType (writable resources)
 *     fields: recordingFields,       // src/models/recording.model.ts
 *     ownership: 'owned',
 *     ownerField: 'userId',
 *     hidden: ['contentKey'],
 *     relations: { session: { resource: 'sessions' }, user: { resource: 'users' } },
 *     parent: { resource: 'sessions', foreignKey: 'sessionId' },  // also /sessions/{id}/recordings
 *     create: recordingCreate,
 *     update: recordingUpdate,
 *     hooks: { beforeCreate: async (data, ctx) => data },
 *   });
 *
 * `deleteParams: ['cascade']` (sessions) lets DELETE take ?cascade=; beforeDelete's ctx.query
 * is typed by it. Resource names (relations, parent) are checked when the registry is built.
 */
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { FieldMap } from '../models/fields';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { CreateGuard } from './sql-write';

type Models = Prisma.TypeMap['model'];
export type ModelName = Prisma.ModelName;
/** The scalar fields (columns) of a model, by their Prisma names (a union over the models given). */
export type FieldOf<M extends ModelName> = M extends ModelName ? keyof Models[M]['payload']['scalars'] & string : never;
/** The relation fields of a model (what include= can embed). */
export type RelationOf<M extends ModelName> = M extends ModelName ? keyof Models[M]['payload']['objects'] & string : never;
/** A sort key of a model: a field, `-` before it for descending. */
export type SortOf<M extends ModelName> = FieldOf<M> | `-${FieldOf<M>}`;
/** The models the generic machinery can serve: those with a single-column primary key named `id`. */
export type ResourceModel = { [M in ModelName]: 'id' extends FieldOf<M> ? M : never }[ModelName];

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

/**
 * A resource whose rows belong to a row of another: its collection is also mounted as
 * /{parent}/{id}/{name}, listing the children of a visible parent and creating them in it.
 */
export interface ParentSpec<F extends string = string> {
  /** The descriptor name of the parent resource. */
  resource: string;
  /** The child's field holding the parent's id. */
  foreignKey: F;
}

export interface WriteContext<Q extends string = string> {
  tx: Prisma.TransactionClient;
  principal: Principal;
  /** The request's accepted query parameters (for a delete: those of deleteParams that were given). */
  query: Partial<Record<Q, string>>;
  /** Work for after the transaction has committed (never if it rolls back), e.g. removing a deleted recording's file. */
  afterCommit?: (task: CommitTask) => void;
}

/** What work after a commit may use. */
export interface CommitDeps {
  /** A recording's row is gone: remove its files (src/content/service.ts). */
  recordingDeleted(id: string): Promise<void>;
}

export type CommitTask = (deps: CommitDeps) => Promise<void>;

/**
 * How a table whose rows are made by a function of its own (users: src/auth/users.ts) creates
 * them: `prepare` before the write's transaction opens (e.g. password hashing), `insert` inside
 * it, its event-log rows included. The create hooks do not run then.
 */
export interface Creation<P = unknown> {
  prepare(rows: Array<Record<string, unknown>>): Promise<P[]>;
  insert(tx: Prisma.TransactionClient, principal: Principal, prepared: P[]): Promise<Row[]>;
}

/**
 * What a descriptor module writes (through defineResource): field names are those of model M,
 * the event-log entity type E is kept as a literal (registry.ts unions them), and a delete hook
 * sees only the query parameters P its deleteParams declare.
 */
export interface ResourceSpec<M extends ResourceModel = ResourceModel, E extends string = string, P extends string = string> {
  /** URL segment: /api/v1/<name>. */
  name: string;
  /** Singular noun for messages: "No session with id …". */
  label: string;
  /** How its changes appear in the event log (writable resources only). */
  entityType?: E;
  /** Prisma model name, e.g. 'Session': its delegate, table and columns (src/models/generated/schema.ts). */
  model: M;
  fields: FieldMap;
  ownership: Ownership;
  /** The field holding the owner's user id ('id' for users themselves). */
  ownerField: FieldOf<M>;
  /** Fields never sent to clients. */
  hidden?: readonly FieldOf<M>[];
  /**
   * What of a row a caller who may not read it sees when another resource embeds it (include=):
   * these fields only. Default: the id alone (the embedding row's foreign key shows it already).
   */
  publicFields?: readonly FieldOf<M>[];
  /** The relations include= may embed, by their Prisma names. */
  relations?: { [R in RelationOf<M>]?: RelationSpec };
  /** Rows of this resource belong to a row of another (nested routes, see ParentSpec). */
  parent?: ParentSpec<FieldOf<M>>;
  readOnly?: boolean;
  /** Schemas of POST and PATCH bodies (strict: unknown fields are errors). */
  create?: z.ZodType<Record<string, unknown>>;
  update?: z.ZodType<Record<string, unknown>>;
  /** Rows made by the table's own function instead of the delegate's create (see Creation). */
  creation?: Creation;
  /** Only admins may create / delete (users). */
  adminOnlyCreate?: boolean;
  adminOnlyDelete?: boolean;
  /** Extra query parameters accepted by DELETE (e.g. `cascade`). */
  deleteParams?: readonly P[];
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
    beforeDelete?(existing: Row, ctx: WriteContext<P>): Promise<void>;
  };
  /** Rules that need no query: they run before every create and update, whichever way it is written. */
  rules?: {
    create?(data: Record<string, unknown>): void;
    update?(existing: Row, patch: Record<string, unknown>): void;
  };
  /**
   * What lets a write be one SQL statement (src/resources/direct-writes.ts) although a hook is
   * declared; without it, a declared hook keeps the write in a transaction.
   */
  oneStatement?: {
    /** Checked by the INSERT itself instead of running beforeCreate (which must check the same). */
    createGuard?: CreateGuard;
    /** beforeUpdate has work only when the patch sets one of these fields. */
    updateHookFields?: readonly FieldOf<M>[];
  };
  /** The listing's default sort. */
  defaultSort?: SortOf<M>;
}

/** A descriptor as the generic machinery reads it: any model's, its field names as plain strings. */
export interface ResourceDescriptor extends Omit<
  ResourceSpec,
  'model' | 'ownerField' | 'hidden' | 'publicFields' | 'relations' | 'parent' | 'defaultSort' | 'oneStatement'
> {
  model: ResourceModel;
  /** The model's Prisma delegate on a client or transaction. */
  delegate(db: Db): Delegate;
  ownerField: string;
  hidden?: readonly string[];
  publicFields?: readonly string[];
  relations?: { readonly [relation: string]: RelationSpec | undefined };
  parent?: ParentSpec;
  defaultSort?: string;
  oneStatement?: { createGuard?: CreateGuard; updateHookFields?: readonly string[] };
}

/** prisma.user, prisma.algoRun, …: the delegate of a model is its name with a lower-case initial. */
const delegateKey = <M extends ModelName>(model: M): Uncapitalize<M> =>
  `${model.charAt(0).toLowerCase()}${model.slice(1)}` as Uncapitalize<M>;

/**
 * Declares a resource: checks its field names against the Prisma model (at compile time) and
 * finds the model's delegate. The result keeps the literal model and entity type.
 */
export function defineResource<M extends ResourceModel, E extends string = never, P extends string = never>(
  spec: ResourceSpec<M, E, P>,
): ResourceDescriptor & { model: M; entityType?: E } {
  const key = delegateKey(spec.model);
  // Prisma's delegates are generic over their arguments; the machinery passes arguments built
  // from the same descriptor, so it sees every delegate through the one Delegate interface.
  const delegate = (db: Db): Delegate => db[key] as Delegate;
  return { ...spec, delegate };
}
