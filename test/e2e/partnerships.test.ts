import { describe, expect, it, beforeAll } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { Workspace } from '../helpers/cli.js';
import { readWorkbook, sheetNames, writeWorkbook, type Cell } from '../helpers/workbooks.js';

const RESELLER_HEADERS: Cell[] = ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Global MPN ID', 'Country', 'Partnership'];

async function resellers(ws: Workspace, name: string, rows: Cell[][], headers: Cell[] = RESELLER_HEADERS): Promise<string> {
  const path = ws.path(name);
  await writeWorkbook(path, { Resellers: [headers, ...rows] });
  return path;
}

function linkIn(ws: Workspace, mpn: string): string {
  const eml = readFileSync(ws.path('out', 'invitations', `${mpn}.eml`), 'utf8');
  return /^(http\S+accept\?token=\S+)$/m.exec(eml)![1]!;
}

describe('reseller partnerships', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
  });

  it('invites new resellers, keeps them pending, activates them on acceptance', async () => {
    const input = await resellers(ws, 'partners.xlsx', [
      ['2000001', 'Fabrikam', 'partners@fabrikam.example', '2000000', 'US', 'active'],
      [2000002, 'Adatum', 'hello@adatum.example', '', 'fr', 'Active'],
    ]);
    const first = await ws.run(['apply', input]);
    expect(first.code).toBe(0);
    const wb = await readWorkbook(ws.path('out', 'partners.results.xlsx'));
    expect(wb.Resellers!.map((r) => [r['Reseller MPN ID'], r.Result, r.Code ?? ''])).toEqual([
      ['2000001', 'created', ''],
      [2000002, 'created', ''],
    ]);
    expect(String(wb.Resellers![0]!.Message)).toMatch(/invitation to partners@fabrikam\.example.*awaiting acceptance/);
    expect(wb.Invitations!.map((r) => [r['Reseller PartnerID'], r['Contact Email'], r['Email Draft']])).toEqual([
      ['2000001', 'partners@fabrikam.example', 'invitations/2000001.eml'],
      ['2000002', 'hello@adatum.example', 'invitations/2000002.eml'],
    ]);
    const eml = readFileSync(ws.path('out', 'invitations', '2000001.eml'), 'utf8');
    expect(eml).toMatch(/^To: "Fabrikam" <partners@fabrikam\.example>\r$/m);
    expect(eml).toMatch(/^http:\/\/localhost:8080\/accept\?token=[A-Za-z0-9_-]{43}\r$/m);
    expect(statSync(ws.path('out', 'invitations', '2000001.eml')).mode & 0o777).toBe(0o600);

    const again = await ws.run(['apply', input]);
    expect(again.code).toBe(0);
    const pending = await readWorkbook(ws.path('out', 'partners.results.xlsx'));
    expect(pending.Resellers!.map((r) => r.Result)).toEqual(['pending', 'pending']);
    expect(String(pending.Resellers![0]!.Message)).toMatch(/^Awaiting acceptance since \d{4}-\d\d-\d\d/);

    const accepted = await ws.run(['accept', '--link', linkIn(ws, '2000001')], { as: null });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/Fabrikam \(2000001\) is now active/);
    const reused = await ws.run(['accept', '--link', linkIn(ws, '2000001')], { as: null });
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/already accepted/);

    const third = await ws.run(['apply', input]);
    expect(third.code).toBe(0);
    const after = await readWorkbook(ws.path('out', 'partners.results.xlsx'));
    expect(after.Resellers!.map((r) => r.Result)).toEqual(['unchanged', 'pending']);
  });

  it('refuses a wrong token and an expired one, changing nothing', async () => {
    const w = await Workspace.create();
    const input = await resellers(w, 'r.xlsx', [['2100001', 'Tailspin', 't@tailspin.example', '', '', 'active']]);
    expect((await w.run(['apply', input, '--invitation-days', '0'])).code).toBe(0);
    const before = await w.storeState();
    const wrong = await w.run(['accept', '--token', 'not-the-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: No invitation matches this token/m);
    const expired = await w.run(['accept', '--link', linkIn(w, '2100001')]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/expired on \d{4}-\d\d-\d\d; ask the provider to send a new one/);
    expect(await w.storeState()).toBe(before);

    // --resend-expired replaces it; the new link works.
    const resend = await w.run(['apply', input, '--resend-expired']);
    expect(resend.code).toBe(0);
    const wb = await readWorkbook(w.path('out', 'r.results.xlsx'));
    expect(wb.Resellers![0]!.Result).toBe('updated');
    expect((await w.run(['accept', '--link', linkIn(w, '2100001')])).code).toBe(0);
  });

  it('removes a partnership only with --allow-removals, and re-invites after removal', async () => {
    const w = await Workspace.create();
    const add = await resellers(w, 'add.xlsx', [['2200001', 'Northwind', 'n@northwind.example', '', 'DE', 'active']]);
    await w.run(['apply', add]);
    await w.run(['accept', '--link', linkIn(w, '2200001')]);
    const remove = await resellers(w, 'remove.xlsx', [['2200001', 'Northwind', 'n@northwind.example', '', 'DE', 'removed']]);
    const before = await w.storeState();
    const refused = await w.run(['apply', remove]);
    expect(refused.code).toBe(3);
    const r1 = await readWorkbook(w.path('out', 'remove.results.xlsx'));
    expect([r1.Resellers![0]!.Result, r1.Resellers![0]!.Code]).toEqual(['rejected', 'partnership.removal-not-allowed']);
    expect(String(r1.Resellers![0]!.Message)).toMatch(/--allow-removals/);
    expect(await w.storeState()).toBe(before);

    const done = await w.run(['apply', remove, '--allow-removals']);
    expect(done.code).toBe(0);
    const r2 = await readWorkbook(w.path('out', 'remove.results.xlsx'));
    expect(r2.Resellers![0]!.Result).toBe('removed');
    expect(String(r2.Resellers![0]!.Message)).toMatch(/does not notify the customer or the partner/);
    const summary = r2.Summary!.map((r) => Object.values(r).join(' ')).join('\n');
    expect(summary).toMatch(/does not notify the customer or the partner/);

    const reinvite = await w.run(['apply', add]);
    expect(reinvite.code).toBe(0);
    const r3 = await readWorkbook(w.path('out', 'add.results.xlsx'));
    expect([r3.Resellers![0]!.Result, r3.Resellers![0]!.Changes]).toEqual(['updated', 'Partnership: removed → invited']);
    expect(existsSync(w.path('out', 'invitations', '2200001.eml'))).toBe(true);
  });

  it('rejects bad MPN IDs with their codes', async () => {
    const w = await Workspace.create();
    await resellers(w, 'seed.xlsx', [['2300001', 'Litware', 'l@litware.example', '2300000', '', 'active']]);
    await w.run(['apply', w.path('seed.xlsx')]);
    const input = await resellers(w, 'bad.xlsx', [
      ['12345678901', 'Eleven digits', 'a@x.example', '', '', 'active'],
      ['12a4567', 'Letters', 'b@x.example', '', '', 'active'],
      ['１２３４５６７', 'Full-width digits', 'c@x.example', '', '', 'active'],
      ['1000001', 'The provider', 'd@x.example', '', '', 'active'],
      ['2300000', 'A global ID', 'e@x.example', '', '', 'active'],
      ['2300002', 'Global is a location', 'f@x.example', '2300001', '', 'active'],
      [1234567.5, 'Decimal', 'g@x.example', '', '', 'active'],
      ['2300003', 'Bad email', 'not-an-email', '', '', 'active'],
      ['2300004', 'Bad country', 'h@x.example', '', 'XX', 'active'],
      ['2300005', '', 'i@x.example', '', '', 'active'],
      ['2300006', 'Unknown state', 'j@x.example', '', '', 'maybe'],
      ['2300007', 'Nothing to remove', 'k@x.example', '', '', 'removed'],
    ]);
    const r = await w.run(['apply', input]);
    expect(r.code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'bad.results.xlsx'));
    expect(wb.Resellers!.map((x) => x.Code)).toEqual([
      'mpn.invalid-format',
      'mpn.invalid-format',
      'mpn.invalid-format',
      'mpn.is-provider',
      'mpn.global-not-location',
      'mpn.conflict',
      'mpn.invalid-format',
      'row.invalid-value',
      'row.invalid-value',
      'row.required',
      'row.invalid-value',
      'partnership.not-found',
    ]);
    expect(String(wb.Resellers![4]!.Message)).toMatch(/use its Location PartnerID 2300001/);
    const errors = wb.Errors!;
    expect(errors.find((e) => e.Code === 'row.invalid-value' && e.Value === 'not-an-email')).toMatchObject({ Sheet: 'Resellers', Row: 9, Column: 'Contact Email', Cell: 'C9' });
    expect(wb.Resellers!.every((x) => x.Result === 'rejected')).toBe(true);
  });

  it('rejects both rows of a duplicate key, naming the other row', async () => {
    const w = await Workspace.create();
    const input = await resellers(w, 'dup.xlsx', [
      ['2400001', 'One', 'a@x.example', '', '', 'active'],
      ['2400002', 'Two', 'b@x.example', '', '', 'active'],
      [' 2400001 ', 'One again', 'c@x.example', '', '', 'active'],
    ]);
    expect((await w.run(['apply', input])).code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'dup.results.xlsx'));
    expect(wb.Resellers!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['rejected', 'row.duplicate-key'],
      ['created', ''],
      ['rejected', 'row.duplicate-key'],
    ]);
    expect(String(wb.Resellers![0]!.Message)).toMatch(/Resellers row 4/);
    expect(String(wb.Resellers![2]!.Message)).toMatch(/Resellers row 2/);
  });

  it('reads aliased, oddly cased headers and echoes unknown columns; a missing required column rejects the sheet once', async () => {
    const w = await Workspace.create();
    const input = w.path('aliases.xlsx');
    await writeWorkbook(input, {
      ' resellers ': [
        ['mpn id', 'NAME', 'e-mail', 'Pays', 'Partnership Status', 'Account Manager'],
        ['2500001', 'Proseware', 'p@proseware.example', 'GB', 'ACTIVE', 'Kim'],
      ],
      Notes: [['anything'], ['ignored']],
    });
    const r = await w.run(['apply', input]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sheet "Notes" is not a tiersync sheet/);
    const wb = await readWorkbook(w.path('out', 'aliases.results.xlsx'));
    expect(wb[' resellers ']![0]).toMatchObject({ 'mpn id': '2500001', 'Account Manager': 'Kim', Result: 'created' });
    expect(wb.Mapping!.map((m) => [m['Header as written'], m['Read as'], m.How])).toEqual([
      ['mpn id', 'Reseller PartnerID', 'alias'],
      ['NAME', 'Reseller Name', 'alias'],
      ['e-mail', 'Contact Email', 'alias'],
      ['Pays', 'Country', 'alias'],
      ['Partnership Status', 'Partnership', 'alias'],
      ['Account Manager', null, 'ignored'],
    ]);

    const missing = w.path('missing.xlsx');
    await writeWorkbook(missing, { Resellers: [['Reseller MPN ID', 'Reseller Name', 'Partnership'], ['2500002', 'X', 'active'], ['2500003', 'Y', 'active']] });
    expect((await w.run(['apply', missing])).code).toBe(3);
    const m = await readWorkbook(w.path('out', 'missing.results.xlsx'));
    expect(m.Resellers!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['rejected', 'row.missing-column'],
      ['rejected', 'row.missing-column'],
    ]);
    expect(m.Errors!.length).toBe(1);
    expect(String(m.Errors![0]!.Message)).toMatch(/no "Contact Email" column/);
  });

  it('reads a hand-zipped xlsx (not written by exceljs) and a ;-separated Windows-1252 CSV', async () => {
    const w = await Workspace.create();
    const xlsx = await w.run(['apply', new URL('../fixtures/handzipped.xlsx', import.meta.url).pathname]);
    expect(xlsx.code).toBe(0);
    const a = await readWorkbook(w.path('out', 'handzipped.results.xlsx'));
    expect(a.Resellers!.map((x) => [x['Reseller MPN ID'], x.Result])).toEqual([
      [1234567, 'created'],
      ['0123456', 'created'],
    ]);
    const csv = await w.run(['apply', new URL('../fixtures/resellers-cp1252.csv', import.meta.url).pathname]);
    expect(csv.code).toBe(0);
    const b = await readWorkbook(w.path('out', 'resellers-cp1252.results.xlsx'));
    const names = b[Object.keys(b).find((k) => k !== 'Summary' && k !== 'Errors' && k !== 'Mapping' && k !== 'Invitations')!]!.map((x) => x['Nom du revendeur']);
    expect(names.join(' ')).toMatch(/€/);
    expect(names.join(' ')).toMatch(/’/);
  });
});

