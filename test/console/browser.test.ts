import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsoleApp } from '../../src/console/app.js';
import { ROLE_MATRIX } from '../../src/core/roles.js';
import { createLogger } from '../../src/log/logger.js';
import { FileLock } from '../../src/store/file-lock.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { acceptanceLinkOf, ADMIN, ADMIN_PASSWORD, BILLING, BILLING_PASSWORD, CHROMIUM, CHROMIUM_ARGS, comparableResults, ConsoleWorkspace, freePort } from '../helpers/console.js';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-provider.js';
import { readWorkbook } from '../helpers/workbooks.js';

const PARTNERS = join(ROOT, 'samples', 'partners.xlsx');
const ORDERS = join(ROOT, 'samples', 'orders.xlsx');
const USERS_CSV = 'Email,Display Name,Roles\nbilling@contoso-distribution.example,Bea Billing,Billing admin\n';
/** Screenshots of the main pages, for a person to look at (written on every run). */
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? join(tempDir('tiersync-shots-'), 'shots');

/** The demo (scripts/demo.js) through the CLI: the results of orders.xlsx that the console must match. */
async function cliOrdersResults(): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const store = join(dir, 'tiersync.db');
  const out = join(dir, 'out');
  const cli = (args: string[]) => runCli([...args, '--store', store, '--out', out], { cwd: dir });
  expect((await cli(['init', '--provider-mpn', '1000001', '--provider-name', 'Contoso Distribution', '--admin', ADMIN, '--admin-name', 'Olivia Ops'])).code).toBe(0);
  writeFileSync(join(dir, 'users.csv'), USERS_CSV);
  expect((await cli(['apply', join(dir, 'users.csv'), '--as', ADMIN])).code).toBe(0);
  expect((await cli(['apply', PARTNERS, '--as', ADMIN])).code).toBe(0);
  for (const file of readdirSync(join(out, 'invitations')).sort()) {
    if (file.startsWith('7340112')) continue;
    expect((await cli(['accept', '--link', acceptanceLinkOf(readFileSync(join(out, 'invitations', file), 'utf8'))])).code).toBe(0);
  }
  expect((await cli(['apply', ORDERS, '--as', ADMIN])).code).toBe(3);
  return comparableResults(join(out, 'orders.results.xlsx'));
}

