import type { ErrorCode } from '../core/error-codes.js';

/**
 * Partner Center's error body, normalised. Partner Center documents `code` as a string but its
 * examples return numbers, request examples use PascalCase and responses camelCase, and the 429
 * body is `{ statusCode, message }`: every variant lands here, `code` always as a string.
 */
export interface PcFault {
  /** Partner Center's own code (`"800090"`), absent when the body carried none. */
  code?: string;
  /** Partner Center's description, or the HTTP reason phrase when the body had none. */
  description: string;
  source?: string;
  data?: unknown;
}

/** How the pipeline treats a failed answer: the retry layer reads this, never the status alone. */
export type Retryability =
  /** Never retried: the answer is Partner Center's decision. */
  | 'final'
  /** Retried with backoff and the same MS-RequestId ("try again after some time"). */
  | 'transient';

/** One row of the mapping table: matched by Partner Center code, by description, or by HTTP status. */
interface PcErrorRule {
  codes?: readonly string[];
  /** For refusals Partner Center words but does not number consistently (seat caps, domains). */
  description?: RegExp;
  statuses?: readonly number[];
  tiersync: ErrorCode;
  retry?: Retryability;
}

/**
 * THE table from Partner Center's refusals to tiersync's codes (codes and HTTP statuses from
 * Partner Center's error-codes page; descriptions where no code is documented). First match wins:
 * codes, then descriptions, then statuses; `pc.error` for the rest. Codes Partner Center uses for
 * two different meanings (2001, 2006) are left out on purpose: the description is in the message.
 */
const PC_ERROR_RULES: readonly PcErrorRule[] = [
  { codes: ['800090', '900214', '900257'], tiersync: 'pc.quantity-decrease-window' },
  { codes: ['900117', '900213'], tiersync: 'pc.cancel-window' },
  // 2200-2206: the reseller MPA status check's refusals (2000/2001 there are generic, so not here).
  { codes: ['800015', '800016', '800039', '900123', '900247', '900400', '2200', '2201', '2203', '2204', '2205', '2206'], tiersync: 'reseller.not-authorized' },
  { codes: ['2072'], tiersync: 'mpn.is-provider' },
  { codes: ['10015', '800067', '800088', '800089'], tiersync: 'pc.seat-limit' },
  { codes: ['2002'], tiersync: 'subscription.quantity-out-of-range' },
  { codes: ['800091', '2011'], tiersync: 'subscription.suspended' },
  { codes: ['13605', '10012'], tiersync: 'pc.customer-agreement-required' },
  { codes: ['20002'], tiersync: 'pc.no-relationship' },
  // 409 "not ready / being processed, try again after some time": retried with the same MS-RequestId.
  { codes: ['800082'], tiersync: 'pc.subscription-busy', retry: 'transient' },
  { codes: ['800064'], tiersync: 'pc.order-in-progress', retry: 'transient' },
  // "after 24 hours": no point retrying within a run.
  { codes: ['900278', '800014'], tiersync: 'pc.subscription-busy' },
  { codes: ['800060', '800065'], tiersync: 'pc.order-in-progress' },
  { codes: ['800018', '10009', '900116'], tiersync: 'pc.sandbox-limit' },
  { codes: ['400019', '10001', '2091', '2085'], tiersync: 'pc.offer-unavailable' },
  { codes: ['800093'], tiersync: 'pc.auto-renew-not-allowed' },
  { codes: ['800098'], tiersync: 'pc.partner-of-record-locked' },
  { codes: ['900258', '900259', '900260', '900261', '900267', '900268', '900269', '900270', '900236'], tiersync: 'pc.transition-refused' },
  { codes: ['900311'], tiersync: 'pc.too-many-updates' },
  { codes: ['900308', '900309', '1002', '2032'], tiersync: 'pc.forbidden' },
  { codes: ['2055'], tiersync: 'pc.stale-object' },
  { codes: ['600002', '600049', '600050', '600051'], tiersync: 'customer.registration-required' },
  { codes: ['3000', '10010'], tiersync: 'pc.invalid-request' },
  { description: /exceed(?:s|ed)? the remaining limit/i, tiersync: 'pc.seat-limit' },
  { description: /\bdomain\b.*\b(?:already|exists?|taken|in use|not available|unavailable)\b/i, tiersync: 'customer.domain-taken' },
  { description: /\btry again (?:after some ?time|later)\b/i, statuses: [409], tiersync: 'pc.subscription-busy', retry: 'transient' },
  { statuses: [429], tiersync: 'pc.throttled' },
  { statuses: [404], tiersync: 'pc.not-found' },
  { statuses: [412], tiersync: 'pc.stale-object' },
];

function ruleFor(status: number, fault: PcFault): PcErrorRule | undefined {
  const code = fault.code;
  const byCode = code === undefined ? undefined : PC_ERROR_RULES.find((r) => r.codes?.includes(code));
  if (byCode) return byCode;
  const byDescription = PC_ERROR_RULES.find(
    (r) => r.description !== undefined && r.description.test(fault.description) && (r.statuses === undefined || r.statuses.includes(status)),
  );
  if (byDescription) return byDescription;
  return PC_ERROR_RULES.find((r) => r.codes === undefined && r.description === undefined && r.statuses?.includes(status));
}

