import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { Workspace } from '../helpers/cli.js';
import { readWorkbook, workbookText, writeWorkbook } from '../helpers/workbooks.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';

const BASIC = 'CFQ7TTC0LH18:0001';
const STANDARD = 'CFQ7TTC0LDPB:0001';
const E3 = 'CFQ7TTC0LFLX:0001';

/** A store with an active reseller 3000001 (global 3000000), an invited one 3000002, and a Sales agent. */
async function seeded(): Promise<Workspace> {
  const w = await Workspace.create();
  await writeWorkbook(w.path('seed.xlsx'), {
    Users: [['Email', 'Display Name', 'Roles'], ['sales@provider.example', 'Sam', 'Sales agent']],
    Resellers: [
      ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Global MPN ID', 'Partnership'],
      ['3000001', 'Fabrikam', 'f@fabrikam.example', '3000000', 'active'],
      ['3000002', 'Adatum', 'a@adatum.example', '', 'active'],
    ],
  });
  expect((await w.run(['apply', w.path('seed.xlsx')])).code).toBe(0);
  const eml = readFileSync(w.path('out', 'invitations', '3000001.eml'), 'utf8');
  expect((await w.run(['accept', '--link', /^(http\S+)\r$/m.exec(eml)![1]!])).code).toBe(0);
  return w;
}

