/**
 * A local simulation of Microsoft Partner Center's REST API (and of the Entra ID token endpoint it
 * needs), on loopback, for tests, demos and benchmarks. It is never a default target: a client
 * reaches it only when given its URLs explicitly.
 *
 * It is written from Microsoft's documentation (PARTNER-CENTER-API.md and the sources it cites),
 * not from any client: its wire shapes and rules are its own. Where Microsoft documents no
 * behaviour, the choice made is marked "assumption" in the code.
 *
 * One request goes: bearer token → MFA fault → throttle (429) → injected 5xx → replay of an earlier
 * answer for the same MS-RequestId (writes) → slow-answer delay → the route → (lost answer: the
 * change is made, then the socket is destroyed) → answer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newCredentials, TokenService, type SandboxCredentials } from './auth.js';
import { CallLog, redactForm, redactHeaders } from './call-log.js';
import { Catalog, defaultOffers, type BillingCycle, type OfferDefinition } from './catalog.js';
import { SandboxClock, type ClockOptions } from './clock.js';
import { PcError, pcError } from './errors.js';
import { Faults, type RateLimitOptions } from './faults.js';
import { camelizeKeys, Router, type Reply, type RequestContext, type SandboxServices, type SandboxSettings } from './http.js';
import type { CustomerRecord, ResellerAuthorization, ResellerRecord, SubscriptionRecord, SupportContact, TransitionRecord } from './records.js';
import { auditRoutes } from './routes/audit-routes.js';
import { cartRoutes } from './routes/cart-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { customerRoutes } from './routes/customer-routes.js';
import { orderRoutes } from './routes/order-routes.js';
import { resellerRoutes } from './routes/reseller-routes.js';
import { subscriptionRoutes } from './routes/subscription-routes.js';
import { utilityRoutes } from './routes/utility-routes.js';
import { SandboxState, type ProviderIdentity, type ProvisioningOptions, type SeedInput, type SeedReseller, type SeedResult } from './state.js';

export interface SandboxOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  provider?: Partial<ProviderIdentity>;
  /** The client credentials the token endpoint accepts; generated when not given. */
  credentials?: Partial<SandboxCredentials>;
  /** Every refresh returns a new refresh token and the old one stops working (default false). */
  rotateRefreshTokens?: boolean;
  /** Access token lifetime (default 3600, as Entra's `expires_in`). */
  accessTokenLifetimeSeconds?: number;
  rateLimit?: RateLimitOptions;
  /** Added to every answer, in real milliseconds. */
  latencyMs?: number;
  provisioning?: Partial<ProvisioningOptions>;
  subscriptionPatch?: Partial<SandboxSettings['subscriptionPatch']>;
  clock?: ClockOptions;
  /** Replaces the default catalog. */
  catalog?: OfferDefinition[];
  seed?: SeedInput;
  listIncludesAssociatedPartnerId?: boolean;
  maxPageSize?: number;
  /** Calls kept in the call log (default 1,000,000; older ones are dropped). */
  callLogLimit?: number;
  /**
   * How many answers are remembered for MS-RequestId replays (default 100,000). How long Partner
   * Center remembers one is undocumented; the oldest are forgotten first.
   */
  idempotencyLimit?: number;
}

/** Changes made "in Partner Center's own UI": the same rules as the API, recorded in the activity log as UI changes. */
export interface DirectChanges {
  /** A partnership request accepted: the reseller joins the indirect reseller list. */
  acceptPartnership(reseller: SeedReseller): ResellerRecord;
  /** Indirect resellers → Remove partnership. */
  removePartnership(mpnId: string): ResellerRecord;
  /** Microsoft's view of a reseller's authorization changes (MPA signed or not, …); not an activity. */
  setResellerAuthorization(mpnId: string, authorization: ResellerAuthorization): void;
  /** Add customer (body in the API's shape); returns the record and the one-time password. */
  createCustomer(body: Record<string, unknown>): { customer: CustomerRecord; password: string };
  /** Buy a subscription; provisioned at once. */
  purchase(customerId: string, line: { offerId: string; quantity: number; termDuration?: string; billingCycle?: BillingCycle; friendlyName?: string; partnerId?: string }): SubscriptionRecord;
  /** Change fields of a subscription; fields left out stay as they are (the UI has no PATCH trap). */
  changeSubscription(subscriptionId: string, change: Partial<{ quantity: number; status: 'active' | 'suspended' | 'deleted'; autoRenewEnabled: boolean; friendlyName: string; partnerId: string }>): SubscriptionRecord;
  setSupportContact(subscriptionId: string, mpnId: string): SupportContact;
  transition(subscriptionId: string, body: { toCatalogItemId: string; quantity: number; transitionType?: string; termDuration?: string; billingCycle?: string }): TransitionRecord;
}

