import type { CredentialSource } from './credentials.js';
import { PartnerCenterClient, type PartnerCenterClientOptions } from './pc-client.js';
import type { PcLogger } from './pc-log.js';
import type { RetryOptions } from './pc-retry.js';
import { TokenProvider } from './token-provider.js';

/** What a connected store records (SPEC §7.1) plus the run's options: everything needed to reach Partner Center. */
export interface PartnerCenterConnection {
  /** The provider's Entra tenant ID (`init --partner-center TENANT_ID`). */
  tenantId: string;
  /** `--pc-api-url` (recorded in the store). */
  apiUrl?: string;
  /** `--pc-login-url` (recorded in the store). */
  loginUrl?: string;
  /** From `loadPartnerCenterCredentials`. */
  credentials: CredentialSource;
  /** `--pc-concurrency` (default 5). */
  concurrency?: number;
  /** `--pc-rate` per minute (default 450). */
  ratePerMinute?: number;
  timeoutMs?: number;
  retry?: RetryOptions;
  accepted?: PartnerCenterClientOptions['accepted'];
  logger?: PcLogger;
  applicationName?: string;
}

/** The client of a connected store: the app+user token provider wired into the pipeline. */
export function createPartnerCenterClient(c: PartnerCenterConnection): PartnerCenterClient {
  const tokens = new TokenProvider({
    tenantId: c.tenantId,
    credentials: c.credentials,
    ...(c.loginUrl ? { loginUrl: c.loginUrl } : {}),
    ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
    ...(c.retry ? { retry: c.retry } : {}),
    ...(c.logger ? { logger: c.logger } : {}),
  });
  const options: PartnerCenterClientOptions = { tokens, applicationName: c.applicationName ?? 'tiersync' };
  if (c.apiUrl) options.apiUrl = c.apiUrl;
  if (c.concurrency !== undefined) options.concurrency = c.concurrency;
  if (c.ratePerMinute !== undefined) options.ratePerMinute = c.ratePerMinute;
  if (c.timeoutMs !== undefined) options.timeoutMs = c.timeoutMs;
  if (c.retry) options.retry = c.retry;
  if (c.accepted) options.accepted = c.accepted;
  if (c.logger) options.logger = c.logger;
  return new PartnerCenterClient(options);
}

export { CREDENTIAL_ENV, loadPartnerCenterCredentials, rewriteRefreshToken } from './credentials.js';
export type { CredentialSource, LoadCredentialsOptions, PartnerCenterCredentials } from './credentials.js';
export { DEFAULT_API_URL, PartnerCenterClient } from './pc-client.js';
export type { HttpMethod, PartnerCenterClientOptions, PcAcceptedResult, PcPage, PcRequest, PcResponse, PcStats } from './pc-client.js';
export * from './pc-errors.js';
export { redact, redactText, silentLogger } from './pc-log.js';
export type { PcLogger } from './pc-log.js';
export { parseRetryAfter } from './pc-retry.js';
export type { RetryOptions } from './pc-retry.js';
export { DEFAULT_LOGIN_URL, PARTNER_CENTER_RESOURCE, TokenProvider, classifyCredentialRefusal, credentialRefusalSentence } from './token-provider.js';
export type { AccessTokenSource, CredentialRefusal, TokenProviderOptions } from './token-provider.js';
export * from './pc-operations.js';
export type * from './pc-types.js';
