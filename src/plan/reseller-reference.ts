import type { RowScope } from './row-context.js';

/**
 * Checks a reference to a reseller (customer association, partner of record, support contact),
 * SPEC §1.2–1.3: it must be a known, active reseller's Location PartnerID. Called only when the row sets
 * or changes the reference, never when it restates the stored value.
 */
export function checkResellerReference(scope: RowScope, field: string, mpnId: string, header: string): boolean {
  const { state } = scope.ctx;
  if (mpnId === state.provider.mpnId) {
    scope.error('mpn.is-provider', `${header}: ${mpnId} is the provider's own PartnerID, not a reseller's`, field, mpnId);
    return false;
  }
  const reseller = state.resellers.get(mpnId);
  if (reseller) {
    if (reseller.partnership === 'active') return field === 'partnerOfRecordMpnId' ? checkAuthorized(scope, field, mpnId, header) : true;
    const why =
      reseller.partnership === 'invited' ? `is invited and has not accepted yet (since ${reseller.stateSince.slice(0, 10)})` : reseller.partnership === 'removal-requested' ? `is being removed (requested on ${reseller.stateSince.slice(0, 10)})` : `was removed on ${reseller.stateSince.slice(0, 10)}`;
    scope.error('partnership.not-active', `${header}: the partnership with ${reseller.name} (${mpnId}) is not active: it ${why}`, field, mpnId);
    return false;
  }
  const locations = state.resellersByGlobal.get(mpnId);
  if (locations?.length) {
    const names = locations.map((m) => `${m} (${state.resellers.get(m)?.name ?? 'reseller'})`).join(' or ');
    scope.error('mpn.global-not-location', `${header}: ${mpnId} is a Global PartnerID; use the Location PartnerID ${names}`, field, mpnId);
    return false;
  }
  scope.error('mpn.unknown-reseller', `${header}: no reseller has the Location PartnerID ${mpnId}`, field, mpnId);
  return false;
}

/**
 * A connected store: Partner Center must accept the reseller as partner of record (enrolled as an
 * indirect reseller, MPA signed for the region, PartnerID tied to its CSP tenant), SPEC §1.3.
 */
export function checkAuthorized(scope: RowScope, field: string, mpnId: string, header: string): boolean {
  const verdict = scope.ctx.connected?.authorization.get(mpnId);
  if (!verdict || verdict.valid) return true;
  const why = [verdict.pcCode ? `Partner Center code ${verdict.pcCode}` : '', verdict.reason ?? ''].filter(Boolean).join(': ');
  scope.error('reseller.not-authorized', `${header}: Partner Center does not accept ${mpnId} as partner of record${why ? ` (${why})` : ''}`, field, mpnId);
  return false;
}
