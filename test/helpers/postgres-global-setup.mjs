// jest globalSetup: one throwaway PostgreSQL cluster per test run, when the tests use the PostgreSQL
// store (STORES includes postgres, the default). Each store test and each e2e workspace then creates
// its own database in it (test/helpers/postgres.ts). The URL reaches the test workers through the environment.
import { startCluster } from './postgres-cluster.mjs';

export default async function setup() {
  const cluster = await startCluster();
  globalThis.__tiersyncPostgresCluster = cluster;
  process.env.TIERSYNC_TEST_PG_URL = cluster.url;
}
