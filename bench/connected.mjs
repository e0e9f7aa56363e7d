// The connected cases of the bench (SPEC §6, §7.5): the built CLI (bin/tiersync) drives the Partner
// Center sandbox (dist/sandbox/sandbox.js), started here on 127.0.0.1, and each case is measured as
// a child process (wall time, peak RSS through bench/rss-probe.mjs, CPU) and counted in calls — from
// the sandbox's call log (what Partner Center received: total, reads, writes, by route) and from the
// CLI's own `--json` summary (`partnerCenter: { calls, reads, writes, retries, throttleWaitMs }`).
//
//   node bench/connected.mjs                      # the five cases at scale 1 (a few minutes)
//   node bench/connected.mjs --scale 0.1          # a quick version
//   node bench/connected.mjs --cases C-apply,C-reapply --runs 3
//   npm run bench -- --connected                  # the same, from bench/run.js
//
// Cases, in the order they run (each on the sandbox and store the previous ones left):
//   C-apply         new customers (2–3 subscriptions each, partner of record set) applied
//   C-reapply       the same workbook again: zero write calls
//   C-change        1% of the subscriptions' quantities increased: calls per changed subscription,
//                   and the targeted refresh's reads per customer named
//   C-nightly       K subscriptions changed in the sandbox's "UI"; `refresh --changes` after the day's
//                   applies: the activity log, not a full scan
//   C-full-refresh  100,000 customers seeded in the sandbox (unknown to the store), a rate limit set;
//                   `refresh --all` killed (SIGKILL) part way, then run again: resumes, wall vs calls ÷ rate
//   C-nightly-L     (with C-nightly and C-full-refresh) the nightly again, on the L-scale store
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { callsSince, mark, routeLines, subscriptionListReads, tally } from './calls.mjs';
import { expectExit, fmt, jsonSummary, median, ROOT, runCli } from './child.mjs';

export const CONNECTED_CASES = ['C-apply', 'C-reapply', 'C-change', 'C-nightly', 'C-full-refresh'];
/** Reported, not selectable: C-nightly again after C-full-refresh, on the L-scale store. */
const REPORTED_CASES = ['C-apply', 'C-reapply', 'C-change', 'C-nightly', 'C-full-refresh', 'C-nightly-L'];
/** Cases that need the store C-apply leaves. */
const NEEDS_APPLY = new Set(['C-reapply', 'C-change', 'C-nightly']);

const ADMIN = 'admin@provider.example';
const PROVIDER_MPN = '1000001';
const OFFERS = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LFLX:0001', 'CFQ7TTC0LH16:0001'];
const CUSTOMER_HEADERS = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Address Line 1', 'City', 'State/Region', 'Postal Code', 'Country', 'Reseller PartnerID'];
const SUBSCRIPTION_HEADERS = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Term', 'Billing Frequency', 'Auto Renew', 'Partner of Record PartnerID'];
/** The CLI's concurrency in every case (its default). */
const CONCURRENCY = 5;
/** Rate for the cases that are not about the rate: high enough never to be the limit. */
const FREE_RATE = 600_000;

/** SPEC §7.5. */
export const CONNECTED_TARGETS = {
  callsPerCreatedCustomer: 6,
  callsPerChangedSubscription: 3,
  refreshPagesPerNamedCustomer: 1,
  reapplyWrites: 0,
  fullRefreshWallOverCallsRate: 1.1,
};

export function connectedSizes(scale) {
  return {
    resellers: Math.max(3, Math.round(50 * scale)),
    customers: Math.max(20, Math.round(500 * scale)),
    /** 1% of the subscriptions, at least one. */
    changeRate: 0.01,
    nightlyChanges: Math.max(5, Math.round(50 * scale)),
    fullCustomers: Math.max(1000, Math.round(100_000 * scale)),
    subsPerFullCustomer: 3,
  };
}

const resellerMpn = (i) => String(4_000_000 + i);
const domainOf = (i) => `bench${i.toString(36)}c`;
const subsOf = (i) => 2 + (i % 2); // 2 or 3 each
/** The full refresh's calls over about this long: long enough that start-up and the final commit are small beside it. */
const fullRefreshSeconds = (scale) => Math.min(240, Math.max(60, 200 * scale));

