// jest globalTeardown: stop and delete the cluster started by postgres-global-setup.mjs.
export default async function teardown() {
  globalThis.__tiersyncPostgresCluster?.stop();
}
