import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Workspace } from '../helpers/cli.js';
import { testStoreBackend } from '../helpers/postgres.js';
import { readWorkbook, workbookText, writeWorkbook, type Cell } from '../helpers/workbooks.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';

describe('secrets', () => {
  it('never writes a password or an invitation token to the store, a log, any other output file or the console', async () => {
    const w = await Workspace.create();
    const partners = w.path('partners.xlsx');
    const rows: Cell[][] = [['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership']];
    for (let i = 0; i < 5; i++) rows.push([`400000${i}`, `Reseller ${i}`, `r${i}@x.example`, 'active']);
    await writeWorkbook(partners, { Resellers: rows });
    const log = w.path('run.log');
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await w.run([...args, '--log-file', log, '--log-level', 'debug']);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    expect((await run(['apply', partners])).code).toBe(0);
    const drafts = readdirSync(w.path('out', 'invitations'));
    const tokens = drafts.map((f) => /token=([A-Za-z0-9_-]+)/.exec(readFileSync(w.path('out', 'invitations', f), 'utf8'))![1]!);
    expect(tokens).toHaveLength(5);
    for (const t of tokens.slice(0, 2)) expect((await run(['accept', '--token', t])).code).toBe(0);
    expect((await run(['accept', '--token', `${tokens[0]}x`])).code).toBe(1);
    expect((await run(['apply', partners])).code).toBe(0);

    // Customers: one report, then one report per reseller.
    const orders = w.path('orders.xlsx');
    await writeWorkbook(orders, {
      Customers: [CUSTOMER_HEADERS, customer('alpha', { 'Reseller MPN ID': '4000000' }), customer('bravo'), customer('charlie', { 'Reseller MPN ID': '4000001' })],
      Subscriptions: [SUBSCRIPTION_HEADERS, subscription('alpha', 'CFQ7TTC0LH18:0001', 3), subscription('bravo', 'CFQ7TTC0LH18:0001', 4)],
    });
    expect((await run(['apply', orders])).code).toBe(0);
    const split = w.path('split.xlsx');
    await writeWorkbook(split, { Customers: [CUSTOMER_HEADERS, customer('delta', { 'Reseller MPN ID': '4000000' }), customer('echo')] });
    expect((await run(['apply', split, '--split-credentials'])).code).toBe(0);
    expect((await run(['export', '--out', w.path('out', 'state.xlsx')])).code).toBe(0);
    expect((await run(['audit', 'export', '--out', w.path('out', 'audit.xlsx')])).code).toBe(0);

    const outFiles = readdirSync(w.path('out'), { recursive: true, encoding: 'utf8' }).map((f) => w.path('out', f)).filter((f) => !statSync(f).isDirectory());
    const credentialReports = outFiles.filter((f) => /\.credentials\.(\w+\.)?xlsx$/.test(f));
    expect(credentialReports.map((f) => f.slice(w.path('out').length + 1)).sort()).toEqual(['orders.credentials.xlsx', 'split.credentials.4000000.xlsx', 'split.credentials.direct.xlsx']);
    const passwords: string[] = [];
    for (const report of credentialReports) for (const c of (await readWorkbook(report)).Credentials!) passwords.push(String(c['Temporary Password']));
    expect(passwords).toHaveLength(5);

    const texts: Array<[string, string]> = [
      ['store', await w.storeText()],
      ...(w.backend === 'sqljs' ? [['store backup', readFileSync(`${w.store}.bak`, 'latin1')] as [string, string]] : []),
      ['log', readFileSync(log, 'utf8')],
      ['console', outputs.join('\n')],
    ];
    for (const file of outFiles.filter((f) => !credentialReports.includes(f))) {
      texts.push([file, file.endsWith('.xlsx') ? await workbookText(file) : readFileSync(file, 'utf8')]);
    }
    expect(texts.map(([name]) => name)).toEqual(expect.arrayContaining([w.path('out', 'orders.results.xlsx'), w.path('out', 'state.xlsx'), w.path('out', 'audit.xlsx')]));
    expect(readFileSync(log, 'utf8')).toMatch(/"event":"run.summary"/);
    for (const [name, text] of texts) {
      for (const password of passwords) expect([name, text.includes(password)]).toEqual([name, false]);
      // The drafts carry their own invitation's token by design (the acceptance link): nothing else does.
      for (const token of tokens) if (!name.endsWith('.eml')) expect([name, text.includes(token)]).toEqual([name, false]);
    }
  });
});

