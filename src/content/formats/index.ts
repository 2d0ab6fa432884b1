/**
 * Which header reader a recording's `format` (media type) selects. Other formats are stored as
 * they come, without reading their headers.
 */
import { edfReader } from './edf';
import { wavReader } from './wav';
import type { FormatReader } from './types';

const READERS: Record<string, FormatReader> = {};
for (const t of ['application/edf', 'application/x-edf']) READERS[t] = edfReader(false);
for (const t of ['application/bdf', 'application/x-bdf']) READERS[t] = edfReader(true);
for (const t of ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave']) READERS[t] = wavReader;

/** The media types whose headers are read, for the documentation. */
export const READ_FORMATS = Object.keys(READERS);

export function readerFor(format: string): FormatReader | undefined {
  return READERS[format.split(';')[0]?.trim().toLowerCase() ?? ''];
}

export { MalformedHeader, type FileFacts, type FormatReader } from './types';
