import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { buildConsoleApp, type ConsoleApp } from '../../src/console/app.js';
import { hashPassword } from '../../src/console/passwords.js';
import { closeLogger, createLogger, type Logger } from '../../src/log/logger.js';
import { openStore } from '../../src/run/store-factory.js';
import { tempDir, Workspace } from '../helpers/cli.js';
import { writeZipBomb } from '../helpers/workbooks.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { CUSTOMER_HEADERS, customer } from '../helpers/rows.js';

const ADMIN = Workspace.ADMIN;
const SALES = 'sales@provider.example';
const PASSWORD = 'a long enough passphrase';
const SALES_PASSWORD = 'another long passphrase';

async function setPassword(store: string, email: string, password: string): Promise<void> {
  const s = await openStore(store, { write: true, lockTimeoutSeconds: 0 });
  try {
    await s.writePasswordHash(email, await hashPassword(password), new Date().toISOString());
  } finally {
    await s.close();
  }
}

async function csvOf(rows: unknown[][]): Promise<string> {
  return rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v))).join(',')).join('\n') + '\n';
}

describe('console security (inject)', () => {
  let w: Workspace;
  let consoleApp: ConsoleApp;
  let log: Logger;
  let logFile: string;
  let workDir: string;
  let clock = Date.now();

  beforeAll(async () => {
    w = await Workspace.create({ backend: 'sqljs' });
    const users = w.path('users.csv');
    writeFileSync(users, `Email,Display Name,Roles\n${SALES},Sam Sales,Sales agent\n`);
    expect((await w.run(['apply', users])).code).toBe(0);
    await setPassword(w.store, ADMIN, PASSWORD);
    await setPassword(w.store, SALES, SALES_PASSWORD);
    logFile = w.path('console.jsonl');
    log = createLogger({ logFile, level: 'debug' });
    workDir = tempDir('tiersync-console-work-');
    consoleApp = await buildConsoleApp({
      storeLocation: w.store,
      publicUrl: 'http://127.0.0.1:8080',
      workDir,
      maxInputMb: 1,
      lockTimeoutSeconds: 0,
      invitationDays: 30,
      sessionIdleMinutes: 30,
      secretMinutes: 15,
      keepHours: 8,
      trustProxy: false,
      throttle: { perAccount: 3, perAddress: 6, windowMs: 15 * 60_000 },
      settleMs: 30_000,
      log,
      now: () => new Date(clock),
    });
  });

  afterAll(async () => {
    await consoleApp?.close();
    await closeLogger(log);
  });

  const signedIn = async (email = ADMIN, password = PASSWORD, headers: Record<string, string> = {}) => {
    const c = new ConsoleClient(consoleApp.app, headers);
    const r = await c.signIn(email, password);
    expect([r.statusCode, r.headers.location]).toEqual([303, '/']);
    await c.get('/');
    return c;
  };

  it('sets the session cookie HttpOnly and SameSite, and signs a browser out after its idle time', async () => {
    const c = new ConsoleClient(consoleApp.app);
    await c.get('/sign-in');
    const r = await c.post('/sign-in', { email: ADMIN, password: PASSWORD });
    const cookie = String(([] as string[]).concat(r.headers['set-cookie'] ?? []).find((h) => h.startsWith('tiersync-session=')));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect((await c.get('/')).statusCode).toBe(200);
    clock += 31 * 60_000;
    const later = await c.get('/runs');
    expect([later.statusCode, later.headers.location]).toEqual([303, '/sign-in?next=%2Fruns']);
  });

  it('uses __Host- cookies, Secure, with HSTS behind an https public URL', async () => {
    const secureApp = await buildConsoleApp({ storeLocation: w.store, publicUrl: 'https://tiersync.provider.example', workDir: tempDir(), maxInputMb: 1, lockTimeoutSeconds: 0, invitationDays: 30, sessionIdleMinutes: 30, secretMinutes: 15, keepHours: 8, trustProxy: true, log });
    try {
      const c = new ConsoleClient(secureApp.app, { 'x-forwarded-proto': 'https' });
      await c.get('/sign-in');
      const r = await c.post('/sign-in', { email: ADMIN, password: PASSWORD }, { headers: { origin: 'https://tiersync.provider.example' } });
      const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
      expect(cookies.find((h) => h.startsWith('__Host-tiersync-session='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax/);
      expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await secureApp.close();
    }
  });

  it('refuses a cross-site POST without the form token, and one from another origin with it', async () => {
    const c = await signedIn();
    const before = await w.storeState();
    const noToken = await c.post('/sign-out', {}, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain('This form did not come from a page of this console');
    expect((await c.get('/')).statusCode).toBe(200);
    const forged = await c.post('/sign-out', { _csrf: 'x'.repeat(60) }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    const otherSite = await c.post('/sign-out', {}, { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(otherSite.statusCode).toBe(403);
    const upload = await c.upload({ name: 'customers.csv', content: await csvOf([CUSTOMER_HEADERS, customer('csrfco')]) }, {}, { csrf: false });
    expect(upload.statusCode).toBe(403);
    expect(await w.storeState()).toBe(before);
    // A token made before signing in does not work after it.
    const fresh = new ConsoleClient(consoleApp.app);
    await fresh.get('/sign-in');
    const stale = fresh.csrf;
    await fresh.post('/sign-in', { email: ADMIN, password: PASSWORD });
    expect((await fresh.post('/sign-out', { _csrf: stale }, { csrf: false })).statusCode).toBe(403);
    // The page's own token signs out.
    await c.get('/');
    expect((await c.post('/sign-out')).headers.location).toBe('/sign-in');
    expect((await c.get('/')).statusCode).toBe(303);
  });

  it('throttles sign-in after repeated failures, per account and per address', async () => {
    const c = new ConsoleClient(consoleApp.app, { 'x-forwarded-for': '203.0.113.7' });
    await c.get('/sign-in');
    for (let i = 0; i < 3; i++) expect((await c.post('/sign-in', { email: SALES, password: `wrong guess ${i}` })).statusCode).toBe(401);
    // The right password now: still refused, for this account.
    const locked = await c.post('/sign-in', { email: SALES, password: SALES_PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toContain('Too many failed sign-ins');
    // Another account from the same address, until the address's own bound.
    expect((await c.post('/sign-in', { email: 'nobody@provider.example', password: 'guess guess guess' })).statusCode).toBe(401);
    expect((await c.post('/sign-in', { email: 'nobody2@provider.example', password: 'guess guess guess' })).statusCode).toBe(401);
    expect((await c.post('/sign-in', { email: 'nobody3@provider.example', password: 'guess guess guess' })).statusCode).toBe(401);
    expect((await c.post('/sign-in', { email: ADMIN, password: PASSWORD })).statusCode).toBe(429);
    clock += 16 * 60_000;
    expect((await c.post('/sign-in', { email: SALES, password: SALES_PASSWORD })).statusCode).toBe(303);
  });

  it('refuses an upload over --max-input-mb, a zip bomb and a renamed text file, the store unchanged byte for byte', async () => {
    const c = await signedIn();
    const before = await w.storeState();
    const big = await c.upload({ name: 'big.csv', content: Buffer.alloc(1024 * 1024 + 10, 0x41) });
    expect(big.statusCode).toBe(413);
    expect(big.body).toContain('over the 1 MB limit');

    const bomb = w.path('bomb.xlsx');
    writeZipBomb(bomb);
    const bombed = await c.upload({ name: 'bomb.xlsx', content: readFileSync(bomb) });
    expect(bombed.statusCode).toBe(400);
    expect(bombed.body).toMatch(/bomb\.xlsx would inflate to 400 MB from \d+ KB \(a zip bomb\?\); it was refused/);

    const renamed = await c.upload({ name: 'text.xlsx', content: 'Reseller MPN ID,Name\n1234567,X\n' });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.body).toMatch(/text\.xlsx is not an Excel workbook/);
    expect(renamed.body).toContain('Nothing was changed');

    expect(await w.storeState()).toBe(before);
    // Nothing of the refused files is left on the server.
    expect(readdirSync(join(workDir, 'uploads'))).toEqual([]);
  });

  it('serves downloads by opaque ID only: another user’s credential report, a path, an unknown ID get 404', async () => {
    const admin = await signedIn();
    const upload = await admin.upload({ name: 'customers.csv', content: await csvOf([CUSTOMER_HEADERS, customer('dlco1'), customer('dlco2')]) });
    expect(upload.statusCode).toBe(303);
    const planPage = await admin.get(upload.headers.location as string);
    expect(planPage.body).toContain('Plan of customers.csv');
    const applied = await admin.post(`${upload.headers.location}/apply`);
    expect(applied.statusCode).toBe(303);
    const page = await admin.get(applied.headers.location as string);
    const credentials = /href="(\/downloads\/[\w-]+)" download>Credential report/.exec(page.body)![1]!;
    const results = /href="(\/downloads\/[\w-]+)" download>Results workbook/.exec(page.body)![1]!;

    const sales = await signedIn(SALES, SALES_PASSWORD, { 'x-forwarded-for': '198.51.100.9' });
    expect((await sales.get(credentials)).statusCode).toBe(404);
    expect((await sales.get(results)).statusCode).toBe(404);
    for (const path of ['/downloads/..%2F..%2F..%2Fetc%2Fpasswd', '/downloads/../../etc/passwd', `/downloads/${'A'.repeat(43)}`, `/downloads/${credentials.slice(11, -1)}`]) {
      const r = await admin.get(path);
      expect([path, r.statusCode]).toEqual([path, 404]);
    }
    // The owner, once; then it is gone from the registry and from the disk.
    const first = await admin.get(credentials);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-disposition']).toMatch(/^attachment; filename="customers\.credentials\.xlsx"/);
    expect(first.headers['cache-control']).toBe('no-store');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(first.rawPayload as never);
    const passwords = wb.getWorksheet('Credentials')!.getColumn(5).values.slice(2).map(String).filter((v) => v && v !== 'undefined');
    expect(passwords).toHaveLength(2);
    expect((await admin.get(credentials)).statusCode).toBe(404);
    const onDisk = readdirSync(join(workDir, 'runs'), { recursive: true }).map(String);
    expect(onDisk.filter((f) => f.includes('credentials'))).toEqual([]);
    expect((await admin.get(results)).statusCode).toBe(200);

    // No password in any page the console served, in a Location header, in its log or in the store.
    await new Promise((r) => setTimeout(r, 300)); // the log file is written asynchronously
    const everything = [...admin.seen, ...sales.seen].filter((r) => r !== first).map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
    for (const p of passwords) {
      expect(everything).not.toContain(p);
      expect(readFileSync(logFile, 'utf8')).not.toContain(p);
      expect(await w.storeText()).not.toContain(p);
    }
  });

  it('the acceptance page: a wrong or expired token says why and changes nothing; the token stays out of URLs, pages and the log', async () => {
    const tokenOf = (mpn: string) => /token=([\w-]+)/.exec(readFileSync(w.path('out', 'invitations', `${mpn}.eml`), 'utf8'))![1]!;
    const resellers = (mpn: string) => `Reseller MPN ID,Reseller Name,Contact Email,Partnership\n${mpn},Reseller ${mpn},r${mpn}@x.example,active\n`;
    writeFileSync(w.path('resellers.csv'), resellers('7100001'));
    expect((await w.run(['apply', w.path('resellers.csv'), '--invitation-days', '0'])).code).toBe(0);
    const expired = tokenOf('7100001');
    writeFileSync(w.path('resellers.csv'), resellers('7100002'));
    expect((await w.run(['apply', w.path('resellers.csv')])).code).toBe(0);
    const valid = tokenOf('7100002');

    const reseller = new ConsoleClient(consoleApp.app);
    const before = await w.storeState();
    const old = await reseller.get(`/accept?token=${expired}`);
    expect(old.statusCode).toBe(410);
    expect(old.body).toMatch(/This invitation expired on \d{4}-\d{2}-\d{2}; ask the provider to send a new one/);
    const wrong = await reseller.get('/accept?token=wrong-token');
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('No invitation matches this token');
    expect(await w.storeState()).toBe(before);

    const opened = await reseller.get(`/accept?token=${valid}`);
    expect([opened.statusCode, opened.headers.location]).toEqual([303, '/accept']);
    const shown = await reseller.get('/accept');
    expect(shown.body).toContain('Reseller 7100002');
    expect(shown.body).not.toContain(valid);
    const accepted = await reseller.post('/accept');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.body).toContain('The partnership between Contoso Distribution and Reseller 7100002 (7100002) is now active');
    expect(await w.storeState()).not.toBe(before);
    expect((await reseller.post('/accept')).statusCode).toBe(400);
    const again = await reseller.get(`/accept?token=${valid}`);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('already accepted');

    await new Promise((r) => setTimeout(r, 300));
    const logged = readFileSync(logFile, 'utf8');
    expect(logged).toContain('"route":"/accept"');
    expect(logged).not.toContain(valid);
    expect(logged).not.toContain(expired);
  });
});
