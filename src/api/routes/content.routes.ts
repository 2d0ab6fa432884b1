/**
 * /recordings/{id}/content: the recording's file. PUT streams a new one (verified, then
 * committed), GET/HEAD stream it with ranges and validators, DELETE removes it. The bodies are
 * raw bytes, so these routes are exempt from the JSON body parser (RAW_BODY_PATHS, json-body.ts).
 */
import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { access, isWorker } from '../access';
import { only } from '../methods';
import { onlyParams, parseId } from '../http';
import { principalOf, type Principal } from '../../auth/principal';
import { HttpError, badRequest, notFound, unsupportedMediaType } from '../../core/errors';
import { logger } from '../../core/logging';
import { matchesEtag } from '../../resources/output';
import type { ContentService } from '../../content/service';
import { declaredSha256, reprDigest } from '../../content/digests';
import { contentEtag, downloadName, downloadType, parseRange } from '../../content/http';
import { ObjectNotFound } from '../../storage';

/** How long an answered request's unread body is still read and discarded before the connection is closed. */
const DRAIN_MS = 5_000;

/**
 * After an early answer (404, 412, 413, 422, …) the client may still be sending: read and
 * discard the rest for a little while, so that it gets the answer rather than a reset
 * connection, then close the connection if it has not finished.
 */
export function drainAfterAnswer(req: Request, res: Response): void {
  res.once('finish', () => {
    if (req.complete) return;
    req.unpipe();
    req.resume();
    const timer = setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  });
}

function notFoundForWorker(id: string): never {
  throw notFound(`No recording with id ${id} among those of the runs this key holds`);
}

function contentLength(req: Request): number | undefined {
  const raw = req.get('content-length');
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw))
    throw badRequest('Content-Length is not valid', [{ path: 'header.content-length', message: 'must be a number of bytes' }]);
  return Number(raw);
}

export interface ContentRouteOptions {
  /** Whether a worker key may read this recording's content (it holds a run of it: src/runs/queue.ts). */
  workerMayRead?: (p: Principal, recordingId: string) => Promise<boolean>;
}

export function contentRoutes(content: ContentService, options: ContentRouteOptions = {}): Router {
  const router = Router();
  const d = content.deps.recordings.d;
  const storeError = (err: unknown): unknown =>
    err instanceof HttpError || err instanceof ObjectNotFound
      ? err
      : new HttpError({
          status: 503,
          type: 'storage-unavailable',
          title: 'Service Unavailable',
          detail: 'The content store did not answer',
          headers: { 'Retry-After': '5' },
        });

  router
    .route('/recordings/:id/content')
    .put(access('authenticated'), async (req, res) => {
      drainAfterAnswer(req, res);
      const p = principalOf(res);
      onlyParams(req, []);
      const id = String(parseId(d, req.params.id));
      const encoding = req.get('content-encoding');
      if (encoding && encoding.toLowerCase() !== 'identity')
        throw unsupportedMediaType(`Content-Encoding ${encoding} is not supported: send the file as it is`);
      const ifMatch = req.get('if-match');
      const declared = [declaredSha256('content-digest', req.get('content-digest')), declaredSha256('repr-digest', req.get('repr-digest'))];
      const plan = await content.begin(p, id, { ifMatch, length: contentLength(req) });
      let done;
      try {
        done = await content.upload(p, plan, req, { ifMatch, declared });
      } catch (err) {
        if (!req.complete && !(err instanceof HttpError))
          logger.info('upload abandoned', { recordingId: id, error: (err as Error).message });
        throw storeError(err);
      }
      res.setHeader('ETag', contentEtag(done.sha256));
      res.setHeader('Repr-Digest', reprDigest(done.sha256));
      if (done.created) res.setHeader('Location', `${req.baseUrl}/recordings/${id}/content`);
      res.status(done.created ? 201 : 200).json(done.recording);
    })
    .get(access('userOrWorker'), async (req, res) => {
      onlyParams(req, []);
      const id = String(parseId(d, req.params.id));
      const p = principalOf(res);
      // A worker key reads only the recordings of the runs it holds; any other is "not found" to it.
      const row = !isWorker(p)
        ? await content.find(p, id)
        : (await options.workerMayRead?.(p, id))
          ? await content.findHeld(id)
          : notFoundForWorker(id);
      if (!row.contentKey || !row.sha256 || row.sizeBytes === null) throw notFound(`The recording ${id} has no content`);
      const size = Number(row.sizeBytes);
      const etag = contentEtag(row.sha256);
      const ifRange = req.get('if-range');
      const range = ifRange !== undefined && ifRange !== etag ? ({ kind: 'full' } as const) : parseRange(req.get('range'), size);
      if (range.kind === 'unsatisfiable') {
        throw new HttpError({
          status: 416,
          type: 'range-not-satisfiable',
          title: 'Range Not Satisfiable',
          detail: `The range ${req.get('range') ?? ''} selects no byte of the ${size}-byte content`,
          headers: { 'Content-Range': `bytes */${size}` },
        });
      }
      res.setHeader('ETag', etag);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'private, no-cache');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.attachment(downloadName(row.name, row.format));
      res.setHeader('Content-Type', downloadType(row.format));
      const ifNoneMatch = req.get('if-none-match');
      if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) {
        res.status(304).end();
        return;
      }
      const part = range.kind === 'partial' ? range.range : undefined;
      const stream =
        req.method === 'HEAD' || size === 0
          ? undefined
          : await content.deps.store.read(row.contentKey, part).catch((err: unknown) => {
              for (const name of ['ETag', 'Accept-Ranges', 'Cache-Control', 'Content-Disposition', 'Content-Type']) res.removeHeader(name);
              if (!(err instanceof ObjectNotFound)) throw storeError(err);
              // Replaced between the row read and the open (a retry finds the new file), or lost.
              logger.warn('a recording names a content object the store does not have', { recordingId: id });
              throw new HttpError({
                status: 503,
                type: 'content-changed',
                title: 'Service Unavailable',
                detail: 'The content changed while it was being read; retry',
                headers: { 'Retry-After': '1' },
              });
            });
      res.setHeader('Repr-Digest', reprDigest(row.sha256));
      if (part) {
        res.status(206);
        res.setHeader('Content-Range', `bytes ${part.start}-${part.end}/${size}`);
      }
      res.setHeader('Content-Length', String(part ? part.end - part.start + 1 : size));
      if (!stream) {
        res.end();
        return;
      }
      let sent = 0;
      stream.on('data', (chunk: Buffer) => (sent += chunk.length));
      await pipeline(stream, res).catch((err: unknown) => {
        // Headers are out: the client sees a short body (Content-Length tells it).
        logger.info('download ended early', { recordingId: id, error: (err as Error).message });
      });
      content.events.emit('downloaded', { recordingId: id, bytes: sent });
    })
    .delete(access('authenticated'), async (req, res) => {
      onlyParams(req, []);
      await content.remove(principalOf(res), String(parseId(d, req.params.id)), req.get('if-match'));
      res.status(204).end();
    })
    .all(only('GET', 'HEAD', 'PUT', 'DELETE'));
  return router;
}
