// Running the built CLI as a measured child process, for the connected cases (bench/connected.mjs).
// The same method as bench/run.js: wall time from spawn to exit (Node's start-up included), peak RSS
// and CPU from bench/rss-probe.mjs (loaded through NODE_OPTIONS; the child's own getrusage).
// Unlike run.js's measure(), the run can be killed part way (`killWhen`), and the child's output is
// returned, never written anywhere else.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..');
export const BIN = join(ROOT, 'bin', 'tiersync');
const PROBE = join(HERE, 'rss-probe.mjs');

/**
 * Run `bin/tiersync ARGS` in `cwd`. `killWhen()` is polled every `pollMs` while the child runs: when
 * it returns true, the child is sent SIGKILL. `timeoutMs` bounds the run (SIGKILL, `timedOut`).
 */
export function runCli(args, { cwd, label = args[0], killWhen, pollMs = 5, timeoutMs = 15 * 60_000 } = {}) {
  const probe = join(cwd, `.probe-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const startedAtMs = Date.now();
    const child = spawn(BIN, args, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(), TIERSYNC_BENCH_PROBE: probe },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const poll = killWhen
      ? setInterval(() => {
          if (!killed && child.exitCode === null && killWhen()) {
            killed = true;
            child.kill('SIGKILL');
          }
        }, pollMs)
      : undefined;
    const bound = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (poll) clearInterval(poll);
      clearTimeout(bound);
      let usage = {};
      try {
        usage = JSON.parse(readFileSync(probe, 'utf8'));
      } catch {
        /* killed before its exit handler ran: no RSS figure */
      }
      rmSync(probe, { force: true });
      resolveRun({
        label, code, signal, killed, timedOut, wallS, stdout, stderr, startedAtMs, endedAtMs: Date.now(),
        rssMb: usage.maxRssKb ? usage.maxRssKb / 1024 : NaN,
        cpuS: usage.userMs !== undefined ? (usage.userMs + usage.systemMs) / 1000 : NaN,
      });
    });
  });
}

/** The last line of a `--json` run's stdout, parsed (undefined when there is none). */
export function jsonSummary(run) {
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export function expectExit(run, allowed, what) {
  if (!allowed.includes(run.code)) {
    const why = run.timedOut ? ' (timed out)' : run.signal ? ` (signal ${run.signal})` : '';
    throw new Error(`${what} exited ${run.code}${why}, expected ${allowed.join(' or ')}:\n${(run.stderr + run.stdout).slice(-3000)}`);
  }
}

export const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
