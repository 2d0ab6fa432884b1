/**
 * npm run lint:links — the README and docs/*.md link only inside the repository: every link is a
 * relative path to a file or folder that exists in the repository (and, with #anchor, to a heading
 * that exists in that Markdown file). A web address is refused, as a link or as bare text;
 * addresses inside `code` are not links and are left alone. Part of `npm run lint`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The Markdown files whose links are checked: the README and everything under docs/. */
export function documentationFiles(root = ROOT): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.md') ? [full] : [];
    });
  return [path.join(root, 'README.md'), ...(existsSync(path.join(root, 'docs')) ? walk(path.join(root, 'docs')) : [])];
}

/** Text without fenced code blocks and code spans (their content is not Markdown). */
const withoutCode = (text: string): string => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's anchors for the headings of a Markdown file (lower case, punctuation dropped, -1, -2 for repeats). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

/** Every link of the files that does not lead to something in the repository, as `file: problem`. */
export function badLinks(files: string[], root = ROOT): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const where = path.relative(root, file);
    const text = withoutCode(readFileSync(file, 'utf8'));
    const targets = [
      ...[...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1] as string),
      ...[...text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((m) => m[1] as string),
    ];
    // A bare web address that is not already the target of a link above.
    const bare = text
      .replace(/\]\([^)]*\)/g, '](…)')
      .replace(/<[a-z][a-z0-9+.-]*:[^>\s]+>/gi, '')
      .replace(/^\s*\[[^\]]+\]:.*$/gm, '');
    for (const m of bare.matchAll(/\b(?:https?:\/\/|www\.)[^\s)>\]]+/gi)) problems.push(`${where}: a web address: ${m[0]}`);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        problems.push(`${where}: a link out of the repository: ${target}`);
        continue;
      }
      const [pathPart = '', anchor] = target.split('#', 2);
      const resolved = pathPart ? path.resolve(path.dirname(file), decodeURIComponent(pathPart)) : file;
      if (path.relative(root, resolved).startsWith('..') || path.isAbsolute(pathPart)) {
        problems.push(`${where}: a link out of the repository: ${target}`);
      } else if (!existsSync(resolved)) {
        problems.push(`${where}: no such file: ${target}`);
      } else if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
        problems.push(`${where}: no heading #${anchor} in ${path.relative(root, resolved)}`);
      }
    }
  }
  return problems;
}

if (require.main === module) {
  const files = documentationFiles();
  const problems = badLinks(files);
  if (problems.length) {
    process.stderr.write(`Links must stay inside the repository:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`links: ${files.length} Markdown files, every link inside the repository\n`);
}
