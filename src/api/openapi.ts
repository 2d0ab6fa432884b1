/**
 * The OpenAPI 3.1 document of the API, generated with @asteasolutions/zod-to-openapi from the
 * same Zod schemas that validate requests (the descriptors' create/update schemas, the auth
 * schemas) and from the descriptors themselves (fields, listing language, relations). Served at
 * GET /openapi.json and /docs; `npm run docs` writes docs/openapi.json and docs/api.html.
 *
 * Schemas are named with zod's `.meta({ id })` rather than `.openapi()`: the models are built
 * before this module could extend zod, and zod 4 copies methods onto instances at creation.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ResourceDescriptor } from '../resources/descriptor';
import { descriptors } from '../resources/registry';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../resources/listing';
import { PAGE_BUDGET_BYTES } from '../resources/paging';
import { MAX_JSON_DEPTH, MAX_JSON_VALUE_BYTES } from '../core/input-limits';
import { MAX_WAIT_SECONDS } from '../models/run.model';
import { problemSchema, registerCommon } from './openapi/common';
import { registerAuth, registerOperations } from './openapi/auth';
import { registerHome } from './openapi/home';
import { modelSchemas } from './openapi/models';
import { registerResources } from './openapi/resources';
import { registerContent } from './openapi/content';
import { registerRuns } from './openapi/runs';
import { API } from './openapi/resources';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const DESCRIPTION = `
The backend of a cloud platform for physiological and audio recordings: users, recording sessions,
recordings, algorithms and an append-only event log.

**Authentication.** Send \`Authorization: Bearer <token>\`: a login token from \`POST /api/v1/auth/login\`
or an API key from \`POST /api/v1/api-keys\`. Members see and change only what they own; another
owner's object is a 404.

**Listing.** \`GET /api/v1/{resource}\` takes \`limit\` (1–${MAX_LIMIT}, default ${DEFAULT_LIMIT}), \`cursor\`, \`sort\`
(comma list, \`-\` for descending), \`fields\`, \`include\`, \`count\` and filters \`field=value\` or
\`field[op]=value\` with op one of eq, ne, gt, gte, lt, lte, in, nin, contains, icontains, startsWith,
isNull (those that apply to the field's type): one \`deepObject\` parameter per field, e.g.
\`status[in]=READY,FAILED\` (in Swagger UI, type \`{"in": "READY,FAILED"}\` into the \`status\` box).
Comma lists are sent as one parameter: \`sort=-createdAt,name\`.
contains, icontains and startsWith match their text literally (\`%\` and \`_\` are ordinary characters). A page
ends early, with a \`nextCursor\`, once its JSON reaches ${PAGE_BUDGET_BYTES / 1024 / 1024} MiB: page until \`nextCursor\` is null.
\`include\` embeds a related object as the caller may see it: a user the caller may not read shows only its \`id\` and \`name\`.

**Limits** (each a 400 naming the field or parameter): text anywhere in a body or a query value
must not hold a NUL character (U+0000) or an unpaired UTF-16 surrogate; a body nests at most
${MAX_JSON_DEPTH} levels of arrays and objects (the body itself is the first); a JSON field (\`metadata\`, \`parameters\`)
holds at most ${MAX_JSON_VALUE_BYTES / 1024} KiB as UTF-8 JSON; dates, in bodies, filters and cursors, lie between
0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z once their offset is applied; the path's
percent-escapes must be well-formed.

**Algorithm runs** (docs/runs.md). \`POST /api/v1/algos/{id}/runs\` queues runs of a PUBLISHED algo on recordings;
workers drain the queue over HTTP with API keys of WORKER scope (\`POST /api/v1/api-keys\` with \`"scope": "WORKER"\`):
\`POST /api/v1/runs/claim\` (a lease; long polling up to ${MAX_WAIT_SECONDS} s), then \`heartbeat\`, \`complete\` or \`fail\` with the
lease. A WORKER key may call nothing else but \`GET /api/v1/recordings/{id}/content\` of the runs it holds (403
\`insufficient-scope\` elsewhere); any other token is refused on the worker routes the same way.

**Writes.** POST takes one object or an array (all or none); PATCH is a partial update; \`If-Match\`
guards PATCH and DELETE (412 when stale); \`Idempotency-Key\` makes a POST safe to retry. Every
create, update and delete is written to the event log in the same transaction.

**Errors** are \`application/problem+json\` (RFC 9457). A method a path does not document is a 405
with \`Allow\`; an unknown path is a 404. Checks made before routing can answer first, on any path:
a malformed path, query value or request body (400), a body too large (413) or not JSON (415), and
under \`/api/v1/\` a missing or invalid token (401), the rate limit (429) or a database that is
unreachable or refuses connections (503, with \`Retry-After\`); a 500 can happen anywhere. Every response carries \`X-Request-Id\`.
A problem's \`type\` is a path on this server (e.g. \`/problems/not-found\`): GET it for what the problem means
and what to do; \`GET /problems\` lists them all.
`.trim();

export function buildOpenApiDocument(list: readonly ResourceDescriptor[] = descriptors): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registerCommon(registry);
  registerOperations(registry);
  registerHome(registry);
  const users = list.find((d) => d.name === 'users');
  if (!users) throw new Error('the users resource must be registered (auth returns users)');
  const schemasOf = modelSchemas(list);
  registerAuth(registry, schemasOf(users).full);
  registerResources(registry, list, schemasOf);
  const recordings = list.find((d) => d.name === 'recordings');
  if (recordings) registerContent(registry, schemasOf(recordings).full);
  const runs = list.find((d) => d.name === 'runs');
  if (runs) registerRuns(registry, runs, schemasOf(runs));
  const generator = new OpenApiGeneratorV31([...registry.definitions, { type: 'schema', schema: problemSchema }]);
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'backendapi',
      version: '1.0.0',
      description: DESCRIPTION,
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This server' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'auth', description: 'Log in and out, who am I, change your password' },
      { name: 'api-keys', description: 'Long-lived keys (and login tokens)' },
      ...list.map((d) => ({ name: d.name, description: `${d.model} objects` })),
      { name: 'operations', description: 'Health probes and this documentation' },
    ],
  });
  delete (document as { webhooks?: unknown }).webhooks;
  documentScopeRefusals(document);
  // z.json() comes out as a recursive anyOf whose nullable branches make null match twice in a
  // oneOf; "any JSON value" is simply the empty schema.
  const schemas = document.components?.schemas;
  if (schemas?.JsonValue) schemas.JsonValue = { description: 'Any JSON value' };
  return document;
}

/**
 * Every token can be refused by its scope (src/api/access.ts): a WORKER key everywhere but the
 * worker routes, any other token on them. So every operation under /api/v1 but login (public)
 * may answer 403, whether or not its role rules would.
 */
function documentScopeRefusals(document: OpenApiDocument): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith(`${API}/`) || path === `${API}/auth/login`) continue;
    for (const operation of Object.values(item as Record<string, { responses?: Record<string, unknown> }>)) {
      const responses = operation.responses;
      if (!responses || responses['403']) continue;
      responses['403'] = { $ref: '#/components/responses/Forbidden' };
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
}

let cached: OpenApiDocument | undefined;

/** The document of the registered descriptors, built once per process. */
export function openApiDocument(): OpenApiDocument {
  cached ??= buildOpenApiDocument();
  return cached;
}
