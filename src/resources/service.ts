/**
 * The generic operations on a resource, for any descriptor: list, get, create (one or many),
 * update and delete. Ownership scoping is applied here, in every query, so no route can forget
 * it; every write here runs in the caller's transaction together with its event-log row (single-row
 * writes whose hooks need no queries are one statement instead: direct-writes.ts).
 */
import type { Principal } from '../auth/principal';
import { forbidden, notFound, preconditionFailed } from '../core/errors';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { diff, recordEvent, recordEvents, snapshot, type EntityType } from './audit';
import type { Db, ResourceDescriptor, Row, WriteContext } from './descriptor';
import { encodeCursor } from './cursor';
import { jsonColumnsOf, type ListQuery } from './listing';
import { afterCondition, orderBy, prismaWhere } from './prisma-query';
import { etagOf, matchesEtag, toOutput, type Lookup } from './output';
import { batchRows, readPage } from './paging';
import { sqlNames, type TableNames } from '../db/sql-names';
import type { RowSource, SqlReads } from './sql-read';
import { datamodel } from '../models/generated/schema';
import { writeStatements } from './sql-write';
import { DirectWrites, type Attached } from './direct-writes';

export type Tx = Prisma.TransactionClient;

export interface Page {
  /** The rows, each as JSON text (serialized once, while the page's size is counted). */
  items: string[];
  nextCursor: string | null;
  total?: number;
}

const isAdmin = (p: Principal): boolean => p.role === 'ADMIN';

/** The rows a principal may see. */
export function visibleWhere(d: ResourceDescriptor, p: Principal): Record<string, unknown> {
  if (isAdmin(p) || d.ownership === 'sharedRead') return {};
  return { [d.ownerField]: p.userId };
}

/** Whether a principal may see a row in hand (the same rule as visibleWhere). */
export function canSee(d: ResourceDescriptor, p: Principal, row: Record<string, unknown>): boolean {
  return Object.entries(visibleWhere(d, p)).every(([field, value]) => row[field] === value);
}

/** Locks one row ($1: its id) for the rest of the transaction, by the table's own names and key type. */
export const rowLockSql = (t: Pick<TableNames<string>, 'table' | 'id'>): string =>
  `SELECT 1 FROM ${t.table} WHERE ${t.id.column} = $1::${t.id.type} FOR UPDATE`;

export class ResourceService {
  private readonly lockSql: string;
  /** Single-row writes as one statement each, where the descriptor's hooks allow (src/resources/direct-writes.ts). */
  readonly direct?: DirectWrites;

  constructor(
    readonly d: ResourceDescriptor,
    private readonly prisma: PrismaClient,
    /** The quoted PostgreSQL schema, for row locks. */
    schema: string,
    private readonly lookup: Lookup,
    /** The cheap read path (src/resources/sql-read.ts); without it every read goes through Prisma. */
    readonly reads?: SqlReads,
    /** false: no one-statement writes (every write in a transaction). */
    oneStatementWrites = true,
  ) {
    const names = sqlNames(schema);
    this.lockSql = rowLockSql(names.table(d.model));
    const statements =
      oneStatementWrites &&
      d.entityType &&
      !d.readOnly &&
      writeStatements(names, datamodel, { model: d.model, hidden: d.hidden, guard: d.oneStatement?.createGuard });
    if (statements && d.entityType) this.direct = new DirectWrites(d, statements, d.entityType, this);
  }

  /** The event-log entity type; only writable resources have one (and only they write). */
  private get entity(): EntityType {
    if (!this.d.entityType) throw new Error(`${this.d.name} is read only: it has no event-log entity type`);
    // A registered descriptor's entity type is one of EntityType: registry.ts derives the union from them.
    return this.d.entityType as EntityType;
  }

  /** A row as `p` may see it (embedded rows included). */
  output(row: Record<string, unknown>, p: Principal, only?: readonly string[]): Record<string, unknown> {
    return toOutput(this.d, row, this.lookup, (d, r) => canSee(d, p, r), only);
  }

  private relationArgs(include: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(
      include.map((rel) => [rel, { omit: this.hiddenOmit(this.lookup((this.d.relations ?? {})[rel]?.resource as string)) }]),
    );
  }

  private hiddenOmit(d: ResourceDescriptor): Record<string, boolean> | undefined {
    return d.hidden?.length ? Object.fromEntries(d.hidden.map((f) => [f, true])) : undefined;
  }

