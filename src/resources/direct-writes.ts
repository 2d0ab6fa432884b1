/**
 * Single-row writes without a transaction, each one statement (src/resources/sql-write.ts), for
 * the descriptors whose hooks need no queries of their own. The rules are those of service.ts's
 * transaction path: visibility (404/403), If-Match (412) against the ETag of the row as read,
 * the event-log row. Update and delete compare and set: they change the row only if it is still
 * the version read; if it changed meanwhile they read it again and decide again (If-Match then
 * fails if the representation changed), as a locked read would have waited for the change.
 */
import type { Principal } from '../auth/principal';
import { conflict } from '../core/errors';
import { currentRequestId } from '../core/context';
import type { Db, ResourceDescriptor, Row } from './descriptor';
import { etagOf } from './output';
import { VERSION, type CreateAttachment, type WriteStatements } from './sql-write';

/** A CTE for the create statement to run with the row it creates, and the CTE's parameters. */
export interface Attached {
  cte: CreateAttachment;
  params: unknown[];
}

/** The checks of a row in hand that service.ts applies to a locked row. */
export interface RowRules {
  /** 404 unless `p` may see the row (undefined: there is none), 403 unless `p` may change it. */
  writable(p: Principal, row: Row | undefined, id: unknown): Row;
  checkIfMatch(p: Principal, row: Row, ifMatch: string | undefined): void;
}

/** How often a compare-and-set is tried again when the row keeps changing under it. */
const ATTEMPTS = 5;

export class DirectWrites {
  constructor(
    private readonly d: ResourceDescriptor,
    private readonly s: WriteStatements,
    private readonly entity: string,
    private readonly rules: RowRules,
  ) {}

  /** A create is one statement: no creation function of the table's own, and no beforeCreate or a guard the INSERT checks in its place. */
  get creates(): boolean {
    return !this.d.creation && (!this.d.hooks?.beforeCreate || Boolean(this.d.oneStatement?.createGuard));
  }

  /** An update of these fields is one statement: beforeUpdate has nothing to do, and no hidden field is set. */
  updates(patch: Record<string, unknown>): boolean {
    const keys = Object.keys(patch);
    if (keys.some((k) => this.d.hidden?.includes(k))) return false;
    if (!this.d.hooks?.beforeUpdate) return true;
    const hookFields = this.d.oneStatement?.updateHookFields;
    return Boolean(hookFields && !keys.some((k) => hookFields.includes(k)));
  }

  get deletes(): boolean {
    return !this.d.hooks?.beforeDelete;
  }

  private event(p: Principal, verb: string): unknown[] {
    return [p.userId, `${this.entity}.${verb}`, this.entity, currentRequestId() ?? null];
  }

  /**
   * `data`: the parsed input with its owner set. `attach`: another CTE the same statement runs
   * with the created row, and its parameters.
   */
  async create(db: Db, p: Principal, data: Record<string, unknown>, attach?: Attached): Promise<Row> {
    this.d.rules?.create?.(data);
    const present = new Set(Object.keys(data).filter((k) => data[k] !== undefined));
    const { sql, columns } = this.s.create(present, attach?.cte);
    const values = columns.map((c) => (present.has(c.field) ? c.value(data[c.field]) : c.generate?.()));
    const keep = attach?.params ?? [];
    const [row] = await db.$queryRawUnsafe<Row[]>(sql, ...values, ...this.event(p, 'created'), ...keep);
    if (!row) throw this.d.oneStatement?.createGuard?.error() ?? new Error(`${this.d.name}: the INSERT wrote no row`);
    return row;
  }

  /** The ETag of a response body kept by `create` (its fields in the order of the response first sent). */
  etagOfStored(body: Record<string, unknown>): string {
    return etagOf(Object.fromEntries(this.s.outputFields.filter((f) => f in body).map((f) => [f, body[f]])));
  }

  /** The row and its version, checked as a locked read would be. */
  private async read(db: Db, p: Principal, id: unknown, ifMatch: string | undefined): Promise<{ row: Row; version: string }> {
    const [found] = await db.$queryRawUnsafe<Array<Row & { [VERSION]: string }>>(this.s.read, id);
    let version = '';
    if (found) {
      version = found[VERSION];
      delete (found as Partial<typeof found>)[VERSION];
    }
    const row = this.rules.writable(p, found, id);
    this.rules.checkIfMatch(p, row, ifMatch);
    return { row, version };
  }

  async update(db: Db, p: Principal, id: unknown, patch: Record<string, unknown>, ifMatch: string | undefined): Promise<Row> {
    const fields = Object.keys(patch).filter((k) => patch[k] !== undefined);
    const sql = this.s.update(fields);
    const values = this.s.updateColumns(fields).map((c) => c.value(patch[c.field]));
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { row: existing, version } = await this.read(db, p, id, ifMatch);
      this.d.rules?.update?.(existing, patch);
      const [row] = await db.$queryRawUnsafe<Row[]>(sql, id, version, ...values, ...this.event(p, 'updated'));
      if (row) return row;
    }
    throw conflict('The change collided with a concurrent one; retry it');
  }

  async remove(db: Db, p: Principal, id: unknown, ifMatch: string | undefined): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { version } = await this.read(db, p, id, ifMatch);
      const gone = await db.$queryRawUnsafe<unknown[]>(this.s.remove, id, version, ...this.event(p, 'deleted'));
      if (gone.length) return;
    }
    throw conflict('The change collided with a concurrent one; retry it');
  }
}