// These two poke at the store file and its lock file; the PostgreSQL store has its own kill -9 and
// concurrency tests in postgres-store.test.ts.
const describeFileStore = testStoreBackend() === 'sqljs' ? describe : describe.skip;

describeFileStore('crash safety', () => {
  it('a kill -9 at any moment of apply leaves a store holding all or nothing of the run', async () => {
    const w = await Workspace.create();
    const input = w.path('big.xlsx');
    const customers: Cell[][] = [CUSTOMER_HEADERS];
    const subs: Cell[][] = [SUBSCRIPTION_HEADERS];
    for (let i = 0; i < 400; i++) {
      customers.push(customer(`crash${i}`));
      subs.push(subscription(`crash${i}`, 'CFQ7TTC0LH18:0001', 1 + (i % 20)));
      subs.push(subscription(`crash${i}`, 'CFQ7TTC0LFLX:0001', 5, { Nickname: 'x' }));
    }
    await writeWorkbook(input, { Customers: customers, Subscriptions: subs });
    const outcomes = new Set<string>();
    for (const delay of [200, 800, 1400, 2200]) {
      const child = spawn(process.execPath, [BIN, 'apply', input, '--store', w.store, '--out', w.path('out'), '--as', Workspace.ADMIN], { stdio: 'ignore' });
      const closed = new Promise((r) => child.on('close', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
      const exported = w.path(`state-${delay}.xlsx`);
      const r = await w.run(['export', '--out', exported]);
      expect(r.code).toBe(0);
      const state = await readWorkbook(exported);
      const nc = state.Customers!.length;
      const ns = state.Subscriptions!.length;
      expect([`${nc}/${ns}`]).toContainEqual(expect.stringMatching(/^(0\/0|400\/800)$/));
      outcomes.add(nc ? 'after' : 'before');
      if (nc) break;
    }
    // The next run takes over the lock a killed run left behind, and completes the work.
    const last = await w.run(['apply', input]);
    expect([0]).toContain(last.code);
    expect(existsSync(join(w.dir, 'tiersync.db.lock'))).toBe(false);
    const state = await readWorkbook(w.path('out', 'big.results.xlsx'));
    expect(new Set(state.Customers!.map((c) => c.Result)).size).toBe(1);
    expect(outcomes.has('before')).toBe(true);
  }, 180_000);
});

describeFileStore('one writer at a time', () => {
  it('exits 4 naming the holder, waits with --lock-timeout, and takes over a stale lock', async () => {
    const { hostname } = await import('node:os');
    const { spawnSync } = await import('node:child_process');
    const w = await Workspace.create();
    const input = w.path('r.xlsx');
    await writeWorkbook(input, { Resellers: [['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership'], ['6100001', 'Locked Ltd', 'l@x.example', 'active']] });
    const lock = `${w.store}.lock`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    const before = await w.storeState();
    const busy = await w.run(['apply', input]);
    expect(busy.code).toBe(4);
    expect(busy.stderr).toContain(`locked by another run (pid ${process.pid} on host ${hostname()}, since 2026-01-01T00:00:00.000Z)`);
    expect(await w.storeState()).toBe(before);

    const waiting = w.run(['apply', input, '--lock-timeout', '20']);
    await new Promise((r) => setTimeout(r, 1500));
    rmSync(lock);
    expect((await waiting).code).toBe(0);

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    const stale = await w.run(['apply', input]);
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain(`warning: took over a stale lock left by pid ${dead.stdout}`);
  });
});
