/**
 * The token endpoint (Entra ID's `POST /{tenant}/oauth2/token`, v1, and `/oauth2/v2.0/token`)
 * and the bearer-token check of every API call.
 *
 * App+User tokens come from the refresh token of the Secure Application Model
 * (enable-secure-app-model.md); app-only tokens from `client_credentials`. Errors use Entra's own
 * body (`error`, `error_description` with its AADSTS code, `error_codes`, `trace_id`,
 * `correlation_id`, `timestamp`), not Partner Center's.
 *
 * Assumption: with rotation off, the answer carries no `refresh_token` (Entra would return one that
 * is equivalent); with rotation on, every refresh returns a new one and the previous one stops
 * working at once — the strictest case a client must survive.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxClock } from './clock.js';
import { pcError, type PcError } from './errors.js';

export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export type TokenKind = 'app+user' | 'app';

export interface AccessToken {
  kind: TokenKind;
  expiresAt: number;
  /** Whether the sign-in behind it used MFA (App+User tokens only). */
  mfa: boolean;
}

type RefreshTokenState = 'valid' | 'rotated' | 'revoked' | 'expired';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class TokenService {
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  private current: string;
  /** Token requests that must fail with AADSTS50076 (MFA required at sign-in). */
  interactiveMfaRequired = false;

  constructor(
    private readonly clock: SandboxClock,
    private readonly tenantId: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    refreshToken: string,
    public rotate: boolean,
    public lifetimeSeconds: number,
  ) {
    this.current = refreshToken;
    this.refreshTokens.set(refreshToken, 'valid');
  }

  /** The refresh token that works now (changes on every refresh when rotation is on). */
  get refreshToken(): string {
    return this.current;
  }

  revokeRefreshToken(): void {
    this.refreshTokens.set(this.current, 'revoked');
  }

  expireRefreshToken(): void {
    this.refreshTokens.set(this.current, 'expired');
  }

  /** Issues a fresh refresh token (as a new interactive MFA sign-in would) and returns it. */
  reissueRefreshToken(): string {
    this.refreshTokens.set(this.current, 'rotated');
    this.current = newToken('rt');
    this.refreshTokens.set(this.current, 'valid');
    return this.current;
  }

  revokeAccessTokens(): void {
    this.issued.push(...this.accessTokens.keys());
    this.accessTokens.clear();
  }

  /** Every access and refresh token this service ever issued: a test proves none of them leaks. */
  issuedSecrets(): string[] {
    return [...new Set([...this.issued, ...this.accessTokens.keys(), ...this.refreshTokens.keys()])];
  }

  private readonly issued: string[] = [];

  handle(pathTenant: string, version: 'v1' | 'v2', form: URLSearchParams): TokenAnswer {
    const tenant = pathTenant.toLowerCase();
    if (tenant !== this.tenantId && tenant !== 'common' && tenant !== 'organizations') {
      return entraError(400, 'invalid_request', 90002, `Tenant '${pathTenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'client_credentials') {
      if (!grant) return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
      return entraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id');
    if (!clientId) return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (clientId !== this.clientId) return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`);
    const secret = form.get('client_secret');
    if (!secret) return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (secret !== this.clientSecret) return entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    const audience = version === 'v1' ? form.get('resource') : form.get('scope');
    if (!audience || !audience.toLowerCase().startsWith(PARTNER_CENTER_RESOURCE)) {
      return version === 'v1'
        ? entraError(400, 'invalid_resource', 500011, `The resource principal named ${audience ?? '(none)'} was not found in the tenant named ${this.tenantId}.`)
        : entraError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' isn't valid: ${audience ?? '(none)'}.`);
    }
    if (grant === 'client_credentials') return this.issue('app', undefined, version);

    const presented = form.get('refresh_token');
    if (!presented) return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.");
    const state = this.refreshTokens.get(presented);
    if (state === undefined) return entraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (state === 'revoked') return entraError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.');
    if (state === 'expired') return entraError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity. The token was issued on a date more than 90 days ago and was inactive for 90.00:00:00.');
    if (state === 'rotated') return entraError(400, 'invalid_grant', 70000, 'The provided grant is invalid or malformed: this refresh token was already redeemed and replaced.');
    if (this.interactiveMfaRequired) return entraError(400, 'invalid_grant', 50076, 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.');
    let next: string | undefined;
    if (this.rotate) next = this.reissueRefreshToken();
    return this.issue('app+user', next, version);
  }

  private issue(kind: TokenKind, refreshToken: string | undefined, version: 'v1' | 'v2'): TokenAnswer {
    const token = newToken('at');
    const now = this.clock.nowMs();
    const expiresAt = now + this.lifetimeSeconds * 1000;
    this.accessTokens.set(token, { kind, expiresAt, mfa: kind === 'app+user' });
    const seconds = String(this.lifetimeSeconds);
    const body: Record<string, unknown> =
      version === 'v1'
        ? {
            token_type: 'Bearer', scope: 'user_impersonation', expires_in: seconds, ext_expires_in: seconds,
            expires_on: String(Math.floor(expiresAt / 1000)), not_before: String(Math.floor(now / 1000)),
            resource: PARTNER_CENTER_RESOURCE, access_token: token,
          }
        : { token_type: 'Bearer', scope: `${PARTNER_CENTER_RESOURCE}/user_impersonation`, expires_in: this.lifetimeSeconds, ext_expires_in: this.lifetimeSeconds, access_token: token };
    if (refreshToken) body.refresh_token = refreshToken;
    return { status: 200, body };
  }

  /** The bearer check of an API call: the token, or Partner Center's 401. */
  authenticate(header: string | undefined): AccessToken | PcError {
    if (!header) return pcError('tokenMissing');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? this.accessTokens.get(match[1]!) : undefined;
    if (!token) return pcError('accessDenied', [], 'Access denied: the access token is invalid or was not issued for Partner Center.');
    if (this.clock.nowMs() >= token.expiresAt) return pcError('accessDenied', [], 'Access denied: the access token has expired.');
    return token;
  }
}

function newToken(prefix: string): string {
  return `${prefix}.${randomBytes(24).toString('base64url')}`;
}

export function newCredentials(): SandboxCredentials {
  return { clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64url'), refreshToken: newToken('rt') };
}

function entraError(status: number, error: string, code: number, message: string): TokenAnswer {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
