/**
 * Object keys, made from server-side ids only (UUIDs checked here), so no client input can
 * name or reach another object: `recordings/<recording id>/<upload id>`.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checked(id: string): string {
  if (!UUID.test(id)) throw new Error(`not a lower-case UUID: ${JSON.stringify(id)}`);
  return id;
}

export const RECORDINGS_PREFIX = 'recordings/';

/** The key of one uploaded file of a recording (each upload gets a new one). */
export function contentKey(recordingId: string, uploadId: string): string {
  return `${RECORDINGS_PREFIX}${checked(recordingId)}/${checked(uploadId)}`;
}

/** Every key of one recording's files. */
export function recordingPrefix(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${checked(recordingId)}/`;
}

/** The recording id in a content key, or undefined for a key of another shape. */
export function recordingOfKey(key: string): string | undefined {
  const [top, recordingId, uploadId, ...rest] = key.split('/');
  if (`${top}/` !== RECORDINGS_PREFIX || rest.length || !recordingId || !uploadId) return undefined;
  return UUID.test(recordingId) && UUID.test(uploadId) ? recordingId : undefined;
}

/** Upload ids (staging) are UUIDs too. */
export const isUploadId = (id: string): boolean => UUID.test(id);
export const checkedUploadId = checked;
