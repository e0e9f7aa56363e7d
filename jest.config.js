import { createDefaultEsmPreset } from 'ts-jest';

/**
 * Two projects: every test on the default file store, and the end-to-end files that exercise the
 * store on PostgreSQL again. STORES (default `sqljs,postgres`) narrows the backends: the store
 * contract suite (test/store/) runs once per backend listed; with `postgres` listed, one throwaway
 * PostgreSQL cluster is started for the run (test/helpers/postgres-global-setup.mjs).
 */
const STORES = (process.env.STORES ?? 'sqljs,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const withPostgres = STORES.includes('postgres');

/** End-to-end files run on PostgreSQL too (the rest poke at the store file, or do not touch the store). */
const POSTGRES_E2E = ['partnerships', 'orders', 'audit-reconcile', 'postgres-store', 'store-upgrade', 'new-commerce'];

const base = {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.test.json' }),
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 60000,
  ...(withPostgres ? { globalSetup: '<rootDir>/test/helpers/postgres-global-setup.mjs', globalTeardown: '<rootDir>/test/helpers/postgres-global-teardown.mjs' } : {}),
  projects: [
    {
      ...base,
      displayName: 'sqljs',
      roots: ['<rootDir>/test'],
      // PostgreSQL's own end-to-end tests (kill -9, concurrent applies, migrate-store) run in the postgres project.
      testPathIgnorePatterns: ['/node_modules/', '/test/e2e/postgres-store\\.test\\.ts$'],
    },
    ...(withPostgres
      ? [
          {
            ...base,
            displayName: 'postgres',
            roots: ['<rootDir>/test/e2e'],
            testMatch: POSTGRES_E2E.map((name) => `<rootDir>/test/e2e/${name}.test.ts`),
            globals: { TIERSYNC_TEST_STORE: 'postgres' },
          },
        ]
      : []),
  ],
};