  /**
   * One page of the rows `p` may see, bounded in rows (q.limit) and in bytes (src/resources/paging.ts).
   * The rows come from SQL (src/resources/sql-read.ts) when that path serves the listing, else from Prisma.
   */
  async list(p: Principal, q: ListQuery, scope: Record<string, unknown> = {}): Promise<Page> {
    const equal = [visibleWhere(this.d, p), scope];
    const source = this.reads?.covers(q) ? this.reads.rows(equal, q) : this.prismaRows(equal, q);
    const [page, total] = await Promise.all([
      readPage<Row>(
        {
          fetch: (last, take) => source.fetch(last ? q.sort.map((k) => last[k.field]) : q.after, take),
          serialize: (row) => JSON.stringify(this.output(row, p, q.fields)),
        },
        q.limit,
        batchRows(jsonColumnsOf(this.d, q, this.lookup)),
      ),
      q.count ? source.count() : Promise.resolve(undefined),
    ]);
    return {
      items: page.items,
      nextCursor: page.continueAfter ? encodeCursor(q.sortText, page.continueAfter, q.sort) : null,
      ...(total === undefined ? {} : { total }),
    };
  }

  /** The generic path: the listing's rows through the Prisma delegate. */
  private prismaRows(equal: Array<Record<string, unknown>>, q: ListQuery): RowSource {
    const where = { AND: [...equal, prismaWhere(q.filters)] };
    const shape = q.fields
      ? {
          select: {
            ...Object.fromEntries([...new Set(['id', ...q.fields, ...q.sort.map((k) => k.field)])].map((f) => [f, true])),
            ...this.relationArgs(q.include),
          },
        }
      : { omit: this.hiddenOmit(this.d), include: q.include.length ? this.relationArgs(q.include) : undefined };
    const delegate = this.d.delegate(this.prisma);
    return {
      fetch: (after, take) => {
        const paged = after ? { AND: [where, afterCondition(q.sort, [...after])] } : where;
        return delegate.findMany({ where: paged, orderBy: orderBy(q.sort), take, ...shape });
      },
      count: () => delegate.count({ where }),
    };
  }

  /** The row, if `p` may see it; else 404. */
  private visibleRow(p: Principal, id: unknown, row: Row | null | undefined): Row {
    if (!row || !canSee(this.d, p, row)) throw notFound(`No ${this.d.label} with id ${String(id)}`);
    return row;
  }

  /**
   * A row the principal may see, or 404. By primary key (findUnique, which Prisma batches
   * across concurrent requests), with the ownership rule applied to the row read.
   */
  async find(db: PrismaClient | Tx, p: Principal, id: unknown, include: readonly string[] = []): Promise<Row> {
    const row = await this.d.delegate(db).findUnique({
      where: { id },
      omit: this.hiddenOmit(this.d),
      include: include.length ? this.relationArgs(include) : undefined,
    });
    return this.visibleRow(p, id, row);
  }

  /** As find, outside a transaction; without include= by SQL when the service has that path. */
  async get(p: Principal, id: unknown, include: readonly string[] = []): Promise<Row> {
    if (!this.reads || include.length) return this.find(this.prisma, p, id, include);
    return this.visibleRow(p, id, await this.reads.byId(id));
  }

  /** Locks the row for the rest of the transaction, then reads it (404 if not visible). */
  async lockAndFind(tx: Tx, p: Principal, id: unknown): Promise<Row> {
    await tx.$executeRawUnsafe(this.lockSql, id);
    return this.writable(p, await this.find(tx, p, id), id);
  }

  /** The row if `p` may change it: 404 if there is none or `p` may not see it, 403 if `p` may only read it. */
  writable(p: Principal, row: Row | undefined, id: unknown): Row {
    if (!row || !canSee(this.d, p, row)) throw notFound(`No ${this.d.label} with id ${String(id)}`);
    if (this.d.ownership === 'sharedRead' && !isAdmin(p) && row[this.d.ownerField] !== p.userId) {
      throw forbidden(`Only the owner of this ${this.d.label} or an admin may change it`);
    }
    return row;
  }

