/**
 * Host key verification for the SSH tunnel against an OpenSSH known_hosts file
 * (DATABASE_SSH_KNOWN_HOSTS): plain and hashed (`|1|salt|hash`) host patterns, `*`/`?`
 * wildcards, `!` negation, `[host]:port` for ports other than 22 and `@revoked` lines.
 * `@cert-authority` lines are ignored (host certificates are not supported).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownHostKey {
  /** e.g. ssh-ed25519 */
  type: string;
  /** The key blob, base64, as in the file. */
  key: string;
  revoked: boolean;
}

/** The name known_hosts files use for a host and port. */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|')) return hashedMatches(pattern, name);
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(name);
}

/** Whether a comma-separated host pattern list names `name` (a `!pattern` match excludes it). */
export function hostPatternsMatch(patterns: string, name: string): boolean {
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The keys a known_hosts text lists for `host`:`port`. */
export function knownKeysFor(text: string, host: string, port: number): KnownHostKey[] {
  const name = knownHostsName(host, port);
  const keys: KnownHostKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    const [patterns, type, key] = fields;
    if (!patterns || !type || !key || marker === '@cert-authority') continue;
    if (hostPatternsMatch(patterns, name)) keys.push({ type, key, revoked: marker === '@revoked' });
  }
  return keys;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Checks a server's raw host key (as ssh2 hands it to `hostVerifier`) against the known keys. */
export function verifyHostKey(known: KnownHostKey[], presented: Buffer, host: string, port: number): HostKeyVerdict {
  const blob = presented.toString('base64');
  const name = knownHostsName(host, port);
  if (known.some((k) => k.revoked && k.key === blob)) return { ok: false, reason: `the host key of ${name} is marked @revoked` };
  if (known.some((k) => !k.revoked && k.key === blob)) return { ok: true };
  // The key type is the first string of the blob: uint32 length, then the name.
  const length = presented.length >= 4 ? presented.readUInt32BE(0) : 0;
  const type = presented.subarray(4, 4 + length).toString('latin1');
  return {
    ok: false,
    reason: known.some((k) => !k.revoked)
      ? `the ${type} host key of ${name} does not match the known_hosts file (possible man-in-the-middle)`
      : `${name} is not in the known_hosts file`,
  };
}

export function readKnownHosts(path: string, host: string, port: number): KnownHostKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read DATABASE_SSH_KNOWN_HOSTS (${path}): ${(err as Error).message}`, { cause: err });
  }
  return knownKeysFor(text, host, port);
}
