/**
 * Password hashing with scrypt (node:crypto, memory-hard, no native build). The stored string
 * carries its parameters and salt, `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url), so the cost
 * can be raised later without invalidating existing hashes.
 *
 * The cost of new hashes is a process setting (AUTH_PASSWORD_COST, applied at start-up by
 * src/core/process-config.ts, for the server and every script): the test suite lowers it so
 * that it does not spend its time in scrypt. A hash of another cost still verifies, and is upgraded at the next login.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Production cost: N=2^15, r=8, p=1 (32 MiB, tens of milliseconds per hash). */
export const PASSWORD_COST_DEFAULT = 15;
/** Bounds of AUTH_PASSWORD_COST (log2 N): 2^10 is 1 MiB per hash, 2^17 is 128 MiB. */
export const PASSWORD_COST_MIN = 10;
export const PASSWORD_COST_MAX = 17;
let N = 2 ** PASSWORD_COST_DEFAULT;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A hash of the current cost that matches nothing (see verifyDummyPassword). */
let dummy: Promise<string> | undefined;

export const PASSWORD_MIN_LENGTH = 12;
/** Bounds the work a single request can ask for. */
export const PASSWORD_MAX_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Sets the cost (log2 N) of the hashes made from now on in this process. */
export function setPasswordCost(log2N: number): void {
  if (!Number.isInteger(log2N) || log2N < PASSWORD_COST_MIN || log2N > PASSWORD_COST_MAX) {
    throw new RangeError(`password cost must be an integer from ${PASSWORD_COST_MIN} to ${PASSWORD_COST_MAX}`);
  }
  if (2 ** log2N !== N) dummy = undefined; // the dummy hash must cost what a real one does
  N = 2 ** log2N;
}

/** The cost (log2 N) of the hashes this process makes. */
export const passwordCost = (): number => Math.log2(N);

const options = (n: number, r: number, p: number): ScryptOptions => ({ N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });

/** Equivalent forms of the same characters (composed/decomposed accents) must give the same hash. */
const normalize = (password: string): string => password.normalize('NFKC');

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(normalize(password), salt, KEY_BYTES, options(N, R, P));
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Refuse absurd parameters rather than let a bad row exhaust memory.
  if (!Number.isInteger(n) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const key = Buffer.from(parts[5] as string, 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { n, r, p, salt, key };
}

/** True when the password matches the stored hash; compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await scrypt(normalize(password), parsed.salt, parsed.key.length, options(parsed.n, parsed.r, parsed.p));
  return timingSafeEqual(key, parsed.key);
}

/** True when a hash was made with other parameters than the current ones (rehash on next login). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.n !== N || parsed.r !== R || parsed.p !== P || parsed.key.length !== KEY_BYTES;
}

/** Computes the dummy hash ahead of the first unknown e-mail, so that one is not slower either. */
export function prepareDummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString('base64url'));
  return dummy;
}

/**
 * Checks a password against a hash of the current cost that matches nothing, so a login for an
 * unknown e-mail (or a user without a password) takes as long as a wrong password. Always false.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  await verifyPassword(password, await prepareDummyHash());
  return false;
}