describe('customers and subscriptions', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await seeded();
  });

  it('creates an order, writes credentials only to a 0600 report, and cancels an order with one bad row', async () => {
    const input = w.path('orders.xlsx');
    await writeWorkbook(input, {
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscription('contoso', BASIC, 10, { Nickname: 'Main', 'Partner of Record MPN ID': 3000001 }),
        subscription('contoso', E3, 25, { 'Billing Cycle': 'annual', 'Auto Renew': 'no' }),
        subscription('woodgrove', BASIC, 5),
        subscription('woodgrove', 'NO-SUCH-OFFER', 5),
        subscription('woodgrove', E3, 7),
      ],
      Customers: [
        CUSTOMER_HEADERS,
        customer('contoso', { 'Reseller MPN ID': 3000001, 'Postal Code': 75002 }),
        customer('Woodgrove.onmicrosoft.com', { Country: 'US', 'State/Region': 'WA', 'Postal Code': 98101, Language: 'en-US' }),
      ],
    });
    const r = await w.run(['apply', input, '--log-file', w.path('run.log')]);
    expect(r.code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'orders.results.xlsx'));
    expect(wb.Customers!.map((x) => [x['Customer Domain'], x.Result, x.Code ?? ''])).toEqual([
      ['contoso', 'created', ''],
      ['Woodgrove.onmicrosoft.com', 'skipped', 'order.cancelled'],
    ]);
    expect(String(wb.Customers![1]!.Message)).toMatch(/Subscriptions row 5 was rejected \(offer\.unknown\)/);
    expect(wb.Subscriptions!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['created', ''],
      ['created', ''],
      ['skipped', 'order.cancelled'],
      ['rejected', 'offer.unknown'],
      ['skipped', 'order.cancelled'],
    ]);
    const tenant = String(wb.Customers![0]!['Tenant ID']);
    expect(tenant).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(wb.Subscriptions![0]!['Subscription ID'])).toMatch(/^[0-9a-f-]{36}$/);
    expect(wb.Customers![1]!['Tenant ID']).toBeNull();
    // A numeric postal code and a numeric MPN cell are read as their digits.
    const exported = w.path('state.xlsx');
    expect((await w.run(['export', '--out', exported])).code).toBe(0);
    const state = await readWorkbook(exported);
    expect(state.Customers![0]).toMatchObject({ 'Customer Domain': 'contoso', 'Postal Code': '75002', 'Reseller PartnerID': '3000001', 'Tenant ID': tenant, 'Admin Access': 'default GDAP' });
    expect(state.Subscriptions!.find((s) => s.Nickname === 'Main')).toMatchObject({ 'Partner of Record PartnerID': '3000001', Quantity: 10, Term: 'P1Y', 'Billing Frequency': 'monthly' });

    const creds = w.path('out', 'orders.credentials.xlsx');
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    const c = await readWorkbook(creds);
    expect(c.Credentials!.length).toBe(1);
    const password = String(c.Credentials![0]!['Temporary Password']);
    expect(c.Credentials![0]).toMatchObject({ 'Customer Domain': 'contoso', 'Admin User Name': 'admin@contoso.onmicrosoft.com', 'Tenant ID': tenant, 'Reseller PartnerID': '3000001' });
    expect(password.length).toBeGreaterThanOrEqual(16);
    for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(password).toMatch(cls);
    expect(r.stderr).toMatch(/orders\.credentials\.xlsx/);
    expect(r.stderr).toMatch(/shown once/);
    // The log says where the credentials went (for a --quiet run), never what they are.
    expect(readFileSync(w.path('run.log'), 'utf8')).toMatch(/"event":"credentials.written".*orders\.credentials\.xlsx/);
    for (const text of [await w.storeText(), await workbookText(w.path('out', 'orders.results.xlsx')), readFileSync(w.path('run.log'), 'utf8'), r.stdout, r.stderr]) {
      expect(text.includes(password)).toBe(false);
    }
  });

  it('checks reseller references: global vs location, not active, unknown, provider', async () => {
    const input = w.path('refs.xlsx');
    await writeWorkbook(input, {
      Customers: [
        CUSTOMER_HEADERS,
        customer('refglobal', { 'Reseller MPN ID': '3000000' }),
        customer('refinvited', { 'Reseller MPN ID': '3000002' }),
        customer('refunknown', { 'Reseller MPN ID': '3999999' }),
        customer('refprovider', { 'Reseller MPN ID': Workspace.PROVIDER_MPN }),
        customer('ref-bad', {}),
        customer('refnostate', { Country: 'US' }),
      ],
    });
    expect((await w.run(['apply', input])).code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'refs.results.xlsx'));
    expect(wb.Customers!.map((x) => x.Code)).toEqual(['mpn.global-not-location', 'partnership.not-active', 'mpn.unknown-reseller', 'mpn.is-provider', 'customer.invalid-domain', 'customer.address']);
    expect(String(wb.Customers![0]!.Message)).toMatch(/use the Location PartnerID 3000001/);
  });

  it('changes subscriptions: quantity, upgrade along and against the catalog, suspension, privileged fields by role', async () => {
    const input = w.path('subs.xlsx');
    await writeWorkbook(input, {
      Customers: [CUSTOMER_HEADERS, customer('litware')],
      Subscriptions: [SUBSCRIPTION_HEADERS, subscription('litware', BASIC, 10, { Nickname: 'A' }), subscription('litware', E3, 10, { Nickname: 'B' }), subscription('litware', BASIC, 3, { Nickname: 'C' })],
    });
    expect((await w.run(['apply', input])).code).toBe(0);
    const created = (await readWorkbook(w.path('out', 'subs.results.xlsx'))).Subscriptions!;
    const [a, b, c] = created.map((s) => String(s['Subscription ID']));

    const change = w.path('change.xlsx');
    await writeWorkbook(change, {
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscription('litware', STANDARD, 12, { 'Subscription ID': a, Nickname: 'A' }),
        subscription('litware', BASIC, 10, { 'Subscription ID': b, Nickname: 'B' }),
        subscription('litware', BASIC, 3, { 'Subscription ID': c, Nickname: 'C', Status: 'suspended' }),
      ],
    });
    expect((await w.run(['apply', change])).code).toBe(3);
    let wb = await readWorkbook(w.path('out', 'change.results.xlsx'));
    expect(wb.Subscriptions!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['updated', ''],
      ['rejected', 'subscription.upgrade-not-allowed'],
      ['suspended', ''],
    ]);
    expect(wb.Subscriptions![0]!.Changes).toBe('Offer ID: CFQ7TTC0LH18:0001 → CFQ7TTC0LDPB:0001; Quantity: 10 → 12');

    const more = w.path('more.xlsx');
    await writeWorkbook(more, {
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscription('litware', BASIC, 5, { 'Subscription ID': c, Nickname: 'C' }),
        subscription('litware', STANDARD, 400, { 'Subscription ID': a, Nickname: 'A' }),
        subscription('litware', E3, 10, { 'Subscription ID': b, Nickname: 'B', 'Support Contact MPN ID': '3000001' }),
        subscription('litware', E3, 10, { 'Subscription ID': '00000000-0000-4000-8000-000000000000' }),
        subscription('nosuchcustomer', E3, 10),
      ],
    });
    expect((await w.run(['apply', more], { as: 'sales@provider.example' })).code).toBe(3);
    wb = await readWorkbook(w.path('out', 'more.results.xlsx'));
    expect(wb.Subscriptions!.map((x) => x.Code)).toEqual(['subscription.suspended', 'subscription.quantity-out-of-range', 'role.forbidden', 'subscription.unknown-id', 'subscription.unknown-customer']);
    expect(String(wb.Subscriptions![2]!.Message)).toMatch(/may not set the support contact; Global admin or Admin agent or Helpdesk agent may/);

    // A Global admin may set the support contact; reactivating with a new quantity is allowed.
    const ok = w.path('ok.xlsx');
    await writeWorkbook(ok, {
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscription('litware', BASIC, 5, { 'Subscription ID': c, Nickname: 'C', Status: 'active' }),
        subscription('litware', E3, 10, { 'Subscription ID': b, Nickname: 'B', 'Support Contact MPN ID': '3000001' }),
      ],
    });
    expect((await w.run(['apply', ok])).code).toBe(0);
    wb = await readWorkbook(w.path('out', 'ok.results.xlsx'));
    expect(wb.Subscriptions!.map((x) => x.Changes)).toEqual(['Quantity: 3 → 5; Status: suspended → active', 'Support Contact PartnerID: (none) → 3000001']);
  });

  it('round trip: a results workbook fed back and an export re-applied change nothing', async () => {
    const results = w.path('out', 'ok.results.xlsx');
    const before = await w.storeState();
    const back = await w.run(['apply', results]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    const wb = await readWorkbook(w.path('out', 'ok.results.results.xlsx'));
    expect(wb.Subscriptions!.map((x) => x.Result)).toEqual(['unchanged', 'unchanged']);
    expect(await w.storeState()).toBe(before);

    const exported = w.path('state.xlsx');
    expect((await w.run(['export', '--out', exported])).code).toBe(0);
    const again = await w.run(['apply', exported]);
    expect(again.code).toBe(0);
    const ex = await readWorkbook(w.path('out', 'state.results.xlsx'));
    const results2 = Object.entries(ex).filter(([n]) => ['Users', 'Offers', 'Resellers', 'Customers', 'Subscriptions'].includes(n)).flatMap(([, rows]) => rows.map((r) => r.Result));
    expect(new Set(results2)).toEqual(new Set(['unchanged', 'pending']));
    expect(await w.storeState()).toBe(before);
  });

  it('--results changed: the result sheets keep only the rows that are not unchanged, each with what it writes back', async () => {
    const [a] = (await readWorkbook(w.path('out', 'subs.results.xlsx'))).Subscriptions!;
    const [c, b] = (await readWorkbook(w.path('out', 'ok.results.xlsx'))).Subscriptions!;
    const input = w.path('one-change.xlsx');
    // Row 2 unchanged, row 3 rejected (its record exists: it still writes back), row 4 updated.
    await writeWorkbook(input, {
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscription('litware', BASIC, 5, { 'Subscription ID': String(c!['Subscription ID']), Nickname: 'C', Status: 'active' }),
        subscription('litware', STANDARD, 400, { 'Subscription ID': String(a!['Subscription ID']), Nickname: 'A' }),
        subscription('litware', E3, 11, { 'Subscription ID': String(b!['Subscription ID']), Nickname: 'B', 'Support Contact MPN ID': '3000001' }),
      ],
    });
    const run = await w.run(['apply', input, '--results', 'changed', '--json']);
    expect(run.code).toBe(3);
    expect((JSON.parse(run.stdout.trim().split('\n').pop()!) as { counts: unknown }).counts).toEqual({ Subscriptions: { unchanged: 1, rejected: 1, updated: 1 } });
    const shown = (await readWorkbook(w.path('out', 'one-change.results.xlsx'))).Subscriptions!;
    expect(shown.map((x) => [x['Subscription ID'], x.Result, x.Code ?? x.Changes])).toEqual([
      [a!['Subscription ID'], 'rejected', 'subscription.quantity-out-of-range'],
      [b!['Subscription ID'], 'updated', 'Quantity: 10 → 11'],
    ]);
    expect(shown.map((x) => [x['Term Start'], x['Term End']])).toEqual([a, b].map((x) => [x!['Term Start'], x!['Term End']]));
    expect(String(shown[0]!['Term Start'])).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });
});
