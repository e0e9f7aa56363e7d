/**
 * Partner Center's wire shapes, as PARTNER-CENTER-API.md documents them (responses camelCase).
 * Every object keeps the fields it does not name (`[field: string]: unknown`): a subscription is
 * PATCHed back whole, and a field dropped here would be dropped in Partner Center.
 */

export interface PcLink {
  uri: string;
  method?: string;
  headers?: Array<{ key: string; value: string }>;
}

export interface PcAttributes {
  etag?: string;
  objectType?: string;
  [field: string]: unknown;
}

export interface PcAddress {
  country: string;
  city?: string;
  state?: string;
  addressLine1?: string;
  addressLine2?: string;
  addressLine3?: string;
  postalCode?: string;
  firstName?: string;
  lastName?: string;
  phoneNumber?: string;
  [field: string]: unknown;
}

/** `POST /v1/validations/address`. */
export interface AddressValidationResult {
  /** `VerifiedShippable`, `Verified`, `InteractionRequired`, `StreetPartial`, `PremisesPartial`, `Multiple`, `None`, `NotValidated`. */
  status: string;
  originalAddress?: PcAddress;
  suggestedAddresses?: PcAddress[];
  validationMessage?: string;
  [field: string]: unknown;
}

/** `GET /v1/countryvalidationrules/{iso}`: per-country address and registration rules. */
export interface CountryValidationRules {
  iso2Code?: string;
  defaultCulture?: string;
  isStateRequired?: boolean;
  states?: string[];
  isPostalCodeRequired?: boolean;
  postalCodeRegex?: string;
  isCityRequired?: boolean;
  phoneNumberRegex?: string;
  supportedCultures?: string[];
  supportedLanguages?: string[];
  isRegistrationNumberSupported?: boolean;
  [field: string]: unknown;
}

/** What `POST /v1/customers` needs to create a customer for an indirect reseller. */
export interface NewCustomer {
  /** `contoso.onmicrosoft.com`. */
  domain: string;
  organizationRegistrationNumber?: string;
  billingProfile: {
    email: string;
    /** e.g. `en-US`. */
    culture: string;
    /** Two letters, e.g. `en`. */
    language: string;
    companyName: string;
    defaultAddress: PcAddress;
  };
  /** The reseller's **tenant ID** (GUID, `relationships[].id`), never its PartnerID; absent = a direct customer of the provider. */
  associatedPartnerId?: string;
  enableGDAPByDefault?: boolean;
}

export interface Customer {
  id: string;
  commerceId?: string;
  companyProfile?: { tenantId?: string; domain?: string; companyName?: string; [field: string]: unknown };
  billingProfile?: { [field: string]: unknown };
  relationshipToPartner?: string;
  associatedPartnerId?: string;
  allowDelegatedAccess?: boolean;
  links?: Record<string, PcLink>;
  attributes?: PcAttributes;
  [field: string]: unknown;
}

/** The customer's first admin, returned by `POST /v1/customers` once and never again. */
export interface CustomerUserCredentials {
  /** The bare name (`admin`); the sign-in name is `userName@domain`. */
  userName: string;
  password: string;
}

export interface CreatedCustomer {
  customer: Customer;
  /**
   * Persist this at once (SPEC §7.4: the pending credentials file, fsynced) before anything else:
   * Partner Center never shows it again. The client never logs it.
   */
  userCredentials?: CustomerUserCredentials;
}

/** `POST /v1/customers/{id}/agreements` (Microsoft Customer Agreement attestation). */
export interface CustomerAgreement {
  primaryContact: { firstName: string; lastName: string; email: string; phoneNumber?: string };
  templateId: string;
  /** ISO date-time the customer accepted. */
  dateAgreed: string;
  /** Default `MicrosoftCustomerAgreement`. */
  type?: string;
  [field: string]: unknown;
}

/** `GET /v1/agreements?agreementType=…` items. */
export interface AgreementMetadata {
  templateId: string;
  agreementType?: string;
  versionRank?: number;
  [field: string]: unknown;
}

/** An indirect reseller of the provider (`GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf`). */
export interface PartnerRelationship {
  /** The reseller's tenant ID: `associatedPartnerId`, support contact `supportTenantId`. */
  id: string;
  name?: string;
  /** The reseller's PartnerID (MPN / PLA ID): partner of record, `transaction_reseller`, `supportMpnId`. */
  mpnId?: string;
  /** `Active`, … */
  state?: string;
  location?: string;
  relationshipType?: string;
  [field: string]: unknown;
}

/** `POST /v1/partners/validateresellers` result per PartnerID. */
export interface ResellerValidation {
  partnerId: string;
  isValidPartnerIdOnRecord: boolean;
  /** Partner Center's code as a string (`"900400"`), when invalid. */
  errorCode?: string;
  errorDescription?: string;
  [field: string]: unknown;
}

export interface MpnProfile {
  partnerName?: string;
  mpnId?: string;
  profileType?: string;
  [field: string]: unknown;
}

