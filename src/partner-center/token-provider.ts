import { PartnerCenterUnavailableError } from '../core/errors.js';
import type { CredentialSource } from './credentials.js';
import { type PcLogger, redact, silentLogger } from './pc-log.js';
import { backoffDelay, parseRetryAfter, resolveRetryOptions, type RetryOptions, sleep } from './pc-retry.js';

/** The audience of every Partner Center token. */
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';

/** What the pipeline needs of a token source: the app+user provider below, or anything else that yields bearer tokens. */
export interface AccessTokenSource {
  /** A valid access token; renews it when it is close to expiry. Concurrent callers share one renewal. */
  getAccessToken(): Promise<string>;
  /** Forget `token` (Partner Center answered 401 with it), so the next `getAccessToken` renews. */
  invalidate(token: string): void;
  /** Token requests sent so far, for the run's stats. */
  readonly requests?: number;
}

export interface TokenProviderOptions {
  /** The provider's own Entra tenant ID (`init --partner-center TENANT_ID`). */
  tenantId: string;
  credentials: CredentialSource;
  /** `--pc-login-url`, default https://login.microsoftonline.com. */
  loginUrl?: string;
  /** Default https://api.partnercenter.microsoft.com. */
  resource?: string;
  timeoutMs?: number;
  /** Renew this long before expiry (default 5 min; at most half the token's lifetime). */
  renewBeforeMs?: number;
  retry?: RetryOptions;
  logger?: PcLogger;
  now?: () => number;
}

/** Why the sign-in was refused, from Entra ID's `error` / AADSTS codes or Partner Center's 900421. */
export type CredentialRefusal = 'mfa' | 'refresh-token' | 'client' | 'tenant' | 'other';

const REFRESH_TOKEN_HOW =
  'get a new refresh token by having the integration user sign in with MFA through the Secure Application Model consent flow, then put it in TIERSYNC_PC_REFRESH_TOKEN or the --pc-credentials file';

/** One sentence per refusal: what happened, and what the operator does about it. */
const REFUSAL_SENTENCES: Record<CredentialRefusal, (detail: string) => string> = {
  mfa: (d) => `Partner Center requires multi-factor authentication and the refresh token was not issued from an MFA sign-in (${d}): ${REFRESH_TOKEN_HOW}.`,
  'refresh-token': (d) => `The Partner Center refresh token has expired or been revoked (${d}): ${REFRESH_TOKEN_HOW}.`,
  client: (d) => `Entra ID refused the app's client ID or client secret (${d}): create a new client secret for the app in Partner Center App management and put it in TIERSYNC_PC_CLIENT_SECRET or the --pc-credentials file.`,
  tenant: (d) => `Entra ID does not know the provider tenant (${d}): check the tenant ID the store was created with (tiersync init --partner-center TENANT_ID).`,
  other: (d) => `Entra ID refused the Partner Center sign-in (${d}): check the tenant ID, client ID and client secret, or ${REFRESH_TOKEN_HOW}.`,
};

/** AADSTS codes by refusal; anything else under `invalid_grant` is a refresh token that no longer works. */
const AADSTS_REFUSALS: ReadonlyArray<readonly [CredentialRefusal, readonly number[]]> = [
  ['mfa', [50076, 50079, 50074, 50072, 50158, 900421]],
  ['refresh-token', [700082, 50173, 70008, 70043, 700084, 50133, 50089, 50078, 54005, 500341, 50057, 50055, 50053]],
  ['client', [7000215, 7000222, 700016, 7000218, 700027, 50011]],
  ['tenant', [90002, 900023, 90033]],
];

export function classifyCredentialRefusal(error: string | undefined, aadCodes: readonly number[]): CredentialRefusal {
  for (const [kind, codes] of AADSTS_REFUSALS) if (aadCodes.some((c) => codes.includes(c))) return kind;
  if (error === 'invalid_grant' || error === 'interaction_required') return 'refresh-token';
  if (error === 'invalid_client' || error === 'unauthorized_client') return 'client';
  return 'other';
}

/** The one sentence the operator sees when the credentials are refused (exit 5). */
export function credentialRefusalSentence(kind: CredentialRefusal, detail: string): string {
  return REFUSAL_SENTENCES[kind](detail);
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
  renewAt: number;
}

/**
 * App+user access tokens for Partner Center from the refresh token (Secure Application Model):
 * `POST {loginUrl}/{tenantId}/oauth2/token` with `grant_type=refresh_token`. The token lives in
 * memory for the run only and is renewed before it expires; a rotated refresh token is handed back
 * to the credential source, which keeps it in its file.
 */
export class TokenProvider implements AccessTokenSource {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private sent = 0;
  private readonly tokenUrl: string;
  private readonly o: {
    resource: string;
    timeoutMs: number;
    renewBeforeMs: number;
    logger: PcLogger;
    now: () => number;
    retry: ReturnType<typeof resolveRetryOptions>;
  };

  constructor(private readonly options: TokenProviderOptions) {
    const loginUrl = (options.loginUrl ?? DEFAULT_LOGIN_URL).replace(/\/+$/, '');
    this.tokenUrl = `${loginUrl}/${encodeURIComponent(options.tenantId)}/oauth2/token`;
    this.o = {
      resource: options.resource ?? PARTNER_CENTER_RESOURCE,
      timeoutMs: options.timeoutMs ?? 30_000,
      renewBeforeMs: options.renewBeforeMs ?? 300_000,
      logger: options.logger ?? silentLogger,
      now: options.now ?? Date.now,
      retry: resolveRetryOptions({ maxRetries: 3, ...options.retry }),
    };
  }

