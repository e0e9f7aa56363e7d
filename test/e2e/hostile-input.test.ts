import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Workspace } from '../helpers/cli.js';
import { testStoreBackend } from '../helpers/postgres.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';
import { readFirstSheets, readWorkbook, workbookText, writeWorkbook, writeZipBomb, type Cell } from '../helpers/workbooks.js';

const RESELLERS: Cell[] = ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership'];

describe('broken and hostile files', () => {
  let w: Workspace;
  let valid: string;
  beforeAll(async () => {
    w = await Workspace.create();
    valid = w.path('valid.xlsx');
    await writeWorkbook(valid, { Resellers: [RESELLERS, ['7000001', 'Valid', 'v@x.example', 'active']] });
  });

  /** Apply a file that must be refused: exit 1, one sentence naming it, no stack trace, store untouched. */
  async function refused(path: string, pattern: RegExp, extra: string[] = []): Promise<void> {
    const before = await w.storeState();
    const r = await w.run(['apply', path, ...extra]);
    expect([r.code, r.stderr.trim()]).toEqual([1, expect.stringMatching(pattern)]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await w.storeState()).toBe(before);
  }

  it('refuses empty, renamed, truncated, encrypted, legacy and oversized files before changing anything', async () => {
    writeFileSync(w.path('empty.xlsx'), '');
    await refused(w.path('empty.xlsx'), /^error: empty\.xlsx is empty/);
    writeFileSync(w.path('text.xlsx'), 'Reseller MPN ID,Name\n1234567,X\n');
    await refused(w.path('text.xlsx'), /^error: text\.xlsx is not an Excel workbook .*\.xlsx .* or \.csv/);
    writeFileSync(w.path('cut.xlsx'), readFileSync(valid).subarray(0, Math.floor(readFileSync(valid).length / 2)));
    await refused(w.path('cut.xlsx'), /^error: cut\.xlsx is damaged or truncated/);
    writeFileSync(w.path('locked.xlsx'), Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(4096)]));
    await refused(w.path('locked.xlsx'), /^error: locked\.xlsx is a password-protected \(encrypted\) workbook/);
    writeFileSync(w.path('old.xls'), Buffer.alloc(100, 1));
    await refused(w.path('old.xls'), /^error: old\.xls is a legacy Excel 97-2003 workbook; tiersync reads \.xlsx and \.csv/);
    writeFileSync(w.path('calc.ods'), Buffer.alloc(100, 1));
    await refused(w.path('calc.ods'), /^error: calc\.ods is an OpenDocument spreadsheet/);
    writeFileSync(w.path('big.csv'), Buffer.alloc(2 * 1024 * 1024, 0x41));
    await refused(w.path('big.csv'), /^error: big\.csv is 2\.0 MB, over the 1 MB limit/, ['--max-input-mb', '1']);
  });

  it('refuses a zip bomb from its declared sizes, within seconds', async () => {
    const bomb = w.path('bomb.xlsx');
    writeZipBomb(bomb);
    const started = Date.now();
    await refused(bomb, /^error: bomb\.xlsx would inflate to 400 MB from \d+ KB \(a zip bomb\?\); it was refused/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a sheet wider than a worksheet can be, and reports a CSV row of the wrong length', async () => {
    const wide = w.path('wide.csv');
    writeFileSync(wide, `${['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Partnership', ...Array.from({ length: 17_000 }, (_, i) => `x${i}`)].join(',')}\n7000002,Wide,w@x.example,active\n`);
    await refused(wide, /^error: wide\.csv: sheet "Resellers" has 17,004 columns; a worksheet holds at most 16,384/, ['--sheet', 'Resellers']);

    const ragged = w.path('ragged.csv');
    writeFileSync(ragged, 'Reseller MPN ID,Reseller Name,Contact Email,Partnership\n7000003,Ragged,r@x.example,active,surplus\n7000004,Fine,f@x.example,active\n');
    const r = await w.run(['apply', ragged, '--sheet', 'Resellers']);
    expect(r.code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'ragged.results.xlsx'));
    expect(wb.Resellers!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['rejected', 'row.wrong-length'],
      ['created', ''],
    ]);
  });

  it('keeps formula-like text as text, strips characters XML cannot carry, and caps an over-long cell', async () => {
    const input = w.path('hostile.xlsx');
    const long = 'L'.repeat(40_000);
    await writeWorkbook(input, {
      Customers: [
        [...CUSTOMER_HEADERS, 'Notes'],
        [...customer('formulaco', { 'Company Name': '=HYPERLINK("http://evil.example","click")', City: '+cmd|calc', 'Address Line 1': '@SUM(A1)' }), '-2+3'],
        [...customer('controlco', { 'Company Name': 'Bell\u0007 and \u0001nul Ltd' }), 'ok'],
        [...customer('longco'), long],
      ],
    });
    const r = await w.run(['apply', input]);
    expect(r.code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'hostile.results.xlsx'));
    const rows = wb.Customers!;
    expect(rows[0]).toMatchObject({ 'Company Name': '=HYPERLINK("http://evil.example","click")', City: '+cmd|calc', 'Address Line 1': '@SUM(A1)', Notes: '-2+3', Result: 'created' });
    expect(rows[1]).toMatchObject({ 'Company Name': 'Bell and nul Ltd', Result: 'created' });
    expect([rows[2]!.Result, rows[2]!.Code, String(rows[2]!.Notes).length]).toEqual(['rejected', 'row.too-long', 32_767]);
    expect(await workbookText(w.path('out', 'hostile.results.xlsx'))).not.toMatch(/"formula"/);
  });

  it('rejects Unicode look-alikes instead of folding them into another key', async () => {
    const input = w.path('lookalike.xlsx');
    await writeWorkbook(input, {
      Resellers: [RESELLERS, ['７０００００５', 'Full width', 'a@x.example', 'active'], ['70000O6', 'Letter O', 'b@x.example', 'active']],
      Customers: [CUSTOMER_HEADERS, customer('contoso'), customer('cоntoso')],
    });
    expect((await w.run(['apply', input])).code).toBe(3);
    const wb = await readWorkbook(w.path('out', 'lookalike.results.xlsx'));
    expect(wb.Resellers!.map((x) => x.Code)).toEqual(['mpn.invalid-format', 'mpn.invalid-format']);
    expect(wb.Customers!.map((x) => [x.Result, x.Code ?? ''])).toEqual([
      ['created', ''],
      ['rejected', 'customer.invalid-domain'],
    ]);
  });

  // The file store's save (tmp → fsync → rename); a PostgreSQL store is durable on COMMIT and has no file to save.
  const itFileStore = testStoreBackend() === 'sqljs' ? it : it.skip;
  itFileStore('refuses a commit that would grow the file store past its bound, pointing to PostgreSQL', async () => {
    const input = w.path('growth.xlsx');
    const rows: Cell[][] = [RESELLERS];
    for (let i = 0; i < 2000; i++) rows.push([String(7100000 + i), `Reseller ${i}`, `r${i}@growth.example`, 'active']);
    await writeWorkbook(input, { Resellers: rows });
    const before = readFileSync(w.store);
    const r = await w.run(['apply', input], { env: { TIERSYNC_MAX_STORE_MB: '1' } });
    expect(r.code).toBe(1);
    // 2,000 resellers and their 2,000 invitations.
    expect(r.stderr).toMatch(/^error: The store .* \(0\.\d MB\) would grow past 1 MB with these 4,000 record writes, more than the embedded store handles; nothing was applied\. Move the store to PostgreSQL \(tiersync migrate-store --from .*\)/m);
    expect(readFileSync(w.store).equals(before)).toBe(true);
    expect((await w.run(['apply', input])).code).toBe(0);
  });

  itFileStore('keeps the previous store file intact when the new one cannot be written', async () => {
    const input = w.path('fault.xlsx');
    await writeWorkbook(input, { Resellers: [RESELLERS, ['7000009', 'Fault', 'f@x.example', 'active']] });
    const before = readFileSync(w.store);
    mkdirSync(`${w.store}.tmp`); // the save's temporary file cannot be created
    const r = await w.run(['apply', input]);
    rmSync(`${w.store}.tmp`, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: The store file .* could not be saved .*; the previous version is intact and nothing was applied\.$/m);
    expect(readFileSync(w.store).equals(before)).toBe(true);
    expect(spawnSync('ls', [w.path('out', 'invitations')]).stdout.toString()).not.toContain('7000009.eml');
    // The results, written while the store was being saved, are not left behind, not even half-named.
    expect(readdirSync(w.path('out')).filter((f) => f.startsWith('fault.'))).toEqual([]);
    expect((await w.run(['apply', input])).code).toBe(0);
    expect(existsSync(w.path('out', 'fault.results.xlsx'))).toBe(true);
  });

  itFileStore('writes a commit of 100,000 changes or more its results first, and leaves none when the commit fails', async () => {
    // 2,000 new customers and 98,000 subscriptions of theirs: a commit large enough for its results to be
    // written before it, and its rows' echoed cells let go of.
    const offers = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LDPB:0001', 'CFQ7TTC0LFLX:0001', 'CFQ7TTC0LHSV:0001'];
    const csv = (rows: Cell[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
    const customers: Cell[][] = [CUSTOMER_HEADERS];
    for (let i = 0; i < 2000; i++) customers.push(customer(`bulk${i}`));
    const subscriptions: Cell[][] = [SUBSCRIPTION_HEADERS];
    for (let k = 0; k < 98_000; k++) subscriptions.push(subscription(`bulk${k % 2000}`, offers[k % offers.length]!, 1, { Nickname: `seat-${k}` }));
    writeFileSync(w.path('bulk.csv'), csv(customers));
    writeFileSync(w.path('bulk-subs.csv'), csv(subscriptions));
    const bulk = [w.path('bulk.csv'), w.path('bulk-subs.csv')];
    const bulkFiles = () => readdirSync(w.path('out')).filter((f) => f.startsWith('bulk'));

    const before = readFileSync(w.store);
    const [revision] = (await w.sql('SELECT revision FROM store_meta'))[0] as [number];
    mkdirSync(`${w.store}.tmp`); // the save's temporary file cannot be created: the commit fails after the results are written
    const failed = await w.run(['apply', ...bulk]);
    rmSync(`${w.store}.tmp`, { recursive: true });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error: The store file .* could not be saved .*; the previous version is intact and nothing was applied\.$/m);
    expect(readFileSync(w.store).equals(before)).toBe(true);
    // Neither the results (written before the commit), nor their temporary file, nor the credentials.
    expect(bulkFiles()).toEqual([]);

    const r = await w.run(['apply', ...bulk, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { revisionAfter: number; counts: unknown; results: string };
    expect(summary).toMatchObject({ revisionAfter: revision + 1, counts: { Customers: { created: 2000 }, Subscriptions: { created: 98_000 } } });
    expect(bulkFiles().sort()).toEqual(['bulk+1.credentials.xlsx', 'bulk+1.results.xlsx']);
    // The results name the revision the commit made, echo each row's cells, and carry the IDs it committed.
    // The Summary sheet, then the customers' sheet.
    const [summarySheet, customerSheet] = await readFirstSheets(summary.results, 2);
    expect(summarySheet).toEqual(expect.arrayContaining([['Revision before', revision], ['Revision after', revision + 1]]));
    const stored = new Map((await w.sql("SELECT domain, tenant_id FROM customers WHERE domain LIKE 'bulk%'")) as [string, string][]);
    expect(customerSheet).toHaveLength(2001);
    const [headers, ...rows] = customerSheet!;
    const column = (name: string) => headers!.indexOf(name);
    expect(rows.map((row) => [row[column('Customer Domain')], row[column('Company Name')], row[column('Result')], row[column('Tenant ID')]])).toEqual(
      customers.slice(1).map((c) => [c[0], c[1], 'created', stored.get(String(c[0]))]),
    );
  });
});

