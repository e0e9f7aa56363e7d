import { offerKey, TERMS, type BillingCycle, type ScheduledChange, type SeatAddition, type SubscriptionRecord, type SubscriptionStatus, type Term } from '../core/entities.js';
import { REFUND_WINDOW_MS } from '../core/new-commerce.js';
import type { Subscription } from './pc-types.js';

/**
 * Partner Center's resources as tiersync's records: what a connected store keeps is what Partner
 * Center answered (SPEC §7). One place for the mapping, read by remote apply and refresh alike, so
 * a record written after a change reads back the same at the next refresh.
 */

/** `CFQ7TTC0LH18:0001:CFQ7TTC0K971` (product:SKU:availability) → `CFQ7TTC0LH18:0001`, as the catalog names offers. */
export function offerOfCatalogItem(id: string | undefined): string {
  const parts = String(id ?? '').split(':');
  return parts.length >= 2 ? `${parts[0]}:${parts[1]}` : String(id ?? '');
}

/** Partner Center's dates (`2027-11-02`, `2027-11-02T00:00:00Z`) as ISO 8601 UTC; '' when absent. */
export function isoOf(date: unknown): string {
  if (typeof date !== 'string' || !date) return '';
  const ms = Date.parse(/T/.test(date) ? date : `${date}T00:00:00Z`);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

const STATUS: Readonly<Record<string, SubscriptionStatus>> = { active: 'active', pending: 'active', suspended: 'suspended', disabled: 'suspended', deleted: 'cancelled', expired: 'expired' };

function termOf(value: unknown, fallback: Term): Term {
  const t = String(value ?? '').toUpperCase();
  return (TERMS as readonly string[]).includes(t) ? (t as Term) : fallback;
}

function billingOf(value: unknown, fallback: BillingCycle): BillingCycle {
  const b = String(value ?? '').toLowerCase();
  return b === 'monthly' || b === 'annual' || b === 'triennial' ? b : fallback;
}

/** The term's end: Partner Center's `commitmentEndDate` is the term's last day, so the renewal is the next midnight UTC. */
function termEndOf(s: Subscription): string {
  const exact = isoOf(s.commitmentEndDateTime);
  if (exact) return exact;
  const last = isoOf(s.commitmentEndDate);
  return last ? new Date(Date.parse(last) + 86_400_000).toISOString() : '';
}

function scheduledOf(s: Subscription, now: string): ScheduledChange | null {
  const next = s.scheduledNextTermInstructions as { quantity?: number; product?: { termDuration?: string; billingCycle?: string } } | undefined | null;
  if (!next || typeof next !== 'object') return null;
  const out: ScheduledChange = { requestedAt: now };
  if (typeof next.quantity === 'number' && next.quantity !== s.quantity) out.quantity = next.quantity;
  const term = termOf(next.product?.termDuration, termOf(s.termDuration, 'P1Y'));
  if (term !== termOf(s.termDuration, 'P1Y')) out.term = term;
  const billing = billingOf(next.product?.billingCycle, billingOf(s.billingCycle, 'monthly'));
  if (billing !== billingOf(s.billingCycle, 'monthly')) out.billingCycle = billing;
  return out.quantity === undefined && out.term === undefined && out.billingCycle === undefined ? null : out;
}

/** The seats inside their 7-day window, from `refundableQuantity` (only `GET` by ID carries it). */
function seatAdditionsOf(s: Subscription): SeatAddition[] | undefined {
  const details = s.refundableQuantity?.details;
  if (!Array.isArray(details)) return undefined;
  return details.filter((d) => d.quantity > 0).map((d) => ({ quantity: d.quantity, at: new Date(Date.parse(d.allowedUntilDateTime) - REFUND_WINDOW_MS).toISOString() }));
}

/**
 * A Partner Center subscription as the record a connected store keeps. `known` is what the store
 * holds already (for what Partner Center's subscription resource does not carry: the support contact,
 * the offer ID as the catalog writes it, the creation time).
 */
export function subscriptionRecordOf(s: Subscription, customerDomain: string, now: string, known?: SubscriptionRecord): SubscriptionRecord {
  const offer = offerOfCatalogItem(s.offerId);
  const seats = seatAdditionsOf(s);
  return {
    subscriptionId: s.id,
    customerDomain,
    offerId: known && offerKey(known.offerId) === offerKey(offer) ? known.offerId : offer,
    nickname: s.friendlyName ?? known?.nickname ?? '',
    quantity: s.quantity ?? known?.quantity ?? 0,
    term: termOf(s.termDuration, known?.term ?? 'P1Y'),
    billingCycle: billingOf(s.billingCycle, known?.billingCycle ?? 'monthly'),
    autoRenew: s.autoRenewEnabled === true,
    partnerOfRecordMpnId: s.partnerId ? String(s.partnerId) : null,
    supportContactMpnId: known?.supportContactMpnId ?? null,
    status: STATUS[String(s.status ?? 'active').toLowerCase()] ?? 'active',
    termStart: isoOf(s.effectiveStartDate) || known?.termStart || '',
    termEnd: termEndOf(s) || known?.termEnd || '',
    // A list carries no refundable quantity: the store keeps what it last saw by ID.
    seatAdditions: seats === undefined ? (known?.seatAdditions ?? null) : seats.length ? seats : null,
    scheduled: scheduledOf(s, known?.scheduled?.requestedAt ?? now),
    createdAt: known?.createdAt ?? (isoOf(s.creationDate) || now),
  };
}

/** The fields of a record that Partner Center's subscription resource carries: what a refresh compares. */
export const OBSERVED_SUBSCRIPTION_FIELDS = ['offerId', 'nickname', 'quantity', 'term', 'billingCycle', 'autoRenew', 'partnerOfRecordMpnId', 'status', 'termStart', 'termEnd', 'scheduled'] as const;

export function observedDifference(before: SubscriptionRecord, after: SubscriptionRecord): string[] {
  return OBSERVED_SUBSCRIPTION_FIELDS.filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null));
}
