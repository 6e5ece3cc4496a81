// The @nestjs/* packages are ESM-only, and Jest's own CommonJS loader cannot load them (on Node 26 too), so
// @swc/jest compiles them to CommonJS too (docs/design.md#why-jest-runs-through-swc). swc does not type
// check: `npm run typecheck` does.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|content-disposition)/)'],
  // Sources import the generated metadata and the hey-api client with `.js` specifiers (nodenext).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/sandbox/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contract/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-30s.ts'],
    },
    {
      ...common,
      displayName: 'conformance',
      testMatch: ['<rootDir>/test/conformance/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-120s.ts'],
      // Redis only for the API-level 501 checks (a test gateway on one simulator).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-120s.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Redis Cluster and Sentinel (docs/design.md#redis-topology): each test starts its own topology of
    // redis-server processes, so no shared Redis.
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-120s.ts'],
    },
    // The reliability and security suites (docs/design.md#tests, SECURITY.md#what-the-suites-prove): short
    // by default (npm test, CI), full with SUITE_SIZE=full. hostile: slow clients and a trickling backend
    // against a gateway, no SUITE_SIZE difference.
    ...['faults', 'crash', 'fuzz', 'security', 'hostile'].map((suite) => ({
      ...common,
      displayName: suite,
      testMatch: [`<rootDir>/test/${suite}/**/*.spec.ts`],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-120s.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    })),
  ],
};
