/**
 * Three Jest projects, one per test tier:
 * - unit: `*.spec.ts` beside the code, no network;
 * - integration: `*.int-spec.ts` beside the code, against the real Redis and Postgres;
 * - e2e: `test/*.e2e-spec.ts`, real Node processes of the built sample app;
 * - scale: `test/scale/*.scale-spec.ts`, the sample on a private Redis Cluster and Sentinel with master failovers
 *   (`npm run test:scale`, not part of `npm test`).
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const shared = {
  transform: { '^.+\\.ts$': swc },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@shoal/([a-z-]+)/internal$': '<rootDir>/libs/$1/src/internal.ts',
    '^@shoal/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  rootDir: '.',
};

export default {
  // Generous: tests and hooks that start or stop servers and clusters on a busy 2-core machine.
  testTimeout: 30_000,
  // A suite that leaks a handle after a failure must not hang CI; Jest still reports every test.
  forceExit: true,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/*/src/**/*.spec.ts', '<rootDir>/apps/*/src/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/libs/*/src/**/*.int-spec.ts', '<rootDir>/apps/*/src/**/*.int-spec.ts'],
    },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...shared, displayName: 'scale', testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'] },
  ],
};
