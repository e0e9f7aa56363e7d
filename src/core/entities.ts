import type { Role } from './roles.js';

/**
 * Records as the store holds them: the third name of a row (RawXRow → XRow → XRecord).
 * Optional fields are `null` when not set, never `undefined`, so records survive JSON and SQL alike.
 */

export const ENTITIES = ['user', 'offer', 'reseller', 'customer', 'subscription'] as const;
export type Entity = (typeof ENTITIES)[number];

/** `removal-requested`: a connected store recorded the removal; Partner Center has no API for it, so it is finished there. */
export type PartnershipState = 'invited' | 'active' | 'removal-requested' | 'removed';
/** New-commerce term durations (ISO 8601), shortest first. */
export const TERMS = ['P1M', 'P1Y', 'P3Y'] as const;
export type Term = (typeof TERMS)[number];
/** Billing frequencies, shortest first. The field keeps its older name, billing cycle. */
export const BILLING_CYCLES = ['monthly', 'annual', 'triennial'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];
/** `cancelled`: within the 7-day window, final. `expired`: reached its term end without renewing. */
export type SubscriptionStatus = 'active' | 'suspended' | 'cancelled' | 'expired';
export type UserStatus = 'active' | 'removed';
/** The associated reseller's admin access: Partner Center's default GDAP relationships, or none (DAP is retired). */
export type AdminAccess = 'default GDAP' | 'none';

export interface ProviderRecord {
  mpnId: string;
  name: string;
  portalUrl: string;
}

/**
 * A connected store's order whose subscriptions Partner Center had not provisioned when the run
 * ended (SPEC §7.2): the next refresh completes it. `lines` are what was ordered, by line number.
 */
export interface PendingOrderRecord {
  orderId: string;
  customerDomain: string;
  lines: Array<{ lineNumber: number; offerId: string; nickname: string; quantity: number; term: Term; billingCycle: BillingCycle; autoRenew: boolean; partnerOfRecordMpnId: string | null }>;
  createdAt: string;
  status: 'open' | 'done';
}

/** Where a connected store's Partner Center is (SPEC §7.1). Never a secret: those come from the environment or a 0600 file. */
export interface PartnerCenterConnection {
  /** The provider's own Entra tenant ID. */
  tenantId: string;
  apiUrl: string;
  loginUrl: string;
  /** The provider's personalized partnership link, copied from Partner Center ("Request a partnership"). */
  partnershipLink: string | null;
}

export interface UserRecord {
  email: string;
  displayName: string;
  roles: Role[];
  status: UserStatus;
}

export interface OfferRecord {
  /** As written in the catalog; compared case-insensitively through `offerKey`. */
  offerId: string;
  name: string;
  minQuantity: number;
  maxQuantity: number;
  /** Terms it sells; the first is a new subscription's default. */
  terms: Term[];
  billingCycles: BillingCycle[];
  /** Offer IDs this offer may be upgraded to (higher tiers: never a downgrade). */
  upgradeTargets: string[];
}

export interface ResellerRecord {
  /** Location PartnerID: the key, and the ID used in every transaction. */
  mpnId: string;
  name: string;
  contactEmail: string;
  globalMpnId: string | null;
  /** The reseller's CSP tenant ID: Partner Center's customer API names a reseller by it. */
  tenantId: string | null;
  country: string | null;
  partnership: PartnershipState;
  /** When the current invitation was sent (invited), or the partnership last changed state. */
  stateSince: string;
}

/** A partnership request. The token itself is never stored: only its SHA-256. */
export interface InvitationRecord {
  id: string;
  resellerMpnId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  status: 'open' | 'accepted' | 'replaced' | 'withdrawn';
  acceptedAt: string | null;
}

export interface CustomerRecord {
  /** Domain prefix, lower-case: `contoso` for contoso.onmicrosoft.com. */
  domain: string;
  tenantId: string;
  companyName: string;
  contactFirstName: string;
  contactLastName: string;
  contactEmail: string;
  phone: string | null;
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  stateRegion: string | null;
  /** Null where the country's rules do not require one. */
  postalCode: string | null;
  country: string;
  language: string;
  /** Required in the countries whose rules say so (SPEC §1.4). */
  registrationNumber: string | null;
  resellerMpnId: string | null;
  /** Set when the customer is created: `default GDAP` when it was created with an associated reseller. */
  adminAccess: AdminAccess;
  createdAt: string;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  customerDomain: string;
  offerId: string;
  /** '' when the subscription has no nickname: part of the natural key. */
  nickname: string;
  quantity: number;
  term: Term;
  billingCycle: BillingCycle;
  autoRenew: boolean;
  partnerOfRecordMpnId: string | null;
  supportContactMpnId: string | null;
  status: SubscriptionStatus;
  /** The current term: its start (purchase or last renewal) and its end, the renewal date. '' until apply for a new one. */
  termStart: string;
  termEnd: string;
  /**
   * Seats added in the last 7 days that can still be removed, oldest first; null means every seat was
   * added at `termStart` (the purchase or the last renewal), which is nearly always the case. Older
   * additions are dropped when the record is written: they can never be removed again.
   */
  seatAdditions: SeatAddition[] | null;
  /** A change recorded for the renewal (`Apply At = renewal`); null when none. */
  scheduled: ScheduledChange | null;
  createdAt: string;
}

export interface SeatAddition {
  quantity: number;
  at: string;
}

/** What changes at the next renewal. Only the fields that change are present. */
export interface ScheduledChange {
  quantity?: number;
  term?: Term;
  billingCycle?: BillingCycle;
  requestedAt: string;
}

export interface RecordOf {
  user: UserRecord;
  offer: OfferRecord;
  reseller: ResellerRecord;
  customer: CustomerRecord;
  subscription: SubscriptionRecord;
}

export function offerKey(offerId: string): string {
  return offerId.toLowerCase();
}

export function userKey(email: string): string {
  return email.toLowerCase();
}

/**
 * The natural key of a subscription: unique per customer. Joined rather than concatenated: a join
 * makes one flat string, a concatenation a tree of its parts that a map of a million keys keeps
 * (measured: 104 → 73 MB for a million keys in a map, and faster to make and look up).
 */
export function subscriptionNaturalKey(customerDomain: string, offerId: string, nickname: string): string {
  return [customerDomain.toLowerCase(), offerKey(offerId), nickname.toLowerCase()].join('|');
}
