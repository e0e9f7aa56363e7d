// The distributor-scale benchmark (SPEC §6): runs the built CLI (bin/tiersync) as child processes on
// generated inputs and reports, per case, the median wall time, rows/s, median peak RSS and the ratio
// to the same run's floor (exceljs's bare streaming read + write of the same rows).
//
//   npm run bench                       # full scale: 5,000 resellers, 100,000 customers, 1,000,000 subscriptions
//   npm run bench -- --scale 0.1        # a quick version
//   npm run bench -- --runs 5 --cases L-import,S-upload
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
import { generate, sizes } from './generate.mjs';
import { acceptAll } from './accept-all.mjs';
import { CONNECTED_CASES, printConnected, runConnected } from './connected.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const BIN = join(ROOT, 'bin', 'tiersync');
const PROBE = join(HERE, 'rss-probe.mjs');
const ADMIN = 'admin@provider.example';
const ALL_CASES = ['floor', 'L-import', 'L-rerun', 'S-upload', 'L-csv'];

/** The targets of the distributor-scale issue (2 cores, medians). Ratio: engine ÷ same-run floor. */
const TARGETS = {
  'L-import': { wallS: 90, rssMb: 2048, ratio: 1.5 },
  'L-rerun': { wallS: 75, rssMb: 2048, ratio: 1.3 },
  'S-upload': { wallS: 3, rssMb: 1024 },
  'L-csv': { wallS: 45, rssMb: 1536 },
};