export function parseConnectedArgs(argv) {
  const args = { scale: 1, runs: 1, cases: CONNECTED_CASES, out: join(ROOT, 'bench', 'out'), rate: undefined, killAt: 0.45 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--scale') args.scale = Number(value());
    else if (flag === '--runs') args.runs = Math.max(1, Number(value()));
    else if (flag === '--cases') args.cases = value().split(',').map((c) => c.trim()).filter(Boolean);
    else if (flag === '--out') args.out = value();
    else if (flag === '--rate') args.rate = Number(value());
    else if (flag === '--kill-at') args.killAt = Number(value());
    else if (flag === '--help' || flag === '-h') {
      console.log('node bench/connected.mjs [--scale 1] [--runs 1] [--cases C-apply,C-reapply,C-change,C-nightly,C-full-refresh] [--rate CALLS_PER_MINUTE] [--kill-at 0.45] [--out bench/out]');
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be a positive number');
  if (!(args.killAt > 0 && args.killAt < 1)) throw new Error('--kill-at must be between 0 and 1');
  if (args.rate !== undefined && !(args.rate >= 60)) throw new Error('--rate must be at least 60 calls per minute');
  for (const c of args.cases) if (!CONNECTED_CASES.includes(c)) throw new Error(`unknown connected case ${c} (cases: ${CONNECTED_CASES.join(', ')})`);
  return args;
}

async function writeXlsx(path, sheets) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const row of rows) ws.addRow(row).commit();
    ws.commit();
  }
  await wb.commit();
}

/** The order workbook: customer i, its 2–3 subscriptions; `bump` raises the quantity of the (customer, slot) pairs it holds. */
function orderSheets(n, nResellers, bump = new Set()) {
  const customers = [CUSTOMER_HEADERS];
  const subscriptions = [SUBSCRIPTION_HEADERS];
  for (let i = 0; i < n; i++) {
    const d = domainOf(i);
    const reseller = resellerMpn(i % nResellers);
    customers.push([d, `${d} Inc`, 'Ana', 'Silva', `ana@${d}.example`, `${1 + (i % 200)} Main Street`, 'Seattle', 'WA', '98101', 'US', reseller]);
    for (let k = 0; k < subsOf(i); k++) {
      const quantity = 2 + ((i * 7 + k * 3) % 40) + (bump.has(`${i}/${k}`) ? 1 : 0);
      subscriptions.push(['', d, OFFERS[k], `seat-${k}`, quantity, 'P1Y', 'monthly', 'yes', reseller]);
    }
  }
  return { Customers: customers, Subscriptions: subscriptions };
}