  /** One row created by one statement (callers check `direct?.creates` first). */
  async createDirect(db: Db, p: Principal, input: Record<string, unknown>, attach?: Attached): Promise<Row> {
    if (!this.direct) throw new Error(`${this.d.name} has no one-statement writes`);
    return this.direct.create(db, p, this.ownerData(p, input), attach);
  }

  checkIfMatch(p: Principal, row: Row, ifMatch: string | undefined): void {
    if (ifMatch !== undefined && !matchesEtag(ifMatch, etagOf(this.output(row, p)))) {
      throw preconditionFailed('The resource has changed since you read it (If-Match does not match its ETag)');
    }
  }

  private ownerData(p: Principal, input: Record<string, unknown>): Record<string, unknown> {
    if (this.d.ownerField === 'id') return input; // users own themselves
    return { ...input, [this.d.ownerField]: input[this.d.ownerField] ?? p.userId };
  }

  async create(tx: Tx, p: Principal, input: Record<string, unknown>, query: Record<string, string> = {}): Promise<Row> {
    const ctx: WriteContext = { tx, principal: p, query };
    let data = this.ownerData(p, input);
    this.d.rules?.create?.(data);
    if (this.d.hooks?.beforeCreate) data = await this.d.hooks.beforeCreate(data, ctx);
    const row = await this.d.delegate(tx).create({ data, omit: this.hiddenOmit(this.d) });
    await recordEvent(tx, {
      actorId: p.userId,
      action: `${this.entity}.created`,
      entityType: this.entity,
      entityId: String(row.id),
      changes: { after: snapshot(row) },
    });
    return row;
  }

  async createMany(tx: Tx, p: Principal, inputs: Array<Record<string, unknown>>, query: Record<string, string> = {}): Promise<Row[]> {
    const ctx: WriteContext = { tx, principal: p, query };
    let data = inputs.map((i) => this.ownerData(p, i));
    for (const row of data) this.d.rules?.create?.(row);
    if (this.d.hooks?.beforeCreateMany) data = await this.d.hooks.beforeCreateMany(data, ctx);
    else if (this.d.hooks?.beforeCreate) {
      const hook = this.d.hooks.beforeCreate;
      data = await Promise.all(data.map((row) => hook(row, ctx)));
    }
    const rows = await this.d.delegate(tx).createManyAndReturn({ data, omit: this.hiddenOmit(this.d) });
    await recordEvents(
      tx,
      rows.map((row) => ({
        actorId: p.userId,
        action: `${this.entity}.created`,
        entityType: this.entity,
        entityId: String(row.id),
        changes: { after: snapshot(row) },
      })),
    );
    return rows;
  }

  async update(tx: Tx, p: Principal, id: unknown, patch: Record<string, unknown>, ifMatch?: string): Promise<Row> {
    const existing = await this.lockAndFind(tx, p, id);
    this.checkIfMatch(p, existing, ifMatch);
    this.d.rules?.update?.(existing, patch);
    const data = this.d.hooks?.beforeUpdate ? await this.d.hooks.beforeUpdate(existing, patch, { tx, principal: p, query: {} }) : patch;
    const row = await this.d.delegate(tx).update({ where: { id }, data, omit: this.hiddenOmit(this.d) });
    const changes = diff(existing, row);
    // Hidden fields (password hashes) are not read back; their change is recorded, redacted.
    for (const key of Object.keys(data).filter((k) => this.d.hidden?.includes(k))) {
      changes.before[key] = '[redacted]';
      changes.after[key] = '[redacted]';
    }
    await recordEvent(tx, {
      actorId: p.userId,
      action: `${this.entity}.updated`,
      entityType: this.entity,
      entityId: String(id),
      changes,
    });
    return row;
  }

  async remove(
    tx: Tx,
    p: Principal,
    id: unknown,
    ifMatch: string | undefined,
    query: Record<string, string>,
    afterCommit?: WriteContext['afterCommit'],
  ): Promise<void> {
    const existing = await this.lockAndFind(tx, p, id);
    this.checkIfMatch(p, existing, ifMatch);
    await this.d.hooks?.beforeDelete?.(existing, { tx, principal: p, query, afterCommit });
    await this.d.delegate(tx).delete({ where: { id } });
    await recordEvent(tx, {
      actorId: p.userId,
      action: `${this.entity}.deleted`,
      entityType: this.entity,
      entityId: String(id),
      changes: { before: snapshot(existing) },
    });
  }
}
