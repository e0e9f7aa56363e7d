import type { CredentialSource } from '../../src/partner-center/credentials.js';
import { PartnerCenterClient, type PartnerCenterClientOptions } from '../../src/partner-center/pc-client.js';
import type { PcLogger } from '../../src/partner-center/pc-log.js';
import { TokenProvider } from '../../src/partner-center/token-provider.js';
import { type FaultServer, TENANT } from './fault-server.js';

export const CLIENT_SECRET = 'cs~Zq8Q~SECRET-client-value';
export const REFRESH_TOKEN = '0.AXYA-refresh-token-SECRET-value';

export function envCredentials(): CredentialSource {
  const credentials = { clientId: '9d4f5b2a-0000-4000-8000-000000000001', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN };
  return { credentials, origin: { kind: 'env' }, saveRefreshToken: async (t) => ((credentials.refreshToken = t), false) };
}

/** A client against the fault server with fast backoff, so retry tests stay quick. */
export function clientFor(
  server: FaultServer,
  options: Partial<PartnerCenterClientOptions> & { logger?: PcLogger; credentials?: CredentialSource; now?: () => number } = {},
): { client: PartnerCenterClient; tokens: TokenProvider } {
  const { credentials, now, ...rest } = options;
  const tokens = new TokenProvider({
    tenantId: TENANT,
    credentials: credentials ?? envCredentials(),
    loginUrl: server.url,
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(now ? { now } : {}),
  });
  const client = new PartnerCenterClient({
    apiUrl: server.url,
    tokens,
    ...rest,
    retry: { baseDelayMs: 20, maxDelayMs: 80, ...rest.retry },
  });
  return { client, tokens };
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One sentence: a single terminal period, no sentence break inside. */
export function isOneSentence(text: string): boolean {
  return text.trim().endsWith('.') && !/[.!?]\s+[A-Z]/.test(text.trim().slice(0, -1));
}
