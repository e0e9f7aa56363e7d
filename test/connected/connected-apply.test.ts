import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConnectedWorkspace } from '../helpers/connected.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

/**
 * A connected store driving the Partner Center sandbox (SPEC §7), through the real CLI, each test
 * asserting what Partner Center holds afterwards.
 */
const BASIC = 'CFQ7TTC0LH18:0001';
const E3 = 'CFQ7TTC0LFLX:0001';
const FABRIKAM_TENANT = '3b33e682-00c3-41ee-9dd2-a548adf56438';

const CUSTOMER_HEADERS: Cell[] = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Address Line 1', 'City', 'State/Region', 'Postal Code', 'Country', 'Reseller PartnerID'];
const customer = (domain: string, reseller: string): Cell[] => [domain, `${domain} Inc`, 'Ana', 'Silva', `ana@${domain}.example`, '1 Main Street', 'Seattle', 'WA', '98101', 'US', reseller];
const SUBSCRIPTION_HEADERS: Cell[] = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Term', 'Billing Frequency', 'Auto Renew', 'Partner of Record PartnerID'];

function jsonOf(stdout: string): Record<string, any> {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
}

describe('a connected store applies through Partner Center', () => {
  let w: ConnectedWorkspace;
  beforeAll(async () => {
    w = await ConnectedWorkspace.create({
      seed: {
        resellers: [
          { mpnId: '4811021', name: 'Fabrikam Solutions', tenantId: FABRIKAM_TENANT, country: 'US' },
          { mpnId: '5230417', name: 'Adatum Services', country: 'US', authorization: 'mpa-not-signed' },
          { mpnId: '7340112', name: 'Tailspin Cloud', country: 'US', relationship: 'none' },
        ],
      },
      provisioning: { delayMs: 0, polls: 1 },
    });
    await writeWorkbook(w.path('partners.xlsx'), {
      Resellers: [
        ['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'],
        ['4811021', 'Fabrikam Solutions', 'partners@fabrikam.example', 'active'],
        ['5230417', 'Adatum Services', 'contact@adatum.example', 'active'],
        ['7340112', 'Tailspin Cloud', 'hello@tailspin.example', 'active'],
      ],
    });
    const partners = await w.run(['apply', w.path('partners.xlsx')]);
    expect(partners.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await w.close();
  });

  it('drafts invitations with the partnership link; a reseller becomes active once Partner Center lists it', async () => {
    const eml = readFileSync(w.path('out', 'invitations', '7340112.eml'), 'utf8');
    expect(eml).toContain('https://partner.microsoft.com/dashboard/v2/mpn/partnership/indirect?partnerId=1000001');
    expect(eml).not.toMatch(/accept\?token=/);
    // The targeted refresh of the next run already saw the two listed resellers.
    const refreshed = await w.run(['refresh', '--json']);
    expect(refreshed.code).toBe(0);
    let state = await readWorkbook(await exported(w));
    expect(state.Resellers!.map((r) => [r['Reseller PartnerID'], r.Partnership, r['Reseller Tenant ID']])).toEqual([
      ['4811021', 'active', FABRIKAM_TENANT],
      ['5230417', 'active', expect.stringMatching(/^[0-9a-f-]{36}$/)],
      ['7340112', 'active', null],
    ]);
    // Tailspin is invited (the export states the desired partnership); it is not in Partner Center's list yet.
    const store = await w.run(['status']);
    expect(store.stdout).toContain('connected to Partner Center');
    w.sandbox.ui.acceptPartnership({ mpnId: '7340112', name: 'Tailspin Cloud', country: 'US' });
    expect((await w.run(['refresh'])).code).toBe(0);
    state = await readWorkbook(await exported(w));
    expect(state.Resellers!.find((r) => r['Reseller PartnerID'] === '7340112')!['Reseller Tenant ID']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates customers with the reseller tenant ID and carts with the partner of record; credentials are Partner Center\'s; a reseller that fails authorization is rejected', async () => {
    await writeWorkbook(w.path('orders.xlsx'), {
      Customers: [CUSTOMER_HEADERS, customer('contosobikes', '4811021'), customer('woodgrove', '4811021')],
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        ['', 'contosobikes', BASIC, 'Main', 10, 'P1Y', 'monthly', 'yes', '4811021'],
        ['', 'contosobikes', E3, 'Staff', 5, 'P1M', 'monthly', 'yes', '4811021'],
        ['', 'woodgrove', BASIC, 'Main', 3, 'P1Y', 'monthly', 'yes', '5230417'],
      ],
    });
    const r = await w.run(['apply', w.path('orders.xlsx'), '--json']);
    expect(r.code).toBe(3);
    const results = await readWorkbook(w.path('out', 'orders.results.xlsx'));
    expect(results.Customers!.map((c) => [c['Customer Domain'], c.Result])).toEqual([
      ['contosobikes', 'created'],
      ['woodgrove', 'skipped'],
    ]);
    expect(results.Subscriptions!.map((s) => [s.Nickname, s.Result, s.Code ?? ''])).toEqual([
      ['Main', 'created', ''],
      ['Staff', 'created', ''],
      ['Main', 'rejected', 'reseller.not-authorized'],
    ]);
    expect(String(results.Subscriptions![2]!.Message)).toMatch(/Partner Center does not accept 5230417 as partner of record \(Partner Center code 900400/);

    // What Partner Center holds: the customer carries the reseller's tenant ID, the cart its PartnerID.
    const created = w.sandbox.state.customerByDomain('contosobikes.onmicrosoft.com')!;
    expect(created.associatedPartnerId).toBe(FABRIKAM_TENANT);
    expect(w.sandbox.state.customerByDomain('woodgrove.onmicrosoft.com')).toBeUndefined();
    const carts = [...w.sandbox.state.carts.values()].filter((c) => c.customerId === created.id);
    expect(carts.flatMap((c) => c.lineItems.map((l) => l.participants))).toEqual([
      [{ key: 'transaction_reseller', value: '4811021' }],
      [{ key: 'transaction_reseller', value: '4811021' }],
    ]);
    const subs = w.sandbox.state.subscriptionsOf(created.id);
    expect(subs.map((s) => [s.friendlyName, s.quantity, s.partnerId]).sort()).toEqual([
      ['Main', 10, '4811021'],
      ['Staff', 5, '4811021'],
    ]);
    expect(results.Subscriptions!.filter((s) => s.Result === 'created').map((s) => s['Subscription ID']).sort()).toEqual(subs.map((s) => s.id).sort());
    // The credential report holds Partner Center's own credentials.
    const creds = (await readWorkbook(w.path('out', 'orders.credentials.xlsx'))).Credentials!;
    expect(creds.map((c) => [c['Customer Domain'], c['Tenant ID'], c['Temporary Password']])).toEqual([['contosobikes', created.id, created.issuedPassword]]);
  });

  it('re-applying the same workbook makes zero write calls', async () => {
    const before = w.writeCalls();
    await writeWorkbook(w.path('orders-ok.xlsx'), {
      Customers: [CUSTOMER_HEADERS, customer('contosobikes', '4811021')],
      Subscriptions: [SUBSCRIPTION_HEADERS, ['', 'contosobikes', BASIC, 'Main', 10, 'P1Y', 'monthly', 'yes', '4811021'], ['', 'contosobikes', E3, 'Staff', 5, 'P1M', 'monthly', 'yes', '4811021']],
    });
    const again = await w.run(['apply', w.path('orders-ok.xlsx'), '--json']);
    expect(again.code).toBe(0);
    const summary = jsonOf(again.stdout);
    expect(summary.counts).toEqual({ Customers: { unchanged: 1 }, Subscriptions: { unchanged: 2 } });
    expect(summary.partnerCenter.writes).toBe(0);
    expect(w.writeCalls()).toBe(before);
  });

  it('a quantity change keeps auto-renew; an out-of-window decrease is refused with Partner Center\'s 800090', async () => {
    const created = w.sandbox.state.customerByDomain('contosobikes.onmicrosoft.com')!;
    const main = w.sandbox.state.subscriptionsOf(created.id).find((s) => s.friendlyName === 'Main')!;
    expect(main.autoRenewEnabled).toBe(true);
    await writeWorkbook(w.path('more.xlsx'), { Subscriptions: [SUBSCRIPTION_HEADERS, [main.id, 'contosobikes', BASIC, 'Main', 12, '', '', '', '']] });
    expect((await w.run(['apply', w.path('more.xlsx')])).code).toBe(0);
    expect(w.sandbox.state.subscriptions.get(main.id)).toMatchObject({ quantity: 12, autoRenewEnabled: true });

    w.sandbox.clock.advance(8 * 86_400_000);
    await writeWorkbook(w.path('less.xlsx'), { Subscriptions: [SUBSCRIPTION_HEADERS, [main.id, 'contosobikes', BASIC, 'Main', 4, '', '', '', '']] });
    expect((await w.run(['apply', w.path('less.xlsx')])).code).toBe(3);
    const row = (await readWorkbook(w.path('out', 'less.results.xlsx'))).Subscriptions![0]!;
    expect(row).toMatchObject({ Result: 'rejected', Code: 'pc.quantity-decrease-window' });
    expect(String(row.Message)).toContain('800090');
    expect(w.sandbox.state.subscriptions.get(main.id)!.quantity).toBe(12);
  });

  it('a saved plan is applied through Partner Center too', async () => {
    await writeWorkbook(w.path('saved.xlsx'), { Customers: [CUSTOMER_HEADERS, customer('savedplan', '4811021')] });
    expect((await w.run(['plan', w.path('saved.xlsx'), '--save-plan', w.path('plan.json')])).code).toBe(0);
    expect(w.sandbox.state.customerByDomain('savedplan.onmicrosoft.com')).toBeUndefined();
    expect((await w.run(['apply', '--plan', w.path('plan.json')])).code).toBe(0);
    expect(w.sandbox.state.customerByDomain('savedplan.onmicrosoft.com')?.associatedPartnerId).toBe(FABRIKAM_TENANT);
  });

  it('a change made in Partner Center itself is found by refresh --changes and recorded as observed', async () => {
    const created = w.sandbox.state.customerByDomain('contosobikes.onmicrosoft.com')!;
    const staff = w.sandbox.state.subscriptionsOf(created.id).find((s) => s.friendlyName === 'Staff')!;
    w.sandbox.ui.changeSubscription(staff.id, { quantity: 9 });
    const r = await w.run(['refresh', '--changes', '--json']);
    expect(r.code).toBe(0);
    expect(jsonOf(r.stdout)).toMatchObject({ form: 'changes', observed: 1 });
    const state = await readWorkbook(await exported(w));
    expect(state.Subscriptions!.find((s) => s['Subscription ID'] === staff.id)!.Quantity).toBe(9);
    const audit = w.path('audit.xlsx');
    expect((await w.run(['audit', 'export', '--out', audit])).code).toBe(0);
    const observed = (await readWorkbook(audit)).Audit!.filter((a) => a.Action === 'observed' && a.Key === staff.id);
    expect(observed).toHaveLength(1);
    expect((await w.run(['audit', 'verify'])).code).toBe(0);
  });
});

async function exported(w: ConnectedWorkspace): Promise<string> {
  const path = w.path(`state-${Date.now()}.xlsx`);
  const r = await w.run(['export', '--out', path]);
  if (r.code !== 0) throw new Error(r.stderr);
  return path;
}
