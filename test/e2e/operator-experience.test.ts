import { beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { SHEETS, SHEET_KINDS, type ColumnDef } from '../../src/normalize/columns.js';
import { buildTemplateWorkbook } from '../../src/report/template-workbook.js';
import { withReference } from '../../src/report/workbook-reference.js';
import { defaultCatalogOfferIds } from '../../src/cli/template-command.js';
import { ROOT, runCli, tempDir, Workspace } from '../helpers/cli.js';
import { readWorkbook, writeWorkbook } from '../helpers/workbooks.js';

type Validation = { type: string; formulae?: string[] };

/** What a user sees of a template: sheets, headers, notes, frozen rows, drop-downs (by header). */
function describeTemplate(wb: ExcelJS.Workbook) {
  return wb.worksheets.map((ws) => {
    const headers = ((ws.getRow(1).values as unknown[]).slice(1) as string[]).map(String);
    const model = (ws as unknown as { dataValidations: { model: Record<string, Validation> } }).dataValidations.model;
    const dropDowns: Record<string, string[]> = {};
    for (const [address, v] of Object.entries(model)) {
      const column = /^([A-Z]+)/.exec(address.split(':')[0]!.replace(/^range:/, ''))?.[1];
      const index = column ? ws.getColumn(column).number : 0;
      const header = headers[index - 1] ?? address;
      dropDowns[header] ??= v.formulae ?? [];
    }
    return {
      name: ws.name,
      state: ws.state,
      headers,
      notes: headers.map((_, i) => {
        const note = ws.getRow(1).getCell(i + 1).note;
        return typeof note === 'string' ? note : JSON.stringify(note ?? '');
      }),
      frozen: ws.views?.[0] ? { state: ws.views[0].state, ySplit: (ws.views[0] as { ySplit?: number }).ySplit } : undefined,
      dropDowns,
    };
  });
}

async function load(path: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

describe('tiersync template', () => {
  let dir: string;
  let template: ReturnType<typeof describeTemplate>;

  beforeAll(async () => {
    dir = tempDir();
    const r = await runCli(['template', '--out', join(dir, 'blank.xlsx'), '--store', join(dir, 'none.db')], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('offers from the default catalog');
    template = describeTemplate(await load(join(dir, 'blank.xlsx')));
  });

  it('has every sheet with its canonical headers in order, frozen, and an Examples sheet', () => {
    expect(template.filter((s) => s.state !== 'veryHidden').map((s) => s.name)).toEqual([...SHEET_KINDS, 'Examples']);
    for (const kind of SHEET_KINDS) {
      const sheet = template.find((s) => s.name === kind)!;
      expect(sheet.headers).toEqual(SHEETS[kind].columns.map((c) => c.header));
      expect(sheet.frozen).toEqual({ state: 'frozen', ySplit: 1 });
    }
  });

  it('puts a note on every header: meaning, format, whether required, aliases', () => {
    const subs = template.find((s) => s.name === 'Subscriptions')!;
    const quantity = subs.notes[subs.headers.indexOf('Quantity')]!;
    expect(quantity).toContain('Number of seats. Up at any time; down only by seats added in the last 7 days (or at the renewal, with Apply At = renewal).');
    expect(quantity).toContain('Format: whole number from 1 to 1,000,000.');
    expect(quantity).toContain('Required when the record is created');
    expect(quantity).toContain('Quantité');
    for (const sheet of template.filter((s) => (SHEET_KINDS as readonly string[]).includes(s.name))) {
      sheet.notes.forEach((note, i) => expect([sheet.headers[i], note]).toEqual([sheet.headers[i], expect.stringContaining('Format: ')]));
    }
    const customers = template.find((s) => s.name === 'Customers')!;
    expect(customers.notes[customers.headers.indexOf('Customer Domain')]).toContain('Required: it identifies the record.');
    expect(customers.notes[customers.headers.indexOf('Reseller PartnerID')]).toContain('A single "-" clears the stored value.');
    expect(customers.notes[customers.headers.indexOf('Reseller PartnerID')]).toContain('Also accepted as header: Reseller MPN ID, MPN ID');
    expect(customers.notes[customers.headers.indexOf('Admin Access')]).toContain('Written back');
  });

  it('offers drop-downs for every enumerated column and for Offer ID from the catalog', async () => {
    const by = (sheet: string) => template.find((s) => s.name === sheet)!.dropDowns;
    expect(by('Resellers').Partnership).toEqual(['"active,removed"']);
    expect(by('Subscriptions').Status).toEqual(['"active,suspended,cancelled"']);
    expect(by('Subscriptions').Term).toEqual(['"P1M,P1Y,P3Y"']);
    expect(by('Subscriptions')['Billing Frequency']).toEqual(['"monthly,annual,triennial"']);
    expect(by('Subscriptions')['Apply At']).toEqual(['"now,renewal"']);
    expect(by('Subscriptions')['Auto Renew']).toEqual(['"yes,no"']);
    expect(by('Users').Roles).toEqual(['"Global admin,Account admin,User management admin,Admin agent,Sales agent,Helpdesk agent,Billing admin"']);
    expect(by('Users').Status).toEqual(['"active,removed"']);
    const offers = await defaultCatalogOfferIds();
    expect(offers.length).toBeGreaterThan(3);
    const offerList = by('Subscriptions')['Offer ID']![0]!;
    for (const id of offers) expect(offerList).toContain(id);
    // Free-text columns get no drop-down.
    expect(by('Customers')['Company Name']).toBeUndefined();
  });

  it('reads the store catalog for Offer ID, and --sheets narrows the workbook', async () => {
    const ws = await Workspace.create();
    const catalog = ws.path('catalog.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(catalog, 'Offer ID,Offer Name\nCUSTOM-OFFER-1,A custom offer\n');
    expect((await ws.run(['catalog', 'import', catalog])).code).toBe(0);
    const r = await ws.run(['template', '--out', ws.path('orders.xlsx'), '--sheets', 'Customers', 'abonnements']);
    expect(r.code).toBe(0);
    const t = describeTemplate(await load(ws.path('orders.xlsx')));
    expect(t.map((s) => s.name)).toEqual(['Customers', 'Subscriptions', 'Examples']);
    expect(t[1]!.dropDowns['Offer ID']![0]).toContain('CUSTOM-OFFER-1');
    const bad = await ws.run(['template', '--out', ws.path('x.xlsx'), '--sheets', 'Invoices']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--sheets Invoices: use Users, Offers, Resellers, Customers, Subscriptions');
  });

  it('templates/tiersync-template.xlsx matches the column table (regenerate: node scripts/make-reference.mjs)', async () => {
    const shipped = describeTemplate(await load(join(ROOT, 'templates', 'tiersync-template.xlsx')));
    const fresh = buildTemplateWorkbook({ sheets: SHEET_KINDS, offerIds: await defaultCatalogOfferIds() });
    const path = join(dir, 'fresh.xlsx');
    await fresh.xlsx.writeFile(path);
    expect(shipped).toEqual(describeTemplate(await load(path)));
  });

  it('a template filled in is a valid input', async () => {
    const ws = await Workspace.create();
    expect((await ws.run(['template', '--out', ws.path('t.xlsx'), '--sheets', 'Customers'])).code).toBe(0);
    const wb = await load(ws.path('t.xlsx'));
    const sheet = wb.getWorksheet('Customers')!;
    sheet.getRow(2).values = ['fromtemplate', 'From Template Ltd', 'Ana', 'Silva', 'ana@fromtemplate.example', '', '1 Main St', '', 'Paris', '', '75002', 'FR', 'fr-FR', ''];
    await wb.xlsx.writeFile(ws.path('t.xlsx'));
    const r = await ws.run(['apply', ws.path('t.xlsx')]);
    expect(r.code).toBe(0);
    const results = await readWorkbook(ws.path('out', 't.results.xlsx'));
    expect(results.Customers!.map((c) => [c['Customer Domain'], c.Result])).toEqual([['fromtemplate', 'created']]);
  });
});

describe('the workbook reference', () => {
  it('docs/workbooks.md is the one generated from the column table (regenerate: node scripts/make-reference.mjs)', () => {
    const reference = readFileSync(join(ROOT, 'docs', 'workbooks.md'), 'utf8');
    expect(withReference(reference)).toBe(reference);
    for (const kind of SHEET_KINDS) expect(reference).toContain(`### ${kind}`);
    expect(reference).toContain('| Quantity | on creation | whole number from 1 to 1,000,000 |');
  });

  it("the README's summary names every column of every sheet, as the column table classes it, and points to docs/workbooks.md", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /\n## Workbook reference\n([\s\S]*?)\n## /.exec(readme)![1]!;
    expect(section).toContain('`docs/workbooks.md`');
    const rows = section.split('\n').filter((line) => line.startsWith('|')).map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
    expect(rows.slice(0, 2)).toEqual([['sheet', 'key', 'required on creation', 'optional', 'written back'], ['---', '---', '---', '---', '---']]);
    const classes = [(c: ColumnDef) => c.key, (c: ColumnDef) => c.required && !c.key, (c: ColumnDef) => !c.key && !c.required && !c.assigned, (c: ColumnDef) => c.assigned && !c.key];
    for (const kind of SHEET_KINDS) {
      // Every column falls in exactly one class, so the summary names each once.
      for (const c of SHEETS[kind].columns) expect([c.header, classes.filter((inClass) => inClass(c)).length]).toEqual([c.header, 1]);
    }
    expect(rows.slice(2)).toEqual(SHEET_KINDS.map((kind) => [kind, ...classes.map((inClass) => SHEETS[kind].columns.filter(inClass).map((c) => c.header).join(', '))]));
  });
});

describe('a French-headed workbook', () => {
  it('is read through the French Partner Center labels and applied; Errors link to the offending cells', async () => {
    const ws = await Workspace.create();
    await writeWorkbook(ws.path('commandes.xlsx'), {
      Revendeurs: [
        ['ID MPN du revendeur', 'Nom de la société', 'E-mail du contact', 'ID MPN global', 'Pays', 'Partenariat'],
        ['4100001', 'Revendeur Un', 'contact@un.example', '', 'FR', 'active'],
        ['4100002', 'Revendeur Deux', 'pas-un-email', '', 'FR', 'active'],
      ],
      Clients: [
        ['Domaine', 'Nom de la société', 'Prénom', 'Nom de famille', 'Adresse e-mail', 'Téléphone', 'Adresse ligne 1', 'Adresse ligne 2', 'Ville', 'État/Région', 'Code postal', 'Pays', 'Langue'],
        ['boulangerie', 'Boulangerie Dupont', 'Marie', 'Dupont', 'marie@boulangerie.example', '+33 1 02 03 04 05', '3 rue du Pain', '', 'Lyon', '', 69001, 'FR', 'fr-FR'],
      ],
      Abonnements: [
        ['Domaine du client', "ID de l'offre", 'Surnom', 'Quantité', 'Cycle de facturation', 'Renouvellement automatique', 'Statut'],
        ['boulangerie', 'CFQ7TTC0LH18:0001', 'Boutique', 5, 'annual', 'non', 'active'],
      ],
    });
    const r = await ws.run(['apply', ws.path('commandes.xlsx')]);
    expect(r.code).toBe(3);
    const out = await readWorkbook(ws.path('out', 'commandes.results.xlsx'));
    expect(out.Revendeurs!.map((x) => [x['ID MPN du revendeur'], x.Result, x.Code])).toEqual([
      ['4100001', 'created', null],
      ['4100002', 'rejected', 'row.invalid-value'],
    ]);
    expect(out.Clients!.map((x) => [x.Domaine, x.Result, x['Code postal']])).toEqual([['boulangerie', 'created', 69001]]); // echoed as read
    expect(out.Abonnements!.map((x) => [x.Result, x.Quantité, x['Cycle de facturation']])).toEqual([['created', 5, 'annual']]);
    const mapping = out.Mapping!.filter((m) => m.Sheet === 'Clients').map((m) => [m['Header as written'], m['Read as']]);
    expect(mapping).toEqual(expect.arrayContaining([['Prénom', 'Contact First Name'], ['Code postal', 'Postal Code'], ['Langue', 'Language']]));

    // The Errors row links to the offending cell, which is highlighted and carries the message as a note.
    const wb = await load(ws.path('out', 'commandes.results.xlsx'));
    const errors = wb.getWorksheet('Errors')!;
    const row = errors.getRow(2);
    expect(row.getCell(1).value).toBe('Revendeurs');
    expect(row.getCell(4).value).toEqual({ text: 'C3', hyperlink: "#'Revendeurs'!C3" });
    const offending = wb.getWorksheet('Revendeurs')!.getCell('C3');
    expect(offending.value).toBe('pas-un-email');
    expect(String(offending.note)).toContain('row.invalid-value');
    expect((offending.fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
  });
});

describe('console and help', () => {
  it('explain prints a code\'s meaning and remedy; an unknown code names its family', async () => {
    const dir = tempDir();
    const r = await runCli(['explain', 'mpn.global-not-location'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(ERROR_CODES['mpn.global-not-location']);
    const bad = await runCli(['explain', 'mpn.nope'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('mpn.nope is not a tiersync error code; codes of that family: mpn.invalid-format');
  });

  it('--help of every command shows an example', async () => {
    const dir = tempDir();
    const commands = [['init'], ['plan'], ['apply'], ['reconcile'], ['accept'], ['catalog', 'import'], ['export'], ['audit', 'verify'], ['audit', 'export'], ['report'], ['template'], ['explain']];
    for (const command of commands) {
      const r = await runCli([...command, '--help'], { cwd: dir });
      expect([command.join(' '), r.code]).toEqual([command.join(' '), 0]);
      expect([command.join(' '), /Examples:\n\s+tiersync /.test(r.stdout)]).toEqual([command.join(' '), true]);
    }
  });

  it('--json prints the summary with every file written; --quiet prints nothing on success', async () => {
    const ws = await Workspace.create();
    await writeWorkbook(ws.path('partners.xlsx'), {
      Resellers: [
        ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership'],
        ['4200001', 'Northwind', 'p@northwind.example', 'active'],
      ],
    });
    const r = await ws.run(['apply', ws.path('partners.xlsx'), '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ mode: 'apply', revisionBefore: 1, revisionAfter: 2, counts: { Resellers: { created: 1 } }, results: ws.path('out', 'partners.results.xlsx'), credentials: [] });
    expect(summary.invitations).toEqual([ws.path('out', 'invitations', '4200001.eml')]);
    const quiet = await ws.run(['apply', ws.path('partners.xlsx'), '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout + quiet.stderr).toBe('');
  });
});
