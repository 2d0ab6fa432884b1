/**
 * jest + supertest, in four lanes (jest projects, one folder each under __tests__/):
 *   unit         no database, no child processes: config, passwords, known_hosts, the OpenAPI document
 *   api          the app in-process (createApp + supertest) on the test database
 *   processes    real child processes: npm start, the scripts, the Prisma CLI, Studio, sshd, the example
 *   reliability  outages, fuzzing, load, memory, shutdown under load
 * `npm test` runs all four, `npm run test:fast` unit + api, `npx jest <file>` one file.
 *
 * The database lanes use real PostgreSQL: TEST_DATABASE_URL when set (CI sets it to the
 * machine's server), otherwise the embedded server. Each worker gets a schema of its own,
 * migrated by the same code as production (see __tests__/support/global-setup.ts).
 * @type {import('jest').Config}
 */
const external = Boolean(process.env.TEST_DATABASE_URL);

const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // ESM-only dependencies (tus, srvx): jest on Node 20 cannot require them, so they are compiled to CommonJS.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@tus|srvx)/)'],
  setupFiles: ['<rootDir>/__tests__/support/setup-env.ts'],
  // Every response a test receives (supertest, fetch) is checked against the OpenAPI document.
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/contract-hook.ts'],
  slowTestThreshold: 10,
};

/** The lanes that need the test database share one global setup (jest runs it once). */
const database = {
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
};

const lane = (name, extra = {}) => ({
  ...common,
  ...extra,
  displayName: name,
  roots: [`<rootDir>/__tests__/${name}`],
  testMatch: ['**/*.test.ts'],
});

module.exports = {
  projects: [lane('unit'), lane('api', database), lane('processes', database), lane('reliability', database)],
  // The embedded server serves one schema (PGlite ignores search_path start-up options),
  // so it takes one worker; a real server takes one schema per worker.
  maxWorkers: external ? 2 : 1,
  testTimeout: 30_000,
};
