import * as client from 'openid-client';
import { opaqueId } from './sessions.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: `{public URL}/sign-in/oidc/callback`. */
  redirectUri: string;
}

/** A sign-in in flight: kept on the server under an opaque ID (the browser holds only that, in a cookie). */
interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  createdAt: number;
}

/** What the provider said about who signed in. */
export interface OidcIdentity {
  /** The email to match with a store user, if the provider gave one it vouches for. */
  email: string | undefined;
  subject: string;
}

const PENDING_MS = 10 * 60_000;

/** The email the provider vouches for: never one it says is not verified. */
function emailOf(claims: Record<string, unknown>): string | undefined {
  if (claims.email_verified === false) return undefined;
  return [claims.email, claims.preferred_username, claims.upn].find((v): v is string => typeof v === 'string' && v.includes('@'));
}

/** An issuer on this machine may be plain HTTP (a test or a local provider); any other must be HTTPS. */
function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * OpenID Connect single sign-on (authorization code flow with PKCE, state and nonce) through
 * openid-client. The provider's metadata is discovered on first use, so the console starts even when
 * the provider is briefly unreachable.
 */
export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;
  private readonly pending = new Map<string, PendingSignIn>();

  constructor(
    private readonly settings: OidcSettings,
    private readonly now: () => number = Date.now,
  ) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  private configuration(): Promise<client.Configuration> {
    const issuer = new URL(this.settings.issuer);
    this.config ??= client
      .discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, isLoopback(issuer) && issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((error: unknown) => {
        this.config = undefined; // try again on the next sign-in
        throw error;
      });
    return this.config;
  }

  /** Begin a sign-in: the provider's authorization URL, and the ID under which the flow's secrets wait. */
  async start(): Promise<{ url: URL; pendingId: string }> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = { codeVerifier, state: client.randomState(), nonce: client.randomNonce(), createdAt: this.now() };
    const pendingId = opaqueId();
    this.sweep();
    this.pending.set(pendingId, pending);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pendingId };
  }

  /**
   * Finish a sign-in from the provider's redirect (`callbackUrl`, as the browser requested it): the
   * code is exchanged, the ID token checked (issuer, audience, nonce, signature), and its claims read.
   * The tokens themselves are dropped here: the console needs only who signed in.
   */
  async finish(pendingId: string | undefined, callbackUrl: URL): Promise<OidcIdentity> {
    const pending = pendingId ? this.pending.get(pendingId) : undefined;
    if (pendingId) this.pending.delete(pendingId);
    if (!pending || this.now() - pending.createdAt > PENDING_MS) throw new Error('the sign-in took too long or was started in another browser; sign in again');
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('the provider returned no ID token');
    // Some providers put the email in the ID token (Entra ID: `email` or `preferred_username`), others
    // only in the UserInfo answer.
    const fromToken = emailOf(idClaims);
    const claims = fromToken ? idClaims : { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
    return { email: emailOf(claims), subject: idClaims.sub };
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, p] of this.pending) if (at - p.createdAt > PENDING_MS) this.pending.delete(id);
  }
}
