/**
 * Request validation: `{ params, query, body }` parsed once with Zod, the parsed values kept on
 * res.locals.input (Express 5 makes req.query a getter, so it cannot be replaced). Every
 * problem of every part is reported at once, as `body.email`, `query.limit`, … (400).
 */
import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { badRequest, type FieldError } from '../../core/errors';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

export type Input<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

/** Zod issues as the problem document's `errors`, each path prefixed with the request part. */
export function fieldErrors(part: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
}

export function validate<S extends RequestSchemas>(schemas: S): RequestHandler {
  return (req, res, next) => {
    const input: Record<string, unknown> = {};
    const errors: FieldError[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      // A request without a body is validated as an empty object, so the message names the fields.
      const raw: unknown = part === 'body' ? (req.body ?? {}) : req[part];
      const result = schema.safeParse(raw);
      if (result.success) input[part] = result.data;
      else errors.push(...fieldErrors(part, result.error));
    }
    if (errors.length) throw badRequest('The request is not valid', errors);
    res.locals.input = input;
    next();
  };
}

/** The values parsed by validate(schemas) for this request. */
export function inputOf<S extends RequestSchemas>(res: Response, _schemas: S): Input<S> {
  return res.locals.input as Input<S>;
}