function parseArgs(argv) {
  const args = { scale: 1, runs: 3, runsGiven: false, cases: ALL_CASES, casesGiven: false, connected: false, rate: undefined, killAt: 0.45, store: undefined, out: join(HERE, 'out') };
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
    else if (flag === '--out') args.out = resolve(value());
    else if (flag === '--help' || flag === '-h') {
      console.log(`node bench/run.js [--scale 1] [--runs 3] [--cases floor,L-import,L-rerun,S-upload,L-csv,${CONNECTED_CASES.join(',')}] [--connected] [--rate CALLS_PER_MINUTE] [--kill-at 0.45] [--store postgres://…] [--out bench/out]`);
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be a positive number');
  for (const c of args.cases) if (!ALL_CASES.includes(c) && !CONNECTED_CASES.includes(c)) throw new Error(`unknown case ${c} (cases: ${[...ALL_CASES, ...CONNECTED_CASES].join(', ')})`);
  // The connected cases (bench/connected.mjs): with --connected, all of them besides the cases asked for; by name, those.
  args.connectedCases = args.connected ? CONNECTED_CASES : args.cases.filter((c) => CONNECTED_CASES.includes(c));
  args.cases = args.cases.filter((c) => ALL_CASES.includes(c));
  return args;
}

/**
 * Run `node ARGS` as a child (or, with `command`, that executable: the CLI runs as `bin/tiersync`, so its
 * own Node options apply); resolves with its exit code, wall time, peak RSS and CPU time.
 */
function measure(nodeArgs, { cwd, label, logFile, command = process.execPath }) {
  const probe = join(cwd, `.probe-${process.pid}-${Date.now()}.json`);
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, nodeArgs, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(), TIERSYNC_BENCH_PROBE: probe },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
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

async function localCases(args) {
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
  const rowsOf = { floor: lRows, 'L-import': lRows, 'L-rerun': lRows, 'S-upload': 1000, 'L-csv': n.subscriptions };
  const results = Object.fromEntries(args.cases.map((c) => [c, []]));
  const needsL = args.cases.some((c) => c !== 'floor' && c !== 'L-import');
  let lStore = server ? base : join(dir, 'L.db');
  if (!server && needsL && !args.cases.includes('L-import') && !existsSync(lStore)) {
    throw new Error(`${lStore} does not exist yet: include the L-import case once`);
  }

  const storeFor = (name, source) => (server ? source : fresh(source, join(runDir, `${name}.db`)));
  const record = (name, run) => {
    results[name].push(run);
    process.stderr.write(`  ${name.padEnd(9)} run ${results[name].length}: ${fmt(run.wallS, 2)} s, peak RSS ${fmt(run.rssMb, 0)} MB, CPU ${fmt(run.cpuS, 1)} s, exit ${run.code}\n`);
  };

  for (let i = 0; i < args.runs; i++) {
    process.stderr.write(`run ${i + 1} of ${args.runs}\n`);
    for (const name of args.cases) {
      const out = join(runDir, `${name}-out`);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const log = join(runDir, `${name}.log`);
      if (name === 'floor') {
        const run = await measure([join(HERE, 'floor.mjs'), inputs.files.L, join(out, 'floor.xlsx')], { cwd: runDir, label: name, logFile: log });
        expectExit(run, [0], 'floor');
        record(name, run);
        continue;
      }
      if (name === 'L-import' && server && i > 0) continue; // a server store is not reset: the first import is the only one
      const [file, source, extra] = {
        'L-import': [inputs.files.L, base, []],
        'L-rerun': [inputs.files.rerun, lStore, []],
        'S-upload': [inputs.files.S, lStore, []],
        'L-csv': [inputs.files.csv, lStore, ['--sheet', 'Subscriptions']],
      }[name];
      const store = storeFor(name, source);
      const run = await cli(['apply', file, '--store', store, '--out', out, ...common, ...extra], { cwd: runDir, label: name, logFile: log });
      expectExit(run, [0, 3], name);
      record(name, run);
      if (name === 'L-import' && !server && i === 0) copyFileSync(store, lStore);
    }

    summarize(args, inputs, results, rowsOf, server, i + 1 < args.runs);
  }
}

function summarize(args, inputs, results, rowsOf, server, partial) {
  const n = inputs.sizes;
  const floorMedian = median((results.floor ?? []).map((r) => r.wallS));
  const rows = args.cases.map((name) => {
    const runs = results[name];
    const wall = median(runs.map((r) => r.wallS));
    const rss = median(runs.map((r) => r.rssMb));
    // The ratio compares each run with the floor measured in the same round, then takes the median.
    const ratios = name === 'floor' || name === 'S-upload' || name === 'L-csv' ? [] : runs.map((r, k) => r.wallS / (results.floor?.[k]?.wallS ?? NaN));
    const ratio = median(ratios);
    const target = TARGETS[name];
    let verdict = '';
    if (target) {
      const misses = [];
      if (!(wall <= target.wallS)) misses.push('wall');
      if (!(rss <= target.rssMb)) misses.push('RSS');
      if (target.ratio && Number.isFinite(ratio) && !(ratio <= target.ratio)) misses.push('ratio');
      verdict = misses.length ? `MISS (${misses.join(', ')})` : 'PASS';
    }
    const targetText = target ? `≤ ${target.wallS} s, ≤ ${target.rssMb >= 1024 ? `${fmt(target.rssMb / 1024, 1)} GB` : `${target.rssMb} MB`}${target.ratio ? `, ≤ ${target.ratio}× floor` : ''}` : '';
    return { case: name, rows: rowsOf[name], runs: runs.length, wallS: wall, rowsPerS: rowsOf[name] / wall, rssMb: rss, cpuS: median(runs.map((r) => r.cpuS)), ratio, target: targetText, verdict, all: runs.map(({ wallS, rssMb, cpuS, code }) => ({ wallS, rssMb, cpuS, code })) };
  });

  const header = ['case', 'rows', 'median wall', 'rows/s', 'median peak RSS', 'CPU', '÷ floor', 'target', 'verdict'];
  const table = [header, header.map(() => '---')];
  for (const r of rows) {
    table.push([r.case, r.rows.toLocaleString('en-US'), `${fmt(r.wallS, 1)} s`, Math.round(r.rowsPerS).toLocaleString('en-US'), `${fmt(r.rssMb, 0)} MB`, `${fmt(r.cpuS, 1)} s`, Number.isFinite(r.ratio) ? `${fmt(r.ratio, 2)}×` : '', r.target, r.verdict]);
  }
  const markdown = table.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const done = Math.max(...Object.values(results).map((r) => r.length));
  if (partial) {
    writeFileSync(join(args.out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), partial: true, scale: args.scale, runsDone: done, sizes: n, cases: rows }, null, 2));
    process.stderr.write(`${markdown}\n`);
    return;
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${fmt(totalmem() / 1024 ** 3, 0)} GB RAM, Node ${process.version}`;
  console.log(`\ntiersync bench — scale ${args.scale} (${n.resellers.toLocaleString('en-US')} resellers, ${n.customers.toLocaleString('en-US')} customers, ${n.subscriptions.toLocaleString('en-US')} subscriptions), medians of ${done} run(s); ${machine}`);
  console.log(`inputs: L.xlsx ${fmt(inputs.bytes.L / 1048576, 1)} MB, L-subs.csv ${fmt(inputs.bytes.csv / 1048576, 1)} MB; store: ${server ? 'server' : 'sql.js file'}\n`);
  console.log(markdown);
  writeFileSync(join(args.out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), scale: args.scale, runs: done, sizes: n, machine, store: server ? 'server' : 'sqljs', floorMedianS: floorMedian, cases: rows }, null, 2));
  console.log(`\n(written to ${join(args.out, 'results.json')})`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
