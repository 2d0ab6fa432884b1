#!/usr/bin/env node
// Named by PRISMA_SCHEMA_ENGINE_BINARY when Prisma 7's CLI generates the client
// (src/db/prisma-generate.ts): that CLI would otherwise download a native schema engine first.
// `generate` never starts it. Anything that does is a Prisma 7 command this project runs with
// Prisma 6.19's CLI instead (migrations, introspection), so it stops here with a message.
'use strict';
process.stderr.write(
  'The Prisma 7 CLI is used here only to generate the client. Run migrations and introspection ' +
    'through the npm scripts (npm run migrate, migrate:dev, db:pull), which use Prisma 6.19.\n',
);
process.exit(1);
