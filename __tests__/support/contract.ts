/**
 * Checks real responses against the OpenAPI document the app serves: the path and method are
 * documented (else the response must be the 404 / 405 problem), the status is documented for
 * the operation, the headers the API sets are documented (and required ones present), the
 * content type is one the operation declares and the body matches its schema (JSON Schema
 * 2020-12, ajv); a problem's `type` is one that GET /problems/{type} describes. Every check records what it saw, so a test can ask which operations were
 * never exercised.
 *
 * A response is an `Exchange`, whichever client received it: supertest (`fromSupertest`),
 * fetch or raw node:http (`fromText`). __tests__/support/contract-hook.ts checks every response
 * of the suite with this.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { openApiDocument, type OpenApiDocument } from '../../src/api/openapi';
import { BEFORE_ROUTING } from '../../src/api/openapi/common';
import { PROBLEM_TYPES } from '../../src/api/problem-types';

type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const;
/** Headers the API sets on purpose: if a response has one, the document must declare it. */
const API_HEADERS = [
  ...['location', 'etag', 'link', 'retry-after', 'allow', 'www-authenticate', 'idempotent-replayed', 'x-request-id'],
  ...['content-range', 'accept-ranges', 'content-disposition', 'repr-digest', 'upload-offset', 'upload-length', 'upload-expires'],
  ...['tus-version', 'tus-extension', 'tus-max-size'],
];

/**
 * The only responses of the app that the document leaves out on purpose, with why. They still
 * get the checks every response gets: an X-Request-Id, and an error is a Problem. (Responses
 * that are not checked at all, and why, are listed in contract-hook.ts.)
 */
export const EXEMPT: ReadonlyArray<{ what: string; why: string; applies: (res: Exchange, path: string) => boolean }> = [
  {
    what: 'Swagger UI’s static files under /docs/',
    why:
      'swagger-ui-express serves swagger-ui-init.js, CSS, bundles and icons behind the documented GET /docs page; they are ' +
      'files of the UI, not part of the API, and change with the swagger-ui-dist version.',
    applies: (_res, path) => path.startsWith('/docs/') && path !== '/docs/',
  },
  {
    what: 'CORS preflight (OPTIONS answered with Access-Control-Allow-Methods)',
    why:
      'The cors middleware answers a browser’s preflight for every path when CORS_ORIGINS is set; it is part of HTTP, ' +
      'not an operation of the API, and OpenAPI has no way to declare it for all paths at once.',
    applies: (res) => res.method.toUpperCase() === 'OPTIONS' && res.headers['access-control-allow-methods'] !== undefined,
  },
];

/** One response as received, from any client. */
export interface Exchange {
  /** The request method (HEAD is checked against GET, without a body). */
  method: string;
  /** The request URL (absolute, or a path). */
  url: string;
  status: number;
  /** Response headers, names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed body for a JSON media type, the text (or bytes) otherwise; undefined when there is none. */
  body?: unknown;
}

const isJson = (type: string): boolean => /^application\/(.+\+)?json$/.test(type);
/** Bodies checked against their schema: JSON and text. Others (a recording's file) are bytes; their media type and headers are checked. */
const hasCheckableBody = (type: string): boolean => isJson(type) || type.startsWith('text/');
/** The documented media type a response's type falls under: the exact type, then its type/ range, then any type. */
const documentedType = (content: Record<string, unknown>, type: string): string | undefined =>
  [type, `${type.split('/')[0] ?? ''}/*`, '*/*'].find((t) => content[t] !== undefined);
const mediaType = (headers: Exchange['headers']): string => String(headers['content-type'] ?? '').split(';')[0] ?? '';

/** A supertest (superagent) response as an Exchange. */
export function fromSupertest(res: Response): Exchange {
  const req = (res as unknown as { request: { method: string; url: string } }).request;
  const raw: unknown = res.body;
  const empty = (res.text ?? '') === '' && !(Buffer.isBuffer(raw) && raw.length > 0);
  return {
    method: req.method,
    url: req.url,
    status: res.status,
    headers: res.headers as Exchange['headers'],
    body: empty ? undefined : isJson(mediaType(res.headers as Exchange['headers'])) ? raw : (res.text ?? raw),
  };
}

/** A response read as text (fetch, node:http) as an Exchange: a JSON body is parsed. */
export function fromText(method: string, url: string, status: number, headers: Exchange['headers'], text: string): Exchange {
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && isJson(mediaType(headers))) {
    try {
      body = JSON.parse(text);
    } catch {
      // left as text: the schema check reports it
    }
  }
  return { method, url, status, headers, body };
}

const pointer = (segments: string[]): string =>
  '#/' + segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export interface Seen {
  method: string;
  path: string;
  status: number;
}

export class Contract {
  readonly seen: Seen[] = [];
  private readonly ajv: Ajv2020;
  private readonly templates: Array<{ template: string; regex: RegExp }>;

