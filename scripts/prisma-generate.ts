/**
 * `npm run generate` (and npm install's postinstall): the Prisma 7 client, then the model
 * metadata (src/models/generated/schema.ts) with Prisma 6.19. See src/db/prisma-generate.ts.
 * Usage: tsx scripts/prisma-generate.ts [--client-only]
 */
import { generate } from '../src/db/prisma-generate';

generate({ clientOnly: process.argv.includes('--client-only') }).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
