import express, { type RequestHandler } from 'express';
import { unsupportedMediaType } from '../../core/errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A POST, PUT or PATCH that sends a body must send JSON (415 otherwise); the body is parsed with a
 * size limit (413). Other methods take no body: one they are sent is not read (so a DELETE or GET
 * never fails on it, as the OpenAPI document promises). The paths for which `rawBody` is true
 * (src/api/raw-body.ts) are left alone: their routes stream the bytes themselves.
 */
export function jsonBody(limitBytes: number, rawBody: (path: string) => boolean = () => false): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (BODY_METHODS.has(req.method) && hasBody(req) && !rawBody(req.path) && !req.is(JSON_TYPES)) {
      const type = req.get('content-type');
      throw unsupportedMediaType(
        type ? `Content-Type ${type} is not supported; send application/json` : 'A request body needs Content-Type: application/json',
      );
    }
    next();
  };
  const parse = express.json({ limit: limitBytes, type: JSON_TYPES });
  const parseBody: RequestHandler = (req, res, next) =>
    BODY_METHODS.has(req.method) && !rawBody(req.path) ? parse(req, res, next) : next();
  return [requireJson, parseBody];
}

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}