/** The tiersync code for a Partner Center refusal. */
export function tiersyncCodeFor(status: number, fault: PcFault): ErrorCode {
  return ruleFor(status, fault)?.tiersync ?? 'pc.error';
}

/** Whether a 409 (or any coded refusal) says "try again later" within a run. 5xx/408/429 are decided by the pipeline. */
export function retryabilityOf(status: number, fault: PcFault): Retryability {
  return ruleFor(status, fault)?.retry ?? 'final';
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** Read a Partner Center error body in any of its shapes; `reason` (the HTTP reason phrase) when it has no words. */
export function parsePcFault(body: unknown, reason: string): PcFault {
  if (typeof body === 'string') return { description: body.trim().slice(0, 1024) || reason };
  if (body === null || typeof body !== 'object') return { description: reason };
  const o = body as Record<string, unknown>;
  // Some gateways wrap the fault: { error: { code, message } }.
  const inner = o.error !== null && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : undefined;
  const pick = (...keys: string[]): unknown => {
    for (const k of keys) {
      if (o[k] !== undefined) return o[k];
      if (inner?.[k] !== undefined) return inner[k];
    }
    return undefined;
  };
  const code = str(pick('code', 'Code', 'errorCode', 'ErrorCode'));
  const description = str(pick('description', 'Description', 'message', 'Message', 'errorDescription', 'error_description')) ?? reason;
  const fault: PcFault = { description: description.slice(0, 1024) };
  if (code !== undefined) fault.code = code;
  const source = str(pick('source', 'Source'));
  if (source !== undefined) fault.source = source;
  const data = pick('data', 'Data');
  if (data !== undefined) fault.data = data;
  return fault;
}

/** What every Partner Center error carries: enough to find the call in Partner Center's logs, never a token. */
export interface PcCallContext {
  operation: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
  requestId: string;
  correlationId: string;
}

/**
 * A refusal from Partner Center (any non-2xx answer that the pipeline does not retry, or retried
 * to its bound). Row problems, not run failures: the caller turns `tiersyncCode` and `message`
 * into a diagnostic. The message carries Partner Center's code and description.
 */
export class PartnerCenterApiError extends Error {
  readonly status: number;
  readonly fault: PcFault;
  readonly tiersyncCode: ErrorCode;
  readonly context: PcCallContext;
  constructor(status: number, fault: PcFault, context: PcCallContext) {
    super(
      `Partner Center refused ${context.method} ${context.path.split('?')[0]} (HTTP ${status}${fault.code === undefined ? '' : `, code ${fault.code}`}): ${fault.description}`,
    );
    this.name = new.target.name;
    this.status = status;
    this.fault = fault;
    this.tiersyncCode = tiersyncCodeFor(status, fault);
    this.context = context;
  }
  /** Partner Center's own code, e.g. `"800090"`. */
  get pcCode(): string | undefined {
    return this.fault.code;
  }
}

/** 400: Partner Center's business rules refused the request. */
export class PcBadRequestError extends PartnerCenterApiError {}
/** 401 that survived a token renewal and names no credential problem. */
export class PcUnauthorizedError extends PartnerCenterApiError {}
/** 403: the caller lacks a right, or a rule forbids the change. */
export class PcForbiddenError extends PartnerCenterApiError {}
/** 404: no such object (for `HEAD /domains/{d}` a 404 is an answer, not an error: the operation handles it). */
export class PcNotFoundError extends PartnerCenterApiError {}
/** 409: a conflicting operation; retried first when Partner Center says "try again later". */
export class PcConflictError extends PartnerCenterApiError {}
/** 412: the If-Match ETag no longer matches. */
export class PcPreconditionFailedError extends PartnerCenterApiError {}
/** 429 past the throttle retry bound. */
export class PcThrottledError extends PartnerCenterApiError {}
/** 5xx or 408 past the retry bound (the pipeline wraps it in a PartnerCenterUnavailableError). */
export class PcServerError extends PartnerCenterApiError {}

/** The typed error for a status: one place, so callers can `instanceof` by kind. */
export function pcErrorFor(status: number, fault: PcFault, context: PcCallContext): PartnerCenterApiError {
  switch (status) {
    case 400:
      return new PcBadRequestError(status, fault, context);
    case 401:
      return new PcUnauthorizedError(status, fault, context);
    case 403:
      return new PcForbiddenError(status, fault, context);
    case 404:
      return new PcNotFoundError(status, fault, context);
    case 409:
      return new PcConflictError(status, fault, context);
    case 412:
      return new PcPreconditionFailedError(status, fault, context);
    case 429:
      return new PcThrottledError(status, fault, context);
    default:
      return status >= 500 || status === 408 ? new PcServerError(status, fault, context) : new PartnerCenterApiError(status, fault, context);
  }
}
