import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import { PartnerCenterUnavailableError } from '../core/errors.js';
import { type PcCallContext, type PcFault, parsePcFault, pcErrorFor, retryabilityOf } from './pc-errors.js';
import { type PcLogger, redact, redactText, silentLogger } from './pc-log.js';
import { backoffDelay, parseRetryAfter, resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions, sleep } from './pc-retry.js';
import { type AccessTokenSource, credentialRefusalSentence } from './token-provider.js';

export const DEFAULT_API_URL = 'https://api.partnercenter.microsoft.com';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One logical call. The pipeline may send it several times (retries); it stays one call in the stats. */
export interface PcRequest {
  /** Names the call in stats and logs: `customers.create`, `subscriptions.patch`. */
  operation: string;
  method: HttpMethod;
  /**
   * The route, e.g. `/v1/customers/{id}`. A path without `/v1` (Partner Center's own links,
   * `/customers?seekOperation=next`) is taken as relative to `/v1`, as Partner Center's SDK does.
   * May carry a query; `query` is appended to it.
   */
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
  /**
   * `MS-RequestId`: the same on every retry of this call, so Partner Center can recognise a
   * repeated write. Give one when it must survive the process: the journal persists it before
   * the first send and re-sends with it after a crash. Default: a new GUID for this call.
   */
  requestId?: string;
  /** Statuses that are answers, not errors (404 for the domain check). 2xx always are. */
  accept?: readonly number[];
  /** Stats only: GET and HEAD are reads, the rest writes, unless said otherwise (address validation is a read sent as POST). */
  kind?: 'read' | 'write';
  signal?: AbortSignal;
}

export interface PcResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON; the text when it was not JSON; undefined when empty. */
  body: T;
  requestId: string;
  /** MS-CorrelationId of the attempt that got this answer. */
  correlationId: string;
  /** HTTP requests it took (1 = no retry). */
  attempts: number;
}

/** A page of a Partner Center collection. */
export interface PcPage<T> {
  items: T[];
  totalCount?: number;
  /**
   * The token that reads the page after this one; absent on the last page. Persist it to resume a
   * long listing after an interruption (`paginate(req, { continuationToken })`).
   */
  continuationToken?: string;
}

/** The end of a write that Partner Center accepted with `202` + `Location`. */
export type PcAcceptedResult<T> =
  | { state: 'done'; body: T; response: PcResponse<T> }
  /** Not visible within the bound: the caller records it as pending; a refresh finishes it. */
  | { state: 'pending'; location?: string; lastBody?: T };

export interface PcStats {
  /** Logical calls (retries not counted). */
  calls: number;
  reads: number;
  writes: number;
  /** HTTP requests sent to the API (calls + retries + 202 polls' own retries). */
  requests: number;
  byOperation: Record<string, { calls: number; requests: number; retries: number; failures: number }>;
  retries: { total: number; throttled: number; server: number; timeout: number; network: number; conflict: number; auth: number };
  throttling: { responses: number; /** Wall time the queue was held by Retry-After, overlaps counted once. */ waitMs: number };
  /** GETs of a 202's Location (also counted in `calls` and `reads`). */
  polls: number;
  /** Token requests to Entra ID. */
  tokenRequests: number;
  /** Most calls in flight at once (never above `concurrency`). */
  maxInFlight: number;
}

export interface PartnerCenterClientOptions {
  /** `--pc-api-url`, default https://api.partnercenter.microsoft.com (sovereign clouds and the local sandbox give others). */
  apiUrl?: string;
  tokens: AccessTokenSource;
  /** `--pc-concurrency`: calls in flight at most (default 5, as Microsoft's own bulk tool). */
  concurrency?: number;
  /** `--pc-rate`: calls started per minute at most (default 450, under the documented 500 per minute per tenant). */
  ratePerMinute?: number;
  /** Per HTTP request, answer body included (default 60 s). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** How a 202 is followed: first poll after `pollIntervalMs` (default 2 s, or the 202's Retry-After), growing to 15 s, for at most `maxWaitMs` (default 120 s). */
  accepted?: { pollIntervalMs?: number; maxWaitMs?: number };
  logger?: PcLogger;
  /** `MS-PartnerCenter-Application`: shows in Partner Center's traces. */
  applicationName?: string;
}

type Attempt =
  | { kind: 'answer'; status: number; statusText: string; headers: Headers; body: unknown; correlationId: string; token: string }
  | { kind: 'failed'; error: unknown; timedOut: boolean; correlationId: string };

