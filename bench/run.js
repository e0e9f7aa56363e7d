// The distributor-scale benchmark (SPEC §6): runs the built CLI (bin/tiersync) as child processes on
// generated inputs and reports, per case, the median wall time, rows/s, median peak RSS and the ratios
// to the same round's two floors: the physical floor (bench/physical-floor.mjs: inflate + byte scan of the
// sheet XML, a raw XML write + deflate of the result rows, the store's bare inserts and save, each part
// timed) and exceljs's bare streaming read + write of the same rows (bench/floor.mjs).
//
//   npm run bench                       # full scale: 5,000 resellers, 100,000 customers, 1,000,000 subscriptions
//   npm run bench -- --scale 0.1        # a quick version
//   npm run bench -- --runs 5 --cases L-import,S-upload
//   npm run bench -- --pg               # also every L case and S-upload on PostgreSQL (a throwaway cluster on loopback)
//   npm run bench -- --store postgres://user@host/db   # benchmark a server store (not reset between runs)
//   npm run bench -- --connected        # also the connected cases (SPEC §7.5) against the sandbox: bench/connected.mjs
//   npm run bench -- --cases connected  # only the connected cases (or name some: --cases C-apply,C-reapply); one round unless --runs
//
// Peak RSS: each child is started with `--import bench/rss-probe.mjs` (through NODE_OPTIONS), which
// writes the process's own getrusage ru_maxrss when it exits: the kernel's peak for that process
// alone (the parent's `process.resourceUsage()` covers only the parent, and polling /proc can miss
// the last peak). Wall time is measured by the parent from spawn to exit, Node's start-up included.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generate, sizes } from './generate.mjs';
import { acceptAll } from './accept-all.mjs';
import { CONNECTED_CASES, printConnected, runConnected } from './connected.mjs';
import { startCluster } from '../test/helpers/postgres-cluster.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const BIN = join(ROOT, 'bin', 'tiersync');
const PROBE = join(HERE, 'rss-probe.mjs');
const ADMIN = 'admin@provider.example';
const ALL_CASES = ['floor', 'physical', 'L-import', 'L-rerun', 'S-upload', 'L-csv'];
/** The cases that also run on PostgreSQL with --pg, as `NAME (pg)`. */
const PG_CASES = ['L-import', 'L-rerun', 'S-upload', 'L-csv'];
const pgName = (name) => `${name} (pg)`;

/**
 * The targets (2 cores, medians of 3, every figure a ratio measured in the same round).
 * physical: engine ÷ the case's physical floor (PHYSICAL below); exceljs: engine ÷ the exceljs floor;
 * file: a PostgreSQL case ÷ the same case on the file store. (The targets before, absolute seconds and
 * ≤ 1.5× / 1.3× the exceljs floor, are in git history and docs/performance.md.)
 */
const TARGETS = {
  'L-import': { physical: 3.0, exceljs: 0.6, rssMb: 1536 },
  'L-rerun': { physical: 2.5, exceljs: 0.5, rssMb: 1536 },
  'L-csv': { physical: 2.5, rssMb: 1228.8 },
  'S-upload': { physical: 1.5, rssMb: 600 },
  [pgName('L-import')]: { file: 1.2, rssMb: 1536 },
  [pgName('L-rerun')]: { file: 1.2, rssMb: 1536 },
  [pgName('L-csv')]: { file: 1.2, rssMb: 1536 },
  [pgName('S-upload')]: { file: 0.5, rssMb: 300 },
};
/** The L store file (after L-import), MB. */
const STORE_FILE_TARGET_MB = 400;

/**
 * Each case's physical floor: the sum of these parts of the same round's `physical` run (see
 * bench/physical-floor.mjs for what each part measures, and bench/README.md for why these). Every
 * composition includes the floor's own Node start-up, as every engine wall includes the CLI's.
 */
