import type { BillingCycle, Term, UserStatus } from '../core/entities.js';
import type { Role } from '../core/roles.js';

/**
 * Validated rows: the second name of a row (RawRow → XRow → XRecord).
 * A field is `undefined` when its cell was blank ("leave as is"), `null` when it was `-` ("clear it").
 * Key fields are always present.
 */

export interface UserRow {
  email: string;
  displayName?: string;
  roles?: Role[];
  status?: UserStatus;
}

export interface OfferRow {
  offerId: string;
  name?: string;
  minQuantity?: number;
  maxQuantity?: number;
  terms?: string[];
  billingCycles?: string[];
  upgradeTargets?: string[] | null;
}

export interface ResellerRow {
  mpnId: string;
  name?: string;
  contactEmail?: string;
  globalMpnId?: string | null;
  tenantId?: string | null;
  country?: string | null;
  partnership?: 'active' | 'removed';
}

export interface CustomerRow {
  domain: string;
  companyName?: string;
  contactFirstName?: string;
  contactLastName?: string;
  contactEmail?: string;
  phone?: string | null;
  addressLine1?: string;
  addressLine2?: string | null;
  city?: string;
  stateRegion?: string | null;
  postalCode?: string | null;
  country?: string;
  language?: string;
  registrationNumber?: string | null;
  resellerMpnId?: string | null;
  /** Echoed from a results workbook or an export; informational. */
  tenantId?: string;
}

export interface SubscriptionRow {
  subscriptionId?: string;
  customerDomain: string;
  offerId: string;
  nickname?: string;
  quantity?: number;
  term?: Term;
  billingCycle?: BillingCycle;
  autoRenew?: boolean;
  partnerOfRecordMpnId?: string | null;
  supportContactMpnId?: string | null;
  /** `expired` is only ever reached by the clock: a row may restate it, not ask for it. */
  status?: 'active' | 'suspended' | 'cancelled' | 'expired';
  /** `renewal`: a decrease, term or billing change is scheduled for the renewal. */
  applyAt?: 'now' | 'renewal';
}

export interface RowOf {
  Users: UserRow;
  Offers: OfferRow;
  Resellers: ResellerRow;
  Customers: CustomerRow;
  Subscriptions: SubscriptionRow;
}
