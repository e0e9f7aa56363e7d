import { NO_FIELDS } from './sync-plan.js';
import { offerKey, subscriptionNaturalKey, type SubscriptionRecord } from '../core/entities.js';
import { columnDef } from '../normalize/columns.js';
import { diffRecords } from './diff-records.js';
import { checkResellerReference } from './reseller-reference.js';
import type { RowDecision, RowScope } from './row-context.js';

const REFERENCES = [
  ['partnerOfRecordMpnId', 'Partner of Record MPN ID'],
  ['supportContactMpnId', 'Support Contact MPN ID'],
] as const;

const DEFAULT_BILLING_CYCLE = columnDef('Subscriptions', 'billingCycle').default as SubscriptionRecord['billingCycle'];
/** Columns whose change is an order (subscription.order); the managed ones need subscription.manage. */
const ORDER_FIELDS: readonly string[] = ['Offer ID', 'Nickname', 'Quantity', 'Billing Cycle', 'Auto Renew'];
const MANAGED_FIELDS: readonly string[] = ['Partner of Record MPN ID', 'Support Contact MPN ID', 'Status'];

/**
 * Subscriptions (SPEC §1.5). `placeholderId` keys a subscription this batch creates in the working state.
 */
export function planSubscriptionRow(scope: RowScope<'Subscriptions'>, placeholderId: string): RowDecision {
  const row = scope.input.value!;
  const { state } = scope.ctx;

  let before: SubscriptionRecord | undefined;
  let id: string | undefined;
  if (row.subscriptionId) {
    before = state.subscriptions.get(row.subscriptionId);
    if (!before) {
      scope.error('subscription.unknown-id', `Subscription ID ${row.subscriptionId} is not in the store`, 'subscriptionId', row.subscriptionId);
      return scope.rejected();
    }
    id = row.subscriptionId;
    if (before.customerDomain !== row.customerDomain) {
      scope.error('row.invalid-value', `Customer Domain: subscription ${id} belongs to ${before.customerDomain}, not ${row.customerDomain}; subscriptions cannot move between customers`, 'customerDomain', row.customerDomain);
      return scope.rejected();
    }
  } else {
    id = state.subscriptionsByNaturalKey.get(subscriptionNaturalKey(row.customerDomain, row.offerId, row.nickname ?? ''));
    before = id ? state.subscriptions.get(id) : undefined;
  }

  if (!state.customers.has(row.customerDomain)) {
    scope.error('subscription.unknown-customer', `Customer Domain: no customer ${row.customerDomain} in the store or on this batch's Customers sheet`, 'customerDomain', row.customerDomain);
    return scope.rejected();
  }
  const offer = state.offers.get(offerKey(row.offerId));
  if (!offer) {
    scope.error('offer.unknown', `Offer ID: ${row.offerId} is not in the catalog`, 'offerId', row.offerId);
    return scope.rejected();
  }

  if (!before) {
    if (!scope.permit('subscription.order')) return scope.rejected();
    scope.requireOnCreate(['quantity']);
    if (scope.failed) return scope.rejected();
  }

  const pick = <F extends keyof SubscriptionRecord>(field: F, fallback: SubscriptionRecord[F]): SubscriptionRecord[F] => {
    const value = (row as unknown as Record<string, unknown>)[field];
    return (value === undefined ? (before ? before[field] : fallback) : value) as SubscriptionRecord[F];
  };
  const after: SubscriptionRecord = {
    subscriptionId: before?.subscriptionId ?? '',
    customerDomain: row.customerDomain,
    offerId: offer.offerId,
    nickname: pick('nickname', ''),
    quantity: pick('quantity', 0),
    billingCycle: pick('billingCycle', DEFAULT_BILLING_CYCLE),
    autoRenew: pick('autoRenew', true),
    partnerOfRecordMpnId: pick('partnerOfRecordMpnId', null),
    supportContactMpnId: pick('supportContactMpnId', null),
    status: pick('status', 'active'),
    createdAt: before?.createdAt ?? '',
  };

  const diff = before ? diffRecords('Subscriptions', before, after) : { fields: [], text: '' };
  const changed = (header: string) => !before || diff.fields.includes(header);

  // Permissions: ordering and licence changes, then the privileged fields.
  if (before && diff.fields.some((f) => ORDER_FIELDS.includes(f)) && !scope.permit('subscription.order')) return scope.rejected();
  const managed = (before ? diff.fields.filter((f) => MANAGED_FIELDS.includes(f)) : [
    ...(after.partnerOfRecordMpnId ? ['Partner of Record MPN ID'] : []),
    ...(after.supportContactMpnId ? ['Support Contact MPN ID'] : []),
    ...(after.status !== 'active' ? ['Status'] : []),
  ]);
  if (managed.length) {
    const field = managed[0] === 'Status' ? 'status' : managed[0] === 'Partner of Record MPN ID' ? 'partnerOfRecordMpnId' : 'supportContactMpnId';
    if (!scope.permit('subscription.manage', field)) return scope.rejected();
  }

  if (before && after.offerId !== before.offerId) {
    const current = state.offers.get(offerKey(before.offerId));
    const allowed = current?.upgradeTargets ?? [];
    if (!allowed.some((t) => offerKey(t) === offerKey(after.offerId))) {
      const list = allowed.length ? `allowed: ${allowed.join(', ')}` : 'it has no upgrade targets';
      scope.error('subscription.upgrade-not-allowed', `Offer ID: ${before.offerId} cannot be upgraded to ${after.offerId} (${list})`, 'offerId', row.offerId);
    }
  }
  if (before && after.quantity !== before.quantity && (before.status === 'suspended' && after.status === 'suspended' || after.status === 'suspended')) {
    scope.error('subscription.suspended', `Quantity: the subscription is ${before.status === 'suspended' ? 'suspended' : 'being suspended'}; its quantity stays ${before.quantity}`, 'quantity', after.quantity);
  }
  if (changed('Quantity') || changed('Offer ID')) {
    if (after.quantity < offer.minQuantity || after.quantity > offer.maxQuantity) {
      scope.error('subscription.quantity-out-of-range', `Quantity: ${after.quantity} is outside ${offer.minQuantity} to ${offer.maxQuantity} for ${offer.offerId}`, 'quantity', after.quantity);
    }
  }
  if ((changed('Billing Cycle') || changed('Offer ID')) && !offer.billingCycles.includes(after.billingCycle)) {
    scope.error('subscription.billing-cycle-not-allowed', `Billing Cycle: ${offer.offerId} is billed ${offer.billingCycles.join(' or ')}, not ${after.billingCycle}`, 'billingCycle', after.billingCycle);
  }
  for (const [field, header] of REFERENCES) {
    const value = after[field];
    if (value !== null && value !== (before?.[field] ?? null)) checkResellerReference(scope, field, value, header);
  }
  if (scope.failed) return scope.rejected();

  // An unchanged subscription keeps its stored record in the working state: no second copy of it.
  if (!before || diff.fields.length) state.putSubscription(id ?? placeholderId, after);
  if (!before) {
    return { result: 'created', diags: [], note: `Ordered ${after.quantity} × ${offer.name}`, change: { entity: 'subscription', key: '', action: 'create', before: null, after, fields: NO_FIELDS } };
  }
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '', assignedId: before.subscriptionId };
  const suspending = before.status === 'active' && after.status === 'suspended';
  const upgraded = after.offerId !== before.offerId ? `Upgraded to ${offer.name}` : '';
  return {
    result: suspending ? 'suspended' : 'updated',
    diags: [],
    note: suspending ? 'Subscription suspended; its licences are kept' : upgraded,
    assignedId: before.subscriptionId,
    change: { entity: 'subscription', key: before.subscriptionId, action: suspending ? 'suspend' : 'update', before, after, fields: diff.fields },
  };
}
