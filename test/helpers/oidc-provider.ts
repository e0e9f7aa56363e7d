import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Provider } from 'oidc-provider';

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * A real, certified OpenID provider (oidc-provider) on loopback, with its development login pages:
 * whatever login name is typed is the account, and its email claim is that name. The console's
 * client is registered for the authorization code flow with its redirect URI.
 */
export async function startIdentityProvider(port: number, redirectUri: string): Promise<TestIdentityProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'tiersync-console';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: sub, email_verified: true }) }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
