/** Small HTTP helpers shared by the resource routes. */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { badRequest } from '../core/errors';
import { fieldErrors } from './middleware/validate';
import { parseValue } from '../resources/listing';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { StoredResponse } from './idempotency';
import { idempotencyReplays } from '../telemetry/metrics';

/**
 * Validates a body against a schema; errors name `body.<path>`. For the resource routes, whose
 * body is one object or an array of them, so the schema is chosen after looking at the body;
 * fixed shapes use the validate() middleware.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The request body is not valid', fieldErrors('body', result.error, schema));
  return result.data;
}

/** The `{ id }` path parameter of a resource's item routes for validate(), typed as parseId types it. */
export function idParams(d: ResourceDescriptor) {
  const spec = d.fields.id;
  return z.object({
    id: z.string().transform((raw, ctx) => {
      const parsed = spec ? parseValue(spec, raw) : { error: 'is missing' };
      if (parsed.error) ctx.addIssue({ code: 'custom', message: parsed.error });
      return parsed.value;
    }),
  });
}

/**
 * The path id, parsed by the kind of the descriptor's id field (from the model metadata): a UUID,
 * an integer (Int or BigInt: anything else is a 400) or text.
 */
export function parseId(d: ResourceDescriptor, raw: string | undefined): unknown {
  const spec = d.fields.id;
  if (!spec) throw new Error(`${d.name} has no id field`);
  const parsed = raw !== undefined ? parseValue(spec, raw) : { error: 'is missing' };
  if (parsed.error) throw badRequest(`The id is not valid`, [{ path: 'params.id', message: parsed.error }]);
  return parsed.value;
}

/** Rejects query parameters a route does not know (a typo must not silently change meaning). */
export function onlyParams(req: Request, allowed: readonly string[]): Record<string, string> {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw badRequest(
      'Unknown query parameter(s)',
      unknown.map((k) => ({ path: `query.${k}`, message: `not accepted here; accepted: ${allowed.join(', ') || 'none'}` })),
    );
  const out: Record<string, string> = {};
  for (const k of allowed) {
    const v = query[k];
    if (v === undefined) continue;
    if (typeof v !== 'string')
      throw badRequest('A query parameter is given twice', [{ path: `query.${k}`, message: 'must be given once' }]);
    out[k] = v;
  }
  return out;
}

/** The request URL with one query parameter replaced, for Link headers. */
export function urlWith(req: Request, name: string, value: string): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}

export function send(res: Response, response: StoredResponse, replayed = false): void {
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (replayed) {
    res.setHeader('Idempotent-Replayed', 'true');
    idempotencyReplays.inc();
  }
  if (response.body === undefined) res.status(response.status).end();
  else res.status(response.status).json(response.body);
}
