import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { BIN, runCli, Workspace } from '../helpers/cli.js';
import { createTestDatabase, testStoreBackend, withClient } from '../helpers/postgres.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

/** The PostgreSQL store's own behaviour, end to end: concurrent runs, a killed run, migrating a file store. */

const BASIC = 'CFQ7TTC0LH18:0001';
const E3 = 'CFQ7TTC0LFLX:0001';

async function orders(w: Workspace, name: string, count: number, prefix: string): Promise<string> {
  const customers: Cell[][] = [CUSTOMER_HEADERS];
  const subs: Cell[][] = [SUBSCRIPTION_HEADERS];
  for (let i = 0; i < count; i++) {
    customers.push(customer(`${prefix}${i}`));
    subs.push(subscription(`${prefix}${i}`, BASIC, 1 + (i % 20)));
    subs.push(subscription(`${prefix}${i}`, E3, 5, { Nickname: 'x' }));
  }
  const path = w.path(name);
  await writeWorkbook(path, { Customers: customers, Subscriptions: subs });
  return path;
}

async function counts(w: Workspace): Promise<string> {
  const exported = w.path(`state-${Date.now()}.xlsx`);
  const r = await w.run(['export', '--out', exported]);
  expect(r.code).toBe(0);
  const state = await readWorkbook(exported);
  return `${state.Customers!.length}/${state.Subscriptions!.length}`;
}

