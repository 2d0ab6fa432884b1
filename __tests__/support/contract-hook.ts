/**
 * Jest `setupFilesAfterEnv`: every HTTP response a test receives is checked against the OpenAPI
 * document (support/contract.ts) before the test sees it, and a response that does not conform
 * fails the test that received it.
 *
 * - supertest: `Test.prototype.assert` runs the check before the test's own `.expect()`s, so
 *   `await request(app)…` rejects (and an `.end(cb)` gets the error) with every problem.
 * - fetch: the global is wrapped; the response is checked (its body read from a clone) before
 *   the call resolves, and a non-conforming one rejects. Every server a test fetches from is an
 *   instance of this app (startInstance, startService); for anything else use `uncheckedFetch`.
 * - other clients: a raw node:http one builds an Exchange and calls `expectConforms`
 *   (shutdown.test.ts); a child process that is a client logs its responses with
 *   support/exchange-log.ts and the test checks them (`expectLoggedExchangesConform`, example.test.ts).
 * - a browser: processes/swagger-ui.test.ts passes the API responses Swagger UI receives to `checkExchange`.
 *
 * A problem is also kept until the end of the test and fails it in `afterEach`, so a test that
 * catches the rejection (a retry loop, `.catch(() => undefined)`) still fails.
 *
 * Not checked, on purpose (responses of the app the document leaves out are in contract.ts, EXEMPT):
 * - reliability/memory-probe.ts, a child process that measures its own heap over 300 pages of 1000
 *   rows: logging or validating them there would distort what it measures, and the same operations
 *   (a bulk POST /recordings, GET /recordings?include=user) are checked in the other tests.
 * - servers that are not this app (Prisma Studio in studio.test.ts, Prometheus in prometheus.test.ts) and
 *   the metrics port, which is not part of the API: fetched with `uncheckedFetch`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { Contract, fromSupertest, fromText, type Exchange } from './contract';
import type { LoggedExchange } from './exchange-log';

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** The Contract of this test file (jest gives each file its own module registry, and the app builds its document there too). */
let contract: Contract | undefined;
export const currentContract = (): Contract => (contract ??= new Contract());

let checked = 0;
/** Time spent checking (the Contract's construction included), for the run's summary. */
let checkingMs = 0;
/** Violations of the running test not yet reported by `afterEach`. */
const pending: string[] = [];

/** How many responses this test file has had checked so far. */
export const checkedResponses = (): number => checked;

/** Checks one response; a violation is returned and kept for the running test. */
export function checkExchange(exchange: Exchange): ContractViolation | undefined {
  checked++;
  const started = performance.now();
  const problems = currentContract().check(exchange);
  checkingMs += performance.now() - started;
  if (!problems.length) return undefined;
  const message = `The response does not conform to the OpenAPI document (src/api/openapi.ts):\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  pending.push(message);
  return new ContractViolation(message);
}

/** Throws when the response does not conform (for clients the hooks do not see). */
export function expectConforms(exchange: Exchange): void {
  const violation = checkExchange(exchange);
  if (violation) throw violation;
}

/**
 * Checks the responses a child process logged with support/exchange-log.ts (fails like
 * `expectConforms`, with every violation); returns how many there were.
 */
export function expectLoggedExchangesConform(file: string): number {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const violations = lines
    .map((line) => JSON.parse(line) as LoggedExchange)
    .map((e) => checkExchange(fromText(e.method, e.url, e.status, e.headers, e.text)))
    .filter((v) => v !== undefined);
  if (violations.length) throw new ContractViolation(violations.map((v) => v.message).join('\n'));
  return lines.length;
}

/** Takes the violations kept for the running test (a test that provokes one on purpose clears it with this). */
export const takeViolations = (): string[] => pending.splice(0);

/** What `afterEach` runs: fails when the running test received a non-conforming response. */
export function assertNoViolations(): void {
  const found = takeViolations();
  if (!found.length) return;
  // A property-based test that shrinks a failure repeats it many times: list each one once, the first ten.
  const distinct = [...new Set(found)];
  const more = distinct.length > 10 ? `\n… and ${distinct.length - 10} more` : '';
  throw new ContractViolation(
    `${found.length} response(s) received in this test do not conform to the OpenAPI document ` +
      `(each also failed the request that received it, unless the test caught that):\n${distinct.slice(0, 10).join('\n')}${more}`,
  );
}

// supertest: the check joins the assertions of every request, ahead of the test's own.
type Callback = (this: unknown, err: Error | null, res: request.Response) => void;
type Assert = (this: unknown, resError: Error | null, res: request.Response | undefined, fn?: Callback) => void;
const proto = request.Test.prototype as unknown as { assert: Assert };
const assert = proto.assert;
proto.assert = function (this: unknown, resError, res, fn) {
  const violation = res ? checkExchange(fromSupertest(res)) : undefined;
  if (!violation) return assert.call(this, resError, res, fn);
  return assert.call(this, resError, res, function (this: unknown, err, r) {
    if (err) violation.message += `\n(and the test's own expectation failed: ${err.message})`;
    fn?.call(this, violation, r);
  });
};

// fetch: checked before the caller gets the response.
export const uncheckedFetch: typeof fetch = globalThis.fetch;
globalThis.fetch = async function checkedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await uncheckedFetch(input, init);
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const url = res.url || (input instanceof Request ? input.url : String(input));
  const violation = checkExchange(fromText(method, url, res.status, Object.fromEntries(res.headers), await res.clone().text()));
  if (violation) throw violation;
  return res;
};

afterEach(assertNoViolations);

// Problems of beforeAll/afterAll hooks outside any test, and this file's count for the run's summary.
afterAll(() => {
  const dir = process.env.BACKENDAPI_CONTRACT_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    appendFileSync(
      path.join(dir, `worker-${process.env.JEST_WORKER_ID ?? '1'}.log`),
      `${checked} ${Math.round(checkingMs)} ${expect.getState().testPath}\n`,
    );
  }
  assertNoViolations();
});
