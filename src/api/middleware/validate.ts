/**
 * Request validation: `{ params, query, body }` parsed once with Zod, the parsed values kept on
 * res.locals.input (Express 5 makes req.query a getter, so it cannot be replaced). Every
 * problem of every part is reported at once, as `body.email`, `query.limit`, … (400).
 */
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { badRequest, type FieldError } from '../../core/errors';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

export type Input<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

/** For routes that take no query parameters: any is a 400 naming it (a typo must not silently change meaning). */
export const noQuery = z.object({}).strict();

/**
 * Zod issues as the problem document's `errors`, each path prefixed with the request part; an
 * unknown field or parameter is named itself (`query.limt`), one error each, with what is
 * accepted when the schema is an object (as onlyParams says it for the resource routes).
 */
export function fieldErrors(part: string, error: z.ZodError, schema?: z.ZodType): FieldError[] {
  const accepted = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') || 'none' : undefined;
  return error.issues.flatMap((issue) => {
    const at = [part, ...issue.path.map(String)];
    if (issue.code !== 'unrecognized_keys') return [{ path: at.join('.'), message: issue.message }];
    const message = `not accepted here${issue.path.length || !accepted ? '' : `; accepted: ${accepted}`}`;
    return issue.keys.map((key) => ({ path: [...at, key].join('.'), message }));
  });
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
      else errors.push(...fieldErrors(part, result.error, schema));
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