/** Controls of the token endpoint's state. */
export interface AuthControls {
  /** The refresh token as the user revoked it (or an admin reset the password): AADSTS50173. */
  revokeRefreshToken(): void;
  /** The refresh token expired from inactivity: AADSTS700082. */
  expireRefreshToken(): void;
  /** A new interactive MFA sign-in: a new valid refresh token (the old one stops working). */
  reissueRefreshToken(): string;
  /** Every access token issued so far stops working (401). */
  revokeAccessTokens(): void;
  /** Token requests fail with AADSTS50076 (MFA required) while true. */
  requireInteractiveMfa(required: boolean): void;
  rotateRefreshTokens: boolean;
  /** Every access token and refresh token issued so far (for tests that prove none leaks). */
  issuedSecrets(): string[];
}

export interface Sandbox {
  /** API base: `http://127.0.0.1:PORT` (routes under `/v1`). */
  readonly url: string;
  /** Token endpoint base: `POST {loginUrl}/{tenantId}/oauth2/token`. */
  readonly loginUrl: string;
  /** The provider's tenant ID. */
  readonly tenantId: string;
  /** Client ID, secret, and the refresh token that works now. */
  readonly credentials: SandboxCredentials;
  readonly provider: ProviderIdentity;
  readonly state: SandboxState;
  readonly clock: SandboxClock;
  readonly catalog: Catalog;
  readonly calls: CallLog;
  /** The most calls ever in flight at once. */
  readonly maxInFlight: number;
  readonly faults: Faults;
  readonly auth: AuthControls;
  readonly ui: DirectChanges;
  /** Mutable: provisioning delay/polls, 202 mode of PATCH, list shapes. */
  readonly settings: SandboxSettings;
  seed(input: SeedInput): SeedResult;
  /** Completes every order still provisioning. */
  provisionAll(): void;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new SandboxClock(options.clock);
  const catalog = new Catalog(options.catalog ?? defaultOffers());
  const provider: ProviderIdentity = {
    tenantId: (options.provider?.tenantId ?? randomUUID()).toLowerCase(),
    mpnId: options.provider?.mpnId ?? '1234567',
    name: options.provider?.name ?? 'Contoso Distribution',
    domain: options.provider?.domain ?? 'contosodistribution.onmicrosoft.com',
    country: options.provider?.country ?? 'US',
  };
  const settings: SandboxSettings = {
    provisioning: { delayMs: options.provisioning?.delayMs ?? 0, polls: options.provisioning?.polls ?? 0 },
    subscriptionPatch: { accepted: options.subscriptionPatch?.accepted ?? false, visibleAfterPolls: options.subscriptionPatch?.visibleAfterPolls ?? 0 },
    listIncludesAssociatedPartnerId: options.listIncludesAssociatedPartnerId ?? false,
    maxPageSize: options.maxPageSize ?? 500,
  };
  const state = new SandboxState(clock, catalog, provider, settings.provisioning);
  const generated = newCredentials();
  const clientId = options.credentials?.clientId ?? generated.clientId;
  const clientSecret = options.credentials?.clientSecret ?? generated.clientSecret;
  const tokens = new TokenService(clock, provider.tenantId, clientId, clientSecret, options.credentials?.refreshToken ?? generated.refreshToken, options.rotateRefreshTokens ?? false, options.accessTokenLifetimeSeconds ?? 3600);
  const faults = new Faults();
  if (options.rateLimit) faults.rateLimit(options.rateLimit);
  faults.latencyMs = options.latencyMs ?? 0;
  const calls = new CallLog(options.callLogLimit ?? 1_000_000);
  const idempotencyLimit = options.idempotencyLimit ?? 100_000;
  const answers = new Map<string, Promise<StoredAnswer | undefined>>();
  if (options.seed) state.seed(options.seed);

