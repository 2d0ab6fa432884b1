/**
 * Rebuilding the migration history from the migration files against the tables that exist
 * (npm run migrate:clear, the seed's `--clear`): the history is forgotten, every migration whose
 * changes the database already holds is recorded as applied with Prisma's `migrate resolve
 * --applied` (Prisma's baselining), and the rest are applied with `migrate deploy`. No table is
 * dropped and no row is lost.
 *
 * "Already holds" means: the database, introspected, is exactly what the first k migrations
 * build (an empty `prisma migrate diff`), for the largest such k. A database that matches no
 * prefix (say migration 3 is there but not 2, or a column was added by hand) is refused with the
 * difference, and nothing is changed.
 */
import path from 'node:path';
import type pg from 'pg';
import { deployMigrations, listMigrations, runPrismaCli } from '../migrations';
import { diffScript, pullDatamodel, withScratchDir } from './schema-diff';

export interface HistoryPlan {
  /** Migrations whose changes are present: recorded as applied. */
  present: string[];
  /** The others: applied by `migrate deploy`. */
  toApply: string[];
}

export class HistoryMismatch extends Error {
  override name = 'HistoryMismatch';
  constructor(readonly script: string) {
    super(
      'the tables match no prefix of the migrations, so nothing was changed. What prisma migrate diff would run to bring ' +
        `the database to all migrations:\n${script.trimEnd().replace(/^/gm, '    ')}`,
    );
  }
}

/** Finds how many migrations the database already holds; `hint` (e.g. the old history's count) is tried early. */
export async function planHistory(url: string, migrationsDir: string, hint?: number, progress?: (m: string) => void): Promise<HistoryPlan> {
  const all = listMigrations(migrationsDir);
  return withScratchDir(async (scratch) => {
    const pulled = path.join(scratch, 'database.prisma');
    if (!(await pullDatamodel(url, pulled))) return { present: [], toApply: all };
    const candidates = [...new Set([all.length, ...(hint !== undefined ? [hint] : []), ...all.map((_, i) => all.length - 1 - i)])].filter(
      (k) => k > 0 && k <= all.length,
    );
    let againstAll = '';
    for (const k of candidates) {
      progress?.(`comparing the tables with the first ${k} migration(s)`);
      const script = await diffScript(url, { datamodel: pulled }, { migrationsDir, names: all.slice(0, k) });
      if (!script) return { present: all.slice(0, k), toApply: all.slice(k) };
      if (k === all.length) againstAll = script;
    }
    throw new HistoryMismatch(againstAll);
  });
}

/** Forgets the history, records `plan.present` as applied, applies the rest. */
export async function rebuildHistory(
  client: Pick<pg.Client, 'query'>,
  quotedSchema: string,
  url: string,
  plan: HistoryPlan,
  cliArgs: string[],
  progress: (m: string) => void,
): Promise<void> {
  try {
    const { rowCount } = await client.query(`DELETE FROM ${quotedSchema}."_prisma_migrations"`);
    progress(`forgot ${rowCount ?? 0} history row(s)`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err; // no history table yet: Prisma creates it
  }
  for (const name of plan.present) {
    progress(`recording ${name} as applied (its changes are present)`);
    await runPrismaCli(['migrate', 'resolve', '--applied', name, ...cliArgs], url);
  }
  if (plan.toApply.length) {
    progress(`applying ${plan.toApply.join(', ')}`);
    await deployMigrations(url, cliArgs);
  }
}
