import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writtenColumns } from '../../src/normalize/columns.js';
import { ROOT, Workspace } from '../helpers/cli.js';
import { readWorkbook, writeWorkbook } from '../helpers/workbooks.js';

/**
 * A store written by the tiersync before Partner Center's current rules (schema 3: MPN IDs of 6 to 8
 * digits, no terms, the DAP flag, "User admin") opens on this one and is brought to the new model in
 * place: its audit chain still verifies, and its export applies as a no-op. The fixture was made by
 * that earlier tiersync: init, the demo's partners and orders, and a "User admin".
 */
describe('a store made before new commerce', () => {
  it('opens, migrates, verifies its audit chain, and exports a workbook that applies as a no-op', async () => {
    const w = await Workspace.fromFixture('schema3');
    const admin = 'ops@contoso-distribution.example';
    const verified = await w.run(['audit', 'verify'], { as: null });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('Audit trail intact: 86 record(s), every hash verified');

    const exported = w.path('state.xlsx');
    expect((await w.run(['export', '--out', exported], { as: admin })).code).toBe(0);
    const state = await readWorkbook(exported);
    expect(state.Users!.find((u) => u.Email === 'useradmin@contoso-distribution.example')!.Roles).toBe('User management admin; Billing admin');
    expect(state.Offers!.find((o) => o['Offer ID'] === 'CFQ7TTC0LH18:0001')).toMatchObject({ Terms: 'P1Y; P1M', 'Billing Frequencies': 'monthly; annual' });
    const customers = state.Customers!;
    expect(customers).toHaveLength(13);
    for (const c of customers) expect(c['Admin Access']).toBe(c['Reseller PartnerID'] ? 'default GDAP' : 'none');
    const subscriptions = state.Subscriptions!;
    expect(subscriptions).toHaveLength(39);
    for (const s of subscriptions) {
      expect(s.Term).toBe('P1Y');
      const start = new Date(String(s['Term Start']));
      const end = new Date(String(s['Term End']));
      expect(end.getUTCFullYear() - start.getUTCFullYear()).toBe(1);
      expect(end.toISOString().slice(5)).toBe(start.toISOString().slice(5));
    }

    // Applying the export changes nothing (a renewal the clock has made due since the fixture was made is the only write).
    const due = subscriptions.filter((s) => s.Status === 'active' && String(s['Term End']) <= new Date().toISOString()).length;
    const before = await w.storeState();
    const again = await w.run(['apply', exported, '--json'], { as: admin });
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split('\n').pop()!) as { counts: Record<string, Record<string, number>>; renewals: { renewed: number } };
    // Every row unchanged, but for the reseller that still has not accepted its invitation (pending, SPEC §2.5).
    expect(summary.counts.Resellers).toEqual({ unchanged: 4, pending: 1 });
    for (const [sheet, counts] of Object.entries(summary.counts)) if (sheet !== 'Resellers') expect([sheet, Object.keys(counts)]).toEqual([sheet, ['unchanged']]);
    expect(summary.renewals.renewed).toBe(due);
    if (due === 0) expect(await w.storeState()).toBe(before);

    // The store now takes today's rules: a new subscription gets a term, and the chain goes on.
    const results = await readWorkbook(w.path('out', 'state.results.xlsx'));
    expect(results.Subscriptions!.every((s) => s.Result === 'unchanged' && s['Subscription ID'])).toBe(true);
    expect((await w.run(['audit', 'verify'], { as: null })).code).toBe(0);
  });
});

/**
 * Stores written before the lean store: schema 6 (each hash as 64 hex characters, a separate index on
 * its sequence) and schema 7 (hashes as bytes, but an audit row's entity and action on every row, and
 * a subscription's times as text). Each fixture is the demo's store made by that tiersync (a simulated
 * clock, so its state does not age), with the state and audit workbooks that tiersync exported from it.
 */
