import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectDatabase } from '../../src/db/connection';
import { applyPendingMigrations } from '../../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../../src/db/pg-url';
import { baseTestUrl, MAX_WORKERS, workerUrl } from './test-database';

/** Fresh, migrated schema per worker; the URLs reach the workers through the environment. */
export default async function globalSetup(): Promise<void> {
  const { url, external } = await baseTestUrl();
  for (let worker = 1; worker <= MAX_WORKERS; worker++) {
    const target = workerUrl(url, external, worker);
    const { schema } = parsePgUrl(target);
    const admin = new pg.Client(parsePgUrl(url).config);
    await admin.connect();
    try {
      if (external) {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
        await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      } else {
        await admin.query('DROP SCHEMA IF EXISTS public CASCADE');
        await admin.query('CREATE SCHEMA public');
      }
    } finally {
      await admin.end();
    }
    const db = connectDatabase({ url: target, poolSize: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
    try {
      await applyPendingMigrations(db.pool, db.schema, target);
    } finally {
      await db.close();
    }
  }
  process.env.BACKENDAPI_TEST_BASE_URL = url;
  process.env.BACKENDAPI_TEST_EXTERNAL = external ? '1' : '0';
  // Each test file writes how many responses support/contract-hook.ts checked; the teardown sums them.
  process.env.BACKENDAPI_CONTRACT_DIR = mkdtempSync(path.join(os.tmpdir(), 'backendapi-contract-'));
}
