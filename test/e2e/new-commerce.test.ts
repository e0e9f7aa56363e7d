import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Workspace } from '../helpers/cli.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

/**
 * Partner Center's rules as they are today (SPEC §1.2–1.7): new-commerce seats, cancellation, terms,
 * renewals and seat caps on a simulated clock; PartnerIDs; country, name and role rules. The real CLI
 * on real workbooks; each test reads what an operator would read in the results workbook.
 */

const BASIC = 'CFQ7TTC0LH18:0001';
const E3 = 'CFQ7TTC0LFLX:0001';
const DAY0 = '2026-11-02T09:00:00.000Z';
const at = (days: number, hours = 0) => new Date(Date.parse(DAY0) + days * 86_400_000 + hours * 3_600_000).toISOString();

const SUBSCRIPTION_HEADERS: Cell[] = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Term', 'Billing Frequency', 'Auto Renew', 'Partner of Record PartnerID', 'Status', 'Apply At'];
function subscriptionRow(values: Partial<Record<string, Cell>>): Cell[] {
  return SUBSCRIPTION_HEADERS.map((h) => values[h as string] ?? '');
}
const CUSTOMER_HEADERS: Cell[] = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Phone', 'Address Line 1', 'City', 'State/Region', 'Postal Code', 'Country', 'Registration Number', 'Reseller PartnerID'];
function customerRow(domain: string, values: Partial<Record<string, Cell>> = {}): Cell[] {
  const base: Record<string, Cell> = { 'Customer Domain': domain, 'Company Name': `${domain} Ltd`, 'Contact First Name': 'Ana', 'Contact Last Name': 'Silva', 'Contact Email': `ana@${domain}.example`, 'Address Line 1': '12 rue de la Paix', City: 'Paris', 'Postal Code': '75002', Country: 'FR', ...values };
  return CUSTOMER_HEADERS.map((h) => base[h as string] ?? '');
}

/** A store on a simulated clock, with an active reseller 48110 (a 5-digit PartnerID), staff in every role, and one customer. */
async function seeded(): Promise<Workspace> {
  const w = await Workspace.create({ simulatedClock: DAY0 });
  await writeWorkbook(w.path('seed.xlsx'), {
    Users: [
      ['Email', 'Display Name', 'Roles'],
      ['helpdesk@provider.example', 'Hal', 'Helpdesk agent'],
      ['sales@provider.example', 'Sam', 'Sales agent'],
      ['users@provider.example', 'Uma', 'User admin'],
    ],
    Resellers: [
      ['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Reseller Tenant ID', 'Partnership'],
      ['48110', 'Fabrikam', 'f@fabrikam.example', '3b33e682-00c3-41ee-9dd2-a548adf56438', 'active'],
      ['5230417', 'Adatum', 'a@adatum.example', '', 'active'],
    ],
    Customers: [CUSTOMER_HEADERS, customerRow('contoso')],
  });
  const seed = await w.run(['apply', w.path('seed.xlsx'), '--now', DAY0]);
  expect(seed.code).toBe(0);
  for (const mpn of ['48110', '5230417']) {
    const eml = readFileSync(w.path('out', 'invitations', `${mpn}.eml`), 'utf8');
    expect((await w.run(['accept', '--link', /^(http\S+)\r$/m.exec(eml)![1]!, '--now', DAY0])).code).toBe(0);
  }
  return w;
}

/** Apply one Subscriptions sheet at `now`; the result rows by input order. */
async function applySubscriptions(w: Workspace, name: string, rows: Array<Partial<Record<string, Cell>>>, now: string, as?: string) {
  await writeWorkbook(w.path(`${name}.xlsx`), { Subscriptions: [SUBSCRIPTION_HEADERS, ...rows.map(subscriptionRow)] });
  const run = await w.run(['apply', w.path(`${name}.xlsx`), '--now', now, '--json'], as ? { as } : {});
  const results = await readWorkbook(w.path('out', `${name}.results.xlsx`));
  return { run, rows: results.Subscriptions!, summary: results.Summary!, json: run.stdout.trim() ? (JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>) : {} };
}