describe.each(['schema6', 'schema7'])('a store made before the lean store: %s', (schema) => {
  const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'stores', name);
  const admin = 'ops@contoso-distribution.example';
  const now = '2026-11-13T09:00:00Z';

  it('opens, migrates, verifies, exports the same workbooks, then stores new hashes as 32 bytes and chains on', async () => {
    const w = await Workspace.fromFixture(schema);
    const verified = await w.run(['audit', 'verify'], { as: null });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('Audit trail intact: 89 record(s), every hash verified');

    // The same state and the same audit trail (every hash with it) as the earlier tiersync exported.
    expect((await w.run(['export', '--out', w.path('state.xlsx'), '--now', now], { as: admin })).code).toBe(0);
    expect(await readWorkbook(w.path('state.xlsx'))).toEqual(await readWorkbook(fixture(`${schema}.export.xlsx`)));
    expect((await w.run(['audit', 'export', '--out', w.path('audit.xlsx')], { as: admin })).code).toBe(0);
    const earlier = await readWorkbook(fixture(`${schema}.audit.xlsx`));
    expect(await readWorkbook(w.path('audit.xlsx'))).toEqual(earlier);

    // Its export applies as a no-op.
    const again = await w.run(['apply', w.path('state.xlsx'), '--json', '--now', now], { as: admin });
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split('\n').pop()!) as { counts: Record<string, Record<string, number>> };
    for (const [sheet, counts] of Object.entries(summary.counts)) expect([sheet, Object.keys(counts).filter((k) => k !== 'pending')]).toEqual([sheet, ['unchanged']]);

    // A change: committed with the migrated schema, chained on from the last old record.
    const users = w.path('users.xlsx');
    await writeWorkbook(users, { Users: [['Email', 'Display Name', 'Roles', 'Status'], ['sales@contoso-distribution.example', 'Sam Sales', 'Sales agent', 'active']] });
    expect((await w.run(['apply', users, '--now', now], { as: admin })).code).toBe(0);
    expect((await w.run(['audit', 'verify'], { as: null })).stdout).toContain('Audit trail intact: 90 record(s), every hash verified');
    expect((await w.run(['audit', 'export', '--out', w.path('audit2.xlsx')], { as: admin })).code).toBe(0);
    const after = await readWorkbook(w.path('audit2.xlsx'));
    expect(after.Audit!.slice(0, 89)).toEqual(earlier.Audit);
    expect(after.Audit![89]).toMatchObject({ Seq: 90, Entity: 'user', Action: 'create', 'Previous Hash': earlier.Audit![88]!.Hash });
    expect(String(after.Audit![89]!.Hash)).toMatch(/^[0-9a-f]{64}$/);

    // As stored: every hash its 32 bytes, the sequence the table's own key, entity and action with the
    // run's context, and a subscription's times as numbers.
    const columnsOf = async (table: string) =>
      (w.backend === 'postgres' ? await w.sql(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' AND column_name <> 'row_order' ORDER BY ordinal_position`) : await w.sql(`SELECT name FROM pragma_table_info('${table}')`)).map((r) => r[0]);
    expect(await columnsOf('audit')).toEqual(['seq', 'context_id', 'record_key', 'before_json', 'after_json', 'hash']);
    expect(await columnsOf('audit_context')).toEqual(['id', 'batch_id', 'at', 'operator', 'input_name', 'input_sha256', 'clock', 'entity', 'action']);
    if (w.backend === 'postgres') {
      expect(await w.sql("SELECT DISTINCT pg_typeof(hash)::text, octet_length(hash) FROM audit")).toEqual([['bytea', 32]]);
      expect(await w.sql('SELECT DISTINCT pg_typeof(created_at)::text, pg_typeof(term_start)::text, pg_typeof(term_end)::text FROM subscriptions')).toEqual([['bigint', 'bigint', 'bigint']]);
    } else {
      expect(await w.sql('SELECT DISTINCT typeof(hash), length(hash) FROM audit')).toEqual([['blob', 32]]);
      expect(await w.sql('SELECT DISTINCT typeof(created_at), typeof(term_start), typeof(term_end) FROM subscriptions')).toEqual([['integer', 'integer', 'integer']]);
      expect(await w.sql("SELECT name FROM sqlite_master WHERE tbl_name = 'audit' AND type = 'index'")).toEqual([]);
      expect(String((await w.sql("SELECT sql FROM sqlite_master WHERE name = 'audit'"))[0]![0])).toContain('seq INTEGER PRIMARY KEY');
      expect(await w.sql('PRAGMA integrity_check')).toEqual([['ok']]);
    }
  });

  it("writes a run's results again from the plan that tiersync kept (format 3: written-back values on each row)", async () => {
    const w = await Workspace.fromFixture(schema);
    // The earlier tiersync's last run: five subscription rows, each keeping what its record writes back.
    type KeptRow = { row: number; result: string; change?: number; written?: Array<string | number> };
    const kept = (await w.sql('SELECT batch_id, details_json FROM batches ORDER BY started_at'))
      .map(([batchId, details]) => ({ batchId: String(batchId), report: (JSON.parse(String(details ?? '{}')) as { report?: string }).report }))
      .filter((b): b is { batchId: string; report: string } => b.report !== undefined)
      .map((b) => ({ ...b, plan: (JSON.parse(gunzipSync(Buffer.from(b.report, 'base64')).toString('utf8')) as { plan: { formatVersion: number; sheets: Array<{ kind: string; rows: KeptRow[] }> } }).plan }))
      .pop()!;
    expect(kept.plan.formatVersion).toBe(3);
    const rows = kept.plan.sheets.find((s) => s.kind === 'Subscriptions')!.rows;
    const unchangedRows = rows.filter((r) => r.change === undefined);
    expect(unchangedRows.map((r) => r.result)).toEqual(['rejected', 'rejected']);

    expect((await w.run(['report', '--batch', kept.batchId], { as: admin })).code).toBe(0);
    const results = (await readWorkbook(w.path('out', 'changes.results.xlsx'))).Subscriptions!;
    expect(results).toHaveLength(rows.length);
    // A row with no change writes back what the kept plan says of it, column by column.
    const headers = writtenColumns('Subscriptions').map((c) => c.header);
    for (const row of unchangedRows) {
      const shown = results[rows.indexOf(row)]!;
      expect(headers.map((h) => shown[h])).toEqual(row.written);
    }
    expect(results.every((r) => /^[0-9a-f-]{36}$/.test(String(r['Subscription ID'])))).toBe(true);
  });
});
