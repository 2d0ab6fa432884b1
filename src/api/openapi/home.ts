/** GET /, GET /problems and GET /problems/{type} in the OpenAPI document (src/api/routes/home.routes.ts). */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBLEM_TYPES } from '../problem-types';
import { HOME_LINKS } from '../routes/home.routes';
import { errors, ok, paramRef } from './common';

const problemType = z
  .object({
    type: z.string().meta({ example: '/problems/not-found' }),
    status: z.union([z.int(), z.array(z.int()).min(2)]).meta({
      description: 'The HTTP status of its responses, or the list of them when it depends on the cause (the response says which)',
    }),
    title: z.string(),
    when: z.string().meta({ description: 'When the API answers with it' }),
    fix: z.string().meta({ description: 'What a client can do about it' }),
  })
  .strict()
  .meta({ id: 'ProblemType' });

/** A JSON body, or the same as an HTML page for a browser (Accept: text/html). */
function jsonOrHtml(description: string, schema: z.ZodType) {
  const response = ok(description, schema);
  return { ...response, content: { ...response.content, 'text/html': { schema: z.string() } } };
}

export function registerHome(registry: OpenAPIRegistry): void {
  const common = { tags: ['operations'], security: [], parameters: [paramRef('XRequestId')] };
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/',
    operationId: 'home',
    summary: 'Where to start: links to the API, its documentation and the health probes',
    responses: {
      200: jsonOrHtml(
        'The links (an HTML page for a browser)',
        z
          .object({ name: z.string(), links: z.object(Object.fromEntries(Object.keys(HOME_LINKS).map((k) => [k, z.string()]))).strict() })
          .strict(),
      ),
      ...errors(500),
    },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/problems',
    operationId: 'listProblemTypes',
    summary: 'Every problem type of an error response, and what it means',
    responses: {
      200: jsonOrHtml('The problem types (an HTML page for a browser)', z.object({ data: z.array(problemType) }).strict()),
      ...errors(500),
    },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/problems/{type}',
    operationId: 'getProblemType',
    summary: 'What a problem type means: the page its `type` URI leads to',
    request: { params: z.object({ type: z.enum(Object.keys(PROBLEM_TYPES) as [string, ...string[]]) }) },
    responses: { 200: jsonOrHtml('The problem type (an HTML page for a browser)', problemType), ...errors(404, 500) },
  });
}
