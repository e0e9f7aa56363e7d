import { NO_FIELDS } from './sync-plan.js';
import { writtenSubscription } from './written-values.js';
import { offerKey, subscriptionNaturalKey, type OfferRecord, type ScheduledChange, type SubscriptionRecord } from '../core/entities.js';
import {
  afterDecrease,
  afterIncrease,
  billingFitsTerm,
  cancelWindowEnd,
  displayTime,
  isLongerTerm,
  midtermBillingChangeAllowed,
  refundableAdditions,
  refundableSeats,
  TERM_LABELS,
  termEndOf,
} from '../core/new-commerce.js';
import type { Permission } from '../core/roles.js';
import { diffRecords } from './diff-records.js';
import { checkAuthorized, checkResellerReference } from './reseller-reference.js';
import type { RowDecision, RowScope } from './row-context.js';

const REFERENCES = [
  ['partnerOfRecordMpnId', 'Partner of Record PartnerID', 'subscription.partner-of-record'],
  ['supportContactMpnId', 'Support Contact PartnerID', 'subscription.support-contact'],
] as const;

/** Which permission a changed column needs (SPEC §1.7); the matrix itself is core/roles. */
const PERMISSION_OF_FIELD: Readonly<Record<string, Permission>> = {
  'Offer ID': 'subscription.order',
  Nickname: 'subscription.order',
  Quantity: 'subscription.order',
  Term: 'subscription.order',
  'Billing Frequency': 'subscription.order',
  'Auto Renew': 'subscription.status',
  'Partner of Record PartnerID': 'subscription.partner-of-record',
  'Support Contact PartnerID': 'subscription.support-contact',
};
const FIELD_OF_HEADER: Readonly<Record<string, string>> = {
  'Offer ID': 'offerId',
  Nickname: 'nickname',
  Quantity: 'quantity',
  Term: 'term',
  'Billing Frequency': 'billingCycle',
  'Auto Renew': 'autoRenew',
  'Partner of Record PartnerID': 'partnerOfRecordMpnId',
  'Support Contact PartnerID': 'supportContactMpnId',
  Status: 'status',
};


/** The seats that can still be removed, and until when, in words. */
function refundableText(record: SubscriptionRecord, now: string): string {
  const additions = refundableAdditions(record, now);
  if (!additions.length) return 'no seat can be removed now';
  const total = additions.reduce((n, a) => n + a.quantity, 0);
  const parts = additions.map((a) => `${a.quantity} until ${displayTime(a.until)}`);
  return `${total} seat${total > 1 ? 's' : ''} can still be removed (${parts.join(', ')})`;
}

/**
 * Subscriptions (SPEC §1.5, new commerce). `placeholderId` keys a subscription this batch creates in
 * the working state. Every rule reads the run's clock (`ctx.now`).
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
  return before ? planChange(scope, before, offer) : planOrder(scope, offer, placeholderId);
}

/** A new subscription: an order, checked as Partner Center checks a cart. */
function planOrder(scope: RowScope<'Subscriptions'>, offer: OfferRecord, placeholderId: string): RowDecision {
  const row = scope.input.value!;
  const { state } = scope.ctx;
  if (!scope.permit('subscription.order')) return scope.rejected();
  scope.requireOnCreate(['quantity']);
  if (row.status && row.status !== 'active') scope.error('row.invalid-value', `Status: a new subscription is ordered active, not ${row.status}`, 'status', row.status);
  if (row.applyAt === 'renewal') scope.error('row.invalid-value', 'Apply At: renewal changes an existing subscription; a new one is ordered now', 'applyAt', 'renewal');
  if (scope.failed) return scope.rejected();

  const after: SubscriptionRecord = {
    subscriptionId: '',
    customerDomain: row.customerDomain,
    offerId: offer.offerId,
    nickname: row.nickname ?? '',
    quantity: row.quantity!,
    term: row.term ?? offer.terms[0] ?? 'P1Y',
    billingCycle: row.billingCycle ?? 'monthly',
    autoRenew: row.autoRenew ?? true,
    partnerOfRecordMpnId: row.partnerOfRecordMpnId ?? null,
    supportContactMpnId: row.supportContactMpnId ?? null,
    status: 'active',
    // Apply dates the purchase: a saved plan may be applied later than it was made.
    termStart: '',
    termEnd: '',
    seatAdditions: null,
    scheduled: null,
    createdAt: '',
  };
  checkTermAndBilling(scope, offer, after, 'both');
  checkSeatCap(scope, offer, after, 0);
  for (const [field, header, permission] of REFERENCES) {
    const value = after[field];
    if (value !== null && scope.permit(permission, field)) checkResellerReference(scope, field, value, header);
  }
  if (scope.failed) return scope.rejected();
  state.putSubscription(placeholderId, after);
  const direct = after.partnerOfRecordMpnId ? '' : ' (no partner of record: the provider transacts as a direct partner)';
  return { result: 'created', diags: [], note: `Ordered ${after.quantity} × ${offer.name}, ${TERM_LABELS[after.term]}, billed ${after.billingCycle}${direct}`, change: { entity: 'subscription', key: '', action: 'create', before: null, after, fields: NO_FIELDS } };
}

