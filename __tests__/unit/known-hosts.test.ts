import { createHmac, randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/core/config';
import { knownKeysFor, verifyHostKey } from '../../src/db/known-hosts';

// An ed25519 public key blob: string "ssh-ed25519", then 32 key bytes.
function blob(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(type.length);
  const keyLen = Buffer.alloc(4);
  keyLen.writeUInt32BE(32);
  return Buffer.concat([len, type, keyLen, Buffer.alloc(32, seed)]);
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts verification', () => {
  const good = blob(1);
  const other = blob(2);

  it('when the file lists the key under a hashed name with a non-default port, then it is accepted', () => {
    const text = `# comment\n${hashed('[bastion.example]:2222')} ssh-ed25519 ${good.toString('base64')}\n`;
    expect(verifyHostKey(knownKeysFor(text, 'bastion.example', 2222), good, 'bastion.example', 2222)).toEqual({ ok: true });
  });

  it('when the file lists another key for the host, then it is refused as a mismatch', () => {
    const text = `bastion.example,10.0.0.1 ssh-ed25519 ${other.toString('base64')}\n`;
    const verdict = verifyHostKey(knownKeysFor(text, 'bastion.example', 22), good, 'bastion.example', 22);
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/ssh-ed25519 host key of bastion.example does not match/) });
  });

  it('when a wildcard matches but a negation excludes the host, or the key is @revoked, then it is refused', () => {
    const key = good.toString('base64');
    expect(
      verifyHostKey(knownKeysFor(`*.example,!bastion.example ssh-ed25519 ${key}`, 'bastion.example', 22), good, 'bastion.example', 22).ok,
    ).toBe(false);
    expect(verifyHostKey(knownKeysFor(`*.example ssh-ed25519 ${key}`, 'bastion.example', 22), good, 'bastion.example', 22).ok).toBe(true);
    const revoked = `*.example ssh-ed25519 ${key}\n@revoked * ssh-ed25519 ${key}\n`;
    expect(verifyHostKey(knownKeysFor(revoked, 'bastion.example', 22), good, 'bastion.example', 22)).toEqual({
      ok: false,
      reason: expect.stringMatching(/@revoked/),
    });
  });

  it('when the entry is for port 22 but the bastion listens elsewhere, then it does not count', () => {
    expect(knownKeysFor(`bastion.example ssh-ed25519 ${good.toString('base64')}`, 'bastion.example', 2222)).toEqual([]);
  });
});

describe('tunnel configuration', () => {
  it('when DATABASE_SSH_HOST is set without user, key and known_hosts, then start-up names every missing variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://db.internal/app', DATABASE_SSH_HOST: 'bastion.example' })).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^DATABASE_SSH_USER: required/),
          expect.stringMatching(/^DATABASE_SSH_PRIVATE_KEY_PATH: required/),
          expect.stringMatching(/^DATABASE_SSH_KNOWN_HOSTS: required .*INSECURE_ACCEPT_ANY_HOST_KEY/),
        ],
      }),
    );
  });

  it('when the insecure switch is on, then known_hosts is not required', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://db.internal/app',
      DATABASE_SSH_HOST: 'bastion.example',
      DATABASE_SSH_USER: 'tunnel',
      DATABASE_SSH_PRIVATE_KEY_PATH: '/keys/id_ed25519',
      DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY: 'true',
    });
    expect(config.database.ssh).toMatchObject({
      host: 'bastion.example',
      port: 22,
      insecureAcceptAnyHostKey: true,
      knownHostsPath: undefined,
    });
  });
});
