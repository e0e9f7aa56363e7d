import { fileURLToPath } from 'node:url';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { TiersyncError, UsageError } from '../core/errors.js';
import { isMpnId, PARTNER_ID_FORMAT } from '../core/mpn.js';
import { userKey, type OfferRecord, type PartnerCenterConnection, type UserRecord } from '../core/entities.js';
import { assembleSyncPlan } from '../plan/assemble-sync-plan.js';
import { hasRejections } from '../plan/sync-plan.js';
import type { RunContext } from '../run/run-context.js';
import { ingestInputs } from '../run/ingest.js';
import { displayLocation, initStore } from '../run/store-factory.js';

/** The catalog `init` loads: also a valid input of `catalog import`. */
export const DEFAULT_CATALOG = fileURLToPath(new URL('../../templates/default-catalog.csv', import.meta.url));

export async function runInit(ctx: RunContext, args: Record<string, unknown>): Promise<ExitCode> {
  const mpnId = String(args.providerMpn ?? '').trim();
  if (!isMpnId(mpnId)) throw new UsageError(`--provider-mpn "${mpnId}" is not a PartnerID (${PARTNER_ID_FORMAT})`);
  const adminEmail = userKey(String(args.admin ?? '').trim());
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) throw new UsageError(`--admin "${adminEmail}" is not an email address`);
  const portalUrl = String(args.portalUrl ?? 'http://localhost:8080');
  if (!/^https?:\/\/[^\s]+$/.test(portalUrl)) throw new UsageError(`--portal-url "${portalUrl}" is not an http(s) URL`);
  const clock: 'system' | 'simulated' = args.simulatedClock ? 'simulated' : 'system';
  const partnerCenter = partnerCenterOf(args);
  if (partnerCenter && clock === 'simulated') throw new UsageError('--simulated-clock is for local stores: a connected store runs on Partner Center\'s time');
  if (ctx.nowOverride && clock !== 'simulated') throw new UsageError('--now is refused: only a store made with --simulated-clock (for tests, demos and training) takes --now; add --simulated-clock');
  const now = ctx.nowOverride ?? ctx.now().toISOString();
  const admin: UserRecord = { email: adminEmail, displayName: String(args.adminName ?? adminEmail), roles: ['Global admin'], status: 'active' };
  const provider = { mpnId, name: String(args.providerName), portalUrl };

  // The default catalog goes through the same reader, schema and planner as any catalog import.
  const catalog = await ingestInputs([DEFAULT_CATALOG], { kinds: ['Offers'], sheetName: 'Offers', maxInputMb: 10, terminal: ctx.terminal, log: ctx.log });
  const plan = assembleSyncPlan(
    catalog,
    { info: { storeId: '', revision: 0, schemaVersion: 0, provider, createdAt: now, clock, lastRunAt: null, lastRefreshAt: null, nextRenewalAt: null }, users: [admin], offers: [], resellers: [], openInvitations: [], pendingOrders: [], customers: [], subscriptions: [] },
    { now, operator: adminEmail, atomic: true, allowRemovals: false, prune: false, resendExpired: false, invitationDays: ctx.invitationDays },
  );
  if (hasRejections(plan)) throw new TiersyncError(`The default catalog ${DEFAULT_CATALOG} has invalid rows; reinstall tiersync`);
  const offers = plan.changes.map((c) => c.after as OfferRecord);

  await initStore(ctx.storeLocation, { provider, admin, offers, now, operator: adminEmail, clock, ...(partnerCenter ? { partnerCenter } : {}) });
  const location = await displayLocation(ctx.storeLocation);
  ctx.log.info('store created', { event: 'store.init', store: location, provider: mpnId, offers: offers.length });
  ctx.terminal.print(`Created store ${location} for ${provider.name} (${mpnId}): Global admin ${adminEmail}, ${offers.length} offers in the catalog.`);
  if (partnerCenter) ctx.terminal.print(`It is connected to Partner Center tenant ${partnerCenter.tenantId} (${partnerCenter.apiUrl}): every change goes through Partner Center. Check the credentials with tiersync status, then read Partner Center in with tiersync refresh --all.`);
  if (clock === 'simulated') ctx.terminal.print(`Its clock is simulated: every command takes --now TIMESTAMP (never earlier than the last run). For tests, demos and training only.`);
  return EXIT.ok;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `--partner-center TENANT_ID` and its URLs (SPEC §7.1): the connection a connected store records. */
function partnerCenterOf(args: Record<string, unknown>): PartnerCenterConnection | undefined {
  if (args.partnerCenter === undefined) {
    for (const flag of ['partnershipLink', 'pcApiUrl', 'pcLoginUrl'] as const) if (args[flag] !== undefined) throw new UsageError(`--${flag.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} is for a connected store: give --partner-center TENANT_ID too`);
    return undefined;
  }
  const tenantId = String(args.partnerCenter).trim();
  if (!GUID.test(tenantId)) throw new UsageError(`--partner-center "${tenantId}" is not a tenant ID (the provider's Entra tenant GUID)`);
  const url = (name: string, value: unknown, fallback: string) => {
    const text = String(value ?? fallback).replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s]+$/.test(text)) throw new UsageError(`${name} "${text}" is not an http(s) URL`);
    return text;
  };
  return {
    tenantId: tenantId.toLowerCase(),
    apiUrl: url('--pc-api-url', args.pcApiUrl, 'https://api.partnercenter.microsoft.com'),
    loginUrl: url('--pc-login-url', args.pcLoginUrl, 'https://login.microsoftonline.com'),
    partnershipLink: args.partnershipLink === undefined ? null : url('--partnership-link', args.partnershipLink, ''),
  };
}
