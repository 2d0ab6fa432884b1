/**
 * Preloaded with `--require` into a child process that is a client of the app (examples/basic_usage.ts
 * in example.test.ts): every response its fetch receives is appended, with the request's method and
 * URL, as one JSON line to the file named by BACKENDAPI_EXCHANGE_LOG. The test then checks them
 * against the OpenAPI document (`expectLoggedExchangesConform` in contract-hook.ts), so the child
 * needs neither the document nor a validator.
 */
import { appendFileSync } from 'node:fs';

export interface LoggedExchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  text: string;
}

const file = process.env.BACKENDAPI_EXCHANGE_LOG;
if (file) {
  const original = globalThis.fetch;
  globalThis.fetch = async function loggedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const res = await original(input, init);
    const entry: LoggedExchange = {
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      url: res.url || (input instanceof Request ? input.url : String(input)),
      status: res.status,
      headers: Object.fromEntries(res.headers),
      text: await res.clone().text(),
    };
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
    return res;
  };
}
