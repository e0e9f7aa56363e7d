/**
 * Failed sign-ins, counted per account and per client address over a sliding window: past the bound,
 * that account (or address) is refused for the rest of the window, right password or not, so guessing
 * costs hours, not seconds. A success clears the account's count (not the address's: one address
 * guessing many accounts stays throttled).
 */
export interface ThrottleLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** When sign-ins for this account or from this address may be tried again; undefined when they may now. */
  blockedUntil(account: string, address: string): number | undefined {
    const checks: Array<[string, number]> = [
      [`account:${account}`, this.limits.perAccount],
      [`address:${address}`, this.limits.perAddress],
    ];
    let until: number | undefined;
    for (const [key, bound] of checks) {
      const times = this.recent(key);
      if (times.length >= bound) until = Math.max(until ?? 0, times[times.length - bound]! + this.limits.windowMs);
    }
    return until;
  }

  failed(account: string, address: string): void {
    for (const key of [`account:${account}`, `address:${address}`]) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeeded(account: string): void {
    this.failures.delete(`account:${account}`);
  }
}
