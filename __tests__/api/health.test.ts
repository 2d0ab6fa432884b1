import request from 'supertest';
import { listMigrations } from '../../src/db/migrations';
import { startTestApp, type TestApp } from '../support/app';

describe('health and readiness', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  afterAll(() => t.close());

  it('healthz answers 200 while the process runs', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('when the database answers and every migration is applied, then readyz is 200', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual(
      expect.arrayContaining([
        { name: 'database', ok: true },
        { name: 'migrations', ok: true, detail: `${listMigrations().length} applied` },
      ]),
    );
  });

  it('when a migration is pending, then readyz is 503 and names it', async () => {
    const latest = listMigrations().at(-1) as string;
    const table = `${t.db.schema}."_prisma_migrations"`;
    const { rows } = await t.db.pool.query(`DELETE FROM ${table} WHERE migration_name = $1 RETURNING *`, [latest]);
    try {
      const res = await request(t.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toContain(latest);
    } finally {
      const row = rows[0] as Record<string, unknown>;
      const cols = Object.keys(row);
      await t.db.pool.query(
        `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => row[c]),
      );
    }
    expect((await request(t.app).get('/readyz')).status).toBe(200);
  });

  it('when a further check fails (e.g. draining), then readyz is 503', async () => {
    const draining = startTestApp({}, { extraChecks: [() => ({ name: 'shutdown', ok: false, detail: 'draining' })] });
    try {
      const res = await request(draining.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.checks).toContainEqual({ name: 'shutdown', ok: false, detail: 'draining' });
    } finally {
      await draining.close();
    }
  });

  it('when the database is unreachable, then readyz is 503 quickly', async () => {
    const down = startTestApp({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none', DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    try {
      const started = Date.now();
      const res = await request(down.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.detail).toBe('database: unreachable');
      expect(res.body.checks).toContainEqual({ name: 'database', ok: false, detail: 'unreachable' });
      // The probe is public: the error's own text (host, port, database, errno) stays in the log.
      expect(res.text).not.toMatch(/127\.0\.0\.1|:9\b|none|ECONNREFUSED|connect/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await down.close();
    }
  });
});
