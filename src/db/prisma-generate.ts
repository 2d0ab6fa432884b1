/**
 * `prisma generate` for this project, which runs two Prisma versions side by side:
 *
 * - Prisma 6.19's CLI (package `prisma`) runs migrations and introspection offline through its
 *   bundled WASM schema engine (prisma.config.ts), and runs the `models` generator
 *   (scripts/generate-models.ts, @prisma/generator-helper 6.19), whose output is committed.
 * - Prisma 7.10's client (`@prisma/client`) serves the application: its query compiler costs
 *   about half the CPU per query of 6.19's. Its generator ships in Prisma 7.10's CLI, installed
 *   under the npm alias `prisma7` so that it never replaces the 6.19 CLI.
 *
 * Both CLIs declare the same `prisma` bin, so which one node_modules/.bin/prisma runs depends on
 * npm's linking order: nothing here (or in package.json) calls the bin, each CLI is run by path.
 * Prisma 7 rejects `url` in the datasource block, which 6.19 requires, so the client is generated
 * from a copy of prisma/schema.prisma without it (src/generated/prisma-client/schema.prisma).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/paths';

export const SCHEMA_PATH = path.join(PROJECT_ROOT, 'prisma', 'schema.prisma');
/** Where the copy of the schema for Prisma 7's generator lives (ignored by git, like the client). */
export const CLIENT_SCHEMA_DIR = path.join(PROJECT_ROOT, 'src', 'generated', 'prisma-client');
/** The generator block of schema.prisma that Prisma 7 generates; every other one is 6.19's. */
export const CLIENT_GENERATOR = 'client';

/** The CLI of each major version, by path (see above on the `prisma` bin). */
export const prismaCli = {
  migrate: (): string => require.resolve('prisma/build/index.js'),
  client: (): string => require.resolve('prisma7/build/index.js'),
};

interface Block {
  kind: string;
  name: string;
  lines: string[];
}

/** Splits a schema into its top-level blocks (`kind name { … }`) and the text between them. */
function blocks(schema: string): Array<Block | string> {
  const out: Array<Block | string> = [];
  let current: Block | undefined;
  for (const line of schema.split('\n')) {
    const open = /^(\w+)\s+(\w+)\s*\{\s*$/.exec(line);
    if (!current && open) {
      current = { kind: open[1] as string, name: open[2] as string, lines: [line] };
    } else if (current) {
      current.lines.push(line);
      if (/^\}\s*$/.test(line)) {
        out.push(current);
        current = undefined;
      }
    } else {
      out.push(line);
    }
  }
  if (current) throw new Error(`schema.prisma: block "${current.kind} ${current.name}" is not closed`);
  return out;
}

/**
 * The schema Prisma 7 generates the client from: the datasource without its URLs (7.x takes them
 * from its config and rejects them here), only the client generator, with its `output` made
 * relative to the copy's directory and without `engineType` (7.x has only the query compiler).
 */
export function clientSchema(schema: string, schemaDir: string, copyDir: string): string {
  const parts = blocks(schema).flatMap((part): string[] => {
    if (typeof part === 'string') return [part];
    if (part.kind === 'generator' && part.name !== CLIENT_GENERATOR) return [];
    if (part.kind === 'datasource') return part.lines.filter((l) => !/^\s*(url|directUrl|shadowDatabaseUrl)\s*=/.test(l));
    if (part.kind !== 'generator') return part.lines;
    return part.lines
      .filter((l) => !/^\s*engineType\s*=/.test(l))
      .map((l) => {
        const output = /^(\s*output\s*=\s*)"([^"]+)"\s*$/.exec(l);
        if (!output) return l;
        const target = path.resolve(schemaDir, output[2] as string);
        return `${output[1]}${JSON.stringify(path.relative(copyDir, target).split(path.sep).join('/'))}`;
      });
  });
  if (!parts.some((l) => /^generator\s+client\b/.test(l))) throw new Error(`schema.prisma has no "generator ${CLIENT_GENERATOR}" block`);
  return parts.join('\n');
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma ${args.slice(1).join(' ')} failed (exit ${String(code)})`)),
    );
  });
}

const quietEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' });

/** Writes the schema copy and a config naming it into `dir`, for Prisma 7's CLI. Returns the config's path. */
export function writeClientSchema(schema: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, 'schema.prisma');
  writeFileSync(copy, clientSchema(readFileSync(schema, 'utf8'), path.dirname(path.resolve(schema)), dir));
  const config = path.join(dir, 'prisma.config.mjs');
  writeFileSync(
    config,
    `// Generated by npm run generate (src/db/prisma-generate.ts).\nexport default { schema: ${JSON.stringify(copy)} };\n`,
  );
  return config;
}

export interface GenerateOptions {
  /** Another schema file than prisma/schema.prisma. */
  schema?: string;
  /** Only the client, not the model metadata. */
  clientOnly?: boolean;
}

/** Generates the Prisma 7 client, then (unless `clientOnly`) the model metadata with Prisma 6.19. */
export async function generate(options: GenerateOptions = {}): Promise<void> {
  // Another schema's copy goes to a directory of its own, so the project's stays as it is.
  const dir = options.schema ? mkdtempSync(path.join(os.tmpdir(), 'backendapi-prisma-client-')) : CLIENT_SCHEMA_DIR;
  try {
    await generateFrom(writeClientSchema(options.schema ?? SCHEMA_PATH, dir), options);
  } finally {
    if (dir !== CLIENT_SCHEMA_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

async function generateFrom(config: string, options: GenerateOptions): Promise<void> {
  // `generate` never starts the schema engine, but Prisma 7's CLI downloads one first unless
  // this names an executable; the stand-in refuses to run, so a stray migrate command fails
  // loudly instead of using Prisma 7's CLI for what 6.19's does here.
  const standIn = path.join(PROJECT_ROOT, 'scripts', 'no-schema-engine.cjs');
  await runNode([prismaCli.client(), 'generate', '--config', config], { ...quietEnv(), PRISMA_SCHEMA_ENGINE_BINARY: standIn });
  if (options.clientOnly) return;
  // prisma.config.ts gives `generate` a placeholder URL when none is set.
  const schemaArgs = options.schema ? ['--schema', options.schema] : [];
  await runNode([prismaCli.migrate(), 'generate', '--generator', 'models', ...schemaArgs], quietEnv());
}
