import type { ResellerRecord } from '../core/entities.js';
import { diffRecords } from './diff-records.js';
import type { RowDecision, RowScope } from './row-context.js';

/** The partnership lifecycle of SPEC §1.3, one reseller row at a time. */
export function planResellerRow(scope: RowScope<'Resellers'>): RowDecision {
  const row = scope.input.value!;
  const { state, options, now } = scope.ctx;
  const mpn = row.mpnId;
  const before = state.resellers.get(mpn);

  if (mpn === state.provider.mpnId) scope.error('mpn.is-provider', `Reseller PartnerID: ${mpn} is the provider's own PartnerID`, 'mpnId', mpn);
  if (!before && state.resellersByGlobal.get(mpn)?.length) {
    const locations = state.resellersByGlobal.get(mpn)!.join(' or ');
    scope.error('mpn.global-not-location', `Reseller PartnerID: ${mpn} is the Global PartnerID of an existing reseller; use its Location PartnerID ${locations}`, 'mpnId', mpn);
  }
  if (row.globalMpnId) {
    if (row.globalMpnId === state.provider.mpnId) scope.error('mpn.is-provider', `Global PartnerID: ${row.globalMpnId} is the provider's own PartnerID`, 'globalMpnId', row.globalMpnId);
    else if (row.globalMpnId !== mpn && state.resellers.has(row.globalMpnId)) scope.error('mpn.conflict', `Global PartnerID: ${row.globalMpnId} is the Location PartnerID of ${state.resellers.get(row.globalMpnId)!.name}`, 'globalMpnId', row.globalMpnId);
  }
  if (row.tenantId) {
    const holder = state.resellerByTenant(row.tenantId);
    if (holder && holder.mpnId !== mpn) scope.error('mpn.conflict', `Reseller Tenant ID: ${row.tenantId} is the CSP tenant of ${holder.name} (${holder.mpnId}); a Location PartnerID is tied to one CSP tenant`, 'tenantId', row.tenantId);
  }
  if (scope.failed) return scope.rejected();

  const wanted = row.partnership ?? (before?.partnership === 'removed' ? 'removed' : 'active');
  const details = {
    name: row.name ?? before?.name,
    contactEmail: row.contactEmail ?? before?.contactEmail,
    globalMpnId: row.globalMpnId === undefined ? (before?.globalMpnId ?? null) : row.globalMpnId,
    tenantId: row.tenantId === undefined ? (before?.tenantId ?? null) : row.tenantId,
    country: row.country === undefined ? (before?.country ?? null) : row.country,
  };

  if (wanted === 'removed') {
    if (before?.partnership === 'removal-requested') return { result: 'pending', diags: [], note: `Removal recorded on ${before.stateSince.slice(0, 10)}: finish it in Partner Center (Indirect resellers → Remove partnership); the next refresh sees it` };
    if (!before || before.partnership === 'removed') {
      if (!before) {
        scope.error('partnership.not-found', `There is no partnership with ${mpn} to remove`, 'partnership', 'removed');
        return scope.rejected();
      }
      return { result: 'unchanged', diags: [], note: `Partnership removed on ${before.stateSince.slice(0, 10)}` };
    }
    if (!scope.permit('partnership.remove', 'partnership')) return scope.rejected();
    if (!options.allowRemovals) {
      scope.error('partnership.removal-not-allowed', `Removing the partnership with ${before.name} (${mpn}) needs --allow-removals`, 'partnership', 'removed');
      return scope.rejected();
    }
    // Partner Center has no API that ends a partnership: a connected store records the request, and the operator finishes it there.
    const connected = !!scope.ctx.connected;
    const after: ResellerRecord = { ...before, ...details, name: details.name!, contactEmail: details.contactEmail!, partnership: connected ? 'removal-requested' : 'removed', stateSince: now };
    state.putReseller(after);
    const diff = diffRecords('Resellers', before, after);
    if (connected) {
      return {
        result: 'pending',
        diags: [],
        note: 'Removal recorded: finish it in Partner Center (Indirect resellers → Remove partnership); the next refresh sees it. Its customers keep their reseller association; removal does not notify the customer or the partner.',
        change: { entity: 'reseller', key: mpn, action: 'update', before, after, fields: diff.fields },
      };
    }
    return {
      result: 'removed',
      diags: [],
      note: 'Partnership removed. Its customers keep their reseller association and the access already granted to them; removal does not notify the customer or the partner.',
      change: { entity: 'reseller', key: mpn, action: 'remove', before, after, fields: diff.fields },
    };
  }

  // wanted === 'active'
  if (!scope.permit('partnership.request', 'partnership')) return scope.rejected();
  if (!before || before.partnership === 'removed') {
    if (!before) scope.requireOnCreate(['name', 'contactEmail']);
    if (scope.failed) return scope.rejected();
    const after: ResellerRecord = {
      mpnId: mpn,
      name: details.name!,
      contactEmail: details.contactEmail!,
      globalMpnId: details.globalMpnId,
      tenantId: details.tenantId,
      country: details.country,
      partnership: 'invited',
      stateSince: now,
    };
    state.putReseller(after);
    const diff = before ? diffRecords('Resellers', before, after) : { fields: [] };
    return {
      result: before ? 'updated' : 'created',
      diags: [],
      note: `Partnership requested: invitation to ${after.contactEmail}, valid ${options.invitationDays} days; awaiting acceptance`,
      change: { entity: 'reseller', key: mpn, action: before ? 'update' : 'create', before: before ?? null, after, fields: diff.fields, invite: true },
    };
  }

  const after: ResellerRecord = { ...before, name: details.name!, contactEmail: details.contactEmail!, globalMpnId: details.globalMpnId, tenantId: details.tenantId, country: details.country };
  const diff = diffRecords('Resellers', before, after);
  if (before.partnership === 'invited') {
    const invitation = state.openInvitations.get(mpn);
    const expired = !invitation || invitation.expiresAt <= now;
    if (expired && options.resendExpired) {
      const resent: ResellerRecord = { ...after, stateSince: now };
      state.putReseller(resent);
      return {
        result: 'updated',
        diags: [],
        note: `Invitation ${invitation ? `expired on ${invitation.expiresAt.slice(0, 10)}` : 'missing'}; a new one is sent to ${after.contactEmail}`,
        change: { entity: 'reseller', key: mpn, action: 'update', before, after: resent, fields: [...diff.fields, 'Invitation'], invite: true },
      };
    }
    const waiting = expired
      ? `Invitation expired on ${invitation?.expiresAt.slice(0, 10) ?? '(unknown)'}; re-run with --resend-expired to send a new one`
      : `Awaiting acceptance since ${before.stateSince.slice(0, 10)} (invitation expires ${invitation.expiresAt.slice(0, 10)})`;
    if (!diff.fields.length) return { result: 'pending', diags: [], note: waiting };
    state.putReseller(after);
    return { result: 'updated', diags: [], note: waiting, change: { entity: 'reseller', key: mpn, action: 'update', before, after, fields: diff.fields } };
  }
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '' };
  state.putReseller(after);
  return { result: 'updated', diags: [], note: '', change: { entity: 'reseller', key: mpn, action: 'update', before, after, fields: diff.fields } };
}
