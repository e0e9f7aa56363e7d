/**
 * What the sandbox keeps: its own records of Partner Center's resources (never the engine's
 * types). Tests read them through `Sandbox.state`; the HTTP layer turns them into Partner Center's
 * wire shapes (wire.ts). Times are milliseconds on the sandbox clock.
 */
import type { BillingCycle } from './catalog.js';

/**
 * Why Partner Center refuses a reseller as partner of record (PARTNER-CENTER-RULES.md N3):
 * the Microsoft Partner Agreement not signed, no CSP indirect-reseller enrolment, an inactive
 * program status, or a CSP region other than the provider's.
 */
export type ResellerAuthorization = 'authorized' | 'mpa-not-signed' | 'not-enrolled' | 'inactive' | 'region-mismatch';

export interface ResellerRecord {
  /** The reseller's CSP tenant ID: what `associatedPartnerId` and the IndirectReseller filter take. */
  tenantId: string;
  /** The reseller's Location PartnerID (MPN ID): what orders, `partnerId` and `mpn_id` take. */
  mpnId: string;
  name: string;
  country: string;
  globalMpnId?: string;
  /** In the provider's indirect reseller list, i.e. the partnership request was accepted. */
  inList: boolean;
  authorization: ResellerAuthorization;
}

export interface AgreementRecord {
  templateId: string;
  type: string;
  dateAgreed: string;
  primaryContact: Record<string, unknown>;
  userId: string;
}

export interface CustomerRecord {
  id: string;
  /** Full domain, lower case: `contoso.onmicrosoft.com`. */
  domain: string;
  companyName: string;
  email: string;
  culture: string;
  language: string;
  defaultAddress: Record<string, unknown>;
  organizationRegistrationNumber?: string;
  /** The associated indirect reseller's tenant ID, when the customer was created for one. */
  associatedPartnerId?: string;
  billingProfileId: string;
  createdAt: number;
  version: number;
  adminUserName: string;
  /**
   * The admin password Partner Center returned, once, in the 201 of `POST /v1/customers`. Kept so
   * a test can check what the client stored; no route ever returns it again. Undefined for
   * customers that were seeded.
   */
  issuedPassword?: string;
  agreements: AgreementRecord[];
  subscriptionIds: string[];
  orderIds: string[];
}

export type SubscriptionStatus = 'active' | 'suspended' | 'deleted' | 'expired';

/** Seats added at one time; refundable (removable) for 7 days from `addedAt`. */
export interface SeatAddition {
  quantity: number;
  addedAt: number;
}

export type SeatEventKind = 'purchase' | 'increase' | 'decrease' | 'renewal' | 'transition-in' | 'transition-out' | 'cancel';

export interface SeatEvent {
  at: number;
  kind: SeatEventKind;
  quantityBefore: number;
  quantityAfter: number;
}

export interface ScheduledNextTerm {
  productId: string;
  skuId: string;
  availabilityId: string;
  billingCycle: BillingCycle;
  termDuration: string;
  quantity: number;
}

export interface SupportContact {
  supportTenantId: string;
  supportMpnId: string;
  name: string;
}

export interface SubscriptionRecord {
  id: string;
  customerId: string;
  orderId: string;
  productId: string;
  skuId: string;
  availabilityId: string;
  offerName: string;
  friendlyName: string;
  quantity: number;
  status: SubscriptionStatus;
  autoRenewEnabled: boolean;
  billingCycle: BillingCycle;
  termDuration: string;
  createdAt: number;
  /** Start of the current term (purchase or last renewal): the 7-day cancel window runs from here. */
  termStart: number;
  /** The instant the current term ends and a renewal, if any, takes effect. */
  termEnd: number;
  /** The reseller of record's PartnerID; '' when the provider transacts as a direct partner. */
  partnerId: string;
  supportContact?: SupportContact;
  seatAdditions: SeatAddition[];
  seatHistory: SeatEvent[];
  scheduledNextTerm?: ScheduledNextTerm;
  suspensionReasons: string[];
  version: number;
  /** False until the order that created it is provisioned: API reads do not see it before. */
  provisioned: boolean;
  /** After a `202 Accepted`, API reads keep showing this older view for `readsLeft` more reads. */
  staleView?: { body: Record<string, unknown>; readsLeft: number };
}

export interface OrderLineItemRecord {
  lineItemNumber: number;
  offerId: string;
  subscriptionId: string;
  termDuration: string;
  friendlyName: string;
  quantity: number;
  partnerIdOnRecord: string;
}

export interface OrderRecord {
  id: string;
  customerId: string;
  cartId?: string;
  billingCycle: BillingCycle;
  currencyCode: string;
  lineItems: OrderLineItemRecord[];
  createdAt: number;
  status: 'pending' | 'completed';
  /** Provisioning completes once the clock reaches this and `pollsLeft` reads have seen it pending. */
  provisionAt: number;
  pollsLeft: number;
}

export interface CartLineError {
  errorCode: number;
  errorDescription: string;
  additionalInformation?: { availableQuantity: number; purchasedQuantity: number };
}

export interface CartLineRecord {
  id: number;
  catalogItemId: string;
  friendlyName?: string;
  quantity: number;
  billingCycle: string;
  termDuration: string;
  participants: Array<{ key: string; value: string }>;
  currencyCode: string;
  orderGroup: string;
  error?: CartLineError;
}

export interface CartRecord {
  id: string;
  customerId: string;
  createdAt: number;
  lastModifiedAt: number;
  expiresAt: number;
  status: 'Active' | 'Ordered';
  partnerOnRecordAttestationAccepted: boolean;
  lineItems: CartLineRecord[];
  /** Set while a checkout is running: a concurrent checkout gets 800064. */
  checkingOut: boolean;
  orderIds: string[];
}

export interface TransitionRecord {
  operationId: string;
  customerId: string;
  fromSubscriptionId: string;
  fromCatalogItemId: string;
  toCatalogItemId: string;
  toSubscriptionId: string;
  quantity: number;
  termDuration: string;
  billingCycle: string;
  transitionType: string;
  events: Array<{ name: string; status: string; timestamp: string }>;
  createdAt: number;
}

/** Who made a change: the API's caller, someone in Partner Center's own UI, or Microsoft's commerce system (renewals). */
export type Actor = 'api' | 'ui' | 'system';

export interface ActivityRecord {
  seq: number;
  at: number;
  actor: Actor;
  customerId?: string;
  customerName?: string;
  resourceType: string;
  operationType: string;
  resourceOldValue?: string;
  resourceNewValue?: string;
  customizedData: Array<{ key: string; value: string | null }>;
}