describe('roles', () => {
  it('enforces the role matrix on every change and refuses unknown operators', async () => {
    const w = await Workspace.create();
    const users = w.path('users.xlsx');
    await writeWorkbook(users, {
      Users: [
        ['Email', 'Display Name', 'Roles', 'Status'],
        ['sales@provider.example', 'Sam', 'Sales agent', 'active'],
        ['billing@provider.example', 'Bea', 'billing admin', ''],
        ['useradmin@provider.example', 'Uma', 'User admin', 'active'],
        ['bad@provider.example', 'Bad', 'Chief', 'active'],
      ],
    });
    expect((await w.run(['apply', users])).code).toBe(3);
    const u = await readWorkbook(w.path('out', 'users.results.xlsx'));
    expect(u.Users!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['created', ''],
      ['created', ''],
      ['created', ''],
      ['rejected', 'row.invalid-value'],
    ]);

    const add = await resellers(w, 'add.xlsx', [['2600001', 'Fourth Coffee', 'f@fourth.example', '', '', 'active']]);
    const billing = await w.run(['apply', add], { as: 'billing@provider.example' });
    expect(billing.code).toBe(3);
    let wb = await readWorkbook(w.path('out', 'add.results.xlsx'));
    expect(wb.Resellers![0]!.Code).toBe('role.forbidden');
    expect(String(wb.Resellers![0]!.Message)).toMatch(/Global admin or Admin agent or Sales agent may/);

    expect((await w.run(['apply', add], { as: 'sales@provider.example' })).code).toBe(0);
    await w.run(['accept', '--link', linkIn(w, '2600001')]);
    const remove = await resellers(w, 'remove.xlsx', [['2600001', 'Fourth Coffee', 'f@fourth.example', '', '', 'removed']]);
    // Partner Center lets a Billing admin do neither; a Sales agent may remove a partnership (SPEC §1.7).
    expect((await w.run(['apply', remove, '--allow-removals'], { as: 'billing@provider.example' })).code).toBe(3);
    wb = await readWorkbook(w.path('out', 'remove.results.xlsx'));
    expect(wb.Resellers![0]!.Code).toBe('role.forbidden');
    expect(String(wb.Resellers![0]!.Message)).toMatch(/may not remove a partnership; Global admin or Admin agent or Sales agent may/);
    expect((await w.run(['apply', remove, '--allow-removals'], { as: 'sales@provider.example' })).code).toBe(0);
    expect((await readWorkbook(w.path('out', 'remove.results.xlsx'))).Resellers![0]!.Result).toBe('removed');

    // Users are managed by Global and User admins only; the last Global admin stays.
    const demote = w.path('demote.xlsx');
    await writeWorkbook(demote, { Users: [['Email', 'Display Name', 'Roles'], [Workspace.ADMIN, 'Admin', 'Sales agent']] });
    expect((await w.run(['apply', demote], { as: 'sales@provider.example' })).code).toBe(3);
    expect((await readWorkbook(w.path('out', 'demote.results.xlsx'))).Users![0]!.Code).toBe('role.forbidden');
    expect((await w.run(['apply', demote], { as: 'useradmin@provider.example' })).code).toBe(3);
    expect((await readWorkbook(w.path('out', 'demote.results.xlsx'))).Users![0]!.Code).toBe('user.last-global-admin');

    const stranger = await w.run(['apply', add], { as: 'nobody@provider.example' });
    expect(stranger.code).toBe(3);
    wb = await readWorkbook(w.path('out', 'add.results.xlsx'));
    expect(wb.Resellers![0]!.Code).toBe('role.unknown-user');
    const noOperator = await w.run(['apply', add], { as: null });
    expect(noOperator.code).toBe(1);
    expect(noOperator.stderr).toMatch(/--as EMAIL/);
  });
});

