/**
 * HTTP details of recording content that do not depend on where it is stored: the content
 * ETag, byte ranges (RFC 9110 §14), the download's media type and file name.
 */
import type { ByteRange } from '../storage';

/** The content's strong ETag: its SHA-256. */
export const contentEtag = (sha256: string): string => `"${sha256}"`;

export type RangeResult = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * A `Range` header against a representation of `size` bytes. One range is served as 206; a
 * header that is not a bytes range, or asks for several ranges, is ignored (200 with the whole,
 * as RFC 9110 allows); a syntactically valid range that selects nothing is 416.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' }; // invalid: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end } };
}

const TOKEN = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

/** The recording's format as a Content-Type, parameters dropped; anything odd becomes application/octet-stream. */
export function downloadType(format: string): string {
  const type = format.split(';')[0]?.trim() ?? '';
  return TOKEN.test(type) ? type.toLowerCase() : 'application/octet-stream';
}

const EXTENSIONS: Record<string, string> = {
  'application/edf': '.edf',
  'application/x-edf': '.edf',
  'application/bdf': '.bdf',
  'application/x-bdf': '.bdf',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/wave': '.wav',
  'audio/vnd.wave': '.wav',
};

/**
 * A download file name from the recording's name: no path separators, control or quote
 * characters, at most 120 characters, and the format's extension when it has none.
 * (Express's res.attachment then writes both the ASCII and the RFC 5987 UTF-8 form.)
 */
export function downloadName(name: string, format: string): string {
  const cleaned = [...name.normalize('NFC')]
    .map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) || '/\\"<>:|?*'.includes(c) ? '_' : c))
    .join('')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  const extension = EXTENSIONS[downloadType(format)] ?? '';
  const base = cleaned || 'recording';
  return extension && !base.toLowerCase().endsWith(extension) ? `${base}${extension}` : base;
}
