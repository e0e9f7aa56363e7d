import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { BIN } from '../helpers/cli.js';
import { ConnectedWorkspace } from '../helpers/connected.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

/**
 * Partner Center's failures (SPEC §7.2, §7.4, §7.6): throttling, lost answers, server errors, MFA, and
 * a run killed part way. Every row must say what Partner Center did; nothing is sent twice.
 */
const BASIC = 'CFQ7TTC0LH18:0001';
const TENANT = '3b33e682-00c3-41ee-9dd2-a548adf56438';
const CUSTOMER_HEADERS: Cell[] = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Address Line 1', 'City', 'State/Region', 'Postal Code', 'Country', 'Reseller PartnerID'];
const SUBSCRIPTION_HEADERS: Cell[] = ['Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Partner of Record PartnerID'];

async function connected(options: Parameters<typeof ConnectedWorkspace.create>[0] = {}): Promise<ConnectedWorkspace> {
  const w = await ConnectedWorkspace.create({ seed: { resellers: [{ mpnId: '4811021', name: 'Fabrikam', tenantId: TENANT, country: 'US' }] }, provisioning: { delayMs: 0, polls: 1 }, ...options });
  await writeWorkbook(w.path('partners.xlsx'), { Resellers: [['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'], ['4811021', 'Fabrikam', 'f@fabrikam.example', 'active']] });
  expect((await w.run(['apply', w.path('partners.xlsx')])).code).toBe(0);
  expect((await w.run(['refresh'])).code).toBe(0);
  return w;
}

async function ordersOf(w: ConnectedWorkspace, name: string, n: number, prefix = 'cust'): Promise<string> {
  const domains = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await writeWorkbook(w.path(name), {
    Customers: [CUSTOMER_HEADERS, ...domains.map((d) => [d, `${d} Inc`, 'Ana', 'Silva', `ana@${d}.example`, '1 Main Street', 'Seattle', 'WA', '98101', 'US', '4811021'])],
    Subscriptions: [SUBSCRIPTION_HEADERS, ...domains.map((d) => [d, BASIC, 'Main', 3, '4811021'])],
  });
  return w.path(name);
}

/** Every customer of the sandbox whose domain starts with `prefix`, by domain. */
function sandboxCustomers(w: ConnectedWorkspace, prefix: string): string[] {
  return [...w.sandbox.state.customers.values()].map((c) => String(c.domain)).filter((d) => d.startsWith(prefix)).sort();
}