const PHYSICAL = {
  'L-import': ['start', 'xlsxRead', 'xlsxWrite', 'sqljsInit', 'storeOpen', 'storeInsert', 'storeSave'],
  'L-rerun': ['start', 'xlsxRead', 'xlsxWrite', 'sqljsInit', 'uploadRead', 'uploadWrite'],
  'L-csv': ['start', 'csvRead', 'csvWrite', 'sqljsInit', 'uploadRead', 'uploadWrite'],
  'S-upload': ['start', 'sqljsInit', 'uploadRead', 'uploadWrite'],
  [pgName('L-import')]: ['start', 'xlsxRead', 'xlsxWrite', 'pgConnect', 'pgCopy', 'pgCommit'],
  [pgName('L-rerun')]: ['start', 'xlsxRead', 'xlsxWrite', 'pgConnectTxn'],
  [pgName('L-csv')]: ['start', 'csvRead', 'csvWrite', 'pgConnectTxn'],
  // No physical floor: nothing to load or save whole; a snapshot read of the rows a 1,000-row upload
  // names is too engine-specific to be a floor. pgConnectTxn (connect + one transaction) is printed with the parts.
  [pgName('S-upload')]: null,
};

/** The parts of the physical floor as printed, in order: [part, label]. */
const PART_LABELS = [
  ['start', 'Node start-up (the floor process)'],
  ['xlsxRead', 'xlsx read: inflate + byte scan of every sheet XML'],
  ['xlsxWrite', 'xlsx write: raw result-row XML + deflate (level 1)'],
  ['csvRead', 'CSV read: csv-parse, bare'],
  ['csvWrite', 'CSV results: raw XML + deflate'],
  ['sqljsInit', 'sql.js init (WebAssembly)'],
  ['storeOpen', 'store open (base store read, sql.js)'],
  ['storeInsert', 'store insert: records + audit, prepared statements, one transaction'],
  ['storeSave', 'store save: export + tmp + fsync + rename'],
  ['uploadRead', 'L store read + load (sql.js)'],
  ['uploadWrite', 'L store export + write (tmp + fsync + rename)'],
  ['pgConnect', 'PostgreSQL connect'],
  ['pgCopy', 'PostgreSQL COPY of records + audit, one transaction'],
  ['pgCommit', 'PostgreSQL COMMIT'],
  ['pgConnectTxn', 'PostgreSQL connect + one transaction'],
  ['storeValues', '(not in any floor) making the rows\' values for storeInsert, off its clock'],
  ['pgValues', '(inside pgCopy) making the COPY text, while the server works'],
];

