/**
 * npm run generate:models [-- --schema <file>] — models from the live database (the seed's
 * `generate_models`): introspects the configured database into the schema (`prisma db pull`,
 * which keeps @map/@@map, @default(uuid(7)), @updatedAt and /// comments, but not // comments),
 * then regenerates what derives from it — the Prisma client, the model metadata
 * (src/models/generated/schema.ts) and, for the project's own schema, the API docs
 * (npm run docs) — and prints what changed in the models. `npm run generate` does the same from
 * schema.prisma as it is, without reading the database.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { logger } from '../src/core/logging';
import { PROJECT_ROOT } from '../src/core/paths';
import { modelChanges, readModelsMeta } from '../src/db/migrate/model-changes';
import { PROJECT_SCHEMA, prismaPaths } from '../src/db/migrate/paths';
import { runPrismaCli } from '../src/db/migrations';
import { generate } from '../src/db/prisma-generate';
import { withTarget } from '../src/db/open';
import { describeTarget, run, scriptConfig } from './cli';

/** The model metadata file: the `models` generator's output directory, relative to the schema. */
function metadataFile(schemaFile: string): string | undefined {
  const block = /^generator\s+models\s*\{([\s\S]*?)^\}/m.exec(readFileSync(schemaFile, 'utf8'))?.[1];
  const output = block && /output\s*=\s*"([^"]+)"/.exec(block)?.[1];
  return output ? path.join(path.resolve(path.dirname(schemaFile), output), 'schema.ts') : undefined;
}

run(async () => {
  const { values } = parseArgs({ options: { schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  await withTarget(
    config,
    async (target) => {
      logger.info(`database: ${describeTarget(config, target)}`);
      const metaFile = metadataFile(paths.schemaFile);
      const before = metaFile ? readModelsMeta(metaFile) : undefined;
      logger.info(`introspecting the database into ${path.relative(process.cwd(), paths.schemaFile)} (prisma db pull)`);
      await runPrismaCli(['db', 'pull', ...paths.cliArgs], target.url);
      logger.info('generating the Prisma client and the model metadata (npm run generate)');
      await generate(paths.schemaFile === PROJECT_SCHEMA ? {} : { schema: paths.schemaFile });
      if (paths.schemaFile === PROJECT_SCHEMA) {
        logger.info('writing the API docs (npm run docs)');
        // A process of its own: this one has loaded the model metadata as it was before.
        const docs = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join('scripts', 'docs.ts')], {
          cwd: PROJECT_ROOT,
          stdio: 'inherit',
        });
        if (docs.status !== 0) throw new Error(`npm run docs failed (exit ${String(docs.status)})`);
      }
      if (!metaFile || !before) {
        logger.warn('the schema has no `models` generator: no model metadata to compare');
        return;
      }
      const changes = modelChanges(before, readModelsMeta(metaFile));
      if (!changes.length) logger.info('the models are unchanged');
      else {
        logger.info(`the models changed (${changes.length}):`);
        for (const line of changes) logger.info(`  ${line}`);
      }
    },
    { probe: true },
  );
});
