/**
 * docs/api.html: a self-contained page (no scripts, no network) rendering the OpenAPI document
 * for readers: every operation with its parameters, request body, responses and headers, then
 * every schema.
 */
import type { OpenApiDocument } from '../openapi';

type Json = Record<string, unknown>;

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The little Markdown the descriptions use: `code`, **bold**, paragraphs. */
const md = (s: unknown): string =>
  s === undefined
    ? ''
    : esc(s)
        .split(/\n{2,}/)
        .map((p) => `<p>${p.replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')}</p>`)
        .join('');

const refName = (ref: string): string => ref.split('/').pop() as string;
const anchor = (kind: string, name: string): string => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** A one-line type of a schema, with links to named schemas. */
function typeOf(schema: unknown): string {
  const s = (schema ?? {}) as Json;
  if (typeof s.$ref === 'string') return `<a href="#${anchor('schema', refName(s.$ref))}">${esc(refName(s.$ref))}</a>`;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(s[key])) return (s[key] as unknown[]).map(typeOf).join(key === 'allOf' ? ' &amp; ' : ' | ');
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  let text = types.length ? types.map(esc).join(' | ') : 'any';
  if (types.includes('array')) text = text.replace('array', `array of ${typeOf(s.items)}`);
  if (Array.isArray(s.enum)) text += ` (${(s.enum as unknown[]).map((v) => `<code>${esc(v)}</code>`).join(', ')})`;
  const facets = ['format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'default']
    .filter((k) => s[k] !== undefined)
    .map((k) => `${k}: <code>${esc(JSON.stringify(s[k]))}</code>`);
  return facets.length ? `${text} <small>${facets.join(', ')}</small>` : text;
}

function schemaTable(schema: Json): string {
  const props = schema.properties as Record<string, Json> | undefined;
  if (!props) return `<p>${typeOf(schema)}</p>${md(schema.description)}`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(props)
    .map(
      ([name, p]) =>
        `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <b>*</b>' : ''}</td><td>${typeOf(p)}</td><td>${md(p.description)}</td></tr>`,
    )
    .join('');
  const extra = schema.additionalProperties === false ? '<p><small>No other fields are accepted.</small></p>' : '';
  return `${md(schema.description)}<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows}</table>${extra}`;
}

function resolve(doc: OpenApiDocument, node: unknown): Json {
  const ref = (node as Json).$ref;
  if (typeof ref !== 'string') return node as Json;
  let out: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) out = (out as Json)[part];
  return resolve(doc, out);
}

function content(c: unknown): string {
  return Object.entries((c ?? {}) as Record<string, Json>)
    .map(([type, media]) => `<div><code>${esc(type)}</code>: ${typeOf(media.schema)}</div>`)
    .join('');
}

function operation(doc: OpenApiDocument, path: string, method: string, op: Json): string {
  const params = ((op.parameters ?? []) as unknown[]).map((p) => resolve(doc, p));
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <b>*</b>' : ''}</td><td>${esc(p.in)}</td><td>${typeOf(p.schema)}</td><td>${md(p.description)}</td></tr>`,
    )
    .join('');
  const body = op.requestBody ? `<h4>Request body</h4>${content((op.requestBody as Json).content)}` : '';
  const responses = Object.entries(op.responses as Record<string, unknown>)
    .map(([status, r]) => {
      const res = resolve(doc, r);
      const headers = Object.keys((res.headers ?? {}) as Json).join(', ');
      return `<tr><td><b>${esc(status)}</b></td><td>${md(res.description)}</td><td>${content(res.content)}</td><td>${esc(headers)}</td></tr>`;
    })
    .join('');
  const security =
    Array.isArray(op.security) && op.security.length === 0 ? '<span class="tag">public</span>' : '<span class="tag">bearer token</span>';
  return `<section class="op" id="${anchor('op', String(op.operationId))}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code> ${security}</h3>
<p><b>${esc(op.summary)}</b> <small>operationId: <code>${esc(op.operationId)}</code></small></p>${md(op.description)}
${paramRows ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr>${paramRows}</table>` : ''}
${body}<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th><th>headers</th></tr>${responses}</table></section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#222}
code{font:13px ui-monospace,monospace;background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;text-align:left}th{background:#f7f7f7}
.op{border-top:2px solid #eee;margin-top:1.5em}.method{color:#fff;padding:.1em .5em;border-radius:3px;font-size:.8em}
.get{background:#2f7ed8}.post{background:#3a9d23}.patch{background:#c77c02}.delete{background:#c0392b}.put{background:#8e44ad}
.tag{font-size:.7em;border:1px solid #aaa;border-radius:3px;padding:0 .4em;color:#555}nav li{margin:.1em 0}`;

export function renderHtml(doc: OpenApiDocument): string {
  const paths = Object.entries(doc.paths ?? {}) as Array<[string, Json]>;
  const ops = paths.flatMap(([path, item]) =>
    ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Json })),
  );
  const tags = (doc.tags ?? []).map((t) => t.name);
  const sections = tags
    .map((tag) => {
      const mine = ops.filter((o) => ((o.op.tags as string[] | undefined) ?? [])[0] === tag);
      return mine.length
        ? `<h2 id="${anchor('tag', tag)}">${esc(tag)}</h2>${mine.map((o) => operation(doc, o.path, o.method, o.op)).join('\n')}`
        : '';
    })
    .join('\n');
  const toc = tags
    .map((tag) => {
      const items = ops.filter((o) => ((o.op.tags as string[] | undefined) ?? [])[0] === tag);
      const links = items
        .map((o) => `<li><a href="#${anchor('op', String(o.op.operationId))}">${o.method.toUpperCase()} ${esc(o.path)}</a></li>`)
        .join('');
      return `<li><a href="#${anchor('tag', tag)}">${esc(tag)}</a><ul>${links}</ul></li>`;
    })
    .join('');
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, Json>)
    .map(([name, s]) => `<section id="${anchor('schema', name)}"><h3>${esc(name)}</h3>${schemaTable(s)}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<!-- Generated by \`npm run docs\` (scripts/docs.ts) from the OpenAPI document (src/api/openapi.ts). Do not edit. -->
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} API ${esc(doc.info.version)}</title><style>${STYLE}</style></head><body>
<h1>${esc(doc.info.title)} API <small>${esc(doc.info.version)} · OpenAPI ${esc(doc.openapi)}</small></h1>
${md(doc.info.description)}
<p>The same document is served by a running server at <code>/openapi.json</code>, with Swagger UI at <code>/docs</code>, and next to this page as <code>openapi.json</code>.</p>
<nav><h2>Contents</h2><ul>${toc}<li><a href="#schemas">schemas</a></li></ul></nav>
${sections}
<h2 id="schemas">Schemas</h2>
${schemas}
</body></html>
`;
}
