/**
 * Every problem type the code raises has a page (src/api/problem-types.ts), and the catalogue
 * lists nothing the code never raises. The code is read as text: an HttpError is always built
 * with an object literal naming its type.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROBLEM_TYPES } from '../../src/api/problem-types';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' ? [] : sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });

const raised = new Map<string, string>();
for (const file of sources(SRC)) {
  for (const match of readFileSync(file, 'utf8').matchAll(/new HttpError\(\{[^}]*?\btype: '([a-z0-9-]+)'/gs)) {
    raised.set(match[1] as string, path.relative(SRC, file));
  }
}

describe('problem types', () => {
  it('the scan finds the types raised in src/ (so the comparison cannot pass on nothing)', () => {
    expect([...raised.keys()]).toEqual(expect.arrayContaining(['validation-error', 'not-found', 'internal-error', 'not-ready']));
  });

  it('every type the code raises has a description, and every description is of a type the code raises', () => {
    const undocumented = [...raised].filter(([type]) => !Object.hasOwn(PROBLEM_TYPES, type)).map(([type, file]) => `${type} (${file})`);
    expect(undocumented).toEqual([]);
    expect(Object.keys(PROBLEM_TYPES).filter((type) => !raised.has(type))).toEqual([]);
  });

  it('each description has its status, a title and what to do', () => {
    for (const [type, p] of Object.entries(PROBLEM_TYPES)) {
      const statuses = [p.status].flat();
      const valid = statuses.length > 0 && statuses.every((status) => Number.isInteger(status) && status >= 400 && status < 600);
      expect({ type, status: valid, when: p.when.length > 20, fix: p.fix.length > 10 }).toEqual({
        type,
        status: true,
        when: true,
        fix: true,
      });
    }
  });
});