const MFA_TEXT = /\b(?:mfa|multi-?factor)\b/i;

/**
 * The one HTTP pipeline to Partner Center. Each concern is a layer, outermost first:
 * stats → MS-RequestId (one per logical call) → retry (backoff, 401 renewal) → queue (concurrency,
 * rate, 429 pause) → per attempt: throttle gate, token, MS-CorrelationId, timeout, logging → fetch.
 * It knows routes only as paths; the typed operations (pc-operations.ts) name them.
 */
export class PartnerCenterClient {
  private readonly apiUrl: URL;
  private readonly queue: PQueue;

  /** Calls in flight at most (`--pc-concurrency`). */
  get concurrency(): number {
    return this.queue.concurrency;
  }
  private readonly retry: ResolvedRetryOptions;
  private readonly timeoutMs: number;
  private readonly logger: PcLogger;
  private readonly tokens: AccessTokenSource;
  private readonly pollIntervalMs: number;
  private readonly maxAcceptedWaitMs: number;
  private readonly applicationName: string | undefined;
  /** No request leaves before this instant (epoch ms): the latest Retry-After seen. */
  private notBefore = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly s: Omit<PcStats, 'tokenRequests'>;

  constructor(options: PartnerCenterClientOptions) {
    this.apiUrl = new URL((options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '') + '/');
    this.tokens = options.tokens;
    this.retry = resolveRetryOptions(options.retry);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.logger = options.logger ?? silentLogger;
    this.pollIntervalMs = options.accepted?.pollIntervalMs ?? 2000;
    this.maxAcceptedWaitMs = options.accepted?.maxWaitMs ?? 120_000;
    this.applicationName = options.applicationName;
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 5));
    const rate = Math.max(1, options.ratePerMinute ?? 450);
    // A sliding window about a second long, so the rate is spread over the minute instead of spent
    // in a burst at its start: 450/min → 7 calls per 933 ms.
    const intervalCap = Math.max(1, Math.floor(rate / 60));
    this.queue = new PQueue({ concurrency, intervalCap, interval: (intervalCap * 60_000) / rate, strict: true });
    this.s = {
      calls: 0,
      reads: 0,
      writes: 0,
      requests: 0,
      byOperation: {},
      retries: { total: 0, throttled: 0, server: 0, timeout: 0, network: 0, conflict: 0, auth: 0 },
      throttling: { responses: 0, waitMs: 0 },
      polls: 0,
      maxInFlight: 0,
    };
  }

  /** A new MS-RequestId, for a caller (the journal) that must persist it before sending. */
  static newRequestId(): string {
    return randomUUID();
  }

  /** The run's figures so far (a copy). */
  stats(): PcStats {
    return structuredClone({ ...this.s, tokenRequests: this.tokens.requests ?? 0 });
  }

  /**
   * Send one call through the pipeline. Resolves with a 2xx (or `accept`ed) answer; rejects with a
   * `PartnerCenterApiError` subclass for Partner Center's refusals (row problems), or a
   * `PartnerCenterUnavailableError` (exit 5) when Partner Center cannot be reached past the
   * retry bound or refuses the credentials.
   */
  async send<T = unknown>(req: PcRequest): Promise<PcResponse<T>> {
    const requestId = req.requestId ?? randomUUID();
    const kind = req.kind ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    const op = (this.s.byOperation[req.operation] ??= { calls: 0, requests: 0, retries: 0, failures: 0 });
    this.s.calls++;
    this.s[kind === 'read' ? 'reads' : 'writes']++;
    op.calls++;
    const url = this.urlFor(req.path, req.query);
    const display = url.pathname + url.search;
    let retries = 0;
    let throttled = 0;
    let renewedToken = false;
    for (let attempt = 1; ; attempt++) {
      // A retry goes ahead of fresh calls: it is older work, and its writes hold journal entries open.
      const a = await this.queue.add(() => this.attempt(req, url, requestId, attempt), { priority: attempt > 1 ? 1 : 0, signal: req.signal });
      op.requests++;
      const ctx: PcCallContext = { operation: req.operation, method: req.method, path: display, requestId, correlationId: a.correlationId };
      if (a.kind === 'failed') {
        if (req.signal?.aborted) throw req.signal.reason;
        const reason = a.timedOut ? 'timeout' : 'network';
        if (retries >= this.retry.maxRetries) {
          op.failures++;
          throw new PartnerCenterUnavailableError(
            `Partner Center could not be reached: ${req.method} ${url.pathname} failed ${attempt} times (last: ${a.timedOut ? `no answer within ${this.timeoutMs} ms` : describeNetworkError(a.error)}).`,
            { reason: 'unreachable', cause: a.error },
          );
        }
        retries++;
        await this.backoff(ctx, reason, retries, undefined, req.signal);
        continue;
      }
      const { status } = a;
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
        return { status, headers: a.headers, body: a.body as T, requestId, correlationId: a.correlationId, attempts: attempt };
      }
      const fault: PcFault = parsePcFault(a.body, a.statusText || `HTTP ${status}`);
      this.logger.debug('Partner Center refused a call', { event: 'pc.fault', ...ctx, status, fault: redact(fault) });
      if (status === 429) {
        this.s.throttling.responses++;
        throttled++;
        if (throttled > this.retry.maxThrottleRetries) {
          op.failures++;
          throw pcErrorFor(status, fault, ctx);
        }
        const waitMs = Math.min(
          this.retry.maxThrottleWaitMs,
          parseRetryAfter(a.headers.get('retry-after')) ?? this.retry.defaultThrottleWaitMs * 2 ** (throttled - 1),
        );
        this.holdQueue(waitMs, ctx);
        this.countRetry(op, 'throttled');
        continue;
      }
      if (status === 401) {
        const mfa = fault.code === '900421' || MFA_TEXT.test(fault.description) || MFA_TEXT.test(a.headers.get('www-authenticate') ?? '');
        if (mfa) {
          op.failures++;
          throw new PartnerCenterUnavailableError(credentialRefusalSentence('mfa', `HTTP 401, error ${fault.code ?? '900421'}`), {
            reason: 'credentials-refused',
            cause: pcErrorFor(status, fault, ctx),
          });
        }
        if (!renewedToken) {
          // A token can be revoked before its expiry: renew once, then believe Partner Center.
          renewedToken = true;
          this.tokens.invalidate(a.token);
          this.countRetry(op, 'auth');
          continue;
        }
        op.failures++;
        throw new PartnerCenterUnavailableError(credentialRefusalSentence('other', `Partner Center answered HTTP 401${fault.code ? `, error ${fault.code}` : ''} to a fresh token`), {
          reason: 'credentials-refused',
          cause: pcErrorFor(status, fault, ctx),
        });
      }
      const serverSide = status >= 500 || status === 408;
      const tryLater = !serverSide && retryabilityOf(status, fault) === 'transient';
      if (serverSide || tryLater) {
        if (retries >= this.retry.maxRetries) {
          op.failures++;
          const error = pcErrorFor(status, fault, ctx);
          if (tryLater) throw error; // Partner Center answered: a row problem, not an outage.
          throw new PartnerCenterUnavailableError(
            `Partner Center could not complete ${req.method} ${url.pathname} after ${attempt} attempts (last: HTTP ${status}${fault.code ? `, code ${fault.code}` : ''}: ${fault.description}).`,
            { reason: 'unreachable', cause: error },
          );
        }
        retries++;
        await this.backoff(ctx, serverSide ? 'server' : 'conflict', retries, parseRetryAfter(a.headers.get('retry-after')), req.signal);
        continue;
      }
      op.failures++;
      throw pcErrorFor(status, fault, ctx);
    }
  }

  /** `send` for the body alone. */
  async call<T = unknown>(req: PcRequest): Promise<T> {
    return (await this.send<T>(req)).body;
  }

  /**
   * Every page of a collection, read lazily. Follows `links.next` (replaying its headers, as
   * Partner Center's SDK does) or, without one, the continuation token (body `continuationToken`
   * or header `MS-ContinuationToken`) with `seekOperation=next`. Resume an interrupted listing
   * with the last page's `continuationToken`.
   */
  async *paginate<T>(req: PcRequest, resume?: { continuationToken: string }): AsyncGenerator<PcPage<T>, void, undefined> {
    let next: PcRequest | undefined = resume ? this.seekNext(req, resume.continuationToken) : req;
    const seen = new Set<string>();
    while (next) {
      const r: PcResponse<unknown> = await this.send(next);
      const body = (r.body !== null && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
      const rawItems = body.items ?? body.Items;
      const items = (Array.isArray(rawItems) ? rawItems : []) as T[];
      const links = (body.links ?? body.Links) as Record<string, unknown> | undefined;
      const nextLink = (links?.next ?? links?.Next) as { uri?: string; method?: string; headers?: Array<{ key?: string; value?: string }> } | undefined;
      const linkHeaders: Record<string, string> = {};
      for (const h of nextLink?.headers ?? []) if (h?.key && typeof h.value === 'string') linkHeaders[h.key] = h.value;
      const linkToken = Object.entries(linkHeaders).find(([k]) => k.toLowerCase() === 'ms-continuationtoken')?.[1];
      const token = str(body.continuationToken) ?? str(body.ContinuationToken) ?? linkToken ?? r.headers.get('ms-continuationtoken') ?? undefined;
      const nextUri = typeof nextLink?.uri === 'string' && nextLink.uri !== '' ? nextLink.uri : undefined;
      const page: PcPage<T> = { items };
      const total = Number(body.totalCount ?? body.TotalCount);
      if (Number.isFinite(total)) page.totalCount = total;
      if (!nextUri && !token) {
        yield page;
        return;
      }
      const key = `${nextUri ?? ''}\n${token ?? ''}`;
      if (seen.has(key)) throw new Error(`Partner Center returned the same continuation for ${req.operation} twice; the listing was stopped to avoid a loop.`);
      seen.add(key);
      if (token) page.continuationToken = token;
      yield page;
      if (nextUri) {
        const headers = { ...req.headers, ...linkHeaders };
        if (token && !linkToken) headers['MS-ContinuationToken'] = token;
        next = { operation: req.operation, method: nextLink?.method?.toUpperCase() === 'POST' ? 'POST' : 'GET', path: nextUri, headers, kind: 'read', ...(req.signal ? { signal: req.signal } : {}) };
      } else {
        next = this.seekNext(req, token!);
      }
    }
  }

  /** Every item of a collection, across pages. */
  async *items<T>(req: PcRequest): AsyncGenerator<T, void, undefined> {
    for await (const page of this.paginate<T>(req)) yield* page.items;
  }

  /**
   * Follow a `202 Accepted` to its end: GET its `Location` until it answers 200 and `isDone`
   * holds (the change is visible), within the bound. A non-202 answer is returned as it is.
   */
  async followAccepted<T>(
    response: PcResponse<T>,
    options: { operation: string; isDone?: (body: T) => boolean; maxWaitMs?: number; signal?: AbortSignal },
  ): Promise<PcAcceptedResult<T>> {
    if (response.status !== 202) return { state: 'done', body: response.body, response };
    const location = response.headers.get('location') ?? undefined;
    if (!location) return { state: 'pending' };
    const deadline = Date.now() + (options.maxWaitMs ?? this.maxAcceptedWaitMs);
    let interval = parseRetryAfter(response.headers.get('retry-after')) ?? this.pollIntervalMs;
    let lastBody: T | undefined;
    for (;;) {
      if (Date.now() + interval > deadline) return lastBody === undefined ? { state: 'pending', location } : { state: 'pending', location, lastBody };
      await sleep(interval, options.signal);
      this.s.polls++;
      const r = await this.send<T>({ operation: `${options.operation}.poll`, method: 'GET', path: location, kind: 'read', ...(options.signal ? { signal: options.signal } : {}) });
      if (r.status === 200) {
        lastBody = r.body;
        if (options.isDone?.(r.body) ?? true) return { state: 'done', body: r.body, response: r };
      }
      interval = Math.min(15_000, parseRetryAfter(r.headers.get('retry-after')) ?? Math.round(interval * 1.5));
    }
  }

  /** Wait for every queued call to finish (the end of a run). */
  async onIdle(): Promise<void> {
    await this.queue.onIdle();
  }

  /** Stop the timers (the client holds none once idle; this is for a run cut short). */
  close(): void {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.queue.clear();
    this.queue.start();
  }

  /** An absolute URL under the API root; never another host, so the token cannot leak through a link. */
  urlFor(path: string, query?: PcRequest['query']): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      const given = new URL(path);
      url = new URL(this.apiUrl.href);
      if (given.origin !== this.apiUrl.origin) {
        this.logger.warn('a Partner Center link named another host; its path is read from the API root instead', { event: 'pc.link.rehosted', host: given.host });
      }
      // Keep the link's path and query, re-rooted under the configured API root.
      url.pathname = given.pathname;
      url.search = given.search;
    } else {
      const [p, q] = splitQuery(path);
      const rel = p.replace(/^\/+/, '');
      const versioned = /^v\d+(?:\/|$)/i.test(rel) ? rel : `v1/${rel}`;
      url = new URL(versioned, this.apiUrl);
      if (q) url.search = q;
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private seekNext(req: PcRequest, token: string): PcRequest {
    return { ...req, kind: 'read', query: { ...req.query, seekOperation: 'next' }, headers: { ...req.headers, 'MS-ContinuationToken': token } };
  }

  /** One HTTP request: runs inside a queue slot. */
  private async attempt(req: PcRequest, url: URL, requestId: string, attempt: number): Promise<Attempt> {
    this.inFlight++;
    this.s.maxInFlight = Math.max(this.s.maxInFlight, this.inFlight);
    const correlationId = randomUUID();
    try {
      await this.waitForGate(req.signal);
      const token = await this.tokens.getAccessToken();
      // The token request may have taken a while: a 429 seen meanwhile still holds this call.
      await this.waitForGate(req.signal);
      const headers: Record<string, string> = {
        Accept: 'application/json',
        'MS-RequestId': requestId,
        'MS-CorrelationId': correlationId,
        'MS-Contract-Version': 'v1',
        ...(this.applicationName ? { 'MS-PartnerCenter-Application': this.applicationName } : {}),
        ...req.headers,
        Authorization: `Bearer ${token}`,
      };
      let body: string | undefined;
      if (req.body !== undefined) {
        body = JSON.stringify(req.body);
        headers['Content-Type'] = 'application/json';
      }
      this.s.requests++;
      const started = Date.now();
      this.logger.debug('Partner Center request', {
        event: 'pc.request',
        operation: req.operation,
        method: req.method,
        path: redactText(url.pathname + url.search),
        requestId,
        correlationId,
        attempt,
        headers: redact(headers),
      });
      const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
      try {
        const res = await fetch(url, { method: req.method, headers, ...(body === undefined ? {} : { body }), signal });
        const text = req.method === 'HEAD' ? '' : await res.text();
        this.logger.debug('Partner Center response', {
          event: 'pc.response',
          operation: req.operation,
          status: res.status,
          ms: Date.now() - started,
          requestId,
          correlationId,
        });
        return { kind: 'answer', status: res.status, statusText: res.statusText, headers: res.headers, body: parseBody(text), correlationId, token };
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' && !req.signal?.aborted;
        this.logger.debug('Partner Center request failed', {
          event: 'pc.request-failed',
          operation: req.operation,
          requestId,
          correlationId,
          timedOut,
          error: describeNetworkError(error),
        });
        return { kind: 'failed', error, timedOut, correlationId };
      }
    } finally {
      // A refused token renewal or a caller's abort while waiting propagates from here: not an attempt to retry.
      this.inFlight--;
    }
  }

  private async waitForGate(signal?: AbortSignal): Promise<void> {
    for (let wait = this.notBefore - Date.now(); wait > 0; wait = this.notBefore - Date.now()) await sleep(wait, signal);
  }

  /**
   * A 429 holds the whole queue: nothing queued starts, and nothing already started is sent,
   * until Retry-After has passed. A later 429 can only push the time further.
   */
  private holdQueue(waitMs: number, ctx: PcCallContext): void {
    const now = Date.now();
    const until = now + waitMs;
    this.logger.warn('Partner Center throttled a call; every call waits', { event: 'pc.throttled', operation: ctx.operation, requestId: ctx.requestId, waitMs });
    if (until <= this.notBefore) return;
    this.s.throttling.waitMs += until - Math.max(now, this.notBefore);
    this.notBefore = until;
    this.queue.pause();
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, until - now);
  }

  private async backoff(ctx: PcCallContext, reason: 'server' | 'timeout' | 'network' | 'conflict', retry: number, retryAfterMs: number | undefined, signal?: AbortSignal): Promise<void> {
    const op = this.s.byOperation[ctx.operation]!;
    this.countRetry(op, reason);
    const delayMs = Math.min(this.retry.maxThrottleWaitMs, Math.max(backoffDelay(retry, this.retry), retryAfterMs ?? 0));
    this.logger.warn('Partner Center call retried', { event: 'pc.retry', operation: ctx.operation, requestId: ctx.requestId, reason, retry, delayMs });
    await sleep(delayMs, signal);
  }

  private countRetry(op: { retries: number }, reason: keyof PcStats['retries']): void {
    op.retries++;
    this.s.retries.total++;
    this.s.retries[reason]++;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function splitQuery(path: string): [string, string | undefined] {
  const i = path.indexOf('?');
  return i < 0 ? [path, undefined] : [path.slice(0, i), path.slice(i)];
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      return text;
    }
  }
  return text;
}

/** A network failure in words, without anything from the request (no headers, no body). */
function describeNetworkError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