function parseArgs(argv) {
  const args = { scale: 1, runs: 3, runsGiven: false, cases: ALL_CASES, casesGiven: false, connected: false, rate: undefined, killAt: 0.45, store: undefined, pg: false, out: join(HERE, 'out') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--scale') args.scale = Number(value());
    else if (flag === '--runs') {
      args.runs = Math.max(1, Number(value()));
      args.runsGiven = true;
    } else if (flag === '--cases') {
      args.cases = value().split(',').map((c) => c.trim()).filter(Boolean).flatMap((c) => (c === 'connected' ? CONNECTED_CASES : [c]));
      args.casesGiven = true;
    } else if (flag === '--connected') args.connected = true;
    else if (flag === '--rate') args.rate = Number(value());
    else if (flag === '--kill-at') args.killAt = Number(value());
    else if (flag === '--store') args.store = value();
    else if (flag === '--pg') args.pg = true;
    else if (flag === '--out') args.out = resolve(value());
    else if (flag === '--help' || flag === '-h') {
      console.log(`node bench/run.js [--scale 1] [--runs 3] [--cases ${ALL_CASES.join(',')},${CONNECTED_CASES.join(',')}] [--pg] [--connected] [--rate CALLS_PER_MINUTE] [--kill-at 0.45] [--store postgres://…] [--out bench/out]`);
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be a positive number');
  if (args.pg && args.store) throw new Error('--pg starts its own PostgreSQL cluster: give either --pg or --store postgres://…, not both');
  for (const c of args.cases) if (!ALL_CASES.includes(c) && !CONNECTED_CASES.includes(c)) throw new Error(`unknown case ${c} (cases: ${[...ALL_CASES, ...CONNECTED_CASES].join(', ')})`);
  // The connected cases (bench/connected.mjs): with --connected, all of them besides the cases asked for; by name, those.
  args.connectedCases = args.connected ? CONNECTED_CASES : args.cases.filter((c) => CONNECTED_CASES.includes(c));
  args.cases = args.cases.filter((c) => ALL_CASES.includes(c));
  return args;
}

/** The measured child running now (killed on SIGINT/SIGTERM with --pg, before the cluster stops). */
let running;

/**
 * Run `node ARGS` as a child (or, with `command`, that executable: the CLI runs as `bin/tiersync`, so its
 * own Node options apply); resolves with its exit code, wall time, peak RSS and CPU time.
 */

function measure(nodeArgs, { cwd, label, logFile, command = process.execPath }) {
  const probe = join(cwd, `.probe-${process.pid}-${Date.now()}.json`);
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = (running = spawn(command, nodeArgs, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(), TIERSYNC_BENCH_PROBE: probe },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (running === child) running = undefined;
      let usage = {};
      try {
        usage = JSON.parse(readFileSync(probe, 'utf8'));
        rmSync(probe, { force: true });
      } catch {
        /* the child died before its exit handler ran (killed): no RSS figure */
      }
      if (logFile) writeFileSync(logFile, output);
      resolveRun({ label, code, wallS, rssMb: usage.maxRssKb ? usage.maxRssKb / 1024 : NaN, cpuS: usage.userMs ? (usage.userMs + usage.systemMs) / 1000 : NaN, output });
    });
  });
}

function cli(args, options) {
  return measure(args, { ...options, command: BIN });
}

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

const isServer = (store) => !!store && /^postgres(ql)?:\/\//i.test(store);

