/**
 * Failure injection: the ways Partner Center fails a client in production, on demand.
 *
 * - throttling: `N` calls per window per partner tenant (or per partner tenant and customer, the
 *   two keys api-throttling-guidance.md names), answered `429` with `Retry-After` and the 429's
 *   own body `{ statusCode, message }`; real time, not the sandbox clock (a client waits in real time);
 * - `5xx` bursts (the next N matching calls; nothing is changed);
 * - slow answers (a fixed latency on every call, or a delay on the next N matching calls);
 * - an answer lost after the change was made (the socket is destroyed instead of answering);
 * - `401` with MFA error 900421 on App+User calls.
 */
export interface CallMatch {
  method?: string;
  /**
   * The request path: a RegExp, or a pattern where `*` stands for one path segment
   * (`/v1/customers/*\/subscriptions/*`); matched case-insensitively, without the query.
   */
  path?: string | RegExp;
}

export interface RateLimitOptions {
  /** Calls allowed per window. */
  calls: number;
  /** Default 60,000 ms ("500 requests per minute per tenant identifier"). */
  windowMs?: number;
  /** `tenant` (default): one budget for the partner; `tenant-customer`: one per customer ("calls against other customers may succeed"). */
  scope?: 'tenant' | 'tenant-customer';
}

interface CountedRule {
  remaining: number;
  match: CallMatch | undefined;
}

export interface FailureRule extends CountedRule {
  status: number;
}

export interface DelayRule extends CountedRule {
  ms: number;
}

export interface CallDescription {
  method: string;
  path: string;
}

export class Faults {
  latencyMs = 0;
  private rate: Required<RateLimitOptions> | undefined;
  private readonly windows = new Map<string, { stamps: number[]; head: number }>();
  private readonly failures: FailureRule[] = [];
  private readonly delays: DelayRule[] = [];
  private readonly lost: CountedRule[] = [];
  private readonly mfa: CountedRule[] = [];

  /** Sets (or, with `undefined`, lifts) the rate limit. */
  rateLimit(options: RateLimitOptions | undefined): void {
    this.windows.clear();
    if (!options) {
      this.rate = undefined;
      return;
    }
    if (!Number.isInteger(options.calls) || options.calls <= 0) throw new RangeError('rate limit: calls must be a positive whole number');
    this.rate = { calls: options.calls, windowMs: options.windowMs ?? 60_000, scope: options.scope ?? 'tenant' };
  }

  get rateLimitOptions(): Readonly<Required<RateLimitOptions>> | undefined {
    return this.rate;
  }

  /** The next `count` matching calls answer `status` (500 by default) and change nothing. */
  failNext(count: number, options: { status?: number; match?: CallMatch } = {}): void {
    this.failures.push({ remaining: count, status: options.status ?? 500, match: options.match });
  }

  /** The next `count` matching calls are answered `ms` late. */
  delayNext(count: number, ms: number, options: { match?: CallMatch } = {}): void {
    this.delays.push({ remaining: count, ms, match: options.match });
  }

  /** The next `count` matching calls make their change, then drop the connection without answering. */
  loseNextAnswer(options: { count?: number; match?: CallMatch } = {}): void {
    this.lost.push({ remaining: options.count ?? 1, match: options.match });
  }

  /** The next `count` App+User calls (default: all of them) fail with 401 / 900421 until cleared. */
  requireMfa(count = Number.POSITIVE_INFINITY, options: { match?: CallMatch } = {}): void {
    this.mfa.push({ remaining: count, match: options.match });
  }

  clear(): void {
    this.failures.length = 0;
    this.delays.length = 0;
    this.lost.length = 0;
    this.mfa.length = 0;
    this.latencyMs = 0;
    this.rateLimit(undefined);
  }

  takeFailure(call: CallDescription): FailureRule | undefined {
    return take(this.failures, call);
  }

  takeDelay(call: CallDescription): DelayRule | undefined {
    return take(this.delays, call);
  }

  takeLostAnswer(call: CallDescription): boolean {
    return take(this.lost, call) !== undefined;
  }

  takeMfa(call: CallDescription): boolean {
    return take(this.mfa, call) !== undefined;
  }

  /**
   * Counts a call against the limit: undefined when it may proceed, else the seconds to wait.
   * A sliding window: a call is allowed when the call `calls` places back is older than the window.
   */
  throttle(tenantId: string, customerId: string | undefined, nowMs = Date.now()): number | undefined {
    const rate = this.rate;
    if (!rate) return undefined;
    const key = rate.scope === 'tenant-customer' && customerId ? `${tenantId}/${customerId.toLowerCase()}` : tenantId;
    let window = this.windows.get(key);
    if (!window) {
      window = { stamps: [], head: 0 };
      this.windows.set(key, window);
    }
    if (window.stamps.length < rate.calls) {
      window.stamps.push(nowMs);
      return undefined;
    }
    const oldest = window.stamps[window.head]!;
    if (nowMs - oldest >= rate.windowMs) {
      window.stamps[window.head] = nowMs;
      window.head = (window.head + 1) % rate.calls;
      return undefined;
    }
    return Math.max(1, Math.ceil((oldest + rate.windowMs - nowMs) / 1000));
  }
}

function take<T extends CountedRule>(rules: T[], call: CallDescription): T | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.remaining <= 0 || !matches(rule.match, call)) continue;
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(i, 1);
    return rule;
  }
  return undefined;
}

const compiled = new Map<string, RegExp>();

export function matches(match: CallMatch | undefined, call: CallDescription): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== call.method) return false;
  if (match.path === undefined) return true;
  if (match.path instanceof RegExp) return match.path.test(call.path);
  let re = compiled.get(match.path);
  if (!re) {
    const source = match.path.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
    re = new RegExp(`^${source}/?$`, 'i');
    compiled.set(match.path, re);
  }
  return re.test(call.path);
}
