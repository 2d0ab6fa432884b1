/**
 * The hand-written routes: /auth and /api-keys (their request schemas are the ones the routes
 * validate with, src/auth/schemas.ts), the health probes and the documentation itself.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ApiKeyKind, ApiKeyScope } from '../../generated/prisma/client';
import type { PUBLIC_KEY_SELECT } from '../../auth/api-keys';
import { apiKeyIdSchemas, changePasswordSchemas, createApiKeySchemas, listApiKeysSchemas, loginSchemas } from '../../auth/schemas';
import { errors, jsonBody, ok, paramRef } from './common';
import { API } from './resources';

const time = () => z.iso.datetime({ offset: true });

/** A key or login token as it leaves the server (never its hash); the keys must match PUBLIC_KEY_SELECT. */
const apiKeyShape = {
  id: z.uuid(),
  userId: z.uuid(),
  name: z.string(),
  kind: z.enum(ApiKeyKind),
  scope: z.enum(ApiKeyScope).meta({ description: 'FULL: what its user may do; WORKER: only the worker routes of algorithm runs' }),
  prefix: z.string().meta({ description: 'The first characters of the secret, for display' }),
  expiresAt: time().nullable(),
  lastUsedAt: time().nullable(),
  revokedAt: time().nullable(),
  createdAt: time(),
  updatedAt: time(),
} satisfies Record<keyof typeof PUBLIC_KEY_SELECT, z.ZodType>;

const apiKey = z.object(apiKeyShape).strict().meta({ id: 'ApiKey' });
const issuedKey = z
  .object({ ...apiKeyShape, token: z.string().meta({ description: 'The secret: shown once, here, and never again' }) })
  .strict()
  .meta({ id: 'ApiKeyIssued' });
const keyPage = z
  .object({ data: z.array(apiKey), page: z.object({ limit: z.int(), nextCursor: z.string().nullable() }).strict() })
  .strict()
  .meta({ id: 'ApiKeyPage' });

const checks = z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() }).strict());

export function registerAuth(registry: OpenAPIRegistry, user: z.ZodType): void {
  const common = { tags: ['auth'], parameters: [paramRef('XRequestId')] };
  registry.registerPath({
    ...common,
    method: 'post',
    path: `${API}/auth/login`,
    operationId: 'login',
    summary: 'Log in with e-mail and password: a login token',
    description: 'At most 10 failed attempts per account and per IP in 15 minutes, then 429 with Retry-After.',
    security: [],
    request: {
      body: jsonBody(loginSchemas.body.meta({ example: { email: 'ada@example.com', password: 'correct horse battery staple' } })),
    },
    responses: {
      200: ok(
        'The token (send it as `Authorization: Bearer <token>`), when it expires, and the user',
        z.object({ token: z.string(), expiresAt: time(), user }).strict().meta({ id: 'LoginResult' }),
      ),
      ...errors(400, 401, 413, 415, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...common,
    method: 'post',
    path: `${API}/auth/logout`,
    operationId: 'logout',
    summary: 'Revoke the token this request is made with',
    description: 'Takes no body; one that is sent is still checked like any other (400, 413, 415).',
    responses: { 204: ok('Logged out'), ...errors(400, 401, 413, 415, 429, 500, 503) },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: `${API}/auth/me`,
    operationId: 'me',
    summary: 'The caller and the token it uses',
    // 400: a query value that cannot be stored (checked for every request, src/api/middleware/input-guard.ts).
    responses: { 200: ok('The user and the token', z.object({ user, token: apiKey }).strict()), ...errors(400, 401, 429, 500, 503) },
  });
  registry.registerPath({
    ...common,
    method: 'post',
    path: `${API}/auth/password`,
    operationId: 'changePassword',
    summary: 'Change your own password',
    description: 'Needs the current password; every other login token of the user is revoked (API keys are not).',
    request: { body: jsonBody(changePasswordSchemas.body) },
    responses: { 204: ok('Changed'), ...errors(400, 401, 413, 415, 429, 500, 503) },
  });

  const keys = { tags: ['api-keys'], parameters: [paramRef('XRequestId')] };
  registry.registerPath({
    ...keys,
    method: 'get',
    path: `${API}/api-keys`,
    operationId: 'listApiKeys',
    summary: 'Your keys and login tokens, newest first (admins: everyone’s with all=true)',
    request: { query: listApiKeysSchemas.query },
    responses: { 200: ok('One page of keys', keyPage), ...errors(400, 401, 403, 429, 500, 503) },
  });
  registry.registerPath({
    ...keys,
    method: 'post',
    path: `${API}/api-keys`,
    operationId: 'createApiKey',
    summary: 'Create a long-lived API key (the secret is in this response only)',
    request: { body: jsonBody(createApiKeySchemas.body.meta({ example: { name: 'analysis pipeline', expiresAt: null } })) },
    responses: { 201: ok('The key with its secret', issuedKey, ['Location']), ...errors(400, 401, 413, 415, 429, 500, 503) },
  });
  registry.registerPath({
    ...keys,
    method: 'get',
    path: `${API}/api-keys/{id}`,
    operationId: 'getApiKey',
    summary: 'One of your keys',
    request: { params: apiKeyIdSchemas.params },
    responses: { 200: ok('The key (without its secret)', apiKey), ...errors(400, 401, 404, 429, 500, 503) },
  });
  registry.registerPath({
    ...keys,
    method: 'delete',
    path: `${API}/api-keys/{id}`,
    operationId: 'revokeApiKey',
    summary: 'Revoke a key (revoking a revoked key succeeds and changes nothing)',
    request: { params: apiKeyIdSchemas.params },
    responses: { 204: ok('Revoked'), ...errors(400, 401, 404, 429, 500, 503) },
  });
}

export function registerOperations(registry: OpenAPIRegistry): void {
  const common = { tags: ['operations'], security: [], parameters: [paramRef('XRequestId')] };
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: 200 while the process runs',
    responses: { 200: ok('Alive', z.object({ status: z.literal('ok'), uptimeSeconds: z.int() }).strict()), ...errors(500) },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: the database answers and no migration is pending',
    description: 'A 503 carries the failing checks as the `checks` member of the problem document.',
    responses: { 200: ok('Ready', z.object({ status: z.literal('ready'), checks }).strict()), ...errors(500, 503) },
  });
  registry.registerPath({
    tags: ['operations'],
    parameters: [paramRef('XRequestId')],
    method: 'get',
    path: `${API}/_schema`,
    operationId: 'describeModels',
    summary: 'The models the API serves: fields, types, relations, indexes, filter operators and sort keys (admins)',
    responses: {
      200: ok(
        'One entry per resource, and the enums',
        z
          .object({
            resources: z.array(z.object({ name: z.string(), path: z.string(), model: z.string() }).loose()),
            enums: z.record(z.string(), z.unknown()),
          })
          .loose(),
      ),
      ...errors(400, 401, 403, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document (OpenAPI 3.1)',
    responses: { 200: ok('The OpenAPI document', z.object({ openapi: z.string() }).loose()), ...errors(500) },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Swagger UI on this document (use “Authorize” with a token)',
    responses: { 200: ok('An HTML page', z.string(), [], 'text/html'), ...errors(500) },
  });
}
