/**
 * Declared checksums of an upload: RFC 9530 `Content-Digest` / `Repr-Digest` (a structured-field
 * dictionary such as `sha-256=:base64:`), of which sha-256 is verified. For a PUT without
 * content coding both describe the same bytes.
 */
import { badRequest } from '../core/errors';

const ENTRY = /^([a-z][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):$/;

/** The sha-256 (hex) a digest header declares, undefined when the header is absent; 400 when it is malformed or has no sha-256. */
export function declaredSha256(name: 'content-digest' | 'repr-digest', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const invalid = (message: string) => badRequest(`The ${name} header is not valid`, [{ path: `header.${name}`, message }]);
  let sha256: string | undefined;
  for (const member of value.split(',').map((m) => m.trim())) {
    const m = ENTRY.exec(member);
    if (!m) throw invalid('must be a dictionary such as sha-256=:<base64>:');
    if (m[1] !== 'sha-256') continue;
    const bytes = Buffer.from(m[2] as string, 'base64');
    if (bytes.length !== 32) throw invalid('the sha-256 value must be 32 bytes in base64');
    sha256 = bytes.toString('hex');
  }
  if (!sha256) throw invalid('must include sha-256 (the algorithm this server verifies)');
  return sha256;
}

/** RFC 9530 `Repr-Digest` value of a SHA-256 given in hex. */
export const reprDigest = (sha256Hex: string): string => `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