describe('the console in a real browser', () => {
  let ws: ConsoleWorkspace;
  let idp: TestIdentityProvider;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let cliResults: Promise<Record<string, unknown>>;
  const downloads = tempDir('tiersync-downloads-');

  /** The visible part of a page (from `at`, when given), as a person would see it on a laptop. */
  const shot = async (p: Page, name: string, at?: string) => {
    mkdirSync(SHOTS, { recursive: true });
    if (at) await p.evaluate((selector) => document.querySelector(selector)?.scrollIntoView(), at);
    await p.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  /** Upload a file on the upload page and wait for its plan (or refusal) page. */
  const upload = async (p: Page, file: string) => {
    await p.goto(`${ws.url}/upload`);
    await p.setInputFiles('input[type=file]', file);
    const [response] = await Promise.all([p.waitForResponse((r) => r.url().endsWith('/upload') && r.request().method() === 'POST'), p.click('button[type=submit]:has-text("Read the file")')]);
    await p.waitForSelector('h1:not(:has-text("Reading and planning"))', { timeout: 30_000 });
    return response;
  };

  const download = async (p: Page, selector: string): Promise<string> => {
    const [d] = await Promise.all([p.waitForEvent('download'), p.click(selector)]);
    const path = join(downloads, `${Date.now()}-${d.suggestedFilename()}`);
    await d.saveAs(path);
    return path;
  };

  beforeAll(async () => {
    cliResults = cliOrdersResults();
    ws = await ConsoleWorkspace.create();
    const idpPort = await freePort();
    idp = await startIdentityProvider(idpPort, `${ws.url}/sign-in/oidc/callback`);
    // partners.xlsx's users arrive by CLI first, so the Billing admin exists; the resellers come through the console.
    const users = join(ws.dir, 'users.csv');
    writeFileSync(users, USERS_CSV);
    expect((await ws.cli(['apply', users])).code).toBe(0);
    await ws.setPassword(ADMIN, ADMIN_PASSWORD);
    await ws.setPassword(BILLING, BILLING_PASSWORD);
    await ws.serve(['--oidc-issuer', idp.issuer], { TIERSYNC_OIDC_CLIENT_ID: idp.clientId, TIERSYNC_OIDC_CLIENT_SECRET: idp.clientSecret });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    admin = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await admin.newPage();
    admin.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await ws?.stop();
    await idp?.close();
  });

  it('signs in with a password', async () => {
    await page.goto(`${ws.url}/upload`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot(page, 'sign-in');
    await page.fill('#email', ADMIN);
    await page.fill('#password', 'not the password at all');
    await page.click('button:has-text("Sign in")');
    expect(await page.textContent('[role=alert]')).toContain('The email or the password is not right');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('button:has-text("Sign in")');
    expect(new URL(page.url()).pathname).toBe('/upload');
    expect(await page.textContent('header')).toContain('Olivia Ops');
    const cookie = (await admin.cookies()).find((c) => c.name === 'tiersync-session')!;
    expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'Lax']);
    await page.goto(ws.url);
    await shot(page, 'home');
  });

  it('plans and applies the partners workbook; resellers accept from the links in their drafts', async () => {
    await page.goto(`${ws.url}/upload`);
    await shot(page, 'upload');
    await upload(page, PARTNERS);
    expect(await page.textContent('h1')).toBe('Plan of partners.xlsx');
    await page.click('button:has-text("Apply this plan")');
    await page.waitForSelector('h1:has-text("Applied")');
    const drafts = await page.$$eval('a[href^="/downloads/"]', (as) => as.map((a) => a.textContent ?? '').filter((t) => t.endsWith('.eml')));
    expect(drafts.sort()).toEqual(['4811021.eml', '4811022.eml', '5230417.eml', '60293.eml', '7340112.eml']);

    const reseller = await browser.newContext();
    const resellerPage = await reseller.newPage();
    for (const name of drafts.filter((d) => !d.startsWith('7340112'))) {
      const link = acceptanceLinkOf(readFileSync(await download(page, `a:has-text("${name}")`), 'utf8'));
      expect(link.startsWith(`${ws.url}/accept?token=`)).toBe(true);
      await resellerPage.goto(link);
      // The token leaves the address bar at once.
      expect(resellerPage.url()).toBe(`${ws.url}/accept`);
      expect(await resellerPage.textContent('main')).toContain('Contoso Distribution');
      if (name.startsWith('4811021')) await shot(resellerPage, 'accept');
      await resellerPage.click('button:has-text("Accept the partnership")');
      expect(await resellerPage.textContent('[role=status]')).toContain('is now active');
      // The same link again: already accepted, said so, nothing changed.
      const before = ws.storeBytes();
      const again = await resellerPage.goto(link);
      expect(again!.status()).toBe(410);
      expect(await resellerPage.textContent('[role=alert]')).toContain('already accepted');
      expect(ws.storeBytes()).toBe(before);
    }
    const wrong = await resellerPage.goto(`${ws.url}/accept?token=not-a-token`);
    expect(wrong!.status()).toBe(404);
    expect(await resellerPage.textContent('[role=alert]')).toContain('No invitation matches this token');
    await reseller.close();
  });

  it('plans the orders workbook: counts, rows filtered by result, errors linked to their cell', async () => {
    await upload(page, ORDERS);
    expect(await page.textContent('h1')).toBe('Plan of orders.xlsx');
    await shot(page, 'plan');
    await shot(page, 'plan-errors', '#errors');
    await shot(page, 'plan-rows', '#rows');
    const counts = await page.$$eval('table.counts tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('th,td')].map((c) => c.textContent?.trim())));
    const header = await page.$$eval('table.counts thead th', (ths) => ths.map((t) => t.textContent?.trim()));
    const table = Object.fromEntries(counts.map(([sheet, ...ns]) => [sheet, Object.fromEntries(ns.map((n, i) => [header[i + 1], Number(n)]).filter(([, n]) => n))]));
    expect(table).toEqual({ Customers: { created: 13, rejected: 4, skipped: 3 }, Subscriptions: { created: 39, rejected: 6, skipped: 15 } });

    await page.selectOption('#f-result', 'rejected');
    await Promise.all([page.waitForURL(/result=rejected/), page.click('form.filters button')]);
    const rejected = await page.$$eval('table.rows tbody tr', (rows) => rows.map((r) => r.querySelector('td:nth-child(5)')?.textContent?.trim()));
    expect(rejected.sort()).toEqual(['customer.invalid-domain', 'customer.invalid-domain', 'customer.invalid-domain', 'customer.invalid-domain', 'mpn.global-not-location', 'offer.unknown', 'partnership.not-active', 'partnership.not-active', 'customer.address', 'subscription.quantity-out-of-range'].sort());

    // The Errors list links each problem to its cell, shown highlighted with the problem.
    const link = page.locator('table.errors a', { hasText: /^[A-Z]+\d+$/ }).first();
    const cell = await link.textContent();
    await link.click();
    const target = await page.evaluate(() => location.hash);
    expect(target).toMatch(/^#cell-\d+-\d+-\d+$/);
    const highlighted = page.locator(`tr${target}`);
    expect(await highlighted.getAttribute('class')).toBe('bad');
    expect(await highlighted.textContent()).toContain(cell!);
    expect(await highlighted.isVisible()).toBe(true);
    await shot(page, 'plan-cell');
  });

  it('applies it, and offers the results (as the CLI writes them) and the credential report once', async () => {
    await page.goto(page.url().replace(/[?#].*$/, ''));
    await page.click('button:has-text("Apply this plan")');
    await page.waitForSelector('h1:has-text("Applied")');
    expect(await page.textContent('.lede')).toMatch(/Store revision \d+ → \d+/);
    await shot(page, 'applied');

    const results = await download(page, 'a:has-text("Results workbook")');
    expect(await comparableResults(results)).toEqual(await cliResults);

    const credentialHref = await page.getAttribute('a:has-text("Credential report")', 'href');
    const credentials = await download(page, 'a:has-text("Credential report")');
    const creds = await readWorkbook(credentials);
    expect(creds.Credentials!.filter((r) => r['Temporary Password'])).toHaveLength(13);
    // Once: the same link now finds nothing, and the page no longer offers it.
    const again = await page.request.get(`${ws.url}${credentialHref}`);
    expect(again.status()).toBe(404);
    await page.reload();
    expect(await page.locator('a:has-text("Credential report")').count()).toBe(0);
    expect(await page.textContent('main')).toContain('no longer on the server');
    // Nowhere else on the server: no file of the console's holds a password of the report.
    const passwords = creds.Credentials!.map((r) => String(r['Temporary Password'] ?? '')).filter(Boolean);
    expect(passwords.some((p) => ws.storeBytes().includes(p) || ws.log().includes(p))).toBe(false);
  });

  it('lists the runs with their regenerated report, the audit trail verified and filtered, the users', async () => {
    await page.click('nav a:has-text("Runs")');
    await shot(page, 'runs');
    await page.click('table.runs tbody tr:first-child a');
    expect(await page.textContent('main')).toContain('orders.xlsx');
    await shot(page, 'run');
    const regenerated = await download(page, 'a:has-text("Download its results workbook")');
    expect(await comparableResults(regenerated)).toEqual(await cliResults);

    await page.click('nav a:has-text("Audit trail")');
    expect(await page.textContent('[role=status]')).toMatch(/Audit trail intact: [\d,]+ records, every hash verified/);
    await page.selectOption('#a-entity', 'customer');
    await Promise.all([page.waitForURL(/entity=customer/), page.click('form.filters button')]);
    const entities = await page.$$eval('table.audit tbody td:nth-child(4)', (tds) => [...new Set(tds.map((t) => t.textContent))]);
    expect(entities).toEqual(['customer']);
    expect(await page.locator('table.audit tbody tr').count()).toBe(13);
    await shot(page, 'audit');
    const exported = await readWorkbook(await download(page, 'a:has-text("Export these records")'));
    expect(exported.Audit!.map((r) => r.Entity)).toEqual(Array(13).fill('customer'));

    await page.click('nav a:has-text("Users")');
    expect(await page.textContent('table.users')).toContain('Billing admin');
    await shot(page, 'users');
  });

  it('refuses a Billing admin a customer upload with a 403 naming the roles that may', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${ws.url}/sign-in`);
    await p.fill('#email', BILLING);
    await p.fill('#password', BILLING_PASSWORD);
    await p.click('button:has-text("Sign in")');
    const csv = join(ws.dir, 'customers.csv');
    writeFileSync(csv, 'Customer Domain,Company Name,Contact First Name,Contact Last Name,Contact Email,Address Line 1,City,Postal Code,Country\nnewco,New Co,Ann,Lee,ann@newco.example,1 Main St,Seattle,98101,US\n');
    const before = ws.storeBytes();
    const response = await upload(p, csv);
    expect(response.status()).toBe(403);
    const text = await p.textContent('[role=alert]');
    expect(text).toContain(`Uploading a Customers sheet`);
    expect(text).toContain(ROLE_MATRIX['customer.manage'].join(', '));
    expect(ws.storeBytes()).toBe(before);
    await shot(p, 'forbidden');
    await ctx.close();
  });

  it('refuses a stale plan: the store moved on between plan and apply', async () => {
    const csv = join(ws.dir, 'resellers.csv');
    writeFileSync(csv, 'Reseller MPN ID,Reseller Name,Contact Email,Partnership\n7001001,Stale Test,stale@x.example,active\n');
    await upload(page, csv);
    expect(await page.textContent('h1')).toBe('Plan of resellers.csv');
    const other = join(ws.dir, 'other.csv');
    writeFileSync(other, 'Reseller MPN ID,Reseller Name,Contact Email,Partnership\n7001002,Meanwhile,meanwhile@x.example,active\n');
    expect((await ws.cli(['apply', other, '--sheet', 'Resellers'])).code).toBe(0);
    const before = ws.storeBytes();
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/apply')), page.click('button:has-text("Apply this plan")')]);
    expect(response.status()).toBe(409);
    expect(await page.textContent('[role=alert]')).toMatch(/The plan is stale: it was made against revision \d+ of the store, which is now at revision \d+; plan again/);
    expect(ws.storeBytes()).toBe(before);
  });

  it('signs in with OpenID Connect against a real provider on loopback', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${ws.url}/sign-in`);
    await p.click('a:has-text("Sign in with single sign-on")');
    expect(p.url().startsWith(idp.issuer)).toBe(true);
    await p.fill('input[name=login]', ADMIN);
    await p.fill('input[name=password]', 'anything');
    await p.click('button:has-text("Sign-in")');
    await p.click('button:has-text("Continue")');
    await p.waitForURL(`${ws.url}/`);
    expect(await p.textContent('header')).toContain('Olivia Ops');
    // The authorization code never stays in the address bar.
    expect(p.url()).toBe(`${ws.url}/`);

    // An account of the provider that is no user of the store gets in nowhere.
    const stranger = await browser.newContext();
    const s = await stranger.newPage();
    await s.goto(`${ws.url}/sign-in/oidc`);
    await s.fill('input[name=login]', 'stranger@elsewhere.example');
    await s.fill('input[name=password]', 'anything');
    await s.click('button:has-text("Sign-in")');
    await s.click('button:has-text("Continue")');
    await s.waitForURL(/\/sign-in\?sso=unknown-user$/);
    expect(await s.textContent('[role=alert]')).toContain('The account you signed in with is not an active user');
    await Promise.all([ctx.close(), stranger.close()]);
  });

  it('writes no password, token or session ID to its log', async () => {
    const log = ws.log();
    expect(log).toContain('"event":"http.request"');
    expect(log).not.toMatch(/token=|password"?:|correct horse|billing admin passphrase/i);
    const cookies = (await admin.cookies()).map((c) => c.value);
    for (const value of cookies) expect(log).not.toContain(decodeURIComponent(value).split('.')[0]!);
  });

  it('shows a running apply live: the page follows its progress and shows the outcome when it ends', async () => {
    // A console of its own that shows progress at once, and a run holding the store's lock, so the
    // apply is still waiting when its page first shows.
    const port = await freePort();
    const live = await buildConsoleApp({ storeLocation: ws.store, publicUrl: `http://127.0.0.1:${port}`, workDir: tempDir(), maxInputMb: 10, lockTimeoutSeconds: 20, invitationDays: 30, sessionIdleMinutes: 30, secretMinutes: 15, keepHours: 1, trustProxy: false, settleMs: 0, log: createLogger({}) });
    await live.app.listen({ host: '127.0.0.1', port });
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    try {
      await p.goto(`http://127.0.0.1:${port}/sign-in`);
      await p.fill('#email', ADMIN);
      await p.fill('#password', ADMIN_PASSWORD);
      await p.click('button:has-text("Sign in")');
      const csv = join(ws.dir, 'resellers.csv');
      writeFileSync(csv, 'Reseller MPN ID,Reseller Name,Contact Email,Partnership\n7002001,Live Progress,live@x.example,active\n');
      await p.goto(`http://127.0.0.1:${port}/upload`);
      await p.setInputFiles('input[type=file]', csv);
      await p.click('button:has-text("Read the file")');
      await p.waitForSelector('h1:has-text("Plan of resellers.csv")');

      const lock = await FileLock.acquire(ws.store, { timeoutSeconds: 0 });
      const polled = p.waitForRequest((r) => /\/jobs\/[\w-]+\/progress$/.test(r.url()));
      await p.click('button:has-text("Apply this plan")');
      await p.waitForSelector('h1:has-text("Applying the plan")');
      expect(await p.getAttribute('[data-progress-url]', 'role')).toBe('status');
      await polled;
      await shot(p, 'progress');
      await lock.release();
      await p.waitForSelector('h1:has-text("Applied")', { timeout: 20_000 });
      expect(await p.textContent('main')).toContain('7002001.eml');
    } finally {
      await ctx.close();
      await live.close();
    }
  });
});
