import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROMTOOL, requireBinary } from '../support/prometheus';
import { ROOT } from '../support/process';

/** The example alerts of docs/operations.md are valid Prometheus rules and fire when they should. */
describe('docs/prometheus/alerts.yml', () => {
  const dir = path.join(ROOT, 'docs', 'prometheus');
  beforeAll(() => requireBinary(PROMTOOL));

  const promtool = (...args: string[]): string => {
    try {
      return execFileSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
    }
  };

  it('when promtool checks the rules, then it accepts all of them', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 6 rules found/);
  });

  it("when promtool runs the rules' unit tests, then every alert fires (and stays quiet) as the tests expect", () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });
});
