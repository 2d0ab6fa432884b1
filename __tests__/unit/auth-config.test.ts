import { ConfigError, loadConfig } from '../../src/core/config';

describe('auth, rate-limit and CORS configuration', () => {
  it('when nothing is set, then login tokens last 12 h, 10 failures per 15 min are allowed, and there is no per-token limit', () => {
    const config = loadConfig({});
    expect(config.auth).toEqual({ loginTtlMs: 12 * 3_600_000, loginMaxFailures: 10, loginFailureWindowMs: 15 * 60_000, passwordCost: 15 });
    expect(config.rateLimit.perMinute).toBeUndefined();
    expect(config.http.corsOrigins).toEqual([]);
  });

  it('when durations are given with units or as seconds, then they are parsed to milliseconds', () => {
    const config = loadConfig({
      AUTH_LOGIN_TTL: '30m',
      AUTH_LOGIN_FAILURE_WINDOW: '3600',
      AUTH_LOGIN_MAX_FAILURES: '5',
      RATE_LIMIT_PER_MINUTE: '600',
    });
    expect(config.auth).toEqual({ loginTtlMs: 30 * 60_000, loginMaxFailures: 5, loginFailureWindowMs: 3_600_000, passwordCost: 15 });
    expect(config.rateLimit.perMinute).toBe(600);
  });

  it('when the values are bad, then every one is named', () => {
    let error: unknown;
    try {
      loadConfig({
        AUTH_LOGIN_TTL: 'forever',
        AUTH_LOGIN_FAILURE_WINDOW: '0',
        AUTH_LOGIN_MAX_FAILURES: '-1',
        RATE_LIMIT_PER_MINUTE: 'lots',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['AUTH_LOGIN_TTL', 'AUTH_LOGIN_FAILURE_WINDOW', 'AUTH_LOGIN_MAX_FAILURES', 'RATE_LIMIT_PER_MINUTE'])
      expect(message).toContain(name);
  });

  it('when AUTH_PASSWORD_COST is given within 10–17, then it is the scrypt cost of new hashes (log2 N)', () => {
    expect(loadConfig({ AUTH_PASSWORD_COST: '10' }).auth.passwordCost).toBe(10);
    expect(loadConfig({ AUTH_PASSWORD_COST: '17', NODE_ENV: 'production' }).auth.passwordCost).toBe(17);
  });

  it.each([['9'], ['18'], ['15.5'], ['high']])('when AUTH_PASSWORD_COST is %s, then start-up is refused naming it', (value) => {
    expect(() => loadConfig({ AUTH_PASSWORD_COST: value })).toThrow(/AUTH_PASSWORD_COST/);
  });

  it('when NODE_ENV is production, then a cost below the production default is refused', () => {
    expect(() => loadConfig({ AUTH_PASSWORD_COST: '12', NODE_ENV: 'production' })).toThrow(/AUTH_PASSWORD_COST: at least 15 in production/);
    expect(loadConfig({ AUTH_PASSWORD_COST: '12', NODE_ENV: 'test' }).auth.passwordCost).toBe(12);
  });

  it.each([['*'], ['https://app.example.com/path'], ['app.example.com'], ['https://a.example, *']])(
    'when CORS_ORIGINS is %s, then start-up is refused (an allowlist of exact origins only)',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    },
  );
});
