/**
 * tus 1.0 resumable uploads of a recording's file (src/content/tus.ts), mounted under
 * /api/v1 after authentication. The route checks what @tus/server cannot know — who calls,
 * whether the recording is theirs, whether the upload belongs to it — then lets @tus/server
 * speak the protocol, and turns its error answers into problem+json.
 */
import { Router, type Request, type Response } from 'express';
import { Readable } from 'node:stream';
import { NodeRequest } from 'srvx/node';
import { access } from '../access';
import { only } from '../methods';
import { parseId } from '../http';
import { sendProblem } from '../middleware/problem';
import { principalOf } from '../../auth/principal';
import { HttpError, notFound } from '../../core/errors';
import type { ContentService } from '../../content/service';
import { createTusServer, nodeRequestOf, type TusCall } from '../../content/tus';
import { drainAfterAnswer } from './content.routes';

/** The problem an error answer of @tus/server stands for (its body is our JSON from tusError, or its own text). */
function problemOf(status: number, text: string): HttpError {
  try {
    const p = JSON.parse(text) as {
      type: string;
      title: string;
      detail?: string;
      errors?: HttpError['errors'];
      headers?: Record<string, string>;
    };
    if (typeof p.type === 'string' && typeof p.title === 'string') return new HttpError({ status, ...p });
  } catch {
    // the server's own plain-text answer
  }
  // One title for every status (RFC 9457 section 3.1.3); the status and the tus server's text say which.
  return new HttpError({ status, type: 'upload-error', title: 'Upload Protocol Error', detail: text.trim() || undefined });
}

export function uploadRoutes(content: ContentService, corsOrigins: readonly string[]): Router {
  const calls = new WeakMap<object, TusCall>();
  const { server, store } = createTusServer({
    content,
    corsOrigins,
    callOf(req) {
      const call = calls.get(nodeRequestOf(req) ?? {});
      if (!call) throw new Error('a tus request without its call details');
      return call;
    },
  });
  const d = content.deps.recordings.d;

  const handle = async (req: Request<{ id: string; uploadId?: string }>, res: Response): Promise<void> => {
    drainAfterAnswer(req, res);
    const principal = principalOf(res);
    const recordingId = String(parseId(d, req.params.id));
    const recording = await content.find(principal, recordingId); // 404 for someone else's
    const uploadId = req.params.uploadId;
    if (typeof uploadId === 'string') {
      const record = await store.record(uploadId);
      if (!record || record.recordingId !== recording.id) throw notFound(`No upload ${uploadId} of recording ${recordingId}`);
    }
    calls.set(req, {
      principal,
      recordingId,
      ifMatch: req.get('if-match'),
      uploadsPath: `${req.baseUrl}/recordings/${recordingId}/uploads`,
    });
    const response = await server.handleWeb(new NodeRequest({ req, res }));
    // CORS answers are for the configured origins only (the app's cors middleware decides).
    const origin = req.get('origin');
    const cors = origin !== undefined && corsOrigins.includes(origin);
    if (response.status >= 400) {
      const problem = problemOf(response.status, await response.text());
      for (const name of ['tus-resumable', 'tus-version']) {
        const value = response.headers.get(name);
        if (value) res.setHeader(name, value);
      }
      sendProblem(res, problem, req.originalUrl.split('?')[0] ?? req.path);
      return;
    }
    res.status(response.status);
    response.headers.forEach((value, name) => {
      if (!cors && name.startsWith('access-control-')) return;
      if (name === 'content-type' && !response.body) return;
      res.setHeader(name, value);
    });
    if (response.body) Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
    else res.end();
  };

  const routes = Router();
  routes
    .route('/recordings/:id/uploads')
    .post(access('authenticated'), handle)
    .options(access('authenticated'), handle)
    .all(only('POST', 'OPTIONS'));
  routes
    .route('/recordings/:id/uploads/:uploadId')
    .head(access('authenticated'), handle)
    .patch(access('authenticated'), handle)
    .delete(access('authenticated'), handle)
    .all(only('HEAD', 'PATCH', 'DELETE'));
  return routes;
}
