/**
 * An algo's `parameters` is the JSON Schema of its runs' inputs. It is checked with Ajv when the
 * algo is created or changed (a schema Ajv cannot compile is a 400 then, not a surprise at the
 * first run), and each run's parameters are validated against it (defaults filled in).
 *
 * The schemas come from users, and Ajv treats schemas as trusted code
 * (https://ajv.js.org/security.html), so:
 * - their size and depth are bounded before they get here (64 KiB, 32 levels: src/core/input-limits.ts);
 * - `pattern` and `patternProperties` run on RE2 (re2js: linear time, so no ReDoS); a pattern RE2
 *   cannot express (lookahead, back-references) makes the schema invalid here;
 * - there is no `$data`, no remote `$ref` (nothing is loaded), and unknown keywords and formats
 *   are annotations (`strict: false`), as JSON Schema allows;
 * - compiling is costly (up to a few hundred milliseconds for a 64 KiB schema), so validators are
 *   kept per schema text, and Ajv forgets each schema once compiled (its own cache would grow
 *   with every distinct schema, and a second schema with the same `$id` would be refused).
 * Drafts: 2020-12 (the default, as OpenAPI 3.1), 2019-09 and draft-07, chosen by `$schema`.
 */
import { createHash } from 'node:crypto';
import Ajv, { type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';
import type { FieldError } from '../core/errors';

const DRAFTS = {
  'https://json-schema.org/draft/2020-12/schema': Ajv2020,
  'https://json-schema.org/draft/2019-09/schema': Ajv2019,
  'http://json-schema.org/draft-07/schema': Ajv,
} as const;
type Draft = keyof typeof DRAFTS;
const DEFAULT_DRAFT: Draft = 'https://json-schema.org/draft/2020-12/schema';
/** Compiled validators kept per process (least recently used go first). */
const CACHE_SIZE = 256;
/** Problems reported per request at most. */
const MAX_PROBLEMS = 20;

/** Ajv's regular expressions on RE2: `u` is implied (RE2 matches code points). */
const re2 = Object.assign(
  (pattern: string): { test(s: string): boolean; toString(): string } => {
    const compiled = RE2JS.compile(pattern);
    return { test: (s) => compiled.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 'require("re2js").RE2JS.compile' },
);

const OPTIONS: Options = {
  strict: false,
  logger: false,
  allErrors: true,
  useDefaults: true,
  code: { regExp: re2 },
  loadSchema: undefined,
};

let instances: Map<Draft, Ajv> | undefined;
function ajvFor(draft: Draft): Ajv {
  instances ??= new Map();
  let ajv = instances.get(draft);
  if (!ajv) {
    ajv = new DRAFTS[draft](OPTIONS);
    addFormats(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

export type Compiled = { validate: ValidateFunction } | { problems: FieldError[] };

const cache = new Map<string, Compiled>();

function draftOf(schema: AnySchemaObject, at: string): Draft | FieldError {
  const declared = schema.$schema;
  if (declared === undefined) return DEFAULT_DRAFT;
  const key = typeof declared === 'string' ? declared.replace(/#$/, '') : '';
  if (key in DRAFTS) return key as Draft;
  return { path: `${at}.$schema`, message: `must name a supported draft: ${Object.keys(DRAFTS).join(', ')} (or be left out: 2020-12)` };
}

const pathOf = (at: string, pointer: string): string =>
  pointer
    ? `${at}${pointer
        .split('/')
        .slice(1)
        .map((s) => `.${s.replace(/~1/g, '/').replace(/~0/g, '~')}`)
        .join('')}`
    : at;

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `must not have the property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `must have the property "${String(e.params.missingProperty)}"`;
  return e.message ?? `fails "${e.keyword}"`;
}

/** Ajv's errors as the problem document's `errors`, at `at` (e.g. body.parameters). */
export function problemsOf(errors: readonly ErrorObject[] | null | undefined, at: string): FieldError[] {
  return (errors ?? []).slice(0, MAX_PROBLEMS).map((e) => ({ path: pathOf(at, e.instancePath), message: describe(e) }));
}

/** Compiles a schema (or returns the cached result); problems are named from `at` (e.g. body.parameters). */
export function compileSchema(schema: Record<string, unknown>, at = 'parameters'): Compiled {
  const text = JSON.stringify(schema);
  const key = createHash('sha256').update(text).digest('base64url');
  let result = cache.get(key);
  if (result) cache.delete(key);
  else result = compileFresh(JSON.parse(text) as AnySchemaObject);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  // Problems are kept at the neutral root `#` and named from `at` for each caller.
  return 'validate' in result
    ? result
    : { problems: result.problems.map((p) => ({ ...p, path: p.path === '#' ? at : `${at}${p.path.slice(1)}` })) };
}

function compileFresh(schema: AnySchemaObject): Compiled {
  const draft = draftOf(schema, '#');
  if (typeof draft !== 'string') return { problems: [draft] };
  const ajv = ajvFor(draft);
  if (!ajv.validateSchema(schema)) return { problems: problemsOf(ajv.errors, '#') };
  try {
    return { validate: ajv.compile(schema) };
  } catch (err) {
    // A $ref to nothing, a pattern RE2 cannot express, a duplicate $id inside the schema, …
    return { problems: [{ path: '#', message: `is not a usable JSON Schema: ${(err as Error).message.slice(0, 300)}` }] };
  } finally {
    try {
      ajv.removeSchema(schema);
    } catch {
      // never added (it failed before that)
    }
  }
}

/** Why this is not a JSON Schema Ajv can use (empty: it is one). */
export function schemaProblems(schema: Record<string, unknown>, at: string): FieldError[] {
  const compiled = compileSchema(schema, at);
  return 'problems' in compiled ? compiled.problems : [];
}

export type Validated =
  | { value: Record<string, unknown> }
  | { problems: FieldError[] }
  /** The algo's schema itself cannot be used (stored before it was checked). */
  | { unusable: FieldError[] };

/**
 * Validates run parameters against an algo's schema; on success the value has the schema's
 * defaults filled in (a copy: the input is not changed).
 */
export function validateParameters(schema: Record<string, unknown>, parameters: Record<string, unknown>, at: string): Validated {
  const compiled = compileSchema(schema, 'parameters');
  if ('problems' in compiled) return { unusable: compiled.problems };
  const value = structuredClone(parameters);
  if (compiled.validate(value)) return { value };
  return { problems: problemsOf(compiled.validate.errors, at) };
}