describe('offers', () => {
  it('imports a catalog and rejects an unknown upgrade target', async () => {
    const w = await Workspace.create();
    const csv = w.path('offers.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(csv, 'Offer ID,Offer Name,Min Quantity,Max Quantity,Billing Cycles,Upgrade Targets\nNEW-A,Offer A,1,50,monthly,NEW-B\nNEW-B,Offer B,5,500,annual; monthly,\nNEW-C,Offer C,10,5,monthly,\nNEW-D,Offer D,1,5,weekly,MISSING\n');
    const r = await w.run(['catalog', 'import', csv]);
    expect(r.code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'offers.results.xlsx'));
    const sheet = wb[Object.keys(wb)[1]!]!;
    expect(sheet.map((x) => [x['Offer ID'], x.Result, x.Code ?? ''])).toEqual([
      ['NEW-A', 'created', ''],
      ['NEW-B', 'created', ''],
      ['NEW-C', 'rejected', 'row.invalid-value'],
      ['NEW-D', 'rejected', 'row.invalid-value'],
    ]);
    const again = await w.run(['catalog', 'import', csv]);
    const wb2 = await readWorkbook(w.path('out', 'offers.results.xlsx'));
    expect(wb2[Object.keys(wb2)[1]!]!.slice(0, 2).map((x) => x.Result)).toEqual(['unchanged', 'unchanged']);
    expect(again.code).toBe(3);
    const sales = w.path('sales.xlsx');
    await writeWorkbook(sales, { Users: [['Email', 'Display Name', 'Roles'], ['s@provider.example', 'S', 'Sales agent']] });
    await w.run(['apply', sales]);
    await w.run(['catalog', 'import', csv], { as: 's@provider.example' });
    const wb3 = await readWorkbook(w.path('out', 'offers.results.xlsx'));
    expect(wb3[Object.keys(wb3)[1]!]![0]!.Code).toBe('role.forbidden');
  });
});

