import { describe, expect, it } from '@jest/globals';
import { Workspace } from '../helpers/cli.js';
import { readWorkbook } from '../helpers/workbooks.js';

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
