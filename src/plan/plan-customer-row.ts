import { NO_FIELDS } from './sync-plan.js';
import { writtenCustomer } from './written-values.js';
import type { CustomerRecord } from '../core/entities.js';
import { diffRecords } from './diff-records.js';
import { checkCountryRules, companyNameProblem, contactEmailProblem, contactNameProblem, defaultCultureOf } from './customer-rules.js';
import { checkResellerReference } from './reseller-reference.js';
import type { RowDecision, RowScope } from './row-context.js';

const REQUIRED_ON_CREATE = ['companyName', 'contactFirstName', 'contactLastName', 'contactEmail', 'addressLine1', 'country'] as const;

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
  const country = pick('country', '');
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
    postalCode: pick('postalCode', null),
    country,
    language: pick('language', defaultCultureOf(scope.ctx.countryRules, country)),
    registrationNumber: pick('registrationNumber', null),
    resellerMpnId,
    // Partner Center grants its default GDAP relationships at creation only; a later association gives none by itself.
    adminAccess: before?.adminAccess ?? (resellerMpnId ? 'default GDAP' : 'none'),
    createdAt: before?.createdAt ?? '',
  };

  // Partner Center's rules, on what the row sets: a stored value that predates a rule is not re-judged.
  const changed = (field: keyof CustomerRecord) => !before || after[field] !== before[field];
  if (changed('companyName')) {
    const problem = companyNameProblem(after.companyName);
    if (problem) scope.error('customer.invalid-name', problem, 'companyName', after.companyName);
  }
  for (const [field, header] of [['contactFirstName', 'Contact First Name'], ['contactLastName', 'Contact Last Name']] as const) {
    const problem = changed(field) ? contactNameProblem(header, after[field]) : undefined;
    if (problem) scope.error('customer.invalid-name', problem, field, after[field]);
  }
  if (changed('contactEmail')) {
    const problem = contactEmailProblem(after.contactEmail, scope.ctx.providerDomains);
    if (problem) scope.error('customer.invalid-email', problem, 'contactEmail', after.contactEmail);
  }
  checkCountryRules(scope, after, scope.ctx.countryRules, changed);
  if (resellerMpnId !== null && resellerMpnId !== (before?.resellerMpnId ?? null)) {
    checkResellerReference(scope, 'resellerMpnId', resellerMpnId, 'Reseller PartnerID');
  }
  if (scope.failed) return before ? { ...scope.rejected(), written: writtenCustomer(before) } : scope.rejected();

  state.customers.set(row.domain, after);
  if (!before) {
    const via = after.resellerMpnId ? `, associated with reseller ${after.resellerMpnId}: default GDAP relationships for the provider and the reseller (the reseller must consent)` : '';
    return { result: 'created', diags: [], note: `Customer account created${via}; credentials in the credential report`, change: { entity: 'customer', key: row.domain, action: 'create', before: null, after, fields: NO_FIELDS } };
  }
  const diff = diffRecords('Customers', before, after);
  const written = writtenCustomer(before);
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '', written };
  const reseller = after.resellerMpnId ? state.resellers.get(after.resellerMpnId) : undefined;
  const note = diff.fields.includes('Reseller PartnerID') && after.resellerMpnId ? `Reseller relationship established with ${reseller?.name ?? after.resellerMpnId}; admin access for the reseller comes through GDAP, which it requests in Partner Center` : '';
  return { result: 'updated', diags: [], note, written, change: { entity: 'customer', key: row.domain, action: 'update', before, after, fields: diff.fields } };
}