describe('new commerce on a simulated clock', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await seeded();
  });

  it('lets seats go only within 7 days of being added, saying how many can still go and until when', async () => {
    const bought = await applySubscriptions(w, 'buy', [{ 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 10, 'Partner of Record PartnerID': '48110' }], at(0));
    expect(bought.rows[0]).toMatchObject({ Result: 'created', 'Term Start': DAY0, 'Term End': '2027-11-02T09:00:00.000Z', 'Refundable Seats': 10 });
    const id = bought.rows[0]!['Subscription ID'];

    // Day 3: 5 more seats; day 5: 3 of them go again (within their window).
    const up = await applySubscriptions(w, 'up', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 15 }], at(3));
    expect(up.rows[0]).toMatchObject({ Result: 'updated', Changes: 'Quantity: 10 → 15', 'Refundable Seats': 15 });
    const down = await applySubscriptions(w, 'down', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 12 }], at(5));
    expect(down.rows[0]).toMatchObject({ Result: 'updated', Changes: 'Quantity: 15 → 12', 'Refundable Seats': 12 });

    // Day 8: the purchase's window closed. The 3 seats removed on day 5 came off the purchase (its window
    // closed first), so the 5 seats added on day 3 can all still go, until day 10 (7 days after they were added).
    const late = await applySubscriptions(w, 'late', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 6 }], at(8));
    expect(late.run.code).toBe(3);
    expect(late.rows[0]).toMatchObject({ Result: 'rejected', Code: 'subscription.decrease-window-closed', 'Refundable Seats': 5 });
    expect(late.rows[0]!.Message).toContain('12 → 6 removes 6 seats, but 5 seats can still be removed (5 until 2026-11-12 09:00 UTC); the term renews on 2027-11-02 09:00 UTC');
    const fine = await applySubscriptions(w, 'fine', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 7 }], at(8, 1));
    expect(fine.rows[0]).toMatchObject({ Result: 'updated', 'Refundable Seats': 0 });
    // Day 10: nothing is left to remove.
    const none = await applySubscriptions(w, 'none', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Seats', Quantity: 6 }], at(10));
    expect(none.rows[0]!.Message).toContain('7 → 6 removes 1 seat, but no seat can be removed now');
  });

  it('schedules a decrease for the renewal, and a run past the term end renews with it', async () => {
    const bought = await applySubscriptions(w, 'monthly', [{ 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Monthly', Quantity: 20, Term: 'P1M' }], at(9));
    const id = bought.rows[0]!['Subscription ID'];
    expect(bought.rows[0]!['Term End']).toBe(at(39));
    const row = { 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Monthly', Quantity: 12 };
    const closed = await applySubscriptions(w, 'cut-now', [row], at(20));
    expect(closed.rows[0]).toMatchObject({ Result: 'rejected', Code: 'subscription.decrease-window-closed' });

    const scheduled = await applySubscriptions(w, 'cut-at-renewal', [{ ...row, 'Apply At': 'renewal' }], at(20));
    expect(scheduled.run.code).toBe(0);
    expect(scheduled.rows[0]).toMatchObject({ Result: 'scheduled', Quantity: 12 });
    expect(scheduled.rows[0]!.Message).toBe(`Scheduled for the renewal on ${at(39).slice(0, 10)} 09:00 UTC: Quantity → 12`);
    // The same row again is a no-op: the change is already scheduled.
    expect((await applySubscriptions(w, 'cut-at-renewal-again', [{ ...row, 'Apply At': 'renewal' }], at(21))).rows[0]!.Result).toBe('unchanged');

    // Past the term end: the next run that writes renews the subscription, dated at its term end, with 12 seats.
    const later = await applySubscriptions(w, 'after-renewal', [{ 'Subscription ID': id, 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Monthly', Quantity: 12 }], at(45));
    // A one-month term ends on the same day of the next month.
    expect(later.rows[0]).toMatchObject({ Result: 'unchanged', Quantity: 12, 'Term Start': '2026-12-11T09:00:00.000Z', 'Term End': '2027-01-11T09:00:00.000Z', 'Refundable Seats': 12 });
    expect(later.json.renewals).toEqual({ renewed: 1, expired: 0 });
    const summary = later.summary.map((r) => Object.values(r).join(' ')).join('\n');
    expect(summary).toContain(`${id} contoso · ${E3} · ${at(39).slice(0, 10)} 09:00 UTC · renewed: 1 month to 2027-01-11 09:00 UTC; scheduled change applied (Quantity → 12)`);
    expect(summary).toMatch(/Clock simulated \(--now 2026-12-17T09:00:00.000Z\)/);
    const audit = await w.sql(`SELECT c.at, c.clock FROM audit a JOIN audit_context c ON c.id = a.context_id WHERE c.action = 'renew' AND a.record_key = '${id}'`);
    expect(audit).toEqual([[at(39), 'simulated']]);
    expect((await w.run(['audit', 'verify', '--now', at(45)])).code).toBe(0);
  });

  it('cancels within 7 days of the purchase, not after; suspension turns auto-renew off', async () => {
    const bought = await applySubscriptions(w, 'buy-more', [
      { 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Early', Quantity: 2 },
      { 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Late', Quantity: 2 },
      { 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Pause', Quantity: 2 },
    ], at(46));
    expect(bought.rows.map((r) => r.Result)).toEqual(['created', 'created', 'created']);
    const key = (nickname: string) => ({ 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: nickname, Quantity: 2 });
    const early = await applySubscriptions(w, 'cancel-early', [{ ...key('Early'), Status: 'cancelled' }], at(50));
    expect(early.rows[0]).toMatchObject({ Result: 'updated', Status: 'cancelled', Changes: 'Auto Renew: yes → no; Status: active → cancelled' });
    const late = await applySubscriptions(w, 'cancel-late', [{ ...key('Late'), Status: 'cancelled' }, { ...key('Pause'), Status: 'suspended' }], at(54));
    expect(late.rows[0]).toMatchObject({ Result: 'rejected', Code: 'subscription.cancel-window-closed' });
    expect(late.rows[0]!.Message).toContain(`the cancellation window closed on ${at(53).slice(0, 10)} 09:00 UTC, 7 days after the purchase`);
    expect(late.rows[1]).toMatchObject({ Result: 'suspended', Changes: 'Auto Renew: yes → no; Status: active → suspended' });
    expect(late.rows[1]!.Message).toContain('billing continues, and Partner Center turns auto-renew off');
    // A cancelled subscription is final.
    const revive = await applySubscriptions(w, 'revive', [{ ...key('Early'), Status: 'active' }], at(55));
    expect(revive.rows[0]).toMatchObject({ Result: 'rejected', Code: 'subscription.not-active' });
  });

  it('refuses a shorter term mid-term, and a billing frequency the term does not allow', async () => {
    const bought = await applySubscriptions(w, 'yearly', [{ 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Yearly', Quantity: 3, Term: 'P1Y', 'Billing Frequency': 'annual' }], at(56));
    expect(bought.rows[0]!.Result).toBe('created');
    const changes = await applySubscriptions(w, 'shorter', [{ 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Yearly', Quantity: 3, Term: 'P1M', 'Billing Frequency': 'monthly' }, { 'Customer Domain': 'contoso', 'Offer ID': E3, Nickname: 'Triennial', Quantity: 3, Term: 'P1Y', 'Billing Frequency': 'triennial' }], at(57));
    expect(changes.rows.map((r) => [r.Result, r.Code])).toEqual([
      ['rejected', 'subscription.term-shorter'],
      ['rejected', 'subscription.term-not-offered'],
    ]);
    expect(changes.rows[0]!.Message).toContain('1 year cannot become 1 month mid-term (only a longer term); set Apply At = renewal');
  });

  it('pools an offer\'s seat cap across the customer\'s subscriptions, saying how many seats remain', async () => {
    // Business Basic allows 300 seats per customer tenant: two subscriptions of 200 and 150 do not fit; one of another offer does not count.
    await writeWorkbook(w.path('pooled.xlsx'), {
      Customers: [CUSTOMER_HEADERS, customerRow('pooled')],
      Subscriptions: [
        SUBSCRIPTION_HEADERS,
        subscriptionRow({ 'Customer Domain': 'pooled', 'Offer ID': BASIC, Nickname: 'Team A', Quantity: 200 }),
        subscriptionRow({ 'Customer Domain': 'pooled', 'Offer ID': E3, Nickname: 'Team A', Quantity: 250 }),
        subscriptionRow({ 'Customer Domain': 'pooled', 'Offer ID': BASIC, Nickname: 'Team B', Quantity: 150 }),
      ],
    });
    await w.run(['apply', w.path('pooled.xlsx'), '--now', at(58)]);
    const rows = (await readWorkbook(w.path('out', 'pooled.results.xlsx'))).Subscriptions!;
    expect(rows.map((x) => [x.Result, x.Code])).toEqual([
      ['skipped', 'order.cancelled'],
      ['skipped', 'order.cancelled'],
      ['rejected', 'subscription.quantity-out-of-range'],
    ]);
    expect(rows[2]!.Message).toContain('150 would bring pooled to 350 seats of Microsoft 365 Business Basic with the 200 seats of its other subscriptions of the offer; the offer allows at most 300 per customer: 100 remain');
    // On an existing customer the other rows go ahead: 100 seats still fit.
    const fits = await applySubscriptions(w, 'pooled-fits', [{ 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Team A', Quantity: 200 }, { 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Team B', Quantity: 150 }], at(58));
    expect(fits.rows.map((x) => [x.Result, x.Code])).toEqual([
      ['created', null],
      ['rejected', 'subscription.quantity-out-of-range'],
    ]);
    expect(fits.rows[1]!.Message).toMatch(/with the \d+ seats of its other subscriptions of the offer; the offer allows at most 300 per customer: \d+ remain/);
  });
});

describe('PartnerIDs, customers and roles as Partner Center has them', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = await seeded();
  });

  it('accepts a 5-digit PartnerID and refuses an 11-digit one', async () => {
    await writeWorkbook(w.path('ids.xlsx'), {
      Resellers: [
        ['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'],
        ['12345', 'Five Digits', 'five@example.com', 'active'],
        ['12345678901', 'Eleven Digits', 'eleven@example.com', 'active'],
        [2147483648, 'Past Int32', 'big@example.com', 'active'],
      ],
    });
    await w.run(['apply', w.path('ids.xlsx'), '--now', DAY0]);
    const rows = (await readWorkbook(w.path('out', 'ids.results.xlsx'))).Resellers!;
    expect(rows.map((r) => [r['Reseller PartnerID'], r.Result, r.Code])).toEqual([
      ['12345', 'created', null],
      ['12345678901', 'rejected', 'mpn.invalid-format'],
      [2147483648, 'rejected', 'mpn.invalid-format'],
    ]);
    expect(rows[1]!.Message).toContain('is not a PartnerID (digits only, at most 10 digits and at most 2147483647');
  });

  it('requires a registration number (and phone) in Brazil, and refuses a bare legal form as a company name', async () => {
    const br = { 'Address Line 1': 'Avenida Paulista 1578', City: 'São Paulo', 'State/Region': 'SP', 'Postal Code': '01310-200', Country: 'BR', Phone: '+55 11 3555 0100' };
    await writeWorkbook(w.path('customers.xlsx'), {
      Customers: [
        CUSTOMER_HEADERS,
        customerRow('bancosemregistro', br),
        customerRow('bancocomregistro', { ...br, 'Registration Number': '12.345.678/0001-95', 'Reseller PartnerID': '48110' }),
        customerRow('barellc', { 'Company Name': 'LLC' }),
        customerRow('usnostate', { 'Address Line 1': '1 Main St', City: 'Seattle', 'Postal Code': '98101', Country: 'US' }),
        customerRow('providercontact', { 'Contact Email': 'someone@provider.example' }),
      ],
    });
    const run = await w.run(['apply', w.path('customers.xlsx'), '--now', DAY0]);
    expect(run.code).toBe(3);
    const rows = (await readWorkbook(w.path('out', 'customers.results.xlsx'))).Customers!;
    expect(rows.map((r) => [r['Customer Domain'], r.Result, r.Code, r['Admin Access']])).toEqual([
      ['bancosemregistro', 'rejected', 'customer.registration-required', null],
      ['bancocomregistro', 'created', null, 'default GDAP'],
      ['barellc', 'rejected', 'customer.invalid-name', null],
      ['usnostate', 'rejected', 'customer.address', null],
      ['providercontact', 'rejected', 'customer.invalid-email', null],
    ]);
    expect(rows[0]!.Message).toContain('Registration Number is required for a customer in BR');
    expect(rows[1]!.Message).toContain('default GDAP relationships for the provider and the reseller (the reseller must consent)');
    expect(rows[2]!.Message).toContain('Company Name "LLC" is only a legal form');
    expect(JSON.stringify(rows)).not.toMatch(/delegated admin/i);
  });

  it('lets a Helpdesk agent change seats but not add a customer, and a Sales agent remove a partnership', async () => {
    await writeWorkbook(w.path('bought.xlsx'), { Subscriptions: [SUBSCRIPTION_HEADERS, subscriptionRow({ 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Help', Quantity: 4 })] });
    expect((await w.run(['apply', w.path('bought.xlsx'), '--now', DAY0])).code).toBe(0);
    await writeWorkbook(w.path('helpdesk.xlsx'), {
      Customers: [CUSTOMER_HEADERS, customerRow('newbyhelpdesk')],
      Subscriptions: [SUBSCRIPTION_HEADERS, subscriptionRow({ 'Customer Domain': 'contoso', 'Offer ID': BASIC, Nickname: 'Help', Quantity: 6 })],
    });
    expect((await w.run(['apply', w.path('helpdesk.xlsx'), '--now', DAY0], { as: 'helpdesk@provider.example' })).code).toBe(3);
    const helpdesk = await readWorkbook(w.path('out', 'helpdesk.results.xlsx'));
    expect(helpdesk.Subscriptions![0]).toMatchObject({ Result: 'updated', Changes: 'Quantity: 4 → 6' });
    expect(helpdesk.Customers![0]).toMatchObject({ Result: 'rejected', Code: 'role.forbidden' });
    expect(helpdesk.Customers![0]!.Message).toContain('(roles: Helpdesk agent) may not create or update a customer or set its reseller; Global admin or Admin agent or Sales agent may');

    await writeWorkbook(w.path('removal.xlsx'), { Resellers: [['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'], ['5230417', 'Adatum', 'a@adatum.example', 'removed']] });
    expect((await w.run(['apply', w.path('removal.xlsx'), '--allow-removals', '--now', DAY0], { as: 'sales@provider.example' })).code).toBe(0);
    expect((await readWorkbook(w.path('out', 'removal.results.xlsx'))).Resellers![0]).toMatchObject({ Result: 'removed' });
  });

  it('reads "User admin" as User management admin, who manages users', async () => {
    const exported = w.path('state.xlsx');
    expect((await w.run(['export', '--out', exported, '--now', DAY0])).code).toBe(0);
    const users = (await readWorkbook(exported)).Users!;
    expect(users.find((u) => u.Email === 'users@provider.example')!.Roles).toBe('User management admin');
  });
});

describe('the clock', () => {
  it('refuses --now on a store made without --simulated-clock, and a --now before the last run', async () => {
    const system = await Workspace.create();
    await writeWorkbook(system.path('in.xlsx'), { Users: [['Email', 'Display Name', 'Roles'], ['x@provider.example', 'X', 'Sales agent']] });
    const before = await system.storeState();
    const refused = await system.run(['apply', system.path('in.xlsx'), '--now', '2030-01-01T00:00:00Z']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--now is refused: the store');
    expect(refused.stderr).toContain('runs on the system clock; only a store made with tiersync init --simulated-clock');
    expect(await system.storeState()).toBe(before);

    const simulated = await Workspace.create({ simulatedClock: DAY0 });
    await writeWorkbook(simulated.path('in.xlsx'), { Users: [['Email', 'Display Name', 'Roles'], ['x@provider.example', 'X', 'Sales agent']] });
    expect((await simulated.run(['apply', simulated.path('in.xlsx'), '--now', at(10)])).code).toBe(0);
    const state = await simulated.storeState();
    const backwards = await simulated.run(['plan', simulated.path('in.xlsx'), '--now', at(9)]);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain(`--now ${at(9)} is before the store's last run (${at(10)}): time never goes backwards`);
    expect(await simulated.storeState()).toBe(state);
  });
});
