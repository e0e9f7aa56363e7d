/** Indirect resellers: the list, validation of a PartnerID, the MPN profile, MPA status. */
import { pcError } from '../errors.js';
import { ok, type RouteDefinition, type SandboxServices } from '../http.js';
import type { ResellerRecord } from '../records.js';
import { isGuid } from '../state.js';
import { collection, link, relationshipWire } from '../wire.js';

/** validate-reseller-partner-of-record.md: 900400 "The PLA ID (formerly MPN ID) …"; the reason texts are the sandbox's. */
const INVALID_POR = 900400;
const REASONS: Record<Exclude<ResellerRecord['authorization'], 'authorized'>, string> = {
  'mpa-not-signed': 'The PLA ID (formerly MPN ID) is not associated with an authorized reseller: the Microsoft Partner Agreement has not been accepted.',
  'not-enrolled': 'The PLA ID (formerly MPN ID) is not associated with an authorized reseller: it is not enrolled as a CSP indirect reseller.',
  inactive: 'The PLA ID (formerly MPN ID) is not associated with an authorized reseller: its program status is not active.',
  'region-mismatch': 'The PLA ID (formerly MPN ID) is not associated with an authorized reseller: its CSP region does not match the indirect provider\'s.',
};

export function resellerRoutes(services: SandboxServices): RouteDefinition[] {
  const { state, provider } = services;
  return [
    {
      method: 'GET',
      pattern: '/v1/relationships',
      appUserOnly: true,
      handle: (ctx) => {
        const type = (ctx.query.get('relationship_type') ?? '').replace(/_/g, '').toLowerCase();
        if (type === 'isindirectresellerof') return ok(collection([]));
        if (type !== 'isindirectcloudsolutionproviderof') throw pcError('invalidInput', [], 'relationship_type must be IsIndirectCloudSolutionProviderOf or IsIndirectResellerOf.');
        let prefix: string | undefined;
        const filter = ctx.query.get('filter');
        if (filter) {
          const parsed = parseFilter(filter);
          if (parsed.field.toLowerCase() !== 'name' || parsed.operator.toLowerCase() !== 'starts_with') throw pcError('invalidInput', [], 'Resellers can only be filtered by a string which their name starts with.');
          prefix = parsed.value.toLowerCase();
        }
        const items = [...state.resellers.values()].filter((r) => r.inList && (!prefix || r.name.toLowerCase().startsWith(prefix))).map(relationshipWire);
        return ok(collection(items));
      },
    },
    {
      method: 'POST',
      pattern: '/v1/partners/validateresellers',
      handle: (ctx) => {
        const ids = ctx.body.partnerIds;
        if (!Array.isArray(ids) || ids.length === 0) throw pcError('invalidInput', [], 'partnerIds must be a non-empty array of partner IDs.');
        const validationResults = ids.map((raw) => {
          const partnerId = String(raw);
          const reseller = state.resellers.get(partnerId);
          if (partnerId === provider.mpnId) return { partnerId, isValidPartnerIdOnRecord: false, errorCode: INVALID_POR, errorDescription: "The PLA ID (formerly MPN ID) is the indirect provider's own; it isn't valid as partner of record." };
          if (!reseller) return { partnerId, isValidPartnerIdOnRecord: false, errorCode: INVALID_POR, errorDescription: 'The PLA ID (formerly MPN ID) was not found.' };
          if (!reseller.inList) return { partnerId, isValidPartnerIdOnRecord: false, errorCode: INVALID_POR, errorDescription: 'The PLA ID (formerly MPN ID) has no indirect reseller relationship with this indirect provider.' };
          if (reseller.authorization === 'authorized') return { partnerId, isValidPartnerIdOnRecord: true };
          return { partnerId, isValidPartnerIdOnRecord: false, errorCode: INVALID_POR, errorDescription: REASONS[reseller.authorization] };
        });
        return ok({ validationResults });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/profiles/mpn',
      appUserOnly: true,
      handle: (ctx) => {
        const mpnId = ctx.query.get('mpnId');
        const self = { uri: '/profiles/mpn', method: 'GET', headers: [] };
        if (mpnId === null) return ok({ partnerName: provider.name, mpnId: provider.mpnId, profileType: 'MpnProfile', links: { self }, attributes: { objectType: 'MpnProfile' } });
        if (!/^\d+$/.test(mpnId)) throw pcError('agreementStatusBadInput', ['MPN Id must be numeric.']);
        const reseller = state.resellers.get(mpnId);
        if (!reseller) throw pcError('mpnProfileNotFound', [mpnId]);
        return ok({ partnerName: reseller.name, mpnId: reseller.mpnId, profileType: 'MpnProfile', links: { self: link(`/profiles/mpn?mpnId=${mpnId}`) }, attributes: { objectType: 'MpnProfile' } });
      },
    },
    {
      // verify-indirect-reseller-mpa-status.md: exactly one of mpnId / tenantId.
      method: 'GET',
      pattern: '/v1/compliance/csp/agreementstatus',
      appUserOnly: true,
      handle: (ctx) => {
        const mpnId = ctx.query.get('mpnId');
        const tenantId = ctx.query.get('tenantId');
        if (mpnId && tenantId) throw pcError('agreementStatusBadInput', ['Both MPN Id and Tenant Id should not be passed.']);
        if (!mpnId && !tenantId) throw pcError('agreementStatusEmpty');
        let reseller: ResellerRecord | undefined;
        if (mpnId) {
          if (!/^\d+$/.test(mpnId)) throw pcError('agreementStatusBadInput', ['MPN Id must be numeric.']);
          reseller = state.resellers.get(mpnId);
          if (!reseller) throw pcError('agreementStatusInvalid', [mpnId]);
        } else {
          if (!isGuid(tenantId!)) throw pcError('agreementStatusBadInput', ['Tenant Id must be a GUID.']);
          reseller = state.resellersByTenant.get(tenantId!.toLowerCase());
          if (!reseller) throw pcError('agreementStatusNoAccount', [tenantId!]);
        }
        if (reseller.authorization === 'not-enrolled') throw pcError('agreementStatusNotCsp', [reseller.mpnId]);
        if (reseller.authorization === 'region-mismatch') throw pcError('agreementStatusRegion');
        // Assumption: an unsigned MPA answers 200 with isAgreementSigned false (the documented response shape), not 2203/2206.
        return ok({ isAgreementSigned: reseller.authorization !== 'mpa-not-signed' });
      },
    },
  ];
}

/** Partner Center's `filter` query value: URL-encoded JSON `{"Field","Value","Operator"}`. */
export function parseFilter(raw: string): { field: string; value: string; operator: string } {
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const get = (name: string): unknown => parsed[name] ?? parsed[name.toLowerCase()];
    const field = get('Field');
    const value = get('Value');
    const operator = get('Operator');
    if (typeof field === 'string' && typeof value === 'string' && typeof operator === 'string') return { field, value, operator };
  } catch {
    // fall through to the error below
  }
  throw pcError('invalidInput', [], 'filter must be a JSON object with Field, Value and Operator.');
}