  const services: SandboxServices = { state, catalog, clock, provider, settings };
  const router = new Router();
  router.add([
    ...utilityRoutes(services),
    ...resellerRoutes(services),
    ...customerRoutes(services),
    ...catalogRoutes(services),
    ...cartRoutes(services),
    ...orderRoutes(services),
    ...subscriptionRoutes(services),
    ...auditRoutes(services, {
      partnerTenantId: provider.tenantId,
      apiUserPrincipalName: `integration@${provider.domain}`,
      uiUserPrincipalName: `admin@${provider.domain}`,
      apiApplicationId: clientId,
    }),
  ]);

  let origin = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const requestId = headerOf(req, 'ms-requestid');
    const correlationId = headerOf(req, 'ms-correlationid');
    const record = calls.start({
      method, path, query: Object.fromEntries(url.searchParams), headers: redactHeaders(req.headers),
      ...(requestId ? { requestId } : {}), ...(correlationId ? { correlationId } : {}), startedAt: Date.now(),
    });
    res.on('close', () => calls.end(record, res.writableFinished ? res.statusCode : 0));
    const baseHeaders: Record<string, string> = {
      'MS-RequestId': requestId ?? randomUUID(),
      'MS-CorrelationId': correlationId ?? randomUUID(),
      'MS-CV': `${randomUUID().slice(0, 16)}.0`,
      'MS-ServerId': '101112616',
    };
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      send(res, { status: 413, body: pcError('invalidInput', [], 'The request body is too large.').body() }, baseHeaders, method);
      return;
    }

    // The token endpoint: /{tenant}/oauth2/token (v1) or /{tenant}/oauth2/v2.0/token.
    const tokenMatch = /^\/login\/([^/]+)\/oauth2\/(v2\.0\/)?token\/?$/i.exec(path);
    if (tokenMatch) {
      record.route = 'POST /login/{tenant}/oauth2/token';
      if (method !== 'POST') return send(res, { status: 405, body: { error: 'invalid_request', error_description: 'Use POST.' } }, {}, method);
      const form = new URLSearchParams(raw);
      record.body = redactForm(form);
      const tokenCall = { method, path };
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const delay = faults.takeDelay(tokenCall);
      if (delay) await sleep(delay.ms);
      const failure = faults.takeFailure(tokenCall);
      if (failure) return send(res, { status: failure.status, body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] } }, {}, method);
      const answer = tokens.handle(decodeURIComponent(tokenMatch[1]!), tokenMatch[2] ? 'v2' : 'v1', form);
      // A lost token answer after a rotation leaves the client with a refresh token that no longer works.
      if (faults.takeLostAnswer(tokenCall)) {
        req.socket.destroy();
        return;
      }
      return send(res, { status: answer.status, body: answer.body, headers: { 'Cache-Control': 'no-store' } }, {}, method);
    }

    let body: unknown = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
        record.body = body;
      } catch {
        record.body = raw;
        return send(res, { status: 400, body: pcError('invalidInput', [], 'The request body is not valid JSON.').body() }, baseHeaders, method);
      }
    }

    const matched = router.match(method, path);
    if (matched === undefined) return send(res, { status: 404, body: pcError('notFound', [], `No resource at ${path}.`).body() }, baseHeaders, method);
    if (matched === 'method-not-allowed') return send(res, { status: 405, body: new PcError(405, 405, `The method ${method} is not allowed on ${path}.`).body() }, baseHeaders, method);
    record.route = matched.name;

    const token = tokens.authenticate(headerOf(req, 'authorization'));
    if (token instanceof PcError) {
      return send(res, { status: token.status, body: token.body(), headers: { 'WWW-Authenticate': `Bearer realm="urn:cpsvc:cpid:${provider.tenantId}", error="invalid_token"` } }, baseHeaders, method);
    }
    const call = { method, path };
    if (token.kind === 'app+user' && faults.takeMfa(call)) {
      const error = pcError('mfaRequired');
      return send(res, { status: error.status, body: error.body() }, baseHeaders, method);
    }
    if (matched.route.appUserOnly && token.kind !== 'app+user') {
      const error = pcError('appUserOnly', [], 'Access denied: this operation supports App+User authentication only.');
      return send(res, { status: error.status, body: error.body() }, baseHeaders, method);
    }
    const retryAfter = faults.throttle(provider.tenantId, matched.params.customerId);
    if (retryAfter !== undefined) {
      record.retryAfterSeconds = retryAfter;
      // The 429 has its own body, not the ApiFault shape (api-throttling-guidance.md).
      return send(res, { status: 429, body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.` }, headers: { 'Retry-After': String(retryAfter) } }, baseHeaders, method);
    }
    const failure = faults.takeFailure(call);
    if (failure) {
      const description = failure.status === 503 ? 'The service is temporarily unavailable. Try again later.' : failure.status === 504 ? 'The request timed out.' : 'Unexpected service error';
      return send(res, { status: failure.status, body: new PcError(failure.status, failure.status === 500 ? 800003 : failure.status, description).body() }, baseHeaders, method);
    }

    // MS-RequestId: "used to ensure id-potency. If there's a timeout, the retry call should include the same value."
    const idempotencyKey = WRITE_METHODS.has(method) && requestId ? `${requestId.toLowerCase()} ${method} ${path.toLowerCase()}` : undefined;
    if (idempotencyKey) {
      const earlier = answers.get(idempotencyKey);
      if (earlier) {
        const stored = await earlier;
        if (stored) {
          record.replayed = true;
          if (faults.latencyMs > 0) await sleep(faults.latencyMs);
          return sendStored(res, stored, method);
        }
      }
    }

    let resolveStored: (answer: StoredAnswer | undefined) => void = () => undefined;
    if (idempotencyKey) {
      answers.set(idempotencyKey, new Promise((resolve) => { resolveStored = resolve; }));
      if (answers.size > idempotencyLimit) answers.delete(answers.keys().next().value!);
    }

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const delay = faults.takeDelay(call);
    if (delay) await sleep(delay.ms);

    const ctx: RequestContext = {
      method, path, params: matched.params, query: url.searchParams, headers: req.headers,
      body: (camelizeKeys(body) ?? {}) as Record<string, unknown>, rawBody: body, token, origin,
    };
    let reply: Reply;
    try {
      reply = await matched.route.handle(ctx);
    } catch (error) {
      if (error instanceof PcError) reply = { status: error.status, body: error.body() };
      else {
        // A bug in the simulation answers like a Partner Center outage, and says what broke.
        reply = { status: 500, body: new PcError(500, 800003, `Unexpected service error: ${error instanceof Error ? error.message : String(error)}`).body() };
      }
    }
    const stored: StoredAnswer = { status: reply.status, headers: { ...baseHeaders, ...(reply.headers ?? {}) }, body: reply.body === undefined ? '' : JSON.stringify(reply.body) };
    // Business answers (success or refusal) are remembered; a 5xx changed nothing and may be retried afresh.
    if (idempotencyKey) {
      if (reply.status < 500) resolveStored(stored);
      else {
        answers.delete(idempotencyKey);
        resolveStored(undefined);
      }
    }
    if (faults.takeLostAnswer(call)) {
      // The change is made; the answer never arrives.
      req.socket.destroy();
      return;
    }
    sendStored(res, stored, method);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: new PcError(500, 800003, `Unexpected service error: ${error instanceof Error ? error.message : String(error)}`).body() }, {}, req.method ?? 'GET');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // With a clock that flows, renewals and expiries also fall due between calls: a sweep each minute
  // puts them in the activity log near their time even for subscriptions nobody reads.
  const sweep = options.clock?.frozen ? undefined : setInterval(() => state.applyDue(), 60_000);
  sweep?.unref();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;

  const ui: DirectChanges = {
    acceptPartnership: (reseller) => state.acceptPartnership(reseller, 'ui'),
    removePartnership: (mpnId) => state.removePartnership(mpnId, 'ui'),
    setResellerAuthorization: (mpnId, authorization) => state.setResellerAuthorization(mpnId, authorization),
    createCustomer: (body) => state.createCustomer(camelizeKeys(body) as Record<string, unknown>, 'ui'),
    purchase: (customerId, line) => {
      const customer = state.customers.get(customerId.toLowerCase());
      if (!customer) throw new RangeError(`no customer ${customerId}`);
      const [productId = '', skuId = ''] = line.offerId.split(':');
      const offer = catalog.offer(productId, skuId);
      if (!offer) throw new RangeError(`no offer ${line.offerId}`);
      const termDuration = line.termDuration ?? offer.terms[0]!.duration;
      const billingCycle = line.billingCycle ?? 'monthly';
      const lineError = state.checkPurchaseLine(customer, { catalogItemId: `${offer.productId}:${offer.skuId}:${offer.availabilityId}`, quantity: line.quantity, termDuration, billingCycle, participants: line.partnerId ? [{ key: 'transaction_reseller', value: line.partnerId }] : [] }, true, new Map());
      if (lineError) throw new PcError(400, lineError.errorCode, lineError.errorDescription);
      if (line.partnerId) state.checkPartnerOfRecord(line.partnerId);
      const [order] = state.purchase(customer, [{ offer, quantity: line.quantity, termDuration, billingCycle, ...(line.friendlyName ? { friendlyName: line.friendlyName } : {}), partnerId: line.partnerId ?? '' }], 'ui', { provisioning: { delayMs: 0, polls: 0 } });
      state.pollOrder(order!, false);
      return state.subscriptions.get(order!.lineItems[0]!.subscriptionId)!;
    },
    changeSubscription: (subscriptionId, change) => {
      const sub = state.subscriptions.get(subscriptionId.toLowerCase());
      if (!sub) throw new RangeError(`no subscription ${subscriptionId}`);
      state.renewIfDue(sub);
      return state.changeSubscription(sub, {
        quantity: change.quantity ?? sub.quantity,
        status: change.status ?? sub.status,
        autoRenewEnabled: change.autoRenewEnabled ?? sub.autoRenewEnabled,
        friendlyName: change.friendlyName ?? sub.friendlyName,
        partnerId: change.partnerId ?? sub.partnerId,
        scheduledNextTerm: sub.scheduledNextTerm ?? null,
      }, 'ui');
    },
    setSupportContact: (subscriptionId, mpnId) => {
      const sub = state.subscriptions.get(subscriptionId.toLowerCase());
      if (!sub) throw new RangeError(`no subscription ${subscriptionId}`);
      const reseller = state.resellers.get(mpnId);
      const tenantId = mpnId === provider.mpnId ? provider.tenantId : reseller?.tenantId ?? '';
      return state.setSupportContact(sub, { supportTenantId: tenantId, supportMpnId: mpnId, name: reseller?.name ?? provider.name }, 'ui');
    },
    transition: (subscriptionId, body) => {
      const sub = state.subscriptions.get(subscriptionId.toLowerCase());
      if (!sub) throw new RangeError(`no subscription ${subscriptionId}`);
      return state.transition(sub, { transitionType: 'transition_only', ...body }, 'ui');
    },
  };

  const auth: AuthControls = {
    revokeRefreshToken: () => tokens.revokeRefreshToken(),
    expireRefreshToken: () => tokens.expireRefreshToken(),
    reissueRefreshToken: () => tokens.reissueRefreshToken(),
    revokeAccessTokens: () => tokens.revokeAccessTokens(),
    requireInteractiveMfa: (required) => { tokens.interactiveMfaRequired = required; },
    issuedSecrets: () => tokens.issuedSecrets(),
    get rotateRefreshTokens() { return tokens.rotate; },
    set rotateRefreshTokens(value: boolean) { tokens.rotate = value; },
  };

  let closed = false;
  return {
    url: origin,
    loginUrl: `${origin}/login`,
    tenantId: provider.tenantId,
    get credentials() {
      return { clientId, clientSecret, refreshToken: tokens.refreshToken };
    },
    provider,
    state,
    clock,
    catalog,
    calls,
    get maxInFlight() {
      return calls.maxInFlight;
    },
    faults,
    auth,
    ui,
    settings,
    seed: (input) => state.seed(input),
    provisionAll: () => state.provisionAll(),
    close: async () => {
      if (closed) return;
      closed = true;
      if (sweep) clearInterval(sweep);
      state.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply, baseHeaders: Record<string, string>, method: string): void {
  sendStored(res, { status: reply.status, headers: { ...baseHeaders, ...(reply.headers ?? {}) }, body: reply.body === undefined ? '' : JSON.stringify(reply.body) }, method);
}

function sendStored(res: ServerResponse, answer: StoredAnswer, method: string): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...answer.headers };
  if (answer.body.length > 0) headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = Buffer.byteLength(answer.body);
  res.writeHead(answer.status, headers);
  res.end(method === 'HEAD' ? undefined : answer.body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { SandboxCredentials } from './auth.js';
export type { SandboxSettings } from './http.js';
export type { SeedInput, SeedResult, ProviderIdentity } from './state.js';
export type { RateLimitOptions, CallMatch } from './faults.js';
export type { CallRecord } from './call-log.js';
