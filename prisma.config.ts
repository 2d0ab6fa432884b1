// Configuration of the Prisma CLI (migrate, db pull, generate).
// The CLI talks to PostgreSQL through @prisma/adapter-pg and the WASM schema engine bundled
// in the `prisma` package, so it needs no engine binary download. The npm scripts resolve
// the database (embedded, external or through the SSH tunnel) and pass it as DATABASE_URL.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { createCliAdapter } from './src/db/prisma-cli-adapter';

// The adapter needs the real URL; `prisma generate` only needs the schema's env("DATABASE_URL")
// to resolve, so it gets a placeholder that nothing connects to.
const databaseUrl = process.env.DATABASE_URL;
process.env.DATABASE_URL ??= 'postgresql://localhost/not-configured';

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join('prisma', 'schema.prisma'),
  // No migrations path: the CLI then uses the schema's directory (prisma/migrations, or beside a
  // schema given with --schema, which the migrate scripts' tests use).
  migrations: { seed: 'tsx prisma/seed.ts' },
  engine: 'js',
  async adapter() {
    const url = databaseUrl;
    if (!url) {
      throw new Error('DATABASE_URL is not set: run the Prisma CLI through the npm scripts (npm run migrate, npm run db:pull, …)');
    }
    return createCliAdapter(url);
  },
});
