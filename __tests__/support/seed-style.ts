/** A database in the style of the service this project replaces (fixtures/seed-style.sql), for the db:adopt tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from './migrate-cli';
import { ROOT } from './process';

export const SEED_STYLE_SQL = readFileSync(path.join(ROOT, '__tests__', 'fixtures', 'seed-style.sql'), 'utf8');

/** Rows in the seed-style tables: one user, one session, three recordings. */
export async function fillSeedStyle(url: string): Promise<{ userId: string }> {
  const [user] = await sql<{ id: string }>(
    url,
    `INSERT INTO users (email, name, role) VALUES ('ada@example.com', 'Ada', 'ADMIN') RETURNING id`,
  );
  const userId = (user as { id: string }).id;
  await sql(
    url,
    `WITH s AS (INSERT INTO sessions (user_id, title, started_at) VALUES ('${userId}', 'Sleep study', now() - interval '1 day') RETURNING id)
     INSERT INTO recordings (user_id, session_id, name, modality, status, format, sample_rate_hz, recorded_at)
     SELECT '${userId}', s.id, r.name, r.modality::modality, r.status::recording_status, 'application/x-edf', 256, now() - r.age
       FROM s, (VALUES ('night-eeg', 'EEG', 'READY', interval '3 hours'), ('night-ecg', 'ECG', 'READY', interval '2 hours'),
                       ('broken', 'EEG', 'FAILED', interval '1 hour')) AS r(name, modality, status, age)`,
  );
  return { userId };
}