describe('plans', () => {
  it('plan changes nothing, --detailed-exitcode says 2, a saved plan applies once and then is stale', async () => {
    const w = await Workspace.create();
    const input = await resellers(w, 'p.xlsx', [['2700001', 'Wingtip', 'w@wingtip.example', '', '', 'active']]);
    const before = await w.storeState();
    const plan = await w.run(['plan', input, '--detailed-exitcode', '--save-plan', w.path('plan.json')]);
    expect(plan.code).toBe(2);
    expect(await w.storeState()).toBe(before);
    expect(await sheetNames(w.path('out', 'p.results.xlsx'))).toEqual(['Summary', 'Resellers', 'Errors', 'Invitations', 'Mapping']);
    const wb = await readWorkbook(w.path('out', 'p.results.xlsx'));
    expect(wb.Summary!.find((r) => Object.values(r).includes('Mode'))).toBeTruthy();
    expect(wb.Resellers![0]!.Result).toBe('created');
    expect(readdirSync(w.path('out')).includes('invitations')).toBe(false);

    expect((await w.run(['plan', input])).code).toBe(0);
    expect((await w.run(['apply', '--plan', w.path('plan.json')])).code).toBe(0);
    const stale = await w.run(['apply', '--plan', w.path('plan.json')]);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/plan is stale/);
  });

  it('--atomic applies nothing when a row is rejected', async () => {
    const w = await Workspace.create();
    const input = await resellers(w, 'a.xlsx', [
      ['2800001', 'Good', 'g@x.example', '', '', 'active'],
      ['28000000000', 'Bad', 'b@x.example', '', '', 'active'],
    ]);
    const before = await w.storeState();
    expect((await w.run(['apply', input, '--atomic'])).code).toBe(3);
    expect(await w.storeState()).toBe(before);
    const wb = await readWorkbook(w.path('out', 'a.results.xlsx'));
    expect(wb.Resellers!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['skipped', 'batch.atomic-cancelled'],
      ['rejected', 'mpn.invalid-format'],
    ]);
  });
});
