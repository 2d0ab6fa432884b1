/**
 * npm run resource:new -- <Model> — serves a table that prisma/schema.prisma has (and a migration
 * created: npm run migrate:dev). It writes src/models/<model>.model.ts and
 * src/resources/<models>.resource.ts from the model's generated metadata (regenerated first if
 * the model is new to it), registers the descriptor in src/resources/registry.ts, formats them,
 * regenerates the API docs, and prints what the developer must decide. Refuses when the model is
 * missing or has no primary key id, when it or its URL is served already, or the files exist.
 * Plan and templates: src/resources/scaffold/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { logger } from '../src/core/logging';
import { PROJECT_ROOT } from '../src/core/paths';
import { readModelsMeta } from '../src/db/migrate/model-changes';
import { generate, SCHEMA_PATH } from '../src/db/prisma-generate';
import { addToRegistry } from '../src/resources/scaffold/lists';
import { namesOf, planResource } from '../src/resources/scaffold/plan';
import { modelModule, resourceModule } from '../src/resources/scaffold/templates';
import { run } from './cli';

const USAGE = 'usage: npm run resource:new -- <Model>   (a model of prisma/schema.prisma, e.g. Device)';
const METADATA = path.join(PROJECT_ROOT, 'src', 'models', 'generated', 'schema.ts');
const REGISTRY = path.join(PROJECT_ROOT, 'src', 'resources', 'registry.ts');

const relative = (file: string): string => path.relative(PROJECT_ROOT, file);

function modelArgument(): string {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true, options: {} });
  const [model, ...rest] = positionals;
  if (!model || rest.length || !/^[A-Z][A-Za-z0-9]*$/.test(model)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return model;
}

/** The block `model <name> { … }` of schema.prisma, or undefined. */
function schemaBlock(model: string): string | undefined {
  return new RegExp(`^model\\s+${model}\\s*\\{[\\s\\S]*?^\\}`, 'm').exec(readFileSync(SCHEMA_PATH, 'utf8'))?.[0];
}

async function writeFormatted(file: string, text: string): Promise<void> {
  writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
  logger.info(`wrote ${relative(file)}`);
}

run(async () => {
  const model = modelArgument();
  if (!schemaBlock(model))
    throw new Error(`prisma/schema.prisma has no model ${model}: add it, then npm run migrate:dev -- --name add_<table>`);
  const names = namesOf(model);
  const files = [
    path.join(PROJECT_ROOT, 'src', 'models', `${names.modelFile}.ts`),
    path.join(PROJECT_ROOT, 'src', 'resources', `${names.resourceFile}.ts`),
  ];
  const existing = files.filter((f) => existsSync(f)).map(relative);
  if (existing.length) throw new Error(`refusing to overwrite ${existing.join(' and ')}: ${model} has its modules already`);

  if (!readModelsMeta(METADATA).models[model]) {
    logger.info(`${model} is new to the model metadata: generating it (npm run generate's first step)`);
    await generate();
  }
  // The descriptors registered now: which resource serves each related model.
  const { descriptors } = await import('../src/resources/registry');
  const served = descriptors.find((d) => d.model === model);
  if (served) throw new Error(`${model} is served already, by the resource ${served.name}`);
  const { buildOpenApiDocument } = await import('../src/api/openapi');
  if (buildOpenApiDocument().paths?.[`/api/v1/${names.resource}`]) {
    throw new Error(`/api/v1/${names.resource} is served already (see docs/openapi.json): rename the model or serve it by hand`);
  }
  const plan = planResource(readModelsMeta(METADATA), model, (m) => descriptors.find((d) => d.model === m)?.name);

  const [modelFile, resourceFile] = files as [string, string];
  await writeFormatted(modelFile, modelModule(plan));
  await writeFormatted(resourceFile, resourceModule(plan));
  await writeFormatted(REGISTRY, addToRegistry(readFileSync(REGISTRY, 'utf8'), names));

  logger.info('writing the API docs (npm run docs)');
  // A process of its own: this one has loaded the registry as it was before.
  const docs = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join('scripts', 'docs.ts')], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (docs.status !== 0) throw new Error(`npm run docs failed (exit ${String(docs.status)})`);

  const lines = [
    '',
    `${model} is served at /api/v1/${names.resource}. Decide, in ${relative(resourceFile)} and ${relative(modelFile)}:`,
    ...plan.decisions.map((d) => `  - ${d}`),
    'then npm start (or npm run dev), and commit the new modules with the regenerated docs.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
});
