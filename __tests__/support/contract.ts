/**
 * Checks real responses against the OpenAPI document the app serves: the path and method are
 * documented (else the response must be the 404 / 405 problem), the status is documented for
 * the operation, the headers the API sets are documented (and required ones present), the
 * content type is one the operation declares and the body matches its schema (JSON Schema
 * 2020-12, ajv). Every check records what it saw, so a test can ask which operations were
 * never exercised.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { openApiDocument, type OpenApiDocument } from '../../src/api/openapi';

type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Headers the API sets on purpose: if a response has one, the document must declare it. */
const API_HEADERS = ['location', 'etag', 'link', 'retry-after', 'allow', 'www-authenticate', 'idempotent-replayed', 'x-request-id'];

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
  check(res: Response): string[] {
    const req = (res as unknown as { request: { method: string; url: string } }).request;
    const method = req.method.toLowerCase() === 'head' ? 'get' : req.method.toLowerCase();
    const path = new URL(req.url).pathname;
    const label = `${req.method} ${path} → ${res.status}`;
    const problems: string[] = [];
    const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
    if (!res.headers['x-request-id']) problems.push(`${label}: no X-Request-Id`);

    const match = this.templates.find((t) => t.regex.test(path));
    const problem = (status: number): string[] => {
      const out = res.status === status ? [] : [`${label}: undocumented path or method must be ${status}`];
      if (type !== 'application/problem+json') out.push(`${label}: content-type ${type} is not problem+json`);
      return [...out, ...this.validate(['components', 'schemas', 'Problem'], res.body, label)];
    };
    if (!match) return [...problems, ...problem(404)];
    const item = (this.doc.paths ?? {})[match.template] as Json;
    const operation = item[method] as Json | undefined;
    if (!operation) {
      const documented = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
      const allow = String(res.headers.allow ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((m) => m && m !== 'HEAD');
      if (allow.sort().join() !== documented.sort().join())
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
      if (res.text) problems.push(`${label}: the document declares no body, got ${type}`);
      return problems;
    }
    if (!content[type]) return [...problems, `${label}: content-type ${type} is not one of ${Object.keys(content).join(', ')}`];
    const body: unknown = type.endsWith('json') ? res.body : res.text;
    return [...problems, ...this.validate([...segments, 'content', type, 'schema'], body, label)];
  }

  /** Operations never answered with a 2xx or 3xx by the checked responses. */
  unexercised(): string[] {
    const ok = new Set(this.seen.filter((s) => s.status < 400).map((s) => `${s.method} ${s.path}`));
    return this.operations().filter((op) => !ok.has(op));
  }
}

let shared: Contract | undefined;

/** Fails the test when the response does not conform to the document. */
export function expectContract<R extends Response>(res: R, contract: Contract = (shared ??= new Contract())): R {
  expect(contract.check(res)).toEqual([]);
  return res;
}