/** One round: a fresh sandbox and connected store, the selected cases in order. */
async function round(args, sizes, dir, log) {
  const { startSandbox } = await import(join(ROOT, 'dist', 'sandbox', 'sandbox.js'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const wanted = new Set(args.cases);
  const runApply = wanted.has('C-apply') || args.cases.some((c) => NEEDS_APPLY.has(c));
  const resellers = Array.from({ length: sizes.resellers }, (_, i) => ({ mpnId: resellerMpn(i), name: `Reseller ${i} Solutions`, country: 'US' }));
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    provider: { mpnId: PROVIDER_MPN, country: 'US' },
    seed: { resellers },
    // Provisioning is asynchronous, as in Partner Center: the first read after checkout still sees the order pending.
    provisioning: { delayMs: 0, polls: 1 },
    callLogLimit: 2_000_000,
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(sandbox.url)) throw new Error(`the sandbox is not on 127.0.0.1: ${sandbox.url}`);
  const results = {};
  try {
    const store = join(dir, 'tiersync.db');
    const credentials = join(dir, 'pc.json');
    writeFileSync(credentials, JSON.stringify(sandbox.credentials), { mode: 0o600 });
    chmodSync(credentials, 0o600);
    const out = join(dir, 'out');
    const common = (rate = FREE_RATE) => ['--store', store, '--pc-credentials', credentials, '--pc-rate', String(rate), '--pc-concurrency', String(CONCURRENCY), '--pc-provisioning-wait', '30', '--out', out, '--as', ADMIN, '--max-input-mb', '2048'];
    const cli = (a, options = {}) => runCli(a, { cwd: dir, ...options });

    // Setup (not measured): the connected store, its resellers applied and listed by Partner Center.
    let t = Date.now();
    expectExit(await cli(['init', '--provider-mpn', PROVIDER_MPN, '--provider-name', 'Contoso Distribution', '--admin', ADMIN, '--partner-center', sandbox.tenantId, '--pc-api-url', sandbox.url, '--pc-login-url', sandbox.loginUrl, '--store', store, '--quiet']), [0], 'init --partner-center');
    await writeXlsx(join(dir, 'resellers.xlsx'), { Resellers: [['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'], ...resellers.map((r, i) => [r.mpnId, r.name, `partners${i}@reseller${i}.example`, 'active'])] });
    expectExit(await cli(['apply', join(dir, 'resellers.xlsx'), ...common(), '--quiet']), [0], 'apply of the resellers');
    expectExit(await cli(['refresh', ...common(), '--quiet']), [0], 'refresh (open items)');
    log(`  setup: connected store, ${sizes.resellers} resellers listed in the sandbox (${((Date.now() - t) / 1000).toFixed(1)} s)`);

    const orders = join(dir, 'orders.xlsx');
    const totalSubs = Array.from({ length: sizes.customers }, (_, i) => subsOf(i)).reduce((a, b) => a + b, 0);
    const measureStep = async (name, argv, options = {}) => {
      const from = mark(sandbox);
      const run = await cli(argv, options);
      const calls = callsSince(sandbox, from);
      return { run, calls, tally: tally(calls), summary: jsonSummary(run) };
    };

    if (runApply) {
      await writeXlsx(orders, orderSheets(sizes.customers, sizes.resellers));
      const s = await measureStep('C-apply', ['apply', orders, ...common(), '--json']);
      expectExit(s.run, [0], 'C-apply');
      const created = s.summary?.counts?.Customers?.created ?? 0;
      const createdSubs = s.summary?.counts?.Subscriptions?.created ?? 0;
      const inSandbox = [...sandbox.state.customers.values()].filter((c) => String(c.domain).startsWith('bench')).length;
      const subsInSandbox = [...sandbox.state.subscriptions.values()].length;
      if (created !== sizes.customers || inSandbox !== sizes.customers) throw new Error(`C-apply created ${created} customer(s) (${inSandbox} in the sandbox), expected ${sizes.customers}`);
      if (createdSubs !== totalSubs || subsInSandbox !== totalSubs) throw new Error(`C-apply created ${createdSubs} subscription(s) (${subsInSandbox} in the sandbox), expected ${totalSubs}`);
      // Calls that concern a customer as such, and those that buy its subscriptions.
      const perCustomerRoutes = /\/domains\/|\/validations\/address|^POST \/v1\/customers$|\/agreements/;
      const perSubRoutes = /\/carts|\/orders|\/subscriptions/;
      const r = s.tally.byRoute;
      const customerCalls = Object.entries(r).filter(([k]) => perCustomerRoutes.test(k)).reduce((a, [, v]) => a + v, 0);
      const subCalls = Object.entries(r).filter(([k]) => perSubRoutes.test(k)).reduce((a, [, v]) => a + v, 0);
      const perCustomer = s.tally.total / created;
      results['C-apply'] = {
        ...s, rows: sizes.customers + totalSubs,
        figures: { created, createdSubs, perCustomer, customerCalls, subCalls, overhead: s.tally.total - customerCalls - subCalls, perCustomerOwn: customerCalls / created, perSub: subCalls / createdSubs },
        checks: [
          [`calls per created customer, every call of the run counted (${s.tally.total} ÷ ${created})`, perCustomer, `≤ ${CONNECTED_TARGETS.callsPerCreatedCustomer}`, perCustomer <= CONNECTED_TARGETS.callsPerCreatedCustomer],
          [`calls per created customer, customer routes only (domain check, address validation, create, agreement: ${customerCalls} ÷ ${created})`, customerCalls / created, `≤ ${CONNECTED_TARGETS.callsPerCreatedCustomer}`, customerCalls / created <= CONNECTED_TARGETS.callsPerCreatedCustomer],
          [`calls per created subscription (cart, checkout, order and subscription routes: ${subCalls} ÷ ${createdSubs})`, subCalls / createdSubs, `≤ ${CONNECTED_TARGETS.callsPerChangedSubscription}`, subCalls / createdSubs <= CONNECTED_TARGETS.callsPerChangedSubscription],
        ],
      };
      log(describe('C-apply', results['C-apply']));
    }

    if (wanted.has('C-reapply')) {
      const s = await measureStep('C-reapply', ['apply', orders, ...common(), '--json']);
      expectExit(s.run, [0], 'C-reapply');
      const cliWrites = s.summary?.partnerCenter?.writes;
      const ok = s.tally.writes === 0 && cliWrites === 0;
      results['C-reapply'] = {
        ...s, rows: sizes.customers + totalSubs,
        figures: { unchanged: s.summary?.counts },
        checks: [[`write calls (sandbox ${s.tally.writes}, CLI summary ${cliWrites})`, s.tally.writes, '= 0', ok]],
      };
      log(describe('C-reapply', results['C-reapply']));
      if (!ok) log(`  C-reapply: ASSERTION FAILED: ${s.tally.writes} write call(s) reached the sandbox, the CLI counted ${cliWrites}`);
    }

    if (wanted.has('C-change')) {
      // 1% of the subscriptions, spread over the customers: quantity + 1.
      const bump = new Set();
      const every = Math.max(1, Math.round(1 / sizes.changeRate));
      let k = 0;
      for (let i = 0; i < sizes.customers; i++) for (let slot = 0; slot < subsOf(i); slot++) if (k++ % every === every - 1) bump.add(`${i}/${slot}`);
      if (!bump.size) bump.add('0/0');
      const changeFile = join(dir, 'orders-change.xlsx');
      await writeXlsx(changeFile, orderSheets(sizes.customers, sizes.resellers, bump));
      const s = await measureStep('C-change', ['apply', changeFile, ...common(), '--json']);
      expectExit(s.run, [0], 'C-change');
      const updated = s.summary?.counts?.Subscriptions?.updated ?? 0;
      const lists = subscriptionListReads(s.calls);
      const maxPerCustomer = Math.max(0, ...lists.values());
      const listReads = [...lists.values()].reduce((a, b) => a + b, 0);
      const r = s.tally.byRoute;
      const subRoute = 'GET /v1/customers/{customerId}/subscriptions/{subscriptionId}';
      const patchRoute = 'PATCH /v1/customers/{customerId}/subscriptions/{subscriptionId}';
      const writePath = (r[subRoute] ?? 0) + (r[patchRoute] ?? 0) + Object.entries(r).filter(([key]) => /provisioningstatus|operations/i.test(key)).reduce((a, [, v]) => a + v, 0);
      const perChanged = writePath / Math.max(1, updated);
      const perChangedAll = s.tally.total / Math.max(1, updated);
      const changedInSandbox = [...bump].filter((key) => {
        const [i, slot] = key.split('/').map(Number);
        const c = sandbox.state.customerByDomain(domainOf(i));
        const sub = c && sandbox.state.subscriptionsOf(c.id).find((x) => x.friendlyName === `seat-${slot}`);
        return sub && sub.quantity === 2 + ((i * 7 + slot * 3) % 40) + 1;
      }).length;
      if (updated !== bump.size || changedInSandbox !== bump.size) throw new Error(`C-change updated ${updated} subscription(s) (${changedInSandbox} changed in the sandbox), expected ${bump.size}`);
      results['C-change'] = {
        ...s, rows: sizes.customers + totalSubs,
        figures: { changed: updated, writePath, perChanged, perChangedAll, listReads, customersNamed: sizes.customers, maxPerCustomer },
        checks: [
          [`calls per changed subscription (GET + PATCH of the subscription: ${writePath} ÷ ${updated})`, perChanged, `≤ ${CONNECTED_TARGETS.callsPerChangedSubscription}`, perChanged <= CONNECTED_TARGETS.callsPerChangedSubscription],
          [`targeted refresh: subscription-list pages per customer named (max; ${listReads} pages for ${sizes.customers} customers)`, maxPerCustomer, `≤ ${CONNECTED_TARGETS.refreshPagesPerNamedCustomer}`, maxPerCustomer <= CONNECTED_TARGETS.refreshPagesPerNamedCustomer && listReads <= sizes.customers],
        ],
      };
      log(describe('C-change', results['C-change']));
    }


    /** K subscriptions of K different customers changed in Partner Center's own UI, then `refresh --changes`. */
    const nightly = async (name) => {
      const ids = sandbox.state.customerOrder;
      const step = Math.max(1, Math.floor(ids.length / sizes.nightlyChanges));
      const changed = [];
      for (let i = 0; i < ids.length && changed.length < sizes.nightlyChanges; i += step) {
        const sub = sandbox.state.subscriptionsOf(ids[i]).find((x) => x.status === 'active');
        if (!sub) continue;
        sandbox.ui.changeSubscription(sub.id, { quantity: sub.quantity + 1 });
        changed.push(sub.id);
      }
      const storeCustomers = ids.length; // the store knows every sandbox customer by now (C-apply, and C-full-refresh when it ran)
      const s = await measureStep(name, ['refresh', '--changes', ...common(), '--json']);
      expectExit(s.run, [0], name);
      const lists = subscriptionListReads(s.calls);
      const observed = s.summary?.observed ?? 0;
      const auditPages = s.tally.byRoute['GET /v1/auditrecords'] ?? 0;
      const listed = s.tally.byRoute['GET /v1/customers'] ?? 0;
      results[name] = {
        ...s, rows: changed.length,
        figures: { changed: changed.length, observed, customersRead: lists.size, auditPages, customerPages: listed, storeCustomers, form: s.summary?.form },
        checks: [
          [`activity log, no customer listing: ${auditPages} activity-log page(s), ${listed} customer page(s), ${s.tally.total} calls for a store of ${storeCustomers.toLocaleString('en-US')} customers`, s.tally.total, `≪ ${storeCustomers.toLocaleString('en-US')}, no listing`, auditPages > 0 && listed === 0 && s.tally.total < storeCustomers / 2],
          [`customers read again (${lists.size.toLocaleString('en-US')}) vs customers changed outside tiersync (${changed.length})`, lists.size, `≤ ${changed.length}`, lists.size <= changed.length],
          [`changes observed (${observed}) vs made in the sandbox (${changed.length})`, observed, `≥ ${changed.length}`, observed >= changed.length],
        ],
      };
      log(describe(name, results[name]));
    };

    // The nightly after the day's applies (SPEC §7.3): the store C-apply and C-change left.
    if (wanted.has('C-nightly')) await nightly('C-nightly');

    if (wanted.has('C-full-refresh')) {
      t = Date.now();
      const seededCustomers = [];
      const seededSubs = [];
      for (let i = 0; i < sizes.fullCustomers; i++) {
        const domain = `seed${i.toString(36)}f`;
        const reseller = resellerMpn(i % sizes.resellers);
        seededCustomers.push({ domain, resellerMpnId: reseller, companyName: `Seeded ${i} Ltd` });
        for (let k = 0; k < sizes.subsPerFullCustomer; k++) seededSubs.push({ customerDomain: domain, offerId: OFFERS[k], quantity: 1 + ((i + k) % 50), partnerId: reseller, friendlyName: `seat-${k}` });
      }
      sandbox.seed({ customers: seededCustomers, subscriptions: seededSubs });
      seededCustomers.length = 0;
      seededSubs.length = 0;
      const seedS = (Date.now() - t) / 1000;
      const customersInSandbox = sandbox.state.customerOrder.length;
      const pageSize = 500;
      const pages = Math.ceil(customersInSandbox / pageSize);
      // Calls of one uninterrupted full refresh: the reseller list, the customer pages, one subscription list per customer.
      const expectedCalls = 1 + pages + customersInSandbox;
      const rate = args.rate ?? Math.ceil((expectedCalls * 60) / fullRefreshSeconds(args.scale) / 100) * 100;
      sandbox.faults.rateLimit({ calls: rate, windowMs: 60_000 });
      log(`  C-full-refresh: ${sizes.fullCustomers.toLocaleString('en-US')} customers (${(sizes.fullCustomers * sizes.subsPerFullCustomer).toLocaleString('en-US')} subscriptions) seeded in ${seedS.toFixed(1)} s; ${customersInSandbox.toLocaleString('en-US')} in the sandbox; rate ${rate.toLocaleString('en-US')} calls/min on the CLI (--pc-rate) and the sandbox (429 above it)`);
      const argv = ['refresh', '--all', ...common(rate), '--json'];
      const from = mark(sandbox);
      const killAfter = Math.floor(customersInSandbox * args.killAt);
      let reads = 0;
      let scanned = from;
      const first = await cli(argv, {
        killWhen: () => {
          for (const c of callsSince(sandbox, scanned)) {
            scanned = c.seq;
            if (c.route === 'GET /v1/customers/{customerId}/subscriptions' && !c.query?.order_id) reads++;
          }
          return reads >= killAfter;
        },
        pollMs: 20,
      });
      const between = mark(sandbox);
      if (!first.killed) throw new Error(`C-full-refresh: the first run ended (exit ${first.code}) before it could be killed:\n${first.stderr.slice(-2000)}`);
      const second = await cli(argv);
      expectExit(second, [0], 'C-full-refresh (resumed)');
      sandbox.faults.rateLimit(undefined);
      const c1 = callsSince(sandbox, from, between);
      const c2 = callsSince(sandbox, between);
      const t1 = tally(c1);
      const t2 = tally(c2);
      const both = tally([...c1, ...c2]);
      const listPages = (t) => t.byRoute['GET /v1/customers'] ?? 0;
      const reads1 = subscriptionListReads(c1);
      const reads2 = subscriptionListReads(c2);
      let readTwice = 0;
      for (const id of reads2.keys()) if (reads1.has(id)) readTwice++;
      const distinct = new Set([...reads1.keys(), ...reads2.keys()]).size;
      const subReads = [...reads1.values(), ...reads2.values()].reduce((a, b) => a + b, 0);
      const wallS = first.wallS + second.wallS;
      const idealS = (both.total * 60) / rate;
      const ratio = wallS / idealS;
      const idealS2 = (t2.total * 60) / rate;
      const summary = jsonSummary(second);
      const resumed = /Resuming the full refresh: ([\d,]+)/.exec(second.stderr + second.stdout)?.[1];
      results['C-full-refresh'] = {
        run: { ...second, wallS, rssMb: Math.max(Number.isFinite(first.rssMb) ? first.rssMb : 0, second.rssMb), cpuS: second.cpuS },
        runs: [first, second], calls: [...c1, ...c2], tally: both, summary, rows: customersInSandbox,
        figures: {
          rate, seedS, customersInSandbox, pages, killedAfterReads: reads1.size, resumedFrom: resumed,
          run1: { wallS: first.wallS, calls: t1.total, listPages: listPages(t1), subReads: [...reads1.values()].reduce((a, b) => a + b, 0), throttled: t1.throttled },
          run2: { wallS: second.wallS, calls: t2.total, listPages: listPages(t2), subReads: [...reads2.values()].reduce((a, b) => a + b, 0), throttled: t2.throttled, rssMb: second.rssMb, idealS: idealS2, ratio: second.wallS / idealS2 },
          listPagesTotal: listPages(both), subReadsTotal: subReads, distinct, readTwice, idealS, ratio,
          apiSpanS: (both.lastEndMs - both.firstStartMs) / 1000,
          // Where the resumed run's time beyond calls ÷ rate goes: before its first call (start-up, store and checkpoint
          // loaded), its calls, after its last call (the observed changes committed, the store written).
          run2Phases: { beforeFirstCallS: (t2.firstStartMs - second.startedAtMs) / 1000, callsS: (t2.lastEndMs - t2.firstStartMs) / 1000, afterLastCallS: (second.endedAtMs - t2.lastEndMs) / 1000 },
        },
        checks: [
          [`resumed: customer pages read across both runs (${listPages(t1)} + ${listPages(t2)}) vs ${pages} pages`, listPages(both) - pages, '≤ 1 page read again', listPages(both) - pages <= 1],
          [`resumed: subscription lists read across both runs (${subReads.toLocaleString('en-US')}) for ${customersInSandbox.toLocaleString('en-US')} customers (${distinct.toLocaleString('en-US')} distinct); read again after the kill`, readTwice, `≤ ${CONCURRENCY} (only what was in flight at the kill)`, readTwice <= CONCURRENCY && distinct === customersInSandbox],
          [`wall (${fmt(wallS, 1)} s, both runs) ÷ (calls ${both.total.toLocaleString('en-US')} ÷ rate ${rate.toLocaleString('en-US')}/min = ${fmt(idealS, 1)} s)`, ratio, `≤ ${CONNECTED_TARGETS.fullRefreshWallOverCallsRate}`, ratio <= CONNECTED_TARGETS.fullRefreshWallOverCallsRate],
          [`the resumed run alone: ${fmt(second.wallS, 1)} s ÷ (${t2.total.toLocaleString('en-US')} calls ÷ rate = ${fmt(idealS2, 1)} s)`, second.wallS / idealS2, `≤ ${CONNECTED_TARGETS.fullRefreshWallOverCallsRate}`, second.wallS / idealS2 <= CONNECTED_TARGETS.fullRefreshWallOverCallsRate],
        ],
      };
      log(describe('C-full-refresh', results['C-full-refresh']));
      const ph = results['C-full-refresh'].figures.run2Phases;
      log(`    run 1 (killed): ${fmt(first.wallS, 1)} s, ${t1.total.toLocaleString('en-US')} calls; run 2: ${fmt(second.wallS, 1)} s = ${fmt(ph.beforeFirstCallS, 1)} s before its first call + ${fmt(ph.callsS, 1)} s of calls + ${fmt(ph.afterLastCallS, 1)} s after its last; ${resumed ?? '?'} customer(s) resumed from the checkpoint`);
      // The nightly again, on the L-scale store the full refresh left (its refresh mark is now the full refresh's).
      if (wanted.has('C-nightly')) await nightly('C-nightly-L');
    }

  } finally {
    await sandbox.close();
  }
  return results;
}

function describe(name, r) {
  const pc = r.summary?.partnerCenter ?? (r.summary && 'calls' in r.summary ? r.summary : undefined);
  const lines = [
    `  ${name}: ${fmt(r.run.wallS, 2)} s, peak RSS ${fmt(r.run.rssMb, 0)} MB, CPU ${fmt(r.run.cpuS, 1)} s, exit ${r.run.code}`,
    `    sandbox: ${r.tally.total.toLocaleString('en-US')} calls (${r.tally.reads.toLocaleString('en-US')} reads, ${r.tally.writes.toLocaleString('en-US')} writes${r.tally.throttled ? `, ${r.tally.throttled} answered 429` : ''}${r.tally.replayed ? `, ${r.tally.replayed} replayed` : ''}) + ${r.tally.token} token request(s); by route:`,
    routeLines(r.tally),
  ];
  if (pc) lines.push(`    CLI --json: calls ${pc.calls}, reads ${pc.reads}, writes ${pc.writes}, retries ${pc.retries}, throttleWaitMs ${pc.throttleWaitMs}`);
  for (const [what, value, target, ok] of r.checks ?? []) lines.push(`    ${ok ? 'PASS' : 'MISS'}  ${what}: ${typeof value === 'number' ? fmt(value, value % 1 ? 2 : 0) : value} (target ${target})`);
  return lines.join('\n');
}

/** Runs the connected cases `args.runs` times (a fresh sandbox and store each time); returns the summary rows. */
export async function runConnected(args, log = (m) => process.stderr.write(`${m}\n`)) {
  if (!existsSync(join(ROOT, 'dist', 'sandbox', 'sandbox.js'))) throw new Error('dist/ is missing: build first (npm run build)');
  const sizes = connectedSizes(args.scale);
  const base = join(args.out, `connected-scale-${args.scale}`);
  const all = [];
  for (let i = 0; i < args.runs; i++) {
    log(`connected round ${i + 1} of ${args.runs} (scale ${args.scale}: ${sizes.resellers} resellers, ${sizes.customers} customers applied, ${sizes.fullCustomers.toLocaleString('en-US')} for the full refresh)`);
    all.push(await round(args, sizes, join(base, `round-${i + 1}`), log));
  }
  return summarizeConnected(args, sizes, all);
}

function summarizeConnected(args, sizes, rounds) {
  const rows = [];
  for (const name of REPORTED_CASES) {
    const rs = rounds.map((r) => r[name]).filter(Boolean);
    if (!rs.length) continue;
    const wall = median(rs.map((r) => r.run.wallS));
    const checks = rs[0].checks.map((c, k) => {
      const values = rs.map((r) => r.checks[k][1]);
      return { what: c[0], value: median(values), target: c[2], pass: rs.every((r) => r.checks[k][3]) };
    });
    rows.push({
      case: name, rows: rs[0].rows, runs: rs.length, wallS: wall, rowsPerS: rs[0].rows / wall,
      rssMb: median(rs.map((r) => r.run.rssMb)), cpuS: median(rs.map((r) => r.run.cpuS)),
      calls: median(rs.map((r) => r.tally.total)), reads: median(rs.map((r) => r.tally.reads)), writes: median(rs.map((r) => r.tally.writes)),
      cliCalls: median(rs.map((r) => (r.summary?.partnerCenter ?? r.summary)?.calls)),
      figures: rs.length === 1 ? rs[0].figures : rs.map((r) => r.figures),
      byRoute: rs[0].tally.byRoute, checks, verdict: checks.every((c) => c.pass) ? 'PASS' : `MISS (${checks.filter((c) => !c.pass).length} of ${checks.length})`,
    });
  }
  const header = ['case', 'rows', 'median wall', 'rows/s', 'peak RSS', 'CPU', 'calls (sandbox)', 'reads', 'writes', 'CLI calls', 'key figure', 'target', 'verdict'];
  const key = (r) => r.checks.map((c) => `${fmt(c.value, c.value % 1 ? 2 : 0)}`).join(' / ');
  const target = (r) => r.checks.map((c) => c.target).join(' / ');
  const table = [header, header.map(() => '---')];
  for (const r of rows) table.push([r.case, r.rows.toLocaleString('en-US'), `${fmt(r.wallS, 1)} s`, Math.round(r.rowsPerS).toLocaleString('en-US'), `${fmt(r.rssMb, 0)} MB`, `${fmt(r.cpuS, 1)} s`, r.calls.toLocaleString('en-US'), r.reads.toLocaleString('en-US'), r.writes.toLocaleString('en-US'), Number.isFinite(r.cliCalls) ? r.cliCalls.toLocaleString('en-US') : '', key(r), target(r), r.verdict]);
  const markdown = table.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${fmt(totalmem() / 1024 ** 3, 0)} GB RAM, Node ${process.version}`;
  return { sizes, machine, rows, markdown };
}

export function printConnected(args, result) {
  const { sizes, machine, rows, markdown } = result;
  console.log(`\ntiersync connected bench — scale ${args.scale} (${sizes.resellers} resellers, ${sizes.customers} customers applied, ${sizes.fullCustomers.toLocaleString('en-US')} customers for the full refresh), medians of ${rows[0]?.runs ?? 0} run(s), --pc-concurrency ${CONCURRENCY}; ${machine}\n`);
  console.log(markdown);
  console.log('\nkey figures:');
  for (const r of rows) for (const c of r.checks) console.log(`  ${r.case}: ${c.pass ? 'PASS' : 'MISS'}  ${c.what}: ${fmt(c.value, c.value % 1 ? 2 : 0)} (target ${c.target})`);
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, 'connected-results.json');
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), scale: args.scale, sizes, machine, cases: rows }, null, 2));
  console.log(`\n(written to ${file})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseConnectedArgs(process.argv.slice(2));
    printConnected(args, await runConnected(args));
  } catch (error) {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  }
}
