/**
 * GET / — where to start: the API, its documentation and the health probes — and
 * GET /problems, /problems/{type} — what each problem `type` of an error response means.
 * Public. A browser gets HTML, anything else JSON (content negotiation on Accept).
 */
import { Router, type Response } from 'express';
import { notFound } from '../../core/errors';
import { access } from '../access';
import { only } from '../methods';
import { PROBLEM_TYPES, type ProblemType } from '../problem-types';

export const HOME_LINKS = {
  api: '/api/v1',
  docs: '/docs',
  openapi: '/openapi.json',
  problems: '/problems',
  health: '/healthz',
  readiness: '/readyz',
} as const;

const LINK_TEXT: Record<keyof typeof HOME_LINKS, string> = {
  api: 'the API (every call needs Authorization: Bearer <token>)',
  docs: 'Swagger UI: the API reference, with “Try it out”',
  openapi: 'the OpenAPI 3.1 document (for clients and code generators)',
  problems: 'what each problem type of an error response means',
  health: 'liveness probe',
  readiness: 'readiness probe (database, migrations)',
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
/** Escapes, then shows `code` spans as <code>. */
const prose = (text: string): string => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}dt{font-weight:600;margin-top:1em}</style>
</head><body>
${body}
</body></html>
`;
}

const problemJson = (slug: string, p: ProblemType) => ({ type: `/problems/${slug}`, ...p });
/** `404`, or `400, 403 or 501` for a type whose status depends on the cause. */
const statusText = (status: ProblemType['status']): string =>
  typeof status === 'number' ? String(status) : `${status.slice(0, -1).join(', ')} or ${String(status.at(-1))}`;

function problemHtml(slug: string, p: ProblemType): string {
  return page(
    `${statusText(p.status)} ${p.title}: ${slug}`,
    `<p><a href="/problems">All problem types</a></p>
<h1><code>/problems/${escapeHtml(slug)}</code> — ${statusText(p.status)} ${escapeHtml(p.title)}</h1>
<h2>When</h2><p>${prose(p.when)}</p>
<h2>What to do</h2><p>${prose(p.fix)}</p>
<p>Every error body is <code>application/problem+json</code> (RFC 9457): <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, <code>instance</code>, <code>requestId</code> and, for invalid inputs, <code>errors</code>. See the <a href="/docs">API reference</a>.</p>`,
  );
}

const send = (res: Response, json: unknown, html: () => string): void => {
  res.format({
    json: () => res.json(json),
    html: () => res.type('html').send(html()),
    // A client that accepts neither still gets the JSON rather than a 406.
    default: () => res.json(json),
  });
};

export function homeRoutes(): Router {
  const router = Router();
  router
    .route('/')
    .get(access('public'), (_req, res) => {
      send(res, { name: 'backendapi', links: HOME_LINKS }, () =>
        page(
          'backendapi',
          `<h1>backendapi</h1><p>Users, recording sessions, recordings, algorithms and an audit log over a JSON API.</p><dl>${Object.entries(
            HOME_LINKS,
          )
            .map(([key, href]) => `<dt><a href="${href}">${href}</a></dt><dd>${escapeHtml(LINK_TEXT[key as keyof typeof HOME_LINKS])}</dd>`)
            .join('')}</dl>`,
        ),
      );
    })
    .all(only('GET', 'HEAD'));
  router
    .route('/problems')
    .get(access('public'), (_req, res) => {
      const all = Object.entries(PROBLEM_TYPES);
      send(res, { data: all.map(([slug, p]) => problemJson(slug, p)) }, () =>
        page(
          'Problem types',
          `<h1>Problem types</h1><p>The <code>type</code> of an error response names one of these.</p><dl>${all
            .map(
              ([slug, p]) =>
                `<dt><a href="/problems/${slug}">/problems/${slug}</a> — ${statusText(p.status)} ${escapeHtml(p.title)}</dt><dd>${prose(p.when)}</dd>`,
            )
            .join('')}</dl>`,
        ),
      );
    })
    .all(only('GET', 'HEAD'));
  router
    .route('/problems/:type')
    .get(access('public'), (req, res) => {
      const slug = String(req.params.type);
      const problem = Object.hasOwn(PROBLEM_TYPES, slug) ? PROBLEM_TYPES[slug] : undefined;
      if (!problem) throw notFound(`No problem type "${slug}"; GET /problems lists them`);
      send(res, problemJson(slug, problem), () => problemHtml(slug, problem));
    })
    .all(only('GET', 'HEAD'));
  return router;
}
