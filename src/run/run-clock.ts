import { UsageError } from '../core/errors.js';
import type { StoreInfo } from '../store/sync-store.js';
import type { RunContext } from './run-context.js';

/** The time a run works at, and whether it came from a simulated clock. */
export interface RunClock {
  now: string;
  simulated: boolean;
}

/**
 * The run's clock (SPEC §1.5). A store made with `init --simulated-clock` takes `--now` (tests, demos,
 * training), and its time never goes backwards: a `--now` before its last run is refused, and
 * without one it runs at the later of the system time and its last run. Every other store refuses
 * `--now`: a production run cannot record a false time.
 */
export function runClock(ctx: Pick<RunContext, 'now' | 'nowOverride'>, info: Pick<StoreInfo, 'clock' | 'lastRunAt'>, location: string): RunClock {
  const system = ctx.now().toISOString();
  if (info.clock !== 'simulated') {
    if (ctx.nowOverride) throw new UsageError(`--now is refused: the store ${location} runs on the system clock; only a store made with tiersync init --simulated-clock (for tests, demos and training) takes --now`);
    return { now: system, simulated: false };
  }
  if (ctx.nowOverride) {
    if (info.lastRunAt && ctx.nowOverride < info.lastRunAt) throw new UsageError(`--now ${ctx.nowOverride} is before the store's last run (${info.lastRunAt}): time never goes backwards in a simulated store; give a later --now`);
    return { now: ctx.nowOverride, simulated: true };
  }
  return { now: info.lastRunAt && info.lastRunAt > system ? info.lastRunAt : system, simulated: true };
}

/** `--now` as given on the command line: an ISO 8601 time, normalized to UTC. */
export function parseNowOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--now "${text}" is not an ISO 8601 time such as 2027-01-15T09:00:00Z`);
  return new Date(ms).toISOString();
}