/** A change to an existing subscription, under the new-commerce rules. */
function planChange(scope: RowScope<'Subscriptions'>, before: SubscriptionRecord, offer: OfferRecord): RowDecision {
  const row = scope.input.value!;
  const { state, now } = scope.ctx;
  const notes: string[] = [];
  // A refused row still writes back what the subscription is (its ID, term and refundable seats).
  const rejected = (): RowDecision => ({ ...scope.rejected(), written: writtenSubscription(before, now) });

  const pick = <F extends keyof SubscriptionRecord>(field: F): SubscriptionRecord[F] => {
    const value = (row as unknown as Record<string, unknown>)[field];
    return (value === undefined ? before[field] : value) as SubscriptionRecord[F];
  };
  const atRenewal = row.applyAt === 'renewal';
  const scheduledBefore = before.scheduled;
  // With Apply At = renewal, the row's seats, term and billing are what the next term should have.
  const wanted = {
    quantity: row.quantity ?? (atRenewal ? (scheduledBefore?.quantity ?? before.quantity) : before.quantity),
    term: row.term ?? (atRenewal ? (scheduledBefore?.term ?? before.term) : before.term),
    billingCycle: row.billingCycle ?? (atRenewal ? (scheduledBefore?.billingCycle ?? before.billingCycle) : before.billingCycle),
  };
  const status = pick('status');
  const after: SubscriptionRecord = {
    ...before,
    offerId: offer.offerId,
    nickname: pick('nickname'),
    quantity: atRenewal ? before.quantity : wanted.quantity,
    term: atRenewal ? before.term : wanted.term,
    billingCycle: atRenewal ? before.billingCycle : wanted.billingCycle,
    autoRenew: pick('autoRenew'),
    partnerOfRecordMpnId: pick('partnerOfRecordMpnId'),
    supportContactMpnId: pick('supportContactMpnId'),
    status,
  };

  if (before.status === 'cancelled' || before.status === 'expired') {
    const diff = diffRecords('Subscriptions', before, after);
    if (!diff.fields.length) return { result: 'unchanged', diags: [], note: `Subscription ${before.status} on ${displayTime(before.status === 'expired' ? before.termEnd : before.termStart).slice(0, 10)}`, written: writtenSubscription(before, now) };
    scope.error('subscription.not-active', `The subscription is ${before.status}; it cannot change (${diff.text})`, FIELD_OF_HEADER[diff.fields[0]!], undefined);
    return rejected();
  }

  if (status === 'expired') {
    scope.error('row.invalid-value', `Status: a subscription expires at its term end (${displayTime(before.termEnd)}) when it does not renew; turn Auto Renew off instead`, 'status', 'expired');
    return rejected();
  }

  // Suspension: billing continues, and Partner Center turns auto-renew off.
  const suspending = before.status === 'active' && status === 'suspended';
  if (status === 'suspended' && after.autoRenew) {
    if (row.autoRenew === true) scope.warn('row.invalid-value', 'Auto Renew: stays off while the subscription is suspended (Partner Center turns it off on suspension); turn it on after reactivating', 'autoRenew', 'yes');
    after.autoRenew = false;
  }
  if (before.status === 'suspended' && status === 'active' && !after.autoRenew) notes.push('Reactivated; auto-renew stays off unless the row turns it on');

  // A connected store cannot see every seat's window: Partner Center judges the 7-day rules there.
  const localWindows = !scope.ctx.connected;

  // Cancellation: within 7 days of the purchase or the last renewal, and final.
  if (status === 'cancelled') {
    const closes = cancelWindowEnd(before);
    if (localWindows && now >= closes) scope.error('subscription.cancel-window-closed', `Status: the cancellation window closed on ${displayTime(closes)}, 7 days after ${before.termStart === before.createdAt ? 'the purchase' : 'the last renewal'}; the subscription runs to its term end on ${displayTime(before.termEnd)}`, 'status', 'cancelled');
    after.autoRenew = false;
  }

  if (after.offerId !== before.offerId) {
    const current = state.offers.get(offerKey(before.offerId));
    const allowed = current?.upgradeTargets ?? [];
    if (!allowed.some((t) => offerKey(t) === offerKey(after.offerId))) {
      const list = allowed.length ? `allowed: ${allowed.join(', ')}` : 'it has no upgrade targets';
      scope.error('subscription.upgrade-not-allowed', `Offer ID: ${before.offerId} cannot be changed to ${after.offerId} (${list}); Partner Center upgrades to higher tiers only, never down`, 'offerId', row.offerId);
    } else if (before.status !== 'active' || status !== 'active') {
      scope.error('subscription.upgrade-not-allowed', `Offer ID: only an active subscription can be upgraded; this one is ${before.status === 'active' ? status : before.status}`, 'offerId', row.offerId);
    }
  }

  // Seats now: up at any time, down only by seats added in the last 7 days.
  if (after.quantity !== before.quantity) {
    // A suspended subscription keeps its seats; reactivating it in the same row lets them change.
    if (status === 'suspended') {
      scope.error('subscription.suspended', `Quantity: the subscription is ${before.status === 'suspended' ? 'suspended' : 'being suspended'}; its quantity stays ${before.quantity}`, 'quantity', after.quantity);
    } else if (after.quantity > before.quantity) {
      after.seatAdditions = afterIncrease(before, after.quantity - before.quantity, now);
    } else {
      const removing = before.quantity - after.quantity;
      const refundable = refundableSeats(before, now);
      if (localWindows && removing > refundable) {
        scope.error('subscription.decrease-window-closed', `Quantity: ${before.quantity} → ${after.quantity} removes ${removing} seat${removing > 1 ? 's' : ''}, but ${refundableText(before, now)}; the term renews on ${displayTime(before.termEnd)}`, 'quantity', after.quantity);
      } else {
        after.seatAdditions = afterDecrease(before, removing, now);
      }
    }
  }

  // Term and billing now: a longer term only; a billing change only where Partner Center allows it mid-term.
  if (!atRenewal && after.term !== before.term) {
    if (!isLongerTerm(before.term, after.term)) scope.error('subscription.term-shorter', `Term: ${TERM_LABELS[before.term]} cannot become ${TERM_LABELS[after.term]} mid-term (only a longer term); set Apply At = renewal to change it on ${displayTime(before.termEnd)}`, 'term', after.term);
    else {
      // The longer term starts now; the seats keep the windows they had.
      after.seatAdditions = refundableAdditions(after, now).map(({ quantity, at }) => ({ quantity, at }));
      after.termStart = now;
      after.termEnd = termEndOf(now, after.term);
      notes.push(`Term changed to ${TERM_LABELS[after.term]} from now; it renews on ${displayTime(after.termEnd)}`);
    }
  }
  if (!atRenewal && after.billingCycle !== before.billingCycle && after.term === before.term && !midtermBillingChangeAllowed(before.term, before.billingCycle, after.billingCycle, now)) {
    scope.error('subscription.billing-change-not-allowed', `Billing Frequency: ${before.billingCycle} → ${after.billingCycle} is not allowed mid-term for a ${TERM_LABELS[before.term]} term; set Apply At = renewal to change it on ${displayTime(before.termEnd)}`, 'billingCycle', after.billingCycle);
  }
  if (after.offerId !== before.offerId || after.term !== before.term || after.billingCycle !== before.billingCycle) checkTermAndBilling(scope, offer, after, after.term !== before.term ? 'term' : 'billing');

  // The next term: what Apply At = renewal asks for, against the current term.
  let scheduled: ScheduledChange | null = before.scheduled;
  if (atRenewal) {
    const next: ScheduledChange = { requestedAt: now };
    if (wanted.quantity !== before.quantity) next.quantity = wanted.quantity;
    if (wanted.term !== before.term) next.term = wanted.term;
    if (wanted.billingCycle !== before.billingCycle) next.billingCycle = wanted.billingCycle;
    const same = (a: ScheduledChange | null, b: ScheduledChange) => !!a && a.quantity === b.quantity && a.term === b.term && a.billingCycle === b.billingCycle;
    scheduled = next.quantity === undefined && next.term === undefined && next.billingCycle === undefined ? null : same(before.scheduled, next) ? before.scheduled : next;
    if (scheduled && scheduled !== before.scheduled) {
      if (!after.autoRenew || status !== 'active') scope.error('subscription.schedule-needs-auto-renew', `Apply At: a change for the renewal needs the subscription active with Auto Renew on; ${status !== 'active' ? `it is ${status}` : 'Auto Renew is off'}`, after.autoRenew ? 'status' : 'autoRenew');
      checkTermAndBilling(scope, offer, { ...after, term: wanted.term, billingCycle: wanted.billingCycle }, 'both');
      if (wanted.quantity !== before.quantity) checkSeatCap(scope, offer, { ...after, quantity: wanted.quantity }, before.status === 'active' && before.offerId === after.offerId ? before.quantity : 0);
    }
  } else if (before.scheduled) {
    // Partner Center deletes a scheduled change on auto-renew off, an upgrade, a suspension or cancellation, or another change of seats.
    const why = !after.autoRenew ? 'auto-renew is turned off' : after.offerId !== before.offerId ? 'the subscription is upgraded' : status !== 'active' ? `the subscription is ${status}` : after.quantity !== before.quantity ? 'its seats change now' : '';
    if (why) {
      scheduled = null;
      notes.push(`The change scheduled for the renewal (${scheduledText(before.scheduled)}) is dropped: ${why}`);
    }
  }
  after.scheduled = scheduled;

  // Seat limits: pooled per customer tenant across its active subscriptions of one offer.
  const pooledBefore = before.status === 'active' && before.offerId === after.offerId ? before.quantity : 0;
  if (status === 'active' && (after.quantity !== before.quantity || after.offerId !== before.offerId || before.status !== 'active')) checkSeatCap(scope, offer, after, pooledBefore);

  const diff = diffRecords('Subscriptions', before, after);
  for (const header of diff.fields) {
    const permission = header === 'Status' ? (status === 'cancelled' ? 'subscription.order' : 'subscription.status') : PERMISSION_OF_FIELD[header];
    if (permission && !scope.permit(permission, FIELD_OF_HEADER[header])) return rejected();
  }
  if (scheduled !== before.scheduled && !scope.permit('subscription.order', 'applyAt')) return rejected();
  for (const [field, header] of REFERENCES) {
    const value = after[field];
    if (value !== null && value !== before[field]) checkResellerReference(scope, field, value, header);
  }
  // Partner Center validates the partner of record on every seat, term or billing change too (enforced since 2025-12-01).
  const commerceChange = after.quantity !== before.quantity || after.term !== before.term || after.billingCycle !== before.billingCycle || scheduled !== before.scheduled;
  if (commerceChange && after.partnerOfRecordMpnId && after.partnerOfRecordMpnId === before.partnerOfRecordMpnId) checkAuthorized(scope, 'partnerOfRecordMpnId', after.partnerOfRecordMpnId, 'Partner of Record PartnerID');
  if (scope.failed) return rejected();

  const scheduleChanged = scheduled !== before.scheduled;
  if (!diff.fields.length && !scheduleChanged && after.seatAdditions === before.seatAdditions) {
    return { result: 'unchanged', diags: [], note: scheduled ? `Scheduled for the renewal on ${displayTime(before.termEnd)}: ${scheduledText(scheduled)}` : '', written: writtenSubscription(before, now) };
  }
  const id = before.subscriptionId;
  state.putSubscription(id, after);
  if (suspending) notes.unshift('Subscription suspended: billing continues, and Partner Center turns auto-renew off');
  if (after.offerId !== before.offerId) notes.unshift(`Upgraded to ${offer.name}`);
  if (status === 'cancelled') notes.unshift('Subscription cancelled within its 7-day window: final, with a prorated refund');
  if (after.quantity < before.quantity) notes.push(`${before.quantity - after.quantity} seat(s) removed within their 7-day window`);
  const result = scheduled && scheduleChanged ? 'scheduled' : suspending ? 'suspended' : 'updated';
  if (result === 'scheduled') notes.unshift(`Scheduled for the renewal on ${displayTime(before.termEnd)}: ${scheduledText(scheduled!)}`);
  const action = suspending ? 'suspend' : 'update';
  return { result, diags: [], note: notes.join('. '), written: writtenSubscription(after, now), change: { entity: 'subscription', key: id, action, before, after, fields: scheduleChanged && !diff.fields.includes('Apply At') ? [...diff.fields, 'Scheduled'] : diff.fields } };
}

