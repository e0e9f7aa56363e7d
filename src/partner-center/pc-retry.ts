/** How often and how long the pipeline retries. Partner Center's SDK retries 3 times; 429s have their own bound. */
export interface RetryOptions {
  /** Retries of one call after 5xx, 408, a timeout, a network error or a 409 "try later" (default 4). */
  maxRetries?: number;
  /** First backoff (default 500 ms); doubles per retry, with jitter. */
  baseDelayMs?: number;
  /** Longest single backoff (default 30 s). */
  maxDelayMs?: number;
  /** Retries of one call after a 429 (default 6): each waits for Partner Center's Retry-After. */
  maxThrottleRetries?: number;
  /** Wait after a 429 that names no Retry-After, doubled for each further 429 of the same call (default 10 s). */
  defaultThrottleWaitMs?: number;
  /** Longest wait a Retry-After may impose (default 5 min): a wild header must not stall a run for hours. */
  maxThrottleWaitMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(o: RetryOptions = {}): ResolvedRetryOptions {
  return {
    maxRetries: o.maxRetries ?? 4,
    baseDelayMs: o.baseDelayMs ?? 500,
    maxDelayMs: o.maxDelayMs ?? 30_000,
    maxThrottleRetries: o.maxThrottleRetries ?? 6,
    defaultThrottleWaitMs: o.defaultThrottleWaitMs ?? 10_000,
    maxThrottleWaitMs: o.maxThrottleWaitMs ?? 300_000,
  };
}

/**
 * `Retry-After` in milliseconds from `now`: either delta-seconds (`57`, Partner Center's form) or
 * an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many calls spread out. */
export function backoffDelay(retry: number, o: ResolvedRetryOptions, random: () => number = Math.random): number {
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Wait `ms`, or reject as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
