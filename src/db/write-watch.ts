/**
 * Which tables this process's Prisma Client has just changed, told once the change is committed:
 * after a statement outside a transaction, after COMMIT for one inside. It watches the SQL at the
 * driver adapter, so every Prisma write is seen whatever code path issued it (model calls and
 * $executeRaw alike); writes sent through the pg.Pool directly are not.
 *
 * The token cache (src/auth/token-cache.ts) uses it to forget cached tokens at once when this
 * instance changes users or keys; other instances learn of it through PostgreSQL NOTIFY.
 */
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';

export type WriteListener = (tables: ReadonlySet<string>) => void;

export class WriteWatch {
  private readonly listeners = new Set<WriteListener>();

  /** Calls `listener` with the tables of every committed UPDATE, DELETE, MERGE or TRUNCATE; returns an unsubscribe. */
  subscribe(listener: WriteListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(tables: ReadonlySet<string>): void {
    for (const listener of this.listeners) listener(tables);
  }
}

const CHANGE =
  /\b(?:UPDATE|DELETE\s+FROM|MERGE\s+INTO|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?)\s+(?:"(?:[^"]|"")+"\.|\w+\.)?(?:"((?:[^"]|"")+)"|(\w+))/gi;

const UPSERT = /^\s*INSERT\s+INTO\s+(?:"(?:[^"]|"")+"\.|\w+\.)?(?:"((?:[^"]|"")+)"|(\w+))[\s\S]*\bON\s+CONFLICT\b[\s\S]*\bDO\s+UPDATE\b/i;

const tableName = (m: RegExpMatchArray): string => (m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] as string));

/**
 * The tables a statement updates or deletes from (a plain insert changes no row read before; an
 * upsert may). SELECTs are skipped at once: they are most statements and write nothing.
 */
export function changedTables(sql: string): string[] {
  const head = sql.trimStart().slice(0, 6).toUpperCase();
  if (head === 'SELECT' || head === 'BEGIN' || head === 'COMMIT') return [];
  if (head === 'INSERT') {
    const upsert = UPSERT.exec(sql);
    return upsert ? [tableName(upsert)] : [];
  }
  return [...sql.matchAll(CHANGE)].map(tableName);
}

type Run = (query: SqlQuery) => Promise<unknown>;

function watchQueries<T extends Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>>(target: T, seen: (tables: string[]) => void): void {
  for (const method of ['queryRaw', 'executeRaw'] as const) {
    const run = (target[method] as Run).bind(target);
    (target as unknown as Record<string, Run>)[method] = async (query) => {
      const result = await run(query);
      const tables = changedTables(query.sql);
      if (tables.length) seen(tables);
      return result;
    };
  }
}

/** Wraps a driver adapter factory so that committed changes are reported to `watch`. */
export function watchingWrites(factory: SqlDriverAdapterFactory, watch: WriteWatch): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      watchQueries(adapter, (tables) => watch.emit(new Set(tables)));
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel): Promise<Transaction> => {
        const tx = await startTransaction(isolationLevel);
        const changed = new Set<string>();
        watchQueries(tx, (tables) => tables.forEach((t) => changed.add(t)));
        const commit = tx.commit.bind(tx);
        // Prisma calls commit() once COMMIT has succeeded (rollback() otherwise).
        tx.commit = async () => {
          await commit();
          if (changed.size) watch.emit(changed);
        };
        return tx;
      };
      return adapter;
    },
  };
}
