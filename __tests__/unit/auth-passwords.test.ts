import {
  hashPassword,
  needsRehash,
  PASSWORD_COST_DEFAULT,
  passwordCost,
  setPasswordCost,
  verifyDummyPassword,
  verifyPassword,
} from '../../src/auth/passwords';

describe('password hashing', () => {
  // The suite runs at a low cost (support/setup-env.ts); the tests that need the production one set it.
  const testCost = passwordCost();
  afterEach(() => setPasswordCost(testCost));

  it('when a password is hashed at the production cost, then the string carries the algorithm, N=2^15, r, p, salt and hash', async () => {
    setPasswordCost(PASSWORD_COST_DEFAULT);
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct horse battery');
    expect(needsRehash(hash)).toBe(false);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyDummyPassword('correct horse battery')).toBe(false);
  });

  it('when the cost is lowered, then new hashes use it, and a production-cost hash still verifies but is marked for rehashing', async () => {
    setPasswordCost(PASSWORD_COST_DEFAULT);
    const strong = await hashPassword('correct horse battery');
    setPasswordCost(10);
    const cheap = await hashPassword('correct horse battery');
    expect(cheap).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(needsRehash(cheap)).toBe(false);
    expect(await verifyPassword('correct horse battery', strong)).toBe(true);
    expect(needsRehash(strong)).toBe(true);
    setPasswordCost(PASSWORD_COST_DEFAULT);
    expect(needsRehash(cheap)).toBe(true);
  });

  it.each([[9], [18], [12.5], [Number.NaN]])('when the cost is out of bounds (%s), then it is refused and nothing changes', (cost) => {
    expect(() => setPasswordCost(cost)).toThrow(RangeError);
    expect(passwordCost()).toBe(testCost);
  });

  it('when the same password is hashed twice, then the salts (and hashes) differ', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
  });

  it('when the password matches, then verify is true; otherwise false', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('when the same text is typed in another Unicode form, then it still matches', async () => {
    const hash = await hashPassword('caf\u00e9 au lait, please'); // é as one code point
    expect(await verifyPassword('cafe\u0301 au lait, please', hash)).toBe(true); // e + combining accent
  });

  it('when a hash has older parameters, then it still verifies and is marked for rehashing', async () => {
    setPasswordCost(PASSWORD_COST_DEFAULT);
    const hash = await hashPassword('correct horse battery');
    // Same key derived with N=2^14: build it the way an older version would have.
    const { scryptSync } = await import('node:crypto');
    const [, , , , salt] = hash.split('$');
    const old = `scrypt$16384$8$1$${salt}$${scryptSync('correct horse battery', Buffer.from(salt as string, 'base64url'), 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    expect(await verifyPassword('correct horse battery', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it.each([
    ['bcrypt$2b$10$abc'],
    ['scrypt$3$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5'],
    ['scrypt$4194304$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5'],
    [''],
  ])('when a stored hash is malformed or absurd (%s), then verify is false without trying it', async (stored) => {
    expect(await verifyPassword('anything at all', stored)).toBe(false);
  });

  it('the dummy verification never succeeds', async () => {
    expect(await verifyDummyPassword('')).toBe(false);
    expect(await verifyDummyPassword('correct horse battery')).toBe(false);
  });
});
