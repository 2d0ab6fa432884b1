/**
 * The cheap read path of a resource: GET by id and the listings without include= as one
 * hand-written statement each, run on the application's pg pool (as the token lookup is). It
 * skips Prisma Client's per-query work (argument checks, the query plan's interpretation, result
 * mapping), which was most of a read's database cost in the API (docs/scaling.md, "The read path").
 *
 * The rows come back as Prisma's do: the same fields (hidden ones left out, fields= as Prisma's
 * select gives them) in the same order, with the same values once shaped by toOutput (Date,
 * parsed JSON, numbers; BigInt columns arrive as decimal strings, which is how toOutput writes
 * BigInts). src/resources/service.ts pages, serializes and checks ownership for both paths alike;
 * __tests__/api/read-paths.test.ts compares the two on every registered resource.
 */
import type pg from 'pg';
import { quoteIdent } from '../db/pg-url';
import type { TableNames } from '../db/sql-names';
import type { ResourceDescriptor, Row } from './descriptor';
import type { ListQuery } from './listing';
import { afterSql, allOf, equalSql, filterSql, orderSql, Params, type Columns } from './sql-query';

/** The rows of one listing, for src/resources/paging.ts: in sort order after a row's sort values, and their number. */
export interface RowSource {
  fetch(after: readonly unknown[] | undefined, take: number): Promise<Row[]>;
  count(): Promise<number>;
}

/** Where the statements run: the application's pool (src/db/connection.ts). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export class SqlReads {
  private readonly c: Columns;
  private readonly table: string;
  /** The model's scalar fields, in the order of prisma/schema.prisma (Prisma's order of a row's keys). */
  private readonly fields: readonly string[];
  /** The fields a row carries without fields=: all but the hidden ones. */
  private readonly visible: readonly string[];
  private readonly selectAll: string;
  private readonly byIdSql: string;

  constructor(
    d: ResourceDescriptor,
    private readonly db: Queryable,
    /** The names of the descriptor's model: sqlNames(schema).table(d.model). */
    names: TableNames<string>,
  ) {
    this.c = names.c;
    this.table = names.table;
    this.fields = Object.keys(names.c);
    this.visible = this.fields.filter((f) => !d.hidden?.includes(f));
    this.selectAll = this.selectList(this.visible);
    this.byIdSql = `SELECT ${this.selectAll} FROM ${this.table} WHERE ${names.id.column} = $1`;
  }

  /** Whether this path serves the listing: everything but embedded rows (include=). */
  covers(q: Pick<ListQuery, 'include'>): boolean {
    return q.include.length === 0;
  }

  /** The row with this id (as parsed by its field's kind), whoever owns it. */
  async byId(id: unknown): Promise<Row | undefined> {
    return (await this.db.query<Row>(this.byIdSql, [id])).rows[0];
  }

  /** The rows of a listing whose rows must also match each of `equal` (ownership, a parent's scope). */
  rows(equal: ReadonlyArray<Readonly<Record<string, unknown>>>, q: ListQuery): RowSource {
    const select = q.fields ? this.selectList(this.selected(q)) : this.selectAll;
    const order = orderSql(this.c, q.sort);
    const conditions = (params: Params): string[] => [
      ...equal.flatMap((e) => equalSql(this.c, e, params)),
      ...q.filters.map((f) => filterSql(this.c, f, params)),
    ];
    return {
      fetch: async (after, take) => {
        const params = new Params();
        const where = conditions(params);
        if (after) where.push(afterSql(this.c, q.sort, after, params));
        const sql = `SELECT ${select} FROM ${this.table} WHERE ${allOf(where)} ORDER BY ${order} LIMIT ${params.add(take)}`;
        return (await this.db.query<Row>(sql, params.values)).rows;
      },
      count: async () => {
        const params = new Params();
        const sql = `SELECT count(*)::int AS n FROM ${this.table} WHERE ${allOf(conditions(params))}`;
        return (await this.db.query<{ n: number }>(sql, params.values)).rows[0]?.n ?? 0;
      },
    };
  }

  /** With fields=: the id, the fields asked for and the sort keys (for the cursor), as Prisma's select reads them. */
  private selected(q: Pick<ListQuery, 'fields' | 'sort'>): string[] {
    const wanted = new Set(['id', ...(q.fields ?? []), ...q.sort.map((k) => k.field)]);
    return this.fields.filter((f) => wanted.has(f));
  }

  private selectList(fields: readonly string[]): string {
    return fields
      .map((f) => {
        const column = this.c[f] as string;
        return column === quoteIdent(f) ? column : `${column} AS ${quoteIdent(f)}`;
      })
      .join(', ');
  }
}
