import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Which store the e2e workspaces use: `postgres` in the PostgreSQL jest project (or TIERSYNC_TEST_STORE=postgres). */
export type TestStoreBackend = 'sqljs' | 'postgres';

export function testStoreBackend(): TestStoreBackend {
  const chosen = (globalThis as { TIERSYNC_TEST_STORE?: string }).TIERSYNC_TEST_STORE ?? process.env.TIERSYNC_TEST_STORE ?? 'sqljs';
  if (chosen !== 'sqljs' && chosen !== 'postgres') throw new Error(`TIERSYNC_TEST_STORE=${chosen}: use sqljs or postgres`);
  return chosen;
}

/** The admin URL of the cluster started by test/helpers/postgres-global-setup.mjs. */
export function clusterUrl(): string {
  const url = process.env.TIERSYNC_TEST_PG_URL;
  if (!url) throw new Error('No PostgreSQL test cluster: run jest with the repository config (its globalSetup starts one), or STORES=sqljs');
  return url;
}

/** Run `fn` with a session to `url`, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database in the test cluster; returns its URL. */
export async function createTestDatabase(prefix = 'ts'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(clusterUrl(), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(clusterUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Rows of a query as arrays, for SQL that both engines read the same way. */
export async function queryRows(url: string, sql: string): Promise<unknown[][]> {
  return withClient(url, async (c) => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][]);
}

/**
 * Every row of every table with its row version (xmin): equal before and after a run only if the
 * run wrote nothing at all, not even the same values again (the counterpart of an unchanged file).
 */
export async function databaseState(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const tables = (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")).rows.map((r) => String(r.table_name));
    const parts: string[] = [];
    for (const table of tables) {
      const { rows } = await c.query({ text: `SELECT xmin::text, t::text FROM ${table} t ORDER BY 2`, rowMode: 'array' });
      parts.push(`${table}\n${rows.map((r) => r.join(' ')).join('\n')}`);
    }
    return parts.join('\n\n');
  });
}
