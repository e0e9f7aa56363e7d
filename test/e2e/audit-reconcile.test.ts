import { describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Workspace } from '../helpers/cli.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

const BASIC = 'CFQ7TTC0LH18:0001';

function summaryValue(wb: Record<string, Array<Record<string, unknown>>>, label: string): unknown {
  // The Summary's first column header is "Run"; its rows are label → value pairs.
  const row = wb.Summary!.find((r) => r.Run === label);
  return row?.['tiersync apply'] ?? row?.['tiersync reconcile'];
}

async function acceptAll(w: Workspace, mpns: string[]): Promise<void> {
  for (const mpn of mpns) {
    const eml = readFileSync(w.path('out', 'invitations', `${mpn}.eml`), 'utf8');
    expect((await w.run(['accept', '--link', /^(http\S+)\r$/m.exec(eml)![1]!])).code).toBe(0);
  }
}

describe('audit trail', () => {
  it('verifies, names the first tampered record, exports by batch, and regenerates a lost report', async () => {
    const w = await Workspace.create();
    const input = w.path('orders.xlsx');
    await writeWorkbook(input, {
      Customers: [CUSTOMER_HEADERS, customer('auditco'), customer('auditbis')],
      Subscriptions: [SUBSCRIPTION_HEADERS, subscription('auditco', BASIC, 4), subscription('auditbis', BASIC, 6)],
    });
    expect((await w.run(['apply', input])).code).toBe(0);
    const original = await readWorkbook(w.path('out', 'orders.results.xlsx'));
    const batchId = String(summaryValue(original, 'Batch ID'));
    expect(batchId).toMatch(/^[0-9a-f-]{36}$/);

    const ok = await w.run(['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Audit trail intact: \d+ record\(s\)/);

    const exported = w.path('audit.xlsx');
    expect((await w.run(['audit', 'export', '--out', exported, '--batch', batchId])).code).toBe(0);
    const audit = await readWorkbook(exported);
    expect(audit.Audit!.map((r) => [r.Entity, r.Action, r['Batch ID']])).toEqual([
      ['customer', 'create', batchId],
      ['customer', 'create', batchId],
      ['subscription', 'create', batchId],
      ['subscription', 'create', batchId],
    ]);
    expect(audit.Audit![0]!.Input).toBe('orders.xlsx');
    expect(audit.Batches!.map((b) => [b['Batch ID'], b.Mode])).toEqual([[batchId, 'apply']]);

    // A report lost: regenerated from the store, identical.
    rmSync(w.path('out', 'orders.results.xlsx'));
    expect((await w.run(['report', '--batch', batchId])).code).toBe(0);
    expect(await readWorkbook(w.path('out', 'orders.results.xlsx'))).toEqual(original);

    // Tampering with one record in the store is detected, and named.
    const seq = Number((await w.sql("SELECT a.seq FROM audit a JOIN audit_context c ON c.id = a.context_id WHERE c.entity = 'subscription' ORDER BY a.seq LIMIT 1"))[0]![0]);
    await w.sql(`UPDATE audit SET after_json = replace(after_json, ',4,', ',40,') WHERE seq = ${seq}`);
    expect(String((await w.sql(`SELECT after_json FROM audit WHERE seq = ${seq}`))[0]![0])).toContain(',40,');
    const broken = await w.run(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`broken at record ${seq}: its content does not match its hash`);
  });

  it('opens a store whose audit rows still repeat the run context and field names (schema 1): the chain verifies, new runs chain on', async () => {
    const w = await Workspace.create();
    const input = w.path('orders.xlsx');
    await writeWorkbook(input, { Customers: [CUSTOMER_HEADERS, customer('oldco')], Subscriptions: [SUBSCRIPTION_HEADERS, subscription('oldco', BASIC, 4)] });
    expect((await w.run(['apply', input])).code).toBe(0);
    const records = Number((await w.sql('SELECT COUNT(*) FROM audit'))[0]![0]);
    // Back to schema 1 (no table of a later migration), from the audit export (which has its columns): every audit row carries its
    // batch, time, operator, input and previous hash, and before/after as JSON objects.
    const exportedOld = w.path('old-audit.xlsx');
    expect((await w.run(['audit', 'export', '--out', exportedOld])).code).toBe(0);
    const text = (v: unknown) => `'${String(v ?? '').replace(/'/g, "''")}'`;
    const json = (v: unknown) => (v === undefined || v === null || v === '' ? 'NULL' : text(v));
    const values = (await readWorkbook(exportedOld)).Audit!.map(
      (r) => `(${r.Seq}, ${text(r['Batch ID'])}, ${text(r.Time)}, ${text(r.Operator)}, ${text(r.Entity)}, ${text(r.Key)}, ${text(r.Action)}, ${json(r.Before)}, ${json(r.After)}, ${text(r.Input)}, ${text(r['Input SHA-256'])}, ${text(r['Previous Hash'])}, ${text(r.Hash)})`,
    );
    expect(values).toHaveLength(records);
    await w.sql(`
      CREATE TABLE audit_v1 (seq BIGINT PRIMARY KEY, batch_id TEXT NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL, entity TEXT NOT NULL, record_key TEXT NOT NULL, action TEXT NOT NULL,
        before_json TEXT, after_json TEXT, input_name TEXT NOT NULL, input_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      INSERT INTO audit_v1 VALUES ${values.join(',\n')};
      DROP TABLE audit;
      DROP TABLE audit_context;
      DROP TABLE audit_shape;
      DROP TABLE user_passwords;
      ALTER TABLE audit_v1 RENAME TO audit;
      CREATE INDEX audit_batch ON audit (batch_id);
      DELETE FROM schema_migrations WHERE version >= 2;`);
    // And the rest of the schema back to what it was then (migrations 4 and 5, Partner Center's current rules and connected stores, undone).
    await w.sql(`
      ALTER TABLE store_meta DROP COLUMN partner_center;
      ALTER TABLE store_meta DROP COLUMN last_refresh_at;
      DROP TABLE pending_orders;
      DROP TABLE pc_journal;
      ALTER TABLE store_meta DROP COLUMN clock;
      ALTER TABLE store_meta DROP COLUMN last_run_at;
      ALTER TABLE offers DROP COLUMN terms;
      ALTER TABLE resellers DROP COLUMN tenant_id;
      ALTER TABLE customers ADD COLUMN reseller_admin INTEGER NOT NULL DEFAULT 0;
      UPDATE customers SET reseller_admin = CASE WHEN admin_access = 'default GDAP' THEN 1 ELSE 0 END;
      ALTER TABLE customers DROP COLUMN admin_access;
      ALTER TABLE customers DROP COLUMN registration_number;
      ALTER TABLE store_meta DROP COLUMN next_renewal_at;
      ALTER TABLE subscriptions DROP COLUMN term;
      ALTER TABLE subscriptions DROP COLUMN term_start;
      ALTER TABLE subscriptions DROP COLUMN term_end;
      ALTER TABLE subscriptions DROP COLUMN seat_additions;
      ALTER TABLE subscriptions DROP COLUMN scheduled;`);
    // Subscription times as ISO text again (migration 8 undone).
    await w.sql(
      w.backend === 'postgres'
        ? `ALTER TABLE subscriptions ALTER COLUMN created_at TYPE TEXT USING to_char((to_timestamp(0) + created_at * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
        : `UPDATE subscriptions SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch')`,
    );
    expect(String((await w.sql('SELECT created_at FROM subscriptions'))[0]![0])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Number((await w.sql("SELECT COUNT(*) FROM audit WHERE operator = 'admin@provider.example'"))[0]![0])).toBe(records);

    const verified = await w.run(['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Audit trail intact: ${records} record(s)`);

    await writeWorkbook(input, { Customers: [CUSTOMER_HEADERS, customer('oldco')], Subscriptions: [SUBSCRIPTION_HEADERS, subscription('oldco', BASIC, 5)] });
    expect((await w.run(['apply', input])).code).toBe(0);
    const after = await w.run(['audit', 'verify']);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`Audit trail intact: ${records + 1} record(s)`);
    // Brought to the program's current schema (the audit layout is migration 3; later ones follow it).
    expect(Number((await w.sql('SELECT MAX(version) FROM schema_migrations'))[0]![0])).toBe(SCHEMA_VERSION);
    const exported = w.path('audit.xlsx');
    expect((await w.run(['audit', 'export', '--out', exported])).code).toBe(0);
    const audit = await readWorkbook(exported);
    // init and two applies of one file each: a context per run and kind of entry, whatever the number of entries.
    const kinds = new Set(audit.Audit!.map((r) => `${r['Batch ID']} ${r.Entity} ${r.Action}`));
    expect(new Set(audit.Audit!.map((r) => r['Batch ID'])).size).toBe(3);
    expect(Number((await w.sql('SELECT COUNT(*) FROM audit_context'))[0]![0])).toBe(kinds.size);
    expect(audit.Audit!.map((r) => r.Seq)).toEqual(audit.Audit!.map((_, i) => i + 1));
    const fromOrders = audit.Audit!.filter((r) => r.Entity === 'customer' || r.Entity === 'subscription');
    expect(fromOrders.map((r) => [r.Entity, r.Action, r.Input, r.Operator])).toEqual([
      ['customer', 'create', 'orders.xlsx', 'admin@provider.example'],
      ['subscription', 'create', 'orders.xlsx', 'admin@provider.example'],
      ['subscription', 'update', 'orders.xlsx', 'admin@provider.example'],
    ]);
  });
});

describe('reconcile', () => {
  async function master(w: Workspace, name: string, parts: { resellers: string[]; subs: number }): Promise<string> {
    const path = w.path(name);
    const subs: Cell[][] = [SUBSCRIPTION_HEADERS];
    for (let i = 0; i < parts.subs; i++) subs.push(subscription('recon', BASIC, 2 + i, { Nickname: `n${i}` }));
    await writeWorkbook(path, {
      Resellers: [['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership'], ...parts.resellers.map((m) => [m, `R ${m}`, `r${m}@x.example`, 'active'])],
      Customers: [CUSTOMER_HEADERS, customer('recon')],
      Subscriptions: subs,
    });
    return path;
  }

  it('suspends what the master omits, removes partnerships only with --allow-removals, refuses a large prune, and settles', async () => {
    const w = await Workspace.create();
    const resellers = ['5000001', '5000002', '5000003', '5000004', '5000005', '5000006', '5000007', '5000008', '5000009', '5000010', '5000011'];
    const full = await master(w, 'full.xlsx', { resellers, subs: 12 });
    expect((await w.run(['reconcile', full, '--log-file', w.path('nightly.log')])).code).toBe(0);
    await acceptAll(w, resellers);

    // The same master twice: the second run changes nothing and exits 0.
    const before = await w.storeState();
    expect((await w.run(['reconcile', full])).code).toBe(0);
    expect(await w.storeState()).toBe(before);
    const settled = await readWorkbook(w.path('out', 'full.results.xlsx'));
    expect(new Set(settled.Subscriptions!.map((s) => s.Result))).toEqual(new Set(['unchanged']));
    expect(settled.Drift).toEqual([]);

    // Two subscriptions of 12 (16.7%, over the default 10% bound) and one reseller of 11 (9.1%) omitted.
    const partial = await master(w, 'partial.xlsx', { resellers: resellers.slice(1), subs: 10 });
    const refused = await w.run(['reconcile', partial, '--allow-removals']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Refused to prune more than 10% of the store's records \(Subscriptions: 2 of 12 \(16\.7%\)\); nothing was changed/);
    expect(await w.storeState()).toBe(before);

    const noRemovals = await w.run(['reconcile', partial, '--max-prune', '20']);
    expect(noRemovals.code).toBe(0);
    let wb = await readWorkbook(w.path('out', 'partial.results.xlsx'));
    expect(wb.Drift!.map((d) => [d.Entity, d.Key, d.Action])).toEqual([
      ['reseller', '5000001', 'report'],
      ['subscription', expect.stringMatching(/^[0-9a-f-]{36}$/), 'suspend'],
      ['subscription', expect.stringMatching(/^[0-9a-f-]{36}$/), 'suspend'],
    ]);
    expect(String(wb.Drift![0]!.Note)).toMatch(/--allow-removals/);

    expect((await w.run(['reconcile', partial, '--max-prune', '20', '--allow-removals'])).code).toBe(0);
    wb = await readWorkbook(w.path('out', 'partial.results.xlsx'));
    expect(wb.Drift!.map((d) => [d.Entity, d.Key, d.Action])).toEqual([['reseller', '5000001', 'remove']]);

    const exported = w.path('state.xlsx');
    await w.run(['export', '--out', exported]);
    const state = await readWorkbook(exported);
    expect(state.Resellers!.find((r) => r['Reseller PartnerID'] === '5000001')!.Partnership).toBe('removed');
    expect(state.Subscriptions!.filter((s) => s.Status === 'suspended').map((s) => s.Nickname).sort()).toEqual(['n10', 'n11']);
    const log = readFileSync(w.path('nightly.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(log.map((l) => l.event)).toEqual(expect.arrayContaining(['run.start', 'read.sheet', 'plan.done', 'apply.done', 'run.summary']));
  });
});
