/**
 * npm run check:generated — fails when a committed generated file is stale. It reads the
 * generated files from .gitattributes (`linguist-generated`), regenerates them with
 * `npm run generate` (Prisma client and model metadata, API docs, typed client) and compares.
 * Used by `npm run check` and by CI (.ci/run). The regenerated files are left in place: review
 * and commit them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { run } from './cli';

const ROOT = path.resolve(__dirname, '..');

/** The paths marked linguist-generated: plain files, or `dir/**` for a whole folder. */
function generatedPatterns(gitattributes: string): string[] {
  return gitattributes
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/\s+/))
    .filter(([, ...attributes]) => attributes.some((a) => a === 'linguist-generated' || a === 'linguist-generated=true'))
    .map(([pattern]) => pattern as string);
}

function filesOf(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full).flatMap((name) => filesOf(path.join(relative, name)));
}

function snapshot(patterns: string[]): Map<string, string> {
  const files = patterns.flatMap((p) => filesOf(p.replace(/\/\*\*$/, '')));
  return new Map(files.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
}

run(async () => {
  const patterns = generatedPatterns(readFileSync(path.join(ROOT, '.gitattributes'), 'utf8'));
  if (!patterns.length) throw new Error('.gitattributes marks no file as linguist-generated');
  const before = snapshot(patterns);
  execFileSync('npm', ['run', '--silent', 'generate'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const after = snapshot(patterns);
  const stale = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f)).sort();
  if (stale.length) {
    throw new Error(`generated files were stale (now regenerated; review and commit them):\n${stale.map((f) => `  ${f}`).join('\n')}`);
  }
  console.log(`generated files are up to date: ${patterns.join(', ')}`);
});
