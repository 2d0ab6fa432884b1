/** Generating with two Prisma versions (src/db/prisma-generate.ts, docs/prisma.md). */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientSchema, CLIENT_SCHEMA_DIR, generate, prismaCli, SCHEMA_PATH } from '../../src/db/prisma-generate';
import { PROJECT_ROOT } from '../../src/db/migrations';

const schema = readFileSync(SCHEMA_PATH, 'utf8');

describe("the schema copy Prisma 7's generator reads", () => {
  const copy = clientSchema(schema, path.dirname(SCHEMA_PATH), CLIENT_SCHEMA_DIR);

  it('when derived from prisma/schema.prisma, then the datasource has no url and only the client generator is left', () => {
    expect(schema).toMatch(/^\s*url\s*=\s*env\("DATABASE_URL"\)/m);
    expect(copy).not.toMatch(/^\s*url\s*=/m);
    expect(copy).toMatch(/datasource db \{\n\s*provider = "postgresql"/);
    expect(copy.match(/^generator \w+/gm)).toEqual(['generator client']);
    expect(copy).not.toMatch(/engineType/);
  });

  it('when derived, then the client still lands in src/generated/prisma', () => {
    const output = /^\s*output\s*=\s*"([^"]+)"/m.exec(copy)?.[1] as string;
    expect(path.resolve(CLIENT_SCHEMA_DIR, output)).toBe(path.join(PROJECT_ROOT, 'src', 'generated', 'prisma'));
  });

  it('when derived, then every model and enum is kept as written', () => {
    const blocks = (text: string): string[] => text.match(/^(model|enum) \w+ \{[\s\S]*?^\}/gm) ?? [];
    expect(blocks(copy)).toEqual(blocks(schema));
    expect(blocks(copy).length).toBeGreaterThan(5);
  });

  it('when the schema has no client generator or an unclosed block, then it says so', () => {
    expect(() => clientSchema('datasource db {\n  provider = "postgresql"\n}\n', '/x', '/y')).toThrow(/no "generator client"/);
    expect(() => clientSchema('generator client {\n  provider = "prisma-client"\n', '/x', '/y')).toThrow(/not closed/);
  });
});

describe('which Prisma CLI runs', () => {
  it('when the project asks for each CLI, then migrations get the pinned 6.19 and the client generator the client’s own version', () => {
    const version = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    const cliVersion = (cli: string): string => version(path.join(path.dirname(cli), '..', 'package.json'));
    const { dependencies } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(cliVersion(prismaCli.migrate())).toBe(dependencies.prisma);
    expect(cliVersion(prismaCli.migrate())).toMatch(/^6\.19\./);
    expect(`npm:prisma@${cliVersion(prismaCli.client())}`).toBe(dependencies.prisma7);
    expect(cliVersion(prismaCli.client())).toBe(version(require.resolve('@prisma/client/package.json')));
  });

  it('when an npm script runs Prisma, then it never goes through the `prisma` bin both CLIs install', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const bare = Object.entries(scripts).filter(([, command]) => /(^|[;&|]\s*|\bnpx\s+)prisma(\s|$)/.test(command));
    expect(bare).toEqual([]);
  });
});

describe('generating from another schema file', () => {
  it('when given one, then Prisma 7 writes its client where that schema says, and the project’s copy stays', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'backendapi-generate-'));
    const projectCopy = path.join(CLIENT_SCHEMA_DIR, 'schema.prisma');
    const before = existsSync(projectCopy) ? statSync(projectCopy).mtimeMs : undefined;
    try {
      mkdirSync(path.join(root, 'prisma'));
      const other = path.join(root, 'prisma', 'schema.prisma');
      writeFileSync(other, schema.replace(/^model Algo \{\n/m, 'model Algo {\n  license String?\n'));
      await generate({ schema: other, clientOnly: true });
      const client = readFileSync(path.join(root, 'src', 'generated', 'prisma', 'internal', 'class.ts'), 'utf8');
      const { version } = JSON.parse(readFileSync(require.resolve('@prisma/client/package.json'), 'utf8')) as { version: string };
      expect(client).toContain(`"clientVersion": "${version}"`);
      expect(readFileSync(path.join(root, 'src', 'generated', 'prisma', 'models', 'Algo.ts'), 'utf8')).toContain('license');
      expect(existsSync(projectCopy) ? statSync(projectCopy).mtimeMs : undefined).toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
