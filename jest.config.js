/**
 * jest + supertest against real PostgreSQL: TEST_DATABASE_URL when set (CI sets it to the
 * machine's server), otherwise the embedded server. Each worker gets a schema of its own,
 * migrated by the same code as production (see __tests__/support/global-setup.ts).
 * @type {import('jest').Config}
 */
const external = Boolean(process.env.TEST_DATABASE_URL);

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // ESM-only dependencies (tus, srvx): jest on Node 20 cannot require them, so they are compiled to CommonJS.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@tus|srvx)/)'],
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  setupFiles: ['<rootDir>/__tests__/support/setup-env.ts'],
  // Every response a test receives (supertest, fetch) is checked against the OpenAPI document.
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/contract-hook.ts'],
  // The embedded server serves one schema (PGlite ignores search_path start-up options),
  // so it takes one worker; a real server takes one schema per worker.
  maxWorkers: external ? 2 : 1,
  testTimeout: 30_000,
  slowTestThreshold: 10,
};