async function prepareInputs(dir, scale) {
  const manifest = join(dir, 'manifest.json');
  const generator = statSync(join(HERE, 'generate.mjs')).mtimeMs;
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.scale === scale && m.generator === generator && Object.values(m.files).every((f) => existsSync(f))) return m;
  }
  const t = Date.now();
  process.stderr.write(`generating inputs at scale ${scale} in ${dir}…\n`);
  const { files, sizes: n } = await generate(scale, dir);
  const m = { scale, generator, files, sizes: n, bytes: Object.fromEntries(Object.entries(files).map(([k, f]) => [k, statSync(f).size])) };
  writeFileSync(manifest, JSON.stringify(m, null, 2));
  process.stderr.write(`  generated in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return m;
}

function expectExit(run, allowed, what) {
  if (!allowed.includes(run.code)) {
    throw new Error(`${what} exited ${run.code} (expected ${allowed.join(' or ')}):\n${run.output.slice(-3000)}`);
  }
}

/** The store the cases start from: the provider, its admin and catalog, and every reseller partnered (accepted). */
async function prepareBaseStore(dir, inputs, store) {
  const location = store ?? join(dir, 'base.db');
  const marker = join(dir, 'base.done');
  if (!isServer(location) && existsSync(location) && existsSync(marker) && readFileSync(marker, 'utf8') === String(inputs.generator)) return location;
  if (!isServer(location)) for (const suffix of ['', '.bak', '.lock', '.tmp']) rmSync(location + suffix, { force: true });
  const work = join(dir, 'setup');
  mkdirSync(work, { recursive: true });
  const common = ['--store', location, '--quiet', '--max-input-mb', '2048'];
  expectExit(await cli(['init', '--provider-mpn', '1000001', '--provider-name', 'Contoso Distribution', '--admin', ADMIN, ...common], { cwd: work }), [0], 'init');
  expectExit(await cli(['apply', inputs.files.resellers, '--as', ADMIN, '--out', join(work, 'out'), ...common], { cwd: work }), [0], 'apply of the resellers');
  const accepted = await acceptAll(location);
  process.stderr.write(`base store: ${inputs.sizes.resellers} resellers, ${accepted} partnerships accepted\n`);
  if (!isServer(location)) writeFileSync(marker, String(inputs.generator));
  return location;
}

function fresh(source, target) {
  for (const suffix of ['', '.bak', '.lock', '.tmp']) rmSync(target + suffix, { force: true });
  copyFileSync(source, target);
  return target;
}

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: build first (npm run build)');
  if (args.cases.length) await localCases(args);
  if (args.connectedCases.length) {
    // A connected round takes minutes (its full refresh is paced by the rate): one unless --runs says otherwise.
    const connected = { scale: args.scale, runs: args.runsGiven ? args.runs : 1, cases: args.connectedCases, out: args.out, rate: args.rate, killAt: args.killAt };
    printConnected(connected, await runConnected(connected));
  }
}

// ---------------------------------------------------------------------------------------------
// --pg: a throwaway cluster (test/helpers/postgres-cluster.mjs), one database per case that needs a fresh store.

/** The cluster's databases: made, copied from a template, dropped; each named by a URL. */
function pgAdmin(adminUrl) {
  const urlOf = (db) => {
    const url = new URL(adminUrl);
    url.pathname = `/${db}`;
    return url.toString();
  };
  const sql = async (text) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  let version;
  return {
    urlOf,
    /**
     * A new database (a copy of `template` when given: CREATE DATABASE … TEMPLATE). From PostgreSQL 15
     * on, the copy is made as files (STRATEGY FILE_COPY) rather than through the WAL (the default there),
     * a few seconds for a full-scale store instead of writing it all to the log.
     */
    async create(db, template) {
      await sql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      version ??= Number((await sql('SHOW server_version_num')).rows[0].server_version_num);
      const strategy = template && version >= 150000 ? ' STRATEGY FILE_COPY' : '';
      await sql(`CREATE DATABASE ${db}${template ? ` TEMPLATE ${template}${strategy}` : ''}`);
      return urlOf(db);
    },
    drop: (db) => sql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`),
    async sizeMb(db) {
      const { rows } = await sql(`SELECT pg_database_size('${db}') AS bytes`);
      return Number(rows[0].bytes) / 1048576;
    },
  };
}

/** Start the cluster, and stop (and delete) it at the end, on an error, and on SIGINT/SIGTERM. */
async function withCluster(fn) {
  process.stderr.write('starting a PostgreSQL cluster on loopback…\n');
  const cluster = await startCluster({ durable: true });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      cluster.stop();
      process.stderr.write('PostgreSQL cluster stopped and deleted\n');
    } catch (error) {
      process.stderr.write(`could not stop the cluster in ${cluster.dir}: ${error.message}\n`);
    }
  };
  const onSignal = (signal) => {
    process.stderr.write(`\n${signal}: stopping\n`);
    if (running && running.exitCode === null) running.kill('SIGKILL');
    stop();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(cluster);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop();
  }
}

async function localCases(args) {
  if (args.pg) return withCluster((cluster) => runLocal(args, pgAdmin(cluster.url)));
  return runLocal(args, undefined);
}

