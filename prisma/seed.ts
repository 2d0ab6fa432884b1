/**
 * npm run seed — a small, realistic demo data set: three users, their recording sessions,
 * recordings of several modalities, and a few algorithms. Idempotent: it does nothing when
 * the demo users already exist. Refuses to run when NODE_ENV=production.
 * The demo users get a known password and a known API key each (DEMO_USERS), printed at the
 * end, so examples and manual tests can log in; never use them anywhere but on a demo database.
 */
import { withDatabase } from '../src/db/open';
import { logger } from '../src/core/logging';
import type { PrismaClient } from '../src/generated/prisma/client';
import { run, scriptConfig } from '../scripts/cli';
import { insertUser, prepareUser, type PreparedUser } from '../src/auth/users';
import { DISPLAY_PREFIX_LENGTH, hashToken } from '../src/auth/tokens';

/** Demo credentials: public knowledge, which is why the seed refuses production. */
export const DEMO_PASSWORD = 'demo-password-2026';
const demoKey = (label: string): string => `bk_api_${`demo_${label}_`.padEnd(43, '0')}`;
export const DEMO_USERS = [
  { email: 'admin@example.com', role: 'ADMIN', apiKey: demoKey('admin') },
  { email: 'ada@example.com', role: 'MEMBER', apiKey: demoKey('ada') },
  { email: 'grace@example.com', role: 'MEMBER', apiKey: demoKey('grace') },
] as const;

const DAY = 24 * 60 * 60 * 1000;

/** Prints the demo users' password and API keys (npm run seed, npm run migrate:reset). */
export function logDemoCredentials(): void {
  logger.info(`demo users (password for all: ${DEMO_PASSWORD}):`);
  for (const u of DEMO_USERS) logger.info(`  ${u.email.padEnd(20)} ${u.role.padEnd(7)} Authorization: Bearer ${u.apiKey}`);
}

export async function seedDemoData(prisma: PrismaClient, now = new Date()): Promise<boolean> {
  if (await prisma.user.findUnique({ where: { email: 'admin@example.com' } })) return false;
  // Users as every user is made (src/auth/users.ts): hashed before the transaction, each with its user.created event.
  const [adminUser, adaUser, graceUser] = await Promise.all(
    [
      { email: 'admin@example.com', name: 'Avery Admin', role: 'ADMIN' as const },
      { email: 'ada@example.com', name: 'Ada Lovelace' },
      { email: 'grace@example.com', name: 'Grace Hopper' },
    ].map((u) => prepareUser({ ...u, password: DEMO_PASSWORD })),
  );
  await prisma.$transaction(async (tx) => {
    const admin = await insertUser(tx, adminUser as PreparedUser);
    const ada = await insertUser(tx, adaUser as PreparedUser, admin.id);
    const grace = await insertUser(tx, graceUser as PreparedUser, admin.id);
    const ids: Record<string, string> = { [admin.email]: admin.id, [ada.email]: ada.id, [grace.email]: grace.id };
    await tx.apiKey.createMany({
      data: DEMO_USERS.map((u) => ({
        userId: ids[u.email] as string,
        name: 'demo key',
        kind: 'API' as const,
        tokenHash: hashToken(u.apiKey),
        prefix: u.apiKey.slice(0, DISPLAY_PREFIX_LENGTH),
      })),
    });

    const sleepStudy = await tx.session.create({
      data: {
        userId: ada.id,
        title: 'Overnight sleep study',
        device: 'OpenBCI Cyton 8ch',
        startedAt: new Date(now.getTime() - 2 * DAY),
        endedAt: new Date(now.getTime() - 2 * DAY + 8 * 60 * 60 * 1000),
        notes: 'Participant slept well; electrode C3 re-seated at 02:10.',
        metadata: { participant: 'P-014', site: 'lab-2', montage: '10-20' },
      },
    });
    const run = await tx.session.create({
      data: {
        userId: grace.id,
        title: 'Treadmill ECG, 5 km/h',
        device: 'Polar H10',
        startedAt: new Date(now.getTime() - DAY),
        endedAt: new Date(now.getTime() - DAY + 30 * 60 * 1000),
        metadata: { participant: 'P-021', protocol: 'bruce-stage-1' },
      },
    });
    await tx.session.create({
      data: {
        userId: ada.id,
        title: 'Resting-state EEG (in progress)',
        device: 'Muse S',
        startedAt: new Date(now.getTime() - 15 * 60 * 1000),
      },
    });

    await tx.recording.createMany({
      data: [
        {
          userId: ada.id,
          sessionId: sleepStudy.id,
          name: 'sleep-p014-eeg.edf',
          modality: 'EEG',
          status: 'READY',
          format: 'application/x-edf',
          sampleRateHz: 250,
          channelCount: 8,
          durationMs: 8 * 60 * 60 * 1000,
          sizeBytes: 460_800_000n,
          sha256: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdefabcd',
          storageUri: 's3://recordings/ada/sleep-p014-eeg.edf',
          recordedAt: sleepStudy.startedAt,
          metadata: { reference: 'linked-mastoids' },
        },
        {
          userId: ada.id,
          sessionId: sleepStudy.id,
          name: 'sleep-p014-audio.flac',
          modality: 'AUDIO',
          status: 'READY',
          format: 'audio/flac',
          sampleRateHz: 16_000,
          channelCount: 1,
          durationMs: 8 * 60 * 60 * 1000,
          sizeBytes: 301_000_000n,
          recordedAt: sleepStudy.startedAt,
        },
        {
          userId: grace.id,
          sessionId: run.id,
          name: 'treadmill-p021-ecg.csv',
          modality: 'ECG',
          status: 'PENDING',
          format: 'text/csv',
          sampleRateHz: 130,
          channelCount: 1,
          durationMs: 30 * 60 * 1000,
          recordedAt: run.startedAt,
        },
        {
          userId: grace.id,
          sessionId: run.id,
          name: 'treadmill-p021-imu.bin',
          modality: 'IMU',
          status: 'FAILED',
          format: 'application/octet-stream',
          sampleRateHz: 52,
          channelCount: 6,
          recordedAt: run.startedAt,
          metadata: { error: 'upload interrupted at 61%' },
        },
      ],
    });

    await tx.algo.createMany({
      data: [
        {
          ownerId: admin.id,
          name: 'sleep-staging',
          version: '1.2.0',
          description: 'Scores 30-second epochs into W, N1, N2, N3 and REM.',
          status: 'PUBLISHED',
          parameters: {
            type: 'object',
            properties: { epochSeconds: { type: 'integer', default: 30 }, channels: { type: 'array', items: { type: 'string' } } },
            required: ['channels'],
          },
        },
        {
          ownerId: grace.id,
          name: 'hrv-summary',
          version: '0.3.1',
          description: 'RMSSD, SDNN and pNN50 from R-R intervals.',
          status: 'DRAFT',
          parameters: { type: 'object', properties: { windowSeconds: { type: 'integer', minimum: 30 } } },
        },
        { ownerId: admin.id, name: 'sleep-staging', version: '1.1.0', status: 'DEPRECATED', parameters: { type: 'object' } },
      ],
    });
  });
  return true;
}

if (require.main === module) {
  run(async () => {
    const config = scriptConfig();
    if (config.env === 'production') throw new Error('refusing to seed demo data when NODE_ENV=production');
    await withDatabase(config, { poolSize: 2 }, async (db) => {
      logger.info((await seedDemoData(db.prisma)) ? 'seeded the demo data set' : 'demo data already present; nothing to do');
      logDemoCredentials();
    });
  });
}
