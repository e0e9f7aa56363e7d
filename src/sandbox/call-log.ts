/**
 * Every call the sandbox received, for tests and the bench: what was asked, what was answered,
 * when, and how many calls were in flight at once. Secrets are redacted as they are recorded
 * (the bearer token, the client secret and refresh token of token requests); answers' bodies
 * are not kept, so the admin passwords of new customers never enter the log.
 */
export interface CallRecord {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; `authorization` redacted. */
  headers: Record<string, string>;
  requestId?: string;
  correlationId?: string;
  /** Parsed JSON, or the form fields of a token request (secrets redacted), or the raw text. */
  body?: unknown;
  /** Undefined while in flight; `0` when the answer was lost (connection destroyed). */
  status?: number;
  /** The route that handled it (`GET /v1/customers/{id}`), when one did. */
  route?: string;
  /** A replay of an earlier answer for the same MS-RequestId. */
  replayed?: boolean;
  /** A 429's Retry-After, in seconds: no call of the tenant should arrive before it has passed. */
  retryAfterSeconds?: number;
  startedAt: number;
  endedAt?: number;
}

const SECRET_FIELDS = new Set(['client_secret', 'refresh_token', 'code', 'client_assertion', 'password', 'assertion']);

export class CallLog {
  private readonly records: CallRecord[] = [];
  private nextSeq = 1;
  private inFlightNow = 0;
  private maxInFlightSeen = 0;

  constructor(private readonly limit: number) {}

  start(entry: Omit<CallRecord, 'seq'>): CallRecord {
    const record: CallRecord = { ...entry, seq: this.nextSeq++ };
    this.records.push(record);
    // Keeps the most recent calls only; dropping half at a time keeps pushes amortized O(1).
    if (this.records.length > this.limit) this.records.splice(0, Math.ceil(this.limit / 2));
    this.inFlightNow += 1;
    if (this.inFlightNow > this.maxInFlightSeen) this.maxInFlightSeen = this.inFlightNow;
    return record;
  }

  end(record: CallRecord, status: number): void {
    if (record.endedAt !== undefined) return;
    record.status = status;
    record.endedAt = Date.now();
    this.inFlightNow -= 1;
  }

  /** Calls recorded (the most recent `limit` of them), oldest first. */
  get entries(): readonly CallRecord[] {
    return this.records;
  }

  /** Every call received since start (or the last `clear`), including ones dropped from `entries`. */
  get total(): number {
    return this.nextSeq - 1 - this.clearedBefore;
  }

  get inFlight(): number {
    return this.inFlightNow;
  }

  /** The most calls ever in flight at once. */
  get maxInFlight(): number {
    return this.maxInFlightSeen;
  }

  private clearedBefore = 0;

  clear(): void {
    this.records.length = 0;
    this.clearedBefore = this.nextSeq - 1;
    this.maxInFlightSeen = this.inFlightNow;
  }

  /** Calls matching a method and/or a route name. */
  count(filter: { method?: string; route?: string; status?: number } = {}): number {
    let n = 0;
    for (const r of this.records) {
      if (filter.method && r.method !== filter.method.toUpperCase()) continue;
      if (filter.route && r.route !== filter.route) continue;
      if (filter.status !== undefined && r.status !== filter.status) continue;
      n += 1;
    }
    return n;
  }
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? text.replace(/^(\w+)\s+.*/, '$1 [redacted]') : text;
  }
  return out;
}

export function redactForm(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form) out[key] = SECRET_FIELDS.has(key) ? '[redacted]' : value;
  return out;
}