async function runLocal(args, pgDb) {
  const server = isServer(args.store);
  const dir = join(args.out, `scale-${args.scale}`);
  mkdirSync(dir, { recursive: true });
  const inputs = await prepareInputs(dir, args.scale);
  const n = inputs.sizes;
  const lRows = n.resellers + n.customers + n.subscriptions;
  const base = await prepareBaseStore(dir, inputs, args.store);
  const runDir = join(dir, 'runs');
  mkdirSync(runDir, { recursive: true });
  const common = ['--as', ADMIN, '--quiet', '--max-input-mb', '2048'];
  const rowsOf = { floor: lRows, physical: lRows, 'L-import': lRows, 'L-rerun': lRows, 'S-upload': 1000, 'L-csv': n.subscriptions };
  for (const c of PG_CASES) rowsOf[pgName(c)] = rowsOf[c];
  const pgCases = pgDb ? args.cases.filter((c) => PG_CASES.includes(c)) : [];
  // What runs in a round, in order: every case on the file store then on PostgreSQL, the physical floor
  // after L-import (it reads the L store that L-import leaves).
  const order = args.cases.filter((c) => c !== 'physical').flatMap((c) => (pgCases.includes(c) ? [c, pgName(c)] : [c]));
  if (args.cases.includes('physical')) order.splice(order.includes(pgName('L-import')) ? order.indexOf(pgName('L-import')) + 1 : order.includes('L-import') ? order.indexOf('L-import') + 1 : order.includes('floor') ? 1 : 0, 0, 'physical');
  const shown = [...args.cases.filter((c) => c === 'floor' || c === 'physical'), ...order.filter((c) => c !== 'floor' && c !== 'physical')];
  const results = Object.fromEntries(order.map((c) => [c, []]));
  const needsL = args.cases.some((c) => !['floor', 'physical', 'L-import'].includes(c));
  let lStore = server ? base : join(dir, 'L.db');
  if (!server && needsL && !args.cases.includes('L-import') && !existsSync(lStore)) {
    throw new Error(`${lStore} does not exist yet: include the L-import case once`);
  }
  const extras = { storeFileMb: [], pgDatabaseMb: [] };

  // PostgreSQL: the base store (init + resellers + every partnership accepted) in bench_base, the
  // template of every L-import (pg); the L store in bench_l (the first round's L-import (pg)), the
  // template of the cases that start from it.
  let pgBase;
  let pgL;
  if (pgDb) {
    pgBase = await prepareBaseStore(dir, inputs, await pgDb.create('bench_base'));
    const needsPgL = pgCases.some((c) => c !== 'L-import');
    if (needsPgL && !pgCases.includes('L-import')) {
      // Not measured: the L store made once for the cases that start from it.
      process.stderr.write('PostgreSQL: importing L.xlsx into bench_l (setup, not measured)…\n');
      const url = await pgDb.create('bench_l', 'bench_base');
      const out = join(runDir, 'pg-setup-out');
      mkdirSync(out, { recursive: true });
      expectExit(await cli(['apply', inputs.files.L, '--store', url, '--out', out, ...common], { cwd: runDir }), [0, 3], 'L-import (pg setup)');
      pgL = 'bench_l';
    }
  }

  const storeFor = (name, source) => (server ? source : fresh(source, join(runDir, `${name}.db`)));
  const record = (name, run) => {
    results[name].push(run);
    process.stderr.write(`  ${name.padEnd(15)} run ${results[name].length}: ${fmt(run.wallS, 2)} s, peak RSS ${fmt(run.rssMb, 0)} MB, CPU ${fmt(run.cpuS, 1)} s, exit ${run.code}\n`);
  };

  for (let i = 0; i < args.runs; i++) {
    process.stderr.write(`run ${i + 1} of ${args.runs}\n`);
    for (const name of order) {
      const slug = name.replace(/ \(pg\)$/, '-pg');
      const out = join(runDir, `${slug}-out`);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const log = join(runDir, `${slug}.log`);
      if (name === 'floor') {
        const run = await measure([join(HERE, 'floor.mjs'), inputs.files.L, join(out, 'floor.xlsx')], { cwd: runDir, label: name, logFile: log });
        expectExit(run, [0], 'floor');
        record(name, run);
        continue;
      }
      if (name === 'physical') {
        const floorArgs = [join(HERE, 'physical-floor.mjs'), '--xlsx', inputs.files.L, '--csv', inputs.files.csv, '--customers', String(n.customers), '--subscriptions', String(n.subscriptions), '--resellers', String(n.resellers), '--work', out];
        // The store floors need a store file: the base store (the import's floor) and the L store (S-upload's).
        if (!server) floorArgs.push('--base', base, ...(existsSync(lStore) ? ['--lstore', lStore] : []));
        // PostgreSQL's: a fresh copy of the base store (made by tiersync init, resellers applied).
        const physDb = pgDb ? 'bench_physical' : undefined;
        if (physDb) floorArgs.push('--pg', await pgDb.create(physDb, 'bench_base'));
        const run = await measure(floorArgs, { cwd: runDir, label: name, logFile: log });
        if (physDb) await pgDb.drop(physDb);
        expectExit(run, [0], 'physical floor');
        const line = run.output.split('\n').filter((l) => l.startsWith('{"parts"')).pop();
        run.parts = line ? JSON.parse(line).parts : {};
        record(name, run);
        continue;
      }
      const onPg = name.endsWith(' (pg)');
      const caseName = onPg ? name.slice(0, -5) : name;
      if (caseName === 'L-import' && server && i > 0) continue; // a server store is not reset: the first import is the only one
      const file = { 'L-import': inputs.files.L, 'L-rerun': inputs.files.rerun, 'S-upload': inputs.files.S, 'L-csv': inputs.files.csv }[caseName];
      const extra = caseName === 'L-csv' ? ['--sheet', 'Subscriptions'] : [];
      let store;
      let db;
      if (onPg) {
        db = `bench_${slug.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
        if (caseName !== 'L-import' && !pgL) throw new Error(`${name}: no PostgreSQL L store (L-import (pg) did not run)`);
        store = await pgDb.create(db, caseName === 'L-import' ? 'bench_base' : pgL);
      } else store = storeFor(name, caseName === 'L-import' ? base : lStore);
      const run = await cli(['apply', file, '--store', store, '--out', out, ...common, ...extra], { cwd: runDir, label: name, logFile: log });
      expectExit(run, [0, 3], name);
      record(name, run);
      if (name === 'L-import' && !server) {
        extras.storeFileMb.push(statSync(store).size / 1048576);
        if (i === 0) copyFileSync(store, lStore);
      }
      if (onPg) {
        if (caseName === 'L-import') {
          extras.pgDatabaseMb.push(await pgDb.sizeMb(db));
          if (!pgL) {
            // The first round's import becomes the L store the other cases copy.
            await pgDb.drop('bench_l');
            await pgDb.create('bench_l', db);
            pgL = 'bench_l';
          }
        }
        await pgDb.drop(db);
      }
    }

    summarize(args, inputs, results, rowsOf, server, shown, extras, i + 1 < args.runs);
  }
}

const sumParts = (parts, names) => (parts && names ? names.reduce((t, p) => t + (Number.isFinite(parts[p]) ? parts[p] : NaN), 0) : NaN);

function summarize(args, inputs, results, rowsOf, server, shown, extras, partial) {
  const n = inputs.sizes;
  const floorMedian = median((results.floor ?? []).map((r) => r.wallS));
  const physicalRuns = results.physical ?? [];
  const rows = shown.map((name) => {
    const runs = results[name];
    const wall = median(runs.map((r) => r.wallS));
    const rss = median(runs.map((r) => r.rssMb));
    const onPg = name.endsWith(' (pg)');
    const fileCase = onPg ? name.slice(0, -5) : undefined;
    // Every ratio compares a run with the floor (or file-store run) of the same round, then takes the median.
    // A server store's L-import runs once (round 1): its runs are indexed by round as far as they go.
    const perRun = (f) => median(runs.map((r, k) => f(r, k)));
    const engine = name !== 'floor' && name !== 'physical';
    const composition = PHYSICAL[name];
    const physical = engine && composition ? perRun((r, k) => r.wallS / sumParts(physicalRuns[k]?.parts, composition)) : NaN;
    const exceljs = engine && ['L-import', 'L-rerun'].includes(fileCase ?? name) ? perRun((r, k) => r.wallS / (results.floor?.[k]?.wallS ?? NaN)) : NaN;
    const file = onPg ? perRun((r, k) => r.wallS / (results[fileCase]?.[k]?.wallS ?? NaN)) : NaN;
    const target = TARGETS[name];
    let verdict = '';
    let targetText = '';
    if (target) {
      const misses = [];
      const unmeasured = [];
      const texts = [];
      const check = (bound, value, what, text) => {
        if (!bound) return;
        texts.push(text);
        if (!Number.isFinite(value)) unmeasured.push(what);
        else if (!(value <= bound)) misses.push(what);
      };
      check(target.physical, physical, 'physical', `≤ ${target.physical}× physical`);
      check(target.exceljs, exceljs, 'exceljs', `≤ ${target.exceljs}× exceljs`);
      check(target.file, file, '÷ file', `≤ ${target.file}× file store`);
      check(target.rssMb, rss, 'RSS', `≤ ${target.rssMb >= 1024 ? `${fmt(target.rssMb / 1024, 1)} GB` : `${target.rssMb} MB`}`);
      targetText = texts.join(', ');
      // A ratio whose floor did not run this round (--cases without it, or a server store) is not a pass.
      verdict = misses.length ? `MISS (${misses.join(', ')})` : unmeasured.length ? `PASS (not measured: ${unmeasured.join(', ')})` : 'PASS';
    }
    const floorS = engine && composition ? median(physicalRuns.map((p) => sumParts(p.parts, composition))) : NaN;
    return { case: name, rows: rowsOf[name], runs: runs.length, wallS: wall, rowsPerS: rowsOf[name] / wall, rssMb: rss, cpuS: median(runs.map((r) => r.cpuS)), physicalFloorS: floorS, ratioPhysical: physical, ratioExceljs: exceljs, ratioFileStore: file, target: targetText, verdict, all: runs.map(({ wallS, rssMb, cpuS, code }) => ({ wallS, rssMb, cpuS, code })) };
  });

  const ratio = (x) => (Number.isFinite(x) ? `${fmt(x, 2)}×` : '');
  const header = ['case', 'rows', 'median wall', 'rows/s', 'median peak RSS', 'CPU', '÷ physical', '÷ exceljs', '÷ file store', 'target', 'verdict'];
  const table = [header, header.map(() => '---')];
  for (const r of rows) {
    const physicalCell = r.case === pgName('S-upload') ? 'N/A' : ratio(r.ratioPhysical);
    table.push([r.case, r.rows.toLocaleString('en-US'), `${fmt(r.wallS, 1)} s`, Math.round(r.rowsPerS).toLocaleString('en-US'), `${fmt(r.rssMb, 0)} MB`, `${fmt(r.cpuS, 1)} s`, physicalCell, ratio(r.ratioExceljs), ratio(r.ratioFileStore), r.target, r.verdict]);
  }
  const markdown = table.map((cells) => `| ${cells.join(' | ')} |`).join('\n');

  // The physical floor's parts (medians of the rounds), and each case's floor as their sum.
  const partMedian = (p) => median(physicalRuns.map((r) => r.parts?.[p]));
  const partRows = PART_LABELS.filter(([p]) => Number.isFinite(partMedian(p))).map(([p, label]) => [p, label, partMedian(p)]);
  const info = (key) => median(physicalRuns.map((r) => r.parts?.[key]));
  const partsMarkdown = partRows.length
    ? [
        '| physical floor part | median |',
        '| --- | --- |',
        ...partRows.map(([, label, s]) => `| ${label} | ${fmt(s, 2)} s |`),
      ].join('\n')
    : '';
  const compositionMarkdown = partRows.length
    ? [
        '| case | physical floor (median) | composed of |',
        '| --- | --- | --- |',
        ...rows
          .filter((r) => r.case in PHYSICAL)
          .map((r) => `| ${r.case} | ${PHYSICAL[r.case] ? (Number.isFinite(r.physicalFloorS) ? `${fmt(r.physicalFloorS, 2)} s` : 'not measured') : 'N/A'} | ${PHYSICAL[r.case] ? PHYSICAL[r.case].join(' + ') : 'nothing to load or save (pgConnectTxn shown above)'} |`),
      ].join('\n')
    : '';
  const storeMb = median(extras.storeFileMb);
  const storeLine = Number.isFinite(storeMb)
    ? `L store file after L-import: ${fmt(storeMb, 1)} MB (target ≤ ${STORE_FILE_TARGET_MB} MB: ${storeMb <= STORE_FILE_TARGET_MB ? 'PASS' : 'MISS'})${Number.isFinite(info('storeFileMb')) ? `; the physical floor's store file: ${fmt(info('storeFileMb'), 1)} MB` : ''}${extras.pgDatabaseMb.length ? `; the L-import (pg) database: ${fmt(median(extras.pgDatabaseMb), 1)} MB` : ''}`
    : '';
  const count = (key) => Number(info(key)).toLocaleString('en-US');
  const physicalNotes = [
    Number.isFinite(info('xlsxRows')) && `${count('xlsxRows')} rows scanned in ${fmt(info('xlsxInflatedMb'), 1)} MB of sheet XML, ${count('xlsxWrittenRows')} result rows written (${fmt(info('xlsxWrittenMb'), 1)} MB xlsx)`,
    Number.isFinite(info('csvRows')) && `${count('csvRows')} CSV rows read, their results written (${fmt(info('csvWrittenMb'), 1)} MB xlsx)`,
    Number.isFinite(info('storeRecords')) && `${count('storeRecords')} records + ${count('storeAuditRows')} audit rows inserted in sql.js (a ${fmt(info('storeFileMb'), 1)} MB file)`,
    Number.isFinite(info('uploadFileMb')) && `the L store (${fmt(info('uploadFileMb'), 1)} MB) read, loaded, exported and written`,
    Number.isFinite(info('pgRecords')) && `on PostgreSQL ${count('pgRecords')} records + ${count('pgAuditRows')} audit rows by COPY (${fmt(info('pgDatabaseMb'), 1)} MB database)`,
  ].filter(Boolean);
  const physicalLine = physicalNotes.length ? `physical floor: ${physicalNotes.join('; ')}` : '';
  const extrasJson = { storeFileMb: extras.storeFileMb, pgDatabaseMb: extras.pgDatabaseMb, physicalParts: physicalRuns.map((r) => r.parts), physicalCompositions: PHYSICAL };

  const done = Math.max(...Object.values(results).map((r) => r.length));
  const store = server ? 'server' : args.pg ? 'sql.js file and PostgreSQL (throwaway cluster, fsync on)' : 'sql.js file';
  if (partial) {
    writeFileSync(join(args.out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), partial: true, scale: args.scale, runsDone: done, sizes: n, cases: rows, ...extrasJson }, null, 2));
    process.stderr.write(`${markdown}\n`);
    return;
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${fmt(totalmem() / 1024 ** 3, 0)} GB RAM, Node ${process.version}`;
  console.log(`\ntiersync bench — scale ${args.scale} (${n.resellers.toLocaleString('en-US')} resellers, ${n.customers.toLocaleString('en-US')} customers, ${n.subscriptions.toLocaleString('en-US')} subscriptions), medians of ${done} run(s); ${machine}`);
  console.log(`inputs: L.xlsx ${fmt(inputs.bytes.L / 1048576, 1)} MB, L-subs.csv ${fmt(inputs.bytes.csv / 1048576, 1)} MB; store: ${store}\n`);
  console.log(markdown);
  for (const block of [storeLine, physicalLine, partsMarkdown, compositionMarkdown]) if (block) console.log(`\n${block}`);
  writeFileSync(join(args.out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), scale: args.scale, runs: done, sizes: n, machine, store: server ? 'server' : args.pg ? 'sqljs+postgres' : 'sqljs', floorMedianS: floorMedian, cases: rows, ...extrasJson }, null, 2));
  console.log(`\n(written to ${join(args.out, 'results.json')})`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
