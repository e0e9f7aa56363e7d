/**
 * The sandbox's clock. Partner Center's new-commerce rules are all about time (7-day windows,
 * renewals at term end, carts expiring after 7 days, access tokens expiring after an hour), so the
 * simulation reads every date from this clock and tests move it instead of waiting.
 *
 * By default it follows real time from a chosen start (time keeps flowing, so delays and polls
 * behave as against the real service); `frozen` stops it between explicit moves.
 */
export interface ClockOptions {
  /** Where the clock starts; default: the real time at start. */
  start?: Date | string | number;
  /** When true, time only moves through `advance` and `set`. */
  frozen?: boolean;
}

export class SandboxClock {
  private offsetMs: number;
  private frozenAt: number | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(options: ClockOptions = {}) {
    const start = options.start === undefined ? Date.now() : new Date(options.start).getTime();
    if (!Number.isFinite(start)) throw new RangeError(`clock start is not a date: ${String(options.start)}`);
    this.offsetMs = start - Date.now();
    this.frozenAt = options.frozen ? start : undefined;
  }

  /** Milliseconds since the epoch, on the sandbox's time line. */
  nowMs(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves the clock forward (renewals and expiries that fall due are applied at once). */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    return this.set(this.nowMs() + ms);
  }

  /** Sets the clock; Partner Center's time never goes back, so neither does this one. */
  set(to: Date | string | number): Date {
    const target = new Date(to).getTime();
    if (!Number.isFinite(target)) throw new RangeError(`not a date: ${String(to)}`);
    if (target < this.nowMs()) throw new RangeError('the clock only moves forward');
    if (this.frozenAt !== undefined) this.frozenAt = target;
    else this.offsetMs = target - Date.now();
    for (const listener of this.listeners) listener();
    return this.now();
  }

  /** Called after every explicit move (the state applies what fell due). */
  onMove(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Adds an ISO 8601 term (P1M, P1Y, P3Y…) to a date, in UTC, the way Partner Center computes term ends. */
export function addTerm(fromMs: number, term: string): number {
  const match = /^P(\d+)([MY])$/.exec(term);
  if (!match) throw new RangeError(`unsupported term ${term}`);
  const count = Number(match[1]);
  const date = new Date(fromMs);
  if (match[2] === 'M') date.setUTCMonth(date.getUTCMonth() + count);
  else date.setUTCFullYear(date.getUTCFullYear() + count);
  return date.getTime();
}

/**
 * When a term that started at `fromMs` ends: at 00:00 UTC of the anniversary date, so that its
 * `commitmentEndDate` is the day before (Microsoft's example: started 2021-01-14T16:57, ends
 * 2022-01-13T23:59:59Z), and the renewal runs "the day after the term end date".
 */
export function termEnd(fromMs: number, term: string): number {
  const anniversary = new Date(addTerm(fromMs, term));
  return Date.UTC(anniversary.getUTCFullYear(), anniversary.getUTCMonth(), anniversary.getUTCDate());
}

/** Months in a term (for "a billing cycle can't be longer than the term"). */
export function termMonths(term: string): number {
  const match = /^P(\d+)([MY])$/.exec(term);
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'Y' ? 12 : 1);
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