function spawnApply(w: Workspace, input: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'apply', input, '--store', w.store, '--out', w.path('out'), '--as', Workspace.ADMIN, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

describe('PostgreSQL store', () => {
  beforeAll(() => {
    // This file is only matched by the postgres jest project (jest.config.js).
    expect(testStoreBackend()).toBe('postgres');
  });

  it('two applies started at once: one applies, the other exits 4 naming the holder', async () => {
    const w = await Workspace.create();
    // Large enough that the first run still holds the lock (plan, apply, results) when the second,
    // started at the same moment, has read its input, even on a loaded machine.
    const input = await orders(w, 'both.xlsx', 1500, 'race');
    const a = spawnApply(w, input);
    const b = spawnApply(w, input);
    const results = [await a.done, await b.done];
    expect(results.map((r) => r.code).sort()).toEqual([0, 4]);
    const loser = results.findIndex((r) => r.code === 4);
    const winnerPid = [a, b][1 - loser]!.child.pid;
    expect(results[loser]!.stderr).toContain(`locked by another run (pid ${winnerPid} on host`);
    expect(results[loser]!.stderr).toMatch(/--lock-timeout/);
    expect(await counts(w)).toBe('1500/3000');
    expect((await w.run(['audit', 'verify'])).code).toBe(0);
  });

  it('exits 4 naming the holder of the advisory lock, waits with --lock-timeout, and never shows a password', async () => {
    const w = await Workspace.create();
    const input = w.path('r.xlsx');
    await writeWorkbook(input, { Resellers: [['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership'], ['6100001', 'Locked Ltd', 'l@x.example', 'active']] });
    // Another run on another machine holds the lock.
    const holder = new pg.Client({ connectionString: w.store, application_name: 'tiersync pid 4242 on build-7' });
    await holder.connect();
    try {
      expect((await holder.query("SELECT pg_try_advisory_lock(x'74696572'::int, x'73796e63'::int) AS ok")).rows[0].ok).toBe(true);
      const before = await w.storeState();
      const busy = await w.run(['apply', input]);
      expect(busy.code).toBe(4);
      expect(busy.stderr).toMatch(/locked by another run \(pid 4242 on host build-7, since \d{4}-\d\d-\d\dT/);
      expect(await w.storeState()).toBe(before);

      const waiting = w.run(['apply', input, '--lock-timeout', '20']);
      await new Promise((r) => setTimeout(r, 1500));
      await holder.query("SELECT pg_advisory_unlock(x'74696572'::int, x'73796e63'::int)");
      expect((await waiting).code).toBe(0);
    } finally {
      await holder.end();
    }

    // A password in the URL (accepted by the test cluster's trust authentication) is never printed.
    const url = new URL(w.store);
    url.password = 'Sup3r-secret-pw';
    const withPassword = url.toString();
    const shown = await runCli(['apply', input, '--store', withPassword, '--out', w.path('out'), '--as', Workspace.ADMIN, '--json'], { cwd: w.dir });
    expect(shown.code).toBe(0);
    const wrong = await runCli(['apply', input, '--store', withPassword.replace(/\/ts_\w+$/, '/no_such_db'), '--out', w.path('out'), '--as', Workspace.ADMIN], { cwd: w.dir });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/no database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_db/);
    const results = await readWorkbook(w.path('out', 'r.results.xlsx'));
    const text = [shown.stdout, shown.stderr, wrong.stdout, wrong.stderr, JSON.stringify(results)].join('\n');
    expect(text).not.toContain('Sup3r-secret-pw');
    expect(JSON.stringify(results.Summary)).toContain(`postgres://postgres@${url.host}${url.pathname}`);
  });

  it('a large apply leaves the planner statistics of the tables it filled; a small change does not analyze them again', async () => {
    const w = await Workspace.create();
    const analyzed = () =>
      withClient(w.store, async (c) => {
        const { rows } = await c.query("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname IN ('customers', 'subscriptions') ORDER BY relname");
        return rows.map((r) => `${String(r.relname)} ${r.last_analyze ? new Date(r.last_analyze as string).toISOString() : 'never'}`);
      });
    expect((await analyzed()).filter((t) => !t.endsWith('never'))).toEqual([]);
    // 1,500 customers and 3,000 subscriptions into empty tables: the run analyzes both itself, rather
    // than leave the next run's snapshot queries to a planner that has never seen them.
    expect((await w.run(['apply', await orders(w, 'bulk.xlsx', 1500, 'stat')])).code).toBe(0);
    const after = await analyzed();
    expect(after).toHaveLength(2);
    expect(after.filter((t) => t.endsWith('never'))).toEqual([]);
    const estimate = await withClient(w.store, async (c) => (await c.query("SELECT reltuples::int8 AS n FROM pg_class WHERE relname = 'subscriptions'")).rows[0]!.n);
    expect(Number(estimate)).toBe(3000);

    // Ten more customers (20 subscriptions) are under a tenth of either table: no new ANALYZE.
    expect((await w.run(['apply', await orders(w, 'few.xlsx', 10, 'more')])).code).toBe(0);
    expect(await analyzed()).toEqual(after);
    expect(await counts(w)).toBe('1510/3020');
  });

  it('a commit whose statistics cannot be refreshed (a lock held on its tables) still succeeds, and says so', async () => {
    const w = await Workspace.create();
    const input = await orders(w, 'locked.xlsx', 1500, 'lock');
    // A maintenance session holding the lock ANALYZE needs (as a VACUUM does); the run's own writes do not need it.
    const run = await withClient(w.store, async (c) => {
      await c.query('BEGIN');
      await c.query('LOCK TABLE customers, subscriptions IN SHARE UPDATE EXCLUSIVE MODE');
      try {
        return await w.run(['apply', input]);
      } finally {
        await c.query('ROLLBACK');
      }
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/The changes are committed, but the statistics of [a-z_, ]*customers[a-z_, ]*subscriptions[a-z_, ]* were not refreshed \(.*lock timeout.*\)/);
    expect(await counts(w)).toBe('1500/3000');
  });

  it('a kill -9 in the middle of the apply transaction leaves no partial change; the next run completes', async () => {
    const w = await Workspace.create();
    const input = await orders(w, 'big.xlsx', 1500, 'crash');
    const before = await w.storeState();
    const run = spawnApply(w, input);
    // Kill the run once its transaction has written something (it holds a transaction ID), before it commits.
    let killedInTransaction = false;
    await withClient(w.store.replace(/\/ts_\w+$/, '/postgres'), async (c) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const { rows } = await c.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL", [`tiersync pid ${run.child.pid}`.concat(' on ', (await import('node:os')).hostname()).slice(0, 63)]);
        if (rows.length) {
          run.child.kill('SIGKILL');
          killedInTransaction = true;
          break;
        }
        if (run.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    const killed = await run.done;
    expect(killedInTransaction).toBe(true);
    expect(killed.signal).toBe('SIGKILL');
    expect(await w.storeState()).toBe(before);
    expect(await counts(w)).toBe('0/0');

    // PostgreSQL released the dead session's lock and rolled its transaction back: the next run needs no takeover.
    const next = await w.run(['apply', input, '--lock-timeout', '10']);
    expect(next.code).toBe(0);
    expect(next.stderr).not.toMatch(/warning/);
    expect(await counts(w)).toBe('1500/3000');
    const verify = await w.run(['audit', 'verify']);
    expect(verify.code).toBe(0);
  }, 180_000);
});

describe('migrate-store', () => {
  let file: Workspace;
  beforeAll(async () => {
    // A file store with some history: partnerships (one accepted), orders, an update, a rejected row.
    file = await Workspace.create({ backend: 'sqljs' });
    await writeWorkbook(file.path('partners.xlsx'), {
      Users: [['Email', 'Display Name', 'Roles'], ['sales@provider.example', 'Sam', 'Sales agent']],
      Resellers: [
        ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Global MPN ID', 'Partnership'],
        ['3000001', 'Fabrikam', 'f@fabrikam.example', '3000000', 'active'],
        ['3000002', 'Adatum', 'a@adatum.example', '', 'active'],
      ],
    });
    expect((await file.run(['apply', file.path('partners.xlsx')])).code).toBe(0);
    const eml = readFileSync(file.path('out', 'invitations', '3000001.eml'), 'utf8');
    expect((await file.run(['accept', '--link', /^(http\S+)\r$/m.exec(eml)![1]!])).code).toBe(0);
    await writeWorkbook(file.path('orders.xlsx'), {
      Customers: [CUSTOMER_HEADERS, customer('zulu', { 'Reseller MPN ID': '3000001' }), customer('alpha'), customer('mike')],
      Subscriptions: [SUBSCRIPTION_HEADERS, subscription('zulu', BASIC, 10, { 'Partner of Record MPN ID': '3000001' }), subscription('alpha', E3, 3), subscription('mike', BASIC, 2), subscription('mike', 'NO-SUCH', 1)],
    });
    expect((await file.run(['apply', file.path('orders.xlsx')])).code).toBe(3);
    await writeWorkbook(file.path('more.xlsx'), { Customers: [CUSTOMER_HEADERS, customer('alpha', { City: 'Lyon' }), customer('bravo')] });
    expect((await file.run(['apply', file.path('more.xlsx')])).code).toBe(0);
  });

  it('copies a file store into an empty PostgreSQL database: the same export, revision and a verified audit chain; refuses a non-empty target', async () => {
    const target = await createTestDatabase('migrated');
    // A plan saved against the file store stays current on the copy: same store ID, same revision.
    await writeWorkbook(file.path('later.xlsx'), { Customers: [CUSTOMER_HEADERS, customer('charlie')] });
    expect((await file.run(['plan', file.path('later.xlsx'), '--save-plan', file.path('later.plan.json')])).code).toBe(0);
    const fileBefore = await file.storeState();
    const r = await file.run(['migrate-store', '--from', file.store, '--to', target], { as: null });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Copied store [0-9a-f-]{36} at revision 5 from .*tiersync\.db to postgres:\/\//);
    expect(await file.storeState()).toBe(fileBefore);

    const fromFile = await file.run(['export', '--out', file.path('file-state.xlsx')]);
    const fromPostgres = await runCli(['export', '--out', file.path('pg-state.xlsx'), '--store', target, '--as', Workspace.ADMIN], { cwd: file.dir });
    expect(fromPostgres.code).toBe(0);
    expect(fromPostgres.stdout).toMatch(/^Exported revision 5 of postgres:/);
    expect(fromFile.stdout).toMatch(/^Exported revision 5 of \//);
    const expected = await readWorkbook(file.path('file-state.xlsx'));
    expect(expected.Customers!.map((c) => c['Customer Domain'])).toEqual(expect.arrayContaining(['zulu', 'alpha', 'bravo']));
    expect(await readWorkbook(file.path('pg-state.xlsx'))).toEqual(expected);

    const verify = await runCli(['audit', 'verify', '--store', target], { cwd: file.dir });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Audit trail intact/);
    const auditOf = async (store: string, out: string) => {
      expect((await runCli(['audit', 'export', '--out', out, '--store', store, '--as', Workspace.ADMIN], { cwd: file.dir })).code).toBe(0);
      return readWorkbook(out);
    };
    expect(await auditOf(target, file.path('pg-audit.xlsx'))).toEqual(await auditOf(file.store, file.path('file-audit.xlsx')));

    // The copy is a working store: the same plan, then an apply moves it on.
    const again = await runCli(['apply', file.path('more.xlsx'), '--store', target, '--out', file.path('pg-out'), '--as', Workspace.ADMIN], { cwd: file.dir });
    expect(again.code).toBe(0);
    const wb = await readWorkbook(file.path('pg-out', 'more.results.xlsx'));
    expect(wb.Customers!.map((c) => c.Result)).toEqual(['unchanged', 'unchanged']);
    const saved = await runCli(['apply', '--plan', file.path('later.plan.json'), '--store', target, '--out', file.path('pg-out'), '--as', Workspace.ADMIN], { cwd: file.dir });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toMatch(/store revision 5 → 6/);

    const refused = await file.run(['migrate-store', '--from', file.store, '--to', target], { as: null });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty.*only into an empty database/);
  });
});
