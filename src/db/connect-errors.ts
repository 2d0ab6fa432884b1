/**
 * A database that refuses new connections (ALLOW_CONNECTIONS false, too many connections,
 * authentication failing after a credential rotation, a database dropped or renamed, an embedded
 * server at its connection limit) answers with an error the first query would otherwise report
 * as if it were the query's own: SQLSTATEs such as 55000 or 28P01 mean "bug" anywhere else.
 * The pool's clients therefore report any failure to establish a connection in SQLSTATE class
 * 08 (connection exception), which src/db/errors.ts answers with 503 and Retry-After whatever
 * the server (PostgreSQL or the embedded PGlite) said. The original error is the `cause`.
 */
import pg from 'pg';

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** SQL standard: the server rejected the establishment of the connection. */
export const SERVER_REJECTED_CONNECTION = '08004';
/** SQL standard: the client could not establish the connection. */
export const UNABLE_TO_CONNECT = '08001';

export interface ConnectError extends Error {
  code: string;
  severity: string;
  /** The code the server or the driver gave, if any. */
  refusedWith: string | undefined;
}

/** The error of a failed connection attempt, in class 08; network errors (ECONNREFUSED, …) stay as they are. */
export function asConnectError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && !SQLSTATE.test(code)) return err; // a Node network error: already a 503
  const wrapped = new Error(err.message, { cause: err }) as ConnectError;
  wrapped.code = typeof code === 'string' ? SERVER_REJECTED_CONNECTION : UNABLE_TO_CONNECT;
  wrapped.severity = 'FATAL';
  wrapped.refusedWith = typeof code === 'string' ? code : undefined;
  return wrapped;
}

type Callback = ((err: Error) => void) | ((err: null, client: pg.Client) => void);

/**
 * pg.Client whose connect() reports failures through asConnectError (pg.Pool's `Client` option).
 * It also always has an 'error' listener. A connection the server ends (pg_terminate_backend, a
 * restart) is reported as an 'error' event on its client when no query is running; pg.Pool
 * listens only while a client is idle and Prisma's adapter only inside its transactions, and an
 * unheard 'error' event ends the process. Whoever holds the client finds out on its next
 * statement ("not queryable", answered as an outage by src/db/errors.ts), and the pool discards it.
 */
export class ConnectErrorClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }

  override connect(): Promise<pg.Client>;
  override connect(callback: Callback): void;
  override connect(callback?: Callback): Promise<pg.Client> | void {
    const connecting = super.connect().catch((err: unknown) => {
      throw asConnectError(err);
    });
    if (!callback) return connecting;
    connecting.then(
      (client) => (callback as (err: null, client: pg.Client) => void)(null, client),
      (err: unknown) => (callback as (err: Error) => void)(err as Error),
    );
  }
}