let open: ConnectedWorkspace | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('Partner Center failures', () => {
  it('a 429 storm completes with every row right, never more calls in flight than --pc-concurrency, and no call before Retry-After', async () => {
    const w = (open = await connected());
    const input = await ordersOf(w, 'storm.xlsx', 8, 'storm');
    w.sandbox.calls.clear();
    w.sandbox.faults.rateLimit({ calls: 10, windowMs: 2_000 });
    const r = await w.run(['apply', input, '--pc-concurrency', '3', '--json']);
    w.sandbox.faults.clear();
    expect(r.code).toBe(0);
    const results = await readWorkbook(w.path('out', 'storm.results.xlsx'));
    expect(results.Customers!.every((c) => c.Result === 'created')).toBe(true);
    expect(results.Subscriptions!.every((s) => s.Result === 'created')).toBe(true);
    expect(sandboxCustomers(w, 'storm')).toHaveLength(8);
    const calls = w.sandbox.calls.entries.filter((c) => !/oauth2/.test(c.path));
    const throttled = calls.filter((c) => c.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(w.sandbox.calls.maxInFlight).toBeLessThanOrEqual(3);
    // After a 429 with Retry-After N, the client holds every call for N seconds. A call it had sent
    // before the 429 reached it cannot be held: the check starts once the answer has had 100 ms to arrive.
    for (const t of throttled) {
      const until = t.endedAt! + t.retryAfterSeconds! * 1000;
      const early = calls.filter((c) => c.startedAt > t.endedAt! + 100 && c.startedAt < until - 50);
      expect(early.map((c) => `${c.method} ${c.path} at +${c.startedAt - t.endedAt!} ms`)).toEqual([]);
    }
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { partnerCenter: { throttleWaitMs: number; retries: number } };
    expect(summary.partnerCenter.throttleWaitMs).toBeGreaterThan(0);
  }, 120_000);

  it('an answer lost after Partner Center made the change does not create it twice; 5xx bursts are retried', async () => {
    const w = (open = await connected());
    const input = await ordersOf(w, 'lost.xlsx', 2, 'lost');
    w.sandbox.faults.loseNextAnswer({ match: { method: 'POST', path: '/v1/customers' } });
    w.sandbox.faults.failNext(3, { status: 503, match: { method: 'POST', path: '/v1/customers/*/carts' } });
    const r = await w.run(['apply', input]);
    expect(r.code).toBe(0);
    expect(sandboxCustomers(w, 'lost')).toEqual(['lost0.onmicrosoft.com', 'lost1.onmicrosoft.com']);
    const creates = w.sandbox.calls.entries.filter((c) => c.method === 'POST' && c.path === '/v1/customers');
    // The lost one was sent again with the same MS-RequestId, and answered from the first.
    expect(creates.length).toBe(3);
    expect(new Set(creates.map((c) => c.requestId)).size).toBe(2);
    expect(creates.some((c) => c.replayed)).toBe(true);
    const results = await readWorkbook(w.path('out', 'lost.results.xlsx'));
    expect(results.Subscriptions!.map((s) => s.Result)).toEqual(['created', 'created']);
    const creds = (await readWorkbook(w.path('out', 'lost.credentials.xlsx'))).Credentials!;
    expect(creds.map((c) => c['Temporary Password']).sort()).toEqual(['lost0.onmicrosoft.com', 'lost1.onmicrosoft.com'].map((d) => w.sandbox.state.customerByDomain(d)!.issuedPassword).sort());
  }, 60_000);

  it('a 401 naming MFA exits 5 with one sentence, and sends nothing', async () => {
    const w = (open = await connected());
    const input = await ordersOf(w, 'mfa.xlsx', 1, 'mfa');
    const before = w.writeCalls();
    w.sandbox.faults.requireMfa();
    const r = await w.run(['apply', input]);
    expect(r.code).toBe(5);
    const lines = r.stderr.trim().split('\n').filter((l) => /error/i.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/multi-factor|MFA/i);
    expect(w.writeCalls()).toBe(before);
    w.sandbox.faults.clear();
  }, 60_000);

  it('kill -9 at several moments of a 50-customer apply, then a second apply: each customer once, every password that reached tiersync in a report, every unfinished write accounted for', async () => {
    const w = (open = await connected({ latencyMs: 15 }));
    const input = await ordersOf(w, 'big.xlsx', 50, 'big');
    // A full apply makes about 200 writes (create, agreement, cart, checkout per customer): each kill comes before the end.
    for (const killAfter of [12, 40, 40]) {
      const writesBefore = w.writeCalls();
      const child = spawn(process.execPath, [BIN, 'apply', input, '--store', w.store, '--pc-credentials', w.credentials, '--pc-rate', '60000', '--out', w.path('out'), '--as', ConnectedWorkspace.ADMIN], { cwd: w.dir, stdio: 'ignore' });
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (w.writeCalls() - writesBefore >= killAfter || child.exitCode !== null) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        }, 2);
      });
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    }
    const journal = readFileSync(`${w.store}.journal`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; id: string });
    const unanswered = journal.filter((l) => l.type === 'intent' && !journal.some((o) => o.type === 'outcome' && o.id === l.id)).length;

    const second = await w.run(['apply', input]);
    expect([0, 3]).toContain(second.code);
    // Every customer exists exactly once in Partner Center.
    const domains = sandboxCustomers(w, 'big');
    expect(domains).toEqual(Array.from({ length: 50 }, (_, i) => `big${i}.onmicrosoft.com`).sort());
    expect(new Set(domains).size).toBe(50);
    // Every password that reached tiersync is in a credential report (this run's, or one recovered from the pending file).
    const reports = readdirSync(w.path('out')).filter((f) => /\.credentials.*\.xlsx$/.test(f));
    const reported = new Set<string>();
    for (const f of reports) for (const c of (await readWorkbook(w.path('out', f))).Credentials!) reported.add(String(c['Temporary Password']));
    const recovered = (await readWorkbook(w.path('out', 'big.results.xlsx'))).Recovered ?? [];
    const lostPasswords = recovered.filter((r) => /password was lost/.test(String(r['What tiersync recorded']))).map((r) => String(r.Target));
    for (const d of domains) {
      const password = w.sandbox.state.customerByDomain(d)!.issuedPassword;
      if (!reported.has(String(password))) expect(lostPasswords).toContain(`customer:${d.replace('.onmicrosoft.com', '')}`);
    }
    // The Recovered sheet accounts for every write the killed runs left unanswered.
    expect(recovered.length).toBeGreaterThanOrEqual(unanswered);
    // And the store now holds every customer and subscription once.
    const state = w.path('state.xlsx');
    expect((await w.run(['export', '--out', state])).code).toBe(0);
    const exported = await readWorkbook(state);
    expect(exported.Customers!.filter((c) => String(c['Customer Domain']).startsWith('big'))).toHaveLength(50);
    expect(exported.Subscriptions!.filter((s) => String(s['Customer Domain']).startsWith('big'))).toHaveLength(50);
    expect((await w.run(['audit', 'verify'])).code).toBe(0);
  }, 240_000);
  it('refresh --all killed part way resumes: no customer page or subscription list read again but what was under way, every customer stored once', async () => {
    const w = (open = await connected({ latencyMs: 3 }));
    const n = 1_200;
    w.sandbox.seed({
      customers: Array.from({ length: n }, (_, i) => ({ domain: `seed${i}`, resellerMpnId: '4811021', companyName: `Seeded ${i} Ltd` })),
      subscriptions: Array.from({ length: n }, (_, i) => ({ customerDomain: `seed${i}`, offerId: BASIC, quantity: 1 + (i % 9), partnerId: '4811021', friendlyName: 'Main' })),
    });
    const isList = (c: { method: string; path: string; query: Record<string, string> }) => c.method === 'GET' && /^\/v1\/customers\/[^/]+\/subscriptions$/i.test(c.path) && !c.query.order_id;
    const isPage = (c: { method: string; path: string }) => c.method === 'GET' && /^\/v1\/customers$/i.test(c.path);
    const from = w.sandbox.calls.entries.length;
    const child = spawn(process.execPath, [BIN, 'refresh', '--all', '--store', w.store, '--pc-credentials', w.credentials, '--pc-rate', '60000', '--pc-concurrency', '5', '--out', w.path('out'), '--as', ConnectedWorkspace.ADMIN], { cwd: w.dir, stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (w.sandbox.calls.entries.slice(from).filter(isList).length >= n / 2 || child.exitCode !== null) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 2);
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    const between = w.sandbox.calls.entries.length;
    const second = await w.run(['refresh', '--all', '--pc-concurrency', '5']);
    expect(second.code).toBe(0);

    const first = w.sandbox.calls.entries.slice(from, between);
    const resumed = w.sandbox.calls.entries.slice(between);
    const tenants = (calls: typeof first) => calls.filter(isList).map((c) => c.path.split('/')[3]!.toLowerCase());
    const readFirst = new Set(tenants(first));
    const readAgain = tenants(resumed).filter((t) => readFirst.has(t));
    // Only reads under way at the kill: the 5 in flight, and those that ended while the last progress was being saved.
    expect(readAgain.length).toBeLessThanOrEqual(10);
    // Every seeded customer read, and the customer list read again only from the page the kill was on.
    expect(new Set([...readFirst, ...tenants(resumed)]).size).toBeGreaterThanOrEqual(n);
    expect(first.filter(isPage).length + resumed.filter(isPage).length).toBeLessThanOrEqual(Math.ceil((n + 1) / 500) + 1);
    // The store holds every seeded customer and subscription once.
    const state = w.path('state.xlsx');
    expect((await w.run(['export', '--out', state])).code).toBe(0);
    const exported = await readWorkbook(state);
    const seeded = exported.Customers!.map((c) => String(c['Customer Domain'])).filter((d) => d.startsWith('seed'));
    expect(seeded).toHaveLength(n);
    expect(new Set(seeded).size).toBe(n);
    expect(exported.Subscriptions!.filter((s) => String(s['Customer Domain']).startsWith('seed'))).toHaveLength(n);
    expect((await w.run(['audit', 'verify'])).code).toBe(0);
  }, 180_000);
});