export interface CartParticipant {
  /** `transaction_reseller` (the reseller's PartnerID) or `additional_transaction_reseller` (EU/EFTA, up to 5). */
  key: 'transaction_reseller' | 'additional_transaction_reseller' | string;
  value: string;
}

export interface CartLineItem {
  id: number;
  /** `product:sku:availability`, e.g. `CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ`. */
  catalogItemId: string;
  quantity: number;
  /** `monthly`, `annual`, `triennial`, `one_time`, `none`. */
  billingCycle: string;
  /** `P1M`, `P1Y`, `P3Y`. */
  termDuration?: string;
  friendlyName?: string;
  customTermEndDate?: string;
  promotionId?: string;
  participants?: CartParticipant[];
  provisioningContext?: Record<string, string>;
  error?: { errorCode?: string | number; errorDescription?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Cart {
  id: string;
  status?: string;
  creationTimestamp?: string;
  expirationTimestamp?: string;
  lineItems: CartLineItem[];
  [field: string]: unknown;
}

export interface OrderLineItem {
  lineItemNumber: number;
  offerId?: string;
  subscriptionId?: string;
  quantity?: number;
  partnerIdOnRecord?: string;
  [field: string]: unknown;
}

export interface Order {
  id: string;
  referenceCustomerId?: string;
  status?: string;
  creationDate?: string;
  lineItems?: OrderLineItem[];
  [field: string]: unknown;
}

export interface CartCheckoutResult {
  orders: Order[];
  orderErrors: Array<{ orderGroupId?: string; code?: string; description?: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

export interface RefundableQuantity {
  totalQuantity?: number;
  details?: Array<{ quantity: number; allowedUntilDateTime: string }>;
  [field: string]: unknown;
}

export interface Subscription {
  id: string;
  offerId?: string;
  offerName?: string;
  friendlyName?: string;
  quantity?: number;
  /** `none`, `active`, `pending`, `suspended`, `expired`, `disabled`, `deleted`. */
  status?: string;
  autoRenewEnabled?: boolean;
  billingCycle?: string;
  termDuration?: string;
  creationDate?: string;
  effectiveStartDate?: string;
  commitmentEndDate?: string;
  /** The PartnerID of the reseller of record. */
  partnerId?: string;
  orderId?: string;
  refundableQuantity?: RefundableQuantity;
  scheduledNextTermInstructions?: Record<string, unknown>;
  attributes?: PcAttributes;
  [field: string]: unknown;
}

/** The fields tiersync changes on a subscription; everything else is sent back as Partner Center gave it. */
export interface SubscriptionChange {
  quantity?: number;
  /** `active` (reactivate), `suspended`, `deleted` (cancel, within the window). */
  status?: 'active' | 'suspended' | 'deleted';
  autoRenewEnabled?: boolean;
  friendlyName?: string;
  /** The reseller of record's PartnerID. */
  partnerId?: string;
  scheduledNextTermInstructions?: Record<string, unknown> | null;
}

export interface TransitionEligibility {
  operationId?: string;
  catalogItemId: string;
  title?: string;
  quantity?: number;
  eligibilities?: Array<{ isEligible: boolean; transitionType?: string; errors?: unknown[] }>;
  subscriptionEligibilities?: Array<{ isEligible: boolean; subscriptionId?: string; errors?: unknown[]; [field: string]: unknown }>;
  [field: string]: unknown;
}

export interface NewTransition {
  fromCatalogItemId?: string;
  fromSubscriptionId?: string;
  toCatalogItemId: string;
  toSubscriptionId?: string;
  quantity: number;
  termDuration?: string;
  billingCycle?: string;
  /** `transition_only` or `transition_with_license_transfer`. */
  transitionType: string;
}

export interface Transition extends Partial<NewTransition> {
  id?: string;
  operationId?: string;
  status?: string;
  events?: Array<{ name?: string; status?: string; timestamp?: string }>;
  [field: string]: unknown;
}

/** A subscription's designated support contact: an indirect reseller, by tenant ID **and** PartnerID. */
export interface SupportContact {
  supportTenantId: string;
  supportMpnId: string;
  name: string;
  [field: string]: unknown;
}

export interface AuditRecord {
  partnerId?: string;
  customerId?: string;
  customerName?: string;
  userPrincipalName?: string;
  resourceType?: string;
  resourceNewValue?: string;
  resourceOldValue?: string;
  operationType?: string;
  operationStatus?: string;
  operationDate?: string;
  /** The app that made the change (its client ID), as Partner Center records it. */
  applicationId?: string;
  customizedData?: Array<{ key: string; value: string }>;
  [field: string]: unknown;
}

export interface Product {
  id: string;
  title?: string;
  productType?: { id?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Sku {
  id: string;
  productId?: string;
  title?: string;
  minimumQuantity?: number;
  maximumQuantity?: number;
  [field: string]: unknown;
}

export interface Availability {
  id: string;
  productId?: string;
  skuId?: string;
  /** `product:sku:availability`: what a cart line item orders. */
  catalogItemId: string;
  terms?: Array<{ duration?: string; billingCycle?: string; [field: string]: unknown }>;
  [field: string]: unknown;
}
