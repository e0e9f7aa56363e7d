import { NO_FIELDS } from './sync-plan.js';
import type { CustomerRecord } from '../core/entities.js';
import { columnDef, COUNTRIES_REQUIRING_STATE } from '../normalize/columns.js';
import { diffRecords } from './diff-records.js';
import { checkResellerReference } from './reseller-reference.js';
import type { RowDecision, RowScope } from './row-context.js';

const REQUIRED_ON_CREATE = ['companyName', 'contactFirstName', 'contactLastName', 'contactEmail', 'addressLine1', 'city', 'postalCode', 'country'] as const;

/** Customers (SPEC §1.4): created with credentials at apply, updated field by field, never deleted. */
export function planCustomerRow(scope: RowScope<'Customers'>): RowDecision {
  const row = scope.input.value!;
  const { state } = scope.ctx;
  const before = state.customers.get(row.domain);
  if (!scope.permit('customer.manage')) return scope.rejected();

  if (before && row.tenantId && row.tenantId !== before.tenantId) {
    scope.error('customer.domain-taken', `Customer Domain: ${row.domain} belongs to another customer (tenant ${before.tenantId}), not to tenant ${row.tenantId}`, 'domain', row.domain);
    return scope.rejected();
  }
  if (!before) scope.requireOnCreate(REQUIRED_ON_CREATE);
  if (scope.failed) return scope.rejected();

  const pick = <F extends keyof CustomerRecord>(field: F, fallback: CustomerRecord[F]): CustomerRecord[F] => {
    const value = (row as unknown as Record<string, unknown>)[field];
    return (value === undefined ? (before ? before[field] : fallback) : value) as CustomerRecord[F];
  };
  const resellerMpnId = pick('resellerMpnId', null);
  const after: CustomerRecord = {
    domain: row.domain,
    tenantId: before?.tenantId ?? '',
    companyName: pick('companyName', ''),
    contactFirstName: pick('contactFirstName', ''),
    contactLastName: pick('contactLastName', ''),
    contactEmail: pick('contactEmail', ''),
    phone: pick('phone', null),
    addressLine1: pick('addressLine1', ''),
    addressLine2: pick('addressLine2', null),
    city: pick('city', ''),
    stateRegion: pick('stateRegion', null),
    postalCode: pick('postalCode', ''),
    country: pick('country', ''),
    language: pick('language', columnDef('Customers', 'language').default!),
    resellerMpnId,
    resellerAdmin: resellerMpnId === before?.resellerMpnId ? (before?.resellerAdmin ?? false) : resellerMpnId !== null,
    createdAt: before?.createdAt ?? '',
  };

  if (COUNTRIES_REQUIRING_STATE.includes(after.country) && !after.stateRegion) {
    scope.error('row.required', `State/Region is required for an address in ${after.country}`, 'stateRegion');
  }
  if (resellerMpnId !== null && resellerMpnId !== (before?.resellerMpnId ?? null)) {
    checkResellerReference(scope, 'resellerMpnId', resellerMpnId, 'Reseller MPN ID');
  }
  if (scope.failed) return scope.rejected();

  state.customers.set(row.domain, after);
  if (!before) {
    const via = after.resellerMpnId ? `, managed by reseller ${after.resellerMpnId} (delegated admin)` : '';
    return { result: 'created', diags: [], note: `Customer account created${via}; credentials in the credential report`, change: { entity: 'customer', key: row.domain, action: 'create', before: null, after, fields: NO_FIELDS } };
  }
  const diff = diffRecords('Customers', before, after);
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '', assignedId: before.tenantId };
  const reseller = after.resellerMpnId ? state.resellers.get(after.resellerMpnId) : undefined;
  const note = diff.fields.includes('Reseller MPN ID') && after.resellerMpnId ? `Reseller relationship established with ${reseller?.name ?? after.resellerMpnId} (delegated admin)` : '';
  return { result: 'updated', diags: [], note, assignedId: before.tenantId, change: { entity: 'customer', key: row.domain, action: 'update', before, after, fields: diff.fields } };
}