export function scheduledText(s: ScheduledChange): string {
  const parts: string[] = [];
  if (s.quantity !== undefined) parts.push(`Quantity → ${s.quantity}`);
  if (s.term !== undefined) parts.push(`Term → ${s.term}`);
  if (s.billingCycle !== undefined) parts.push(`Billing Frequency → ${s.billingCycle}`);
  return parts.join(', ');
}

/** The offer sells the term, allows the billing frequency, and the frequency fits the term. */
function checkTermAndBilling(scope: RowScope<'Subscriptions'>, offer: OfferRecord, s: Pick<SubscriptionRecord, 'term' | 'billingCycle'>, focus: 'term' | 'billing' | 'both'): void {
  const field = focus === 'billing' ? 'billingCycle' : 'term';
  if (!offer.terms.includes(s.term)) scope.error('subscription.term-not-offered', `Term: ${offer.offerId} sells ${offer.terms.join(', ')}, not ${s.term}`, 'term', s.term);
  else if (!offer.billingCycles.includes(s.billingCycle)) scope.error('subscription.term-not-offered', `Billing Frequency: ${offer.offerId} is billed ${offer.billingCycles.join(' or ')}, not ${s.billingCycle}`, 'billingCycle', s.billingCycle);
  else if (!billingFitsTerm(s.term, s.billingCycle)) scope.error('subscription.term-not-offered', `Billing Frequency: ${s.billingCycle} billing is longer than a ${TERM_LABELS[s.term]} term`, field, s.billingCycle);
}

/**
 * The customer's seats of the offer, this subscription's `quantity` in place of the `counted` seats
 * it already adds to the pool, stay within the offer's limits.
 */
function checkSeatCap(scope: RowScope<'Subscriptions'>, offer: OfferRecord, s: Pick<SubscriptionRecord, 'customerDomain' | 'quantity'>, counted: number): void {
  const others = scope.ctx.state.pooledSeats(s.customerDomain, offer.offerId) - counted;
  const total = others + s.quantity;
  if (total > offer.maxQuantity) {
    const remain = Math.max(0, offer.maxQuantity - others);
    const held = others ? ` with the ${others} seat${others > 1 ? 's' : ''} of its other subscriptions of the offer` : '';
    scope.error('subscription.quantity-out-of-range', `Quantity: ${s.quantity} would bring ${s.customerDomain} to ${total} seats of ${offer.name}${held}; the offer allows at most ${offer.maxQuantity} per customer: ${remain} remain`, 'quantity', s.quantity);
  } else if (total < offer.minQuantity) {
    scope.error('subscription.quantity-out-of-range', `Quantity: ${s.customerDomain} would hold ${total} seats of ${offer.name}; the offer needs at least ${offer.minQuantity}`, 'quantity', s.quantity);
  }
}