  get requests(): number {
    return this.sent;
  }

  async getAccessToken(): Promise<string> {
    const c = this.cached;
    if (c && this.o.now() < c.renewAt) return c.accessToken;
    // One renewal for every caller that finds the token stale at the same time.
    this.inFlight ??= this.renew().finally(() => {
      this.inFlight = undefined;
    });
    return (await this.inFlight).accessToken;
  }

  invalidate(token: string): void {
    if (this.cached?.accessToken === token) this.cached = undefined;
  }

  private async renew(): Promise<CachedToken> {
    const { credentials } = this.options.credentials;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      resource: this.o.resource,
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      refresh_token: credentials.refreshToken,
      scope: 'openid',
    });
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      this.sent++;
      const started = this.o.now();
      this.o.logger.debug('token request', { event: 'pc.token.request', url: this.tokenUrl, attempt });
      let status: number;
      let body: unknown;
      let retryAfter: string | null = null;
      try {
        const res = await fetch(this.tokenUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body: form.toString(),
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        const text = await res.text();
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
      } catch (error) {
        lastProblem = (error as Error).name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : `network error: ${(error as Error).message}`;
        if (attempt > this.o.retry.maxRetries) throw this.unreachable(lastProblem, error);
        await sleep(backoffDelay(attempt, this.o.retry));
        continue;
      }
      this.o.logger.debug('token response', { event: 'pc.token.response', status, ms: this.o.now() - started, body: redact(body) });
      if (status >= 200 && status < 300) return this.accept(body);
      if (status >= 500 || status === 429 || status === 408) {
        lastProblem = `HTTP ${status}`;
        if (attempt > this.o.retry.maxRetries) throw this.unreachable(lastProblem);
        await sleep(Math.max(backoffDelay(attempt, this.o.retry), parseRetryAfter(retryAfter, this.o.now()) ?? 0));
        continue;
      }
      throw this.refused(status, body);
    }
  }

  private async accept(body: unknown): Promise<CachedToken> {
    const b = (body ?? {}) as Record<string, unknown>;
    const accessToken = typeof b.access_token === 'string' ? b.access_token : '';
    if (accessToken === '') {
      throw new PartnerCenterUnavailableError('Entra ID answered the token request without an access token: check --pc-login-url.', { reason: 'unreachable' });
    }
    const now = this.o.now();
    // `expires_in` is a string in the v1 endpoint's answer ("3600"), a number in v2's.
    const expiresIn = Number(b.expires_in);
    const expiresOn = Number(b.expires_on);
    const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : Number.isFinite(expiresOn) && expiresOn > 0 ? expiresOn * 1000 : now + 3_600_000;
    const lifetime = expiresAt - now;
    const renewAt = expiresAt - Math.min(this.o.renewBeforeMs, lifetime / 2);
    this.cached = { accessToken, expiresAt, renewAt };
    this.o.logger.info('Partner Center token renewed', { event: 'pc.token.renewed', expiresInSeconds: Math.round(lifetime / 1000) });
    const rotated = typeof b.refresh_token === 'string' && b.refresh_token !== '' ? b.refresh_token : undefined;
    if (rotated !== undefined && rotated !== this.options.credentials.credentials.refreshToken) {
      try {
        const saved = await this.options.credentials.saveRefreshToken(rotated);
        const origin = this.options.credentials.origin;
        this.o.logger.info('refresh token rotated', {
          event: 'pc.refresh-token.rotated',
          saved,
          ...(origin.kind === 'file' ? { file: origin.path } : { from: 'environment' }),
        });
      } catch (error) {
        // The old refresh token keeps working for a while; the run goes on, the operator is told.
        this.o.logger.warn('the rotated refresh token could not be saved', {
          event: 'pc.refresh-token.save-failed',
          error: (error as NodeJS.ErrnoException).code ?? (error as Error).name,
        });
      }
    }
    return this.cached;
  }

  private refused(status: number, body: unknown): PartnerCenterUnavailableError {
    const b = (body ?? {}) as Record<string, unknown>;
    const error = typeof b.error === 'string' ? b.error : undefined;
    const description = typeof b.error_description === 'string' ? b.error_description : '';
    const codes = Array.isArray(b.error_codes) ? b.error_codes.map(Number).filter(Number.isFinite) : [];
    for (const m of description.matchAll(/AADSTS(\d+)/g)) codes.push(Number(m[1]));
    const kind = classifyCredentialRefusal(error, codes);
    // The detail names the error and the AADSTS code only: Entra's description carries trace IDs and timestamps, no use to the operator.
    const detail = [error ?? `HTTP ${status}`, ...new Set(codes.map((c) => `AADSTS${c}`))].join(', ');
    this.o.logger.warn('Partner Center sign-in refused', { event: 'pc.token.refused', status, kind, detail });
    return new PartnerCenterUnavailableError(credentialRefusalSentence(kind, detail), { reason: 'credentials-refused' });
  }

  private unreachable(problem: string, cause?: unknown): PartnerCenterUnavailableError {
    return new PartnerCenterUnavailableError(`The Entra ID token endpoint ${new URL(this.tokenUrl).origin} could not be reached (${problem}): check the network or --pc-login-url, then run again.`, {
      reason: 'unreachable',
      cause,
    });
  }
}
