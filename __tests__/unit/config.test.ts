import { ConfigError, loadConfig } from '../../src/core/config';

describe('configuration', () => {
  it('when nothing is set, then the documented defaults apply and the embedded database is chosen', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http.port).toBe(3000);
    expect(config.http.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.database.url).toBeUndefined();
    expect(config.embedded.dir).toMatch(/data$/);
    expect(config.log.format).toBe('pretty');
  });

  it('when NODE_ENV is production, then logs are JSON lines', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).log.format).toBe('json');
  });

  it('when values are given, then they are parsed into typed fields', () => {
    const config = loadConfig({
      PORT: '8080',
      BODY_LIMIT: '512kb',
      MIGRATE_ON_START: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.http.port).toBe(8080);
    expect(config.http.bodyLimitBytes).toBe(512 * 1024);
    expect(config.database.migrateOnStart).toBe(false);
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('when several variables are bad, then one error names every one of them', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://root:hunter2@db/app', LOG_LEVEL: 'loud', BODY_LIMIT: 'lots' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'BODY_LIMIT']) expect(message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('when a secret-bearing value is bad, then the message does not echo it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/app' })).toThrow(ConfigError);
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/app' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('when an empty value is given, then it counts as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).database.url).toBeUndefined();
  });

  it('the configuration cannot be changed once loaded', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
  });
});
