/**
 * Types of the @prisma/studio-core entry points used by scripts/studio.ts and its test. The package
 * publishes them only through its `exports` map, which this project's `moduleResolution: node10`
 * does not read, so they are re-exported here from the files the map points to.
 */
declare module '@prisma/studio-core/data/bff' {
  export * from '@prisma/studio-core/dist/data/bff/index';
}
declare module '@prisma/studio-core/data/postgresjs' {
  export * from '@prisma/studio-core/dist/data/postgresjs/index';
}
declare module '@prisma/studio-core/data/postgres-core' {
  export * from '@prisma/studio-core/dist/data/postgres-core/index';
}
