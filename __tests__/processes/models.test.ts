import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runPrismaCli, PROJECT_ROOT } from '../../src/db/migrations';
import { testDatabaseUrl } from '../support/app';

const GENERATED = path.join(PROJECT_ROOT, 'src', 'models', 'generated', 'schema.ts');

describe('generated model metadata', () => {
  it('when the generator runs again, then src/models/generated matches prisma/schema.prisma exactly', async () => {
    const committed = readFileSync(GENERATED, 'utf8');
    await runPrismaCli(['generate', '--generator', 'models'], testDatabaseUrl());
    expect(readFileSync(GENERATED, 'utf8')).toBe(committed);
  }, 60_000);
});