  constructor(readonly doc: OpenApiDocument = openApiDocument()) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc as unknown as Json, 'openapi', undefined, false);
    this.templates = Object.keys(doc.paths ?? {})
      .map((template) => ({ template, regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`) }))
      // literal paths before templated ones
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  /** The documented operations, as `METHOD /path/{template}`. */
  operations(): string[] {
    return Object.entries(this.doc.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Json)[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
  }

  private resolve(node: unknown, segments: string[]): { node: Json; segments: string[] } {
    const ref = (node as { $ref?: string }).$ref;
    if (!ref) return { node: node as Json, segments };
    const target = ref.replace(/^#\//, '').split('/');
    let out: unknown = this.doc;
    for (const s of target) out = (out as Json)[s.replace(/~1/g, '/').replace(/~0/g, '~')];
    return this.resolve(out, target);
  }

  private validate(segments: string[], value: unknown, what: string): string[] {
    const validator = this.ajv.getSchema(`openapi${pointer(segments)}`);
    if (!validator) return [`${what}: no schema at ${segments.join('/')}`];
    if (validator(value)) return [];
    return (validator.errors ?? []).map((e) => `${what}: ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /** Every way the response differs from the document (empty: it conforms). */
  check(res: Exchange): string[] {
    const head = res.method.toUpperCase() === 'HEAD';
    let method = head ? 'get' : res.method.toLowerCase();
    const path = new URL(res.url, 'http://localhost').pathname;
    const label = `${res.method.toUpperCase()} ${path} → ${res.status}`;
    const problems: string[] = [];
    const type = mediaType(res.headers);
    if (!res.headers['x-request-id']) problems.push(`${label}: no X-Request-Id`);
    // A problem's type leads to its page (GET /problems/{type}), so it must be one that has one.
    const problemType = type === 'application/problem+json' ? (res.body as { type?: unknown } | undefined)?.type : undefined;
    if (typeof problemType === 'string') {
      const slug = /^\/problems\/([a-z0-9-]+)$/.exec(problemType)?.[1];
      const page = slug && Object.hasOwn(PROBLEM_TYPES, slug) ? PROBLEM_TYPES[slug] : undefined;
      if (!page) problems.push(`${label}: problem type ${problemType} has no page (src/api/problem-types.ts)`);
      else if (![page.status].flat().includes(res.status))
        problems.push(
          `${label}: problem type ${problemType} is described with status ${[page.status].flat().join(', ')} (src/api/problem-types.ts)`,
        );
    }
    // A HEAD response has the headers of the GET, and no body to check.
    const body = (segments: string[]): string[] => (head ? [] : this.validate(segments, res.body, label));

    // An error for an undocumented path or method: the 404 / 405, or one of a check made before routing.
    const problem = (status?: number): string[] => {
      const early = BEFORE_ROUTING.filter((b) => `${path}/`.startsWith(b.prefix)).flatMap((b) => b.statuses);
      const out =
        status === undefined || res.status === status || (early as number[]).includes(res.status)
          ? []
          : [`${label}: an undocumented path or method must be ${status} (or one of ${early.join(', ')}, from checks made before routing)`];
      if (type !== 'application/problem+json' && !(head && !type)) out.push(`${label}: content-type ${type} is not problem+json`);
      return [...out, ...body(['components', 'schemas', 'Problem'])];
    };
    if (EXEMPT.some((e) => e.applies(res, path))) return res.status >= 400 ? [...problems, ...problem()] : problems;
    const match = this.templates.find((t) => t.regex.test(path));
    if (!match) return [...problems, ...problem(404)];
    const item = (this.doc.paths ?? {})[match.template] as Json;
    // A HEAD is checked against its own operation where one is documented (tus), else against the GET.
    if (head && item.head) method = 'head';
    const operation = item[method] as Json | undefined;
    if (!operation) {
      const documented = METHODS.filter((m) => m !== 'head' && item[m]).map((m) => m.toUpperCase());
      const allow = String(res.headers.allow ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((m) => m && m !== 'HEAD');
      if (res.status === 405 && allow.sort().join() !== documented.sort().join())
        problems.push(`${label}: Allow "${String(res.headers.allow)}" ≠ documented ${documented.join(', ')}`);
      return [...problems, ...problem(405)];
    }
    this.seen.push({ method: method.toUpperCase(), path: match.template, status: res.status });

    const responses = operation.responses as Json;
    const declared = responses[String(res.status)] ?? responses.default;
    if (!declared) return [...problems, `${label}: status ${res.status} is not documented for ${method.toUpperCase()} ${match.template}`];
    const base = ['paths', match.template, method, 'responses', responses[String(res.status)] ? String(res.status) : 'default'];
    const { node: response, segments } = this.resolve(declared, base);

    const headers = Object.fromEntries(
      Object.entries((response.headers ?? {}) as Json).map(([k, v]) => [k.toLowerCase(), this.resolve(v, []).node]),
    );
    for (const name of API_HEADERS) {
      if (res.headers[name] !== undefined && !headers[name]) problems.push(`${label}: header ${name} is not documented`);
    }
    for (const [name, header] of Object.entries(headers)) {
      if (header.required && res.headers[name] === undefined) problems.push(`${label}: required header ${name} is missing`);
    }

    const content = response.content as Json | undefined;
    if (!content) {
      if (res.body !== undefined) problems.push(`${label}: the document declares no body, got ${type || 'one'}`);
      return problems;
    }
    const documented = documentedType(content, type);
    if (!documented) return [...problems, `${label}: content-type ${type} is not one of ${Object.keys(content).join(', ')}`];
    return hasCheckableBody(type) ? [...problems, ...body([...segments, 'content', documented, 'schema'])] : problems;
  }

  /** Operations never answered with a 2xx or 3xx by the checked responses. */
  unexercised(): string[] {
    const ok = new Set(this.seen.filter((s) => s.status < 400).map((s) => `${s.method} ${s.path}`));
    return this.operations().filter((op) => !ok.has(op));
  }
}
