/**
 * `timestamp` (without time zone) columns hold UTC, as Prisma writes them. The statements the
 * API sends on its own pool (the read path, src/resources/sql-read.ts) must send and read such
 * values as UTC whatever the process's time zone, as Prisma does. The zone is set at a process's
 * start, so the statements run in a child process started in New York's.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { testDatabaseUrl } from '../support/app';

const ROOT = path.resolve(__dirname, '../..');

const CHILD = `
const { connectDatabase } = require('./src/db/connection');
const { Params } = require('./src/resources/sql-query');
(async () => {
  const db = connectDatabase({ url: process.env.URL, poolSize: 1, connectTimeoutMs: 5000, statementTimeoutMs: 10000 });
  const at = new Date('2026-01-02T03:04:05.678Z');
  const params = new Params();
  const { rows } = await db.pool.query(
    \`SELECT \${params.add(at)}::timestamp::text AS text,
            '2026-01-02 03:04:05.678'::timestamp AS read,
            '2026-01-02 03:04:05.678'::timestamp = ANY(\${params.add([at])}::timestamp[]) AS "inList",
            '0044-03-15 12:00:00 BC'::timestamp AS bc\`,
    params.values,
  );
  // timestamptz as the session writes it: in UTC (+00) with 0 to 6 fraction digits, or in another zone.
  const forms = ['2026-01-02 03:04:05.678', '2026-01-02 03:04:05.5', '2026-01-02 03:04:05', '2026-01-02 03:04:05.123456', '0044-03-15 12:00:00'];
  const zoned = [];
  for (const zone of ['UTC', 'Asia/Kolkata']) {
    const client = await db.pool.connect();
    await client.query("SELECT set_config('TimeZone', $1, false)", [zone]);
    const tz = await client.query(\`SELECT \${forms.map((f, i) => \`'\${f}+00'::timestamptz AS t\${i}\`).join(', ')}\`);
    await client.query('RESET TimeZone');
    client.release();
    zoned.push(forms.map((f, i) => tz.rows[0]['t' + i].toISOString()));
  }
  await db.close();
  const r = rows[0];
  process.stdout.write(JSON.stringify({ localHours: at.getHours(), text: r.text, read: r.read.toISOString(), inList: r.inList, bc: r.bc.toISOString(), zoned }));
})();
`;

const utc = [
  '2026-01-02T03:04:05.678Z',
  '2026-01-02T03:04:05.500Z',
  '2026-01-02T03:04:05.000Z',
  '2026-01-02T03:04:05.123Z',
  '0044-03-15T12:00:00.000Z',
];

describe('timestamps on the pool, in a process whose time zone is not UTC', () => {
  it('when a Date is a parameter of a timestamp and a timestamp is read, then both are UTC', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, TZ: 'America/New_York', URL: testDatabaseUrl() },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({
      localHours: 22, // the zone is in effect: 22:04 on the 1st in New York
      text: '2026-01-02 03:04:05.678',
      read: '2026-01-02T03:04:05.678Z',
      inList: true,
      bc: '-000043-03-15T12:00:00.000Z',
      zoned: [utc, utc],
    });
  });
});
