/**
 * The simulated Partner Center account of one indirect provider: its indirect resellers, customers,
 * carts, orders and subscriptions, and the new-commerce rules that govern changes to them.
 *
 * Every rule here is Partner Center's as PARTNER-CENTER-API.md documents it; where Microsoft
 * documents no behaviour, the choice is marked "assumption" with the reason. Both the HTTP routes
 * (actor `api`) and the direct changes a test makes "in Partner Center's own UI" (actor `ui`) go
 * through the same methods, so both obey the same rules and both land in the activity log.
 *
 * All lookups are by Map; nothing on a request's path scans every customer or subscription.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ActivityLog } from './activity-log.js';
import { Catalog, catalogItemIdOf, productSkuKey, termOf, type BillingCycle, type OfferDefinition } from './catalog.js';
import { DAY_MS, termEnd, termMonths, type SandboxClock } from './clock.js';
import { countryRules } from './country-rules.js';
import { pcError, PcError } from './errors.js';
import type {
  Actor, AgreementRecord, CartLineError, CustomerRecord, OrderRecord, ResellerAuthorization, ResellerRecord,
  ScheduledNextTerm, SeatEventKind, SubscriptionRecord, SubscriptionStatus, SupportContact, TransitionRecord, CartRecord,
} from './records.js';
import { catalogItemIdOfSubscription, customerWire, subscriptionWire } from './wire.js';

/** New commerce: seats may be removed, and subscriptions cancelled, for 7 days (168 hours). */
export const NCE_WINDOW_DAYS = 7;
export const NCE_WINDOW_MS = NCE_WINDOW_DAYS * DAY_MS;
/** "Carts expire 7 days from initial creation" (cart-resources.md). */
export const CART_LIFETIME_MS = 7 * DAY_MS;
/** The Microsoft Customer Agreement template ID of Microsoft's examples (get-customer-agreement-metadata.md). */
export const MCA_TEMPLATE_ID = '117a77b0-9360-443b-8795-c6dedc750cf9';

export interface ProviderIdentity {
  tenantId: string;
  mpnId: string;
  name: string;
  domain: string;
  country: string;
}

export interface ProvisioningOptions {
  /** Milliseconds (sandbox clock) between checkout and the subscriptions existing. */
  delayMs: number;
  /** Reads of the order or of the customer's subscriptions that still see the order pending. */
  polls: number;
}

export interface SeedReseller {
  mpnId: string;
  name: string;
  tenantId?: string;
  country?: string;
  globalMpnId?: string;
  /** `active` (default): in the indirect reseller list; `none`: known to Partner Center only (e.g. invited, not accepted). */
  relationship?: 'active' | 'none';
  authorization?: ResellerAuthorization;
}

export interface SeedCustomer {
  id?: string;
  /** `contoso` or `contoso.onmicrosoft.com`. */
  domain: string;
  companyName?: string;
  country?: string;
  email?: string;
  /** The reseller's tenant ID, as Partner Center stores it. */
  associatedPartnerId?: string;
  /** Convenience: the reseller's PartnerID, resolved to its tenant ID. */
  resellerMpnId?: string;
  /** Whether the Microsoft Customer Agreement is attested (default true). */
  mcaAccepted?: boolean;
  createdAt?: Date | string | number;
}

export interface SeedSubscription {
  id?: string;
  customerId?: string;
  customerDomain?: string;
  /** `product:sku` or `product:sku:availability`. */
  offerId: string;
  quantity: number;
  termDuration?: string;
  billingCycle?: BillingCycle;
  status?: SubscriptionStatus;
  autoRenewEnabled?: boolean;
  friendlyName?: string;
  partnerId?: string;
  /** When it was bought (default: now). The 7-day windows run from here. */
  purchasedAt?: Date | string | number;
  supportContactMpnId?: string;
}

export interface SeedInput {
  resellers?: SeedReseller[];
  customers?: SeedCustomer[];
  subscriptions?: SeedSubscription[];
}

export interface SeedResult {
  resellers: ResellerRecord[];
  customers: CustomerRecord[];
  subscriptions: SubscriptionRecord[];
}

/** A change to a subscription, as PATCH (full object) or the UI expresses it. */
export interface SubscriptionChange {
  quantity: number;
  status: string;
  autoRenewEnabled: boolean;
  friendlyName: string;
  partnerId: string;
  /** `null`: none (a PATCH that omits them deletes them, as Microsoft warns). */
  scheduledNextTerm: ScheduledNextTerm | null;
  billingCycle?: string;
  termDuration?: string;
  offerId?: string;
}

export interface PurchaseLine {
  offer: OfferDefinition;
  quantity: number;
  termDuration: string;
  billingCycle: BillingCycle;
  friendlyName?: string;
  partnerId: string;
}

export class SandboxState {
  readonly resellers = new Map<string, ResellerRecord>();
  readonly resellersByTenant = new Map<string, ResellerRecord>();
  readonly customers = new Map<string, CustomerRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly orders = new Map<string, OrderRecord>();
  readonly carts = new Map<string, CartRecord>();
  /** Transitions by source subscription ID. */
  readonly transitions = new Map<string, TransitionRecord[]>();
  readonly activity = new ActivityLog();
  /** Customer IDs in creation order: what `GET /v1/customers` pages through. */
  readonly customerOrder: string[] = [];

  private readonly customersByDomain = new Map<string, CustomerRecord>();
  private readonly customersByReseller = new Map<string, string[]>();
  private readonly pendingOrdersByCustomer = new Map<string, Set<string>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly clock: SandboxClock,
    readonly catalog: Catalog,
    readonly provider: ProviderIdentity,
    public provisioning: ProvisioningOptions,
  ) {
    clock.onMove(() => this.applyDue());
  }

  // ---------------------------------------------------------------- lookups

  customerByDomain(domain: string): CustomerRecord | undefined {
    return this.customersByDomain.get(normalizeDomain(domain));
  }

  /** Customer IDs associated with a reseller (by its tenant ID), in creation order. */
  customerIdsOfReseller(resellerTenantId: string): readonly string[] {
    return this.customersByReseller.get(resellerTenantId.toLowerCase()) ?? [];
  }

  subscriptionsOf(customerId: string): SubscriptionRecord[] {
    const customer = this.customers.get(customerId);
    if (!customer) return [];
    return customer.subscriptionIds.map((id) => this.subscriptions.get(id)).filter((s): s is SubscriptionRecord => s !== undefined);
  }

  /** Seats still removable now (the 7-day rule), as `refundableQuantity.totalQuantity` reports them. */
  refundableQuantity(subscriptionId: string): number {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) return 0;
    const now = this.clock.nowMs();
    return s.seatAdditions.filter((a) => a.addedAt + NCE_WINDOW_MS > now).reduce((sum, a) => sum + a.quantity, 0);
  }

  /** Seats of one SKU in use on a customer tenant, across all its subscriptions (the pooled limit). */
  seatsInUse(customerId: string, productId: string, skuId: string, excludeSubscriptionId?: string): number {
    const key = productSkuKey(productId, skuId);
    let seats = 0;
    for (const s of this.subscriptionsOf(customerId)) {
      if (s.id === excludeSubscriptionId) continue;
      if (s.status !== 'active' && s.status !== 'suspended') continue;
      if (productSkuKey(s.productId, s.skuId) === key) seats += s.quantity;
    }
    return seats;
  }

  currencyOf(customer: CustomerRecord | undefined): string {
    const country = typeof customer?.defaultAddress.country === 'string' ? customer.defaultAddress.country : this.provider.country;
    return countryRules(country)?.currency ?? 'USD';
  }

  countryOf(customer: CustomerRecord): string {
    return typeof customer.defaultAddress.country === 'string' ? customer.defaultAddress.country.toUpperCase() : this.provider.country;
  }

  // ---------------------------------------------------------------- seeding

  /**
   * Puts resellers, customers and subscriptions in place as they already are in Partner Center:
   * no activity records, no rule checks beyond the shape. Fast enough for 100,000 customers.
   */
  seed(input: SeedInput): SeedResult {
    const now = this.clock.nowMs();
    const result: SeedResult = { resellers: [], customers: [], subscriptions: [] };
    for (const r of input.resellers ?? []) result.resellers.push(this.putReseller(r));
    const cultures = new Map<string, string>();
    for (const c of input.customers ?? []) {
      const domain = normalizeDomain(c.domain);
      if (this.customersByDomain.has(domain)) throw new RangeError(`seed: domain ${domain} is already used`);
      let associatedPartnerId = c.associatedPartnerId?.toLowerCase();
      if (c.resellerMpnId) {
        const reseller = this.resellers.get(c.resellerMpnId);
        if (!reseller) throw new RangeError(`seed: customer ${domain} names reseller ${c.resellerMpnId}, which is not seeded`);
        associatedPartnerId = reseller.tenantId;
      }
      const createdAt = c.createdAt === undefined ? now : new Date(c.createdAt).getTime();
      const country = (c.country ?? this.provider.country).toUpperCase();
      const companyName = c.companyName ?? domain.split('.')[0]!;
      let culture = cultures.get(country);
      if (culture === undefined) {
        culture = countryRules(country)?.defaultCulture ?? 'en-US';
        cultures.set(country, culture);
      }
      const record: CustomerRecord = {
        id: (c.id ?? randomUUID()).toLowerCase(),
        domain,
        companyName,
        email: c.email ?? `admin@${domain}`,
        culture,
        language: culture.slice(0, 2),
        defaultAddress: { country, city: 'Redmond', addressLine1: '1 Main Street', firstName: 'Admin', lastName: companyName },
        ...(associatedPartnerId ? { associatedPartnerId } : {}),
        billingProfileId: randomUUID(),
        createdAt,
        version: 1,
        adminUserName: 'admin',
        agreements: c.mcaAccepted === false ? [] : [{ templateId: MCA_TEMPLATE_ID, type: 'MicrosoftCustomerAgreement', dateAgreed: new Date(createdAt).toISOString(), primaryContact: {}, userId: randomUUID() }],
        subscriptionIds: [],
        orderIds: [],
      };
      this.indexCustomer(record);
      result.customers.push(record);
    }
    for (const s of input.subscriptions ?? []) {
      const customer = s.customerId ? this.customers.get(s.customerId.toLowerCase()) : s.customerDomain ? this.customerByDomain(s.customerDomain) : undefined;
      if (!customer) throw new RangeError(`seed: subscription ${s.offerId} names no seeded customer`);
      const [productId = '', skuId = ''] = s.offerId.split(':');
      const offer = this.catalog.offer(productId, skuId);
      if (!offer) throw new RangeError(`seed: offer ${s.offerId} is not in the catalog`);
      const purchasedAt = s.purchasedAt === undefined ? now : new Date(s.purchasedAt).getTime();
      const termDuration = s.termDuration ?? offer.terms[0]!.duration;
      const orderId = newOrderId();
      const record = this.newSubscription(customer, offer, {
        id: s.id, orderId, quantity: s.quantity, termDuration, billingCycle: s.billingCycle ?? 'monthly',
        friendlyName: s.friendlyName ?? offer.title, partnerId: s.partnerId ?? '', purchasedAt, provisioned: true,
      });
      record.status = s.status ?? 'active';
      record.autoRenewEnabled = s.autoRenewEnabled ?? record.status === 'active';
      if (s.supportContactMpnId) {
        const r = this.resellers.get(s.supportContactMpnId);
        if (!r) throw new RangeError(`seed: support contact ${s.supportContactMpnId} is not a seeded reseller`);
        record.supportContact = { supportTenantId: r.tenantId, supportMpnId: r.mpnId, name: r.name };
      }
      // Seeded terms that ended before now renew (or expire) as they would have.
      this.renewIfDue(record);
      result.subscriptions.push(record);
    }
    return result;
  }

  private putReseller(r: SeedReseller): ResellerRecord {
    if (!/^\d{1,10}$/.test(r.mpnId)) throw new RangeError(`reseller PartnerID ${r.mpnId} is not digits`);
    if (r.mpnId === this.provider.mpnId) throw new RangeError('a reseller cannot have the provider\'s own PartnerID');
    const existing = this.resellers.get(r.mpnId);
    const record: ResellerRecord = {
      tenantId: (r.tenantId ?? existing?.tenantId ?? randomUUID()).toLowerCase(),
      mpnId: r.mpnId,
      name: r.name,
      country: r.country ?? this.provider.country,
      ...(r.globalMpnId ? { globalMpnId: r.globalMpnId } : {}),
      inList: (r.relationship ?? 'active') === 'active',
      authorization: r.authorization ?? 'authorized',
    };
    if (existing) this.resellersByTenant.delete(existing.tenantId);
    this.resellers.set(record.mpnId, record);
    this.resellersByTenant.set(record.tenantId, record);
    return record;
  }

  private indexCustomer(record: CustomerRecord): void {
    this.customers.set(record.id, record);
    this.customersByDomain.set(record.domain, record);
    this.customerOrder.push(record.id);
    if (record.associatedPartnerId) {
      const list = this.customersByReseller.get(record.associatedPartnerId) ?? [];
      list.push(record.id);
      this.customersByReseller.set(record.associatedPartnerId, list);
    }
  }

  // ---------------------------------------------------------------- resellers

  /** A partnership request accepted: the reseller appears in the indirect reseller list. */
  acceptPartnership(reseller: SeedReseller, actor: Actor): ResellerRecord {
    const record = this.putReseller({ ...reseller, relationship: 'active' });
    this.activity.add({
      at: this.clock.nowMs(), actor, resourceType: 'partner_relationship', operationType: 'create_partner_relationship',
      resourceNewValue: JSON.stringify({ id: record.tenantId, mpnId: record.mpnId, name: record.name }),
      customizedData: [{ key: 'PartnerId', value: record.mpnId }, { key: 'TenantId', value: record.tenantId }],
    });
    return record;
  }

  /** The partnership removed in Partner Center (customers stay; only the list changes). */
  removePartnership(mpnId: string, actor: Actor): ResellerRecord {
    const record = this.resellers.get(mpnId);
    if (!record || !record.inList) throw new RangeError(`reseller ${mpnId} is not in the indirect reseller list`);
    record.inList = false;
    this.activity.add({
      at: this.clock.nowMs(), actor, resourceType: 'partner_relationship', operationType: 'remove_partner_relationship',
      resourceOldValue: JSON.stringify({ id: record.tenantId, mpnId: record.mpnId, name: record.name }),
      customizedData: [{ key: 'PartnerId', value: record.mpnId }, { key: 'TenantId', value: record.tenantId }],
    });
    return record;
  }

  setResellerAuthorization(mpnId: string, authorization: ResellerAuthorization): void {
    const record = this.resellers.get(mpnId);
    if (!record) throw new RangeError(`no reseller ${mpnId}`);
    record.authorization = authorization;
  }

  /**
   * Partner of record validation, enforced by Microsoft on new orders and (since 2025-12-01) on
   * changes to existing subscriptions (PARTNER-CENTER-RULES.md N3).
   */
  checkPartnerOfRecord(mpnId: string): void {
    if (mpnId === this.provider.mpnId) throw pcError('providerNotPor');
    const reseller = this.resellers.get(mpnId);
    if (!reseller) throw pcError('partnerIdNotFound', [], `PartnerID isn't found: ${mpnId}`);
    if (!reseller.inList) throw pcError('notIndirectReseller', [], `PartnerID ${mpnId} isn't a valid Indirect Reseller`);
    switch (reseller.authorization) {
      case 'authorized': return;
      case 'mpa-not-signed': throw pcError('mpaNotAccepted');
      case 'inactive': throw pcError('resellerInactive');
      case 'not-enrolled':
      case 'region-mismatch': throw pcError('notIndirectReseller', [], `PartnerID ${mpnId} isn't a valid Indirect Reseller`);
    }
  }

  // ---------------------------------------------------------------- customers

  /**
   * `POST /v1/customers` for an indirect reseller (create-a-customer-for-an-indirect-reseller.md):
   * validates the body (already camel-cased), creates the tenant and its admin user, and returns
   * the password Partner Center shows exactly once.
   */
  createCustomer(body: Record<string, unknown>, actor: Actor): { customer: CustomerRecord; password: string } {
    const companyProfile = asObject(body.companyProfile);
    const billingProfile = asObject(body.billingProfile);
    const address = asObject(billingProfile.defaultAddress);
    const domainRaw = asString(companyProfile.domain);
    if (!domainRaw) throw invalid('CompanyProfile.Domain is required.');
    const domain = domainRaw.toLowerCase();
    if (!/^[a-z0-9]{1,27}\.onmicrosoft\.com$/.test(domain)) throw invalid(`The domain ${domainRaw} isn't valid: use 1 to 27 letters or digits followed by .onmicrosoft.com.`);
    // Assumption: Microsoft documents no code for a taken domain; HEAD /v1/domains/{domain} is the documented check.
    if (this.customersByDomain.has(domain)) throw invalid(`The domain ${domain} is not available.`);
    const email = asString(billingProfile.email);
    if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw invalid('BillingProfile.Email must be a valid email address.');
    if (/@microsoft\.com$/i.test(email)) throw invalid("BillingProfile.Email can't be a microsoft.com address.");
    const companyName = asString(billingProfile.companyName)?.trim();
    if (!companyName || companyName.length < 2 || companyName.length > 255) throw invalid('BillingProfile.CompanyName must have 2 to 255 characters.');
    const culture = asString(billingProfile.culture);
    const language = asString(billingProfile.language);
    if (!culture) throw invalid('BillingProfile.Culture is required.');
    if (!language) throw invalid('BillingProfile.Language is required.');
    const country = asString(address.country)?.toUpperCase();
    const rules = country ? countryRules(country) : undefined;
    if (!country || !rules) throw invalid('BillingProfile.DefaultAddress.Country must be an ISO 3166-1 alpha-2 code.');
    const line1 = asString(address.addressLine1);
    if (!line1 || line1.length > 200) throw invalid('BillingProfile.DefaultAddress.AddressLine1 must have 1 to 200 characters.');
    if (rules.isCityRequired && !asString(address.city)) throw invalid('BillingProfile.DefaultAddress.City is required.');
    const state = asString(address.state);
    if (rules.isStateRequired && !state) throw invalid(`BillingProfile.DefaultAddress.State is required for ${country}.`);
    if (state && rules.states.length > 0 && !rules.states.includes(state.toUpperCase())) throw invalid(`BillingProfile.DefaultAddress.State ${state} isn't valid for ${country}.`);
    if (rules.isPostalCodeRequired && !asString(address.postalCode)) throw invalid(`BillingProfile.DefaultAddress.PostalCode is required for ${country}.`);
    for (const field of ['firstName', 'lastName'] as const) {
      const value = asString(address[field]);
      if (!value || value.length > 50) throw invalid(`BillingProfile.DefaultAddress.${field[0]!.toUpperCase()}${field.slice(1)} must have 1 to 50 characters.`);
    }
    const registration = asString(companyProfile.organizationRegistrationNumber);
    if (rules.isRegistrationNumberRequired && !registration) throw pcError('registrationMissing');
    if (!rules.isRegistrationNumberSupported && registration) throw pcError('registrationNotSupported');
    if (rules.isPhoneNumberRequired && !asString(address.phoneNumber)) throw pcError('phoneMissing');
    let associatedPartnerId: string | undefined;
    const associated = asString(body.associatedPartnerId);
    if (associated) {
      if (!isGuid(associated)) throw pcError('invalidInput', [], `AssociatedPartnerId ${associated} isn't a valid indirect reseller tenant ID.`);
      const reseller = this.resellersByTenant.get(associated.toLowerCase());
      // Documented only as "must have a partnership with the indirect provider or the request will fail"; the code is an assumption.
      if (!reseller || !reseller.inList) throw pcError('notIndirectReseller', [], `The indirect reseller ${associated} has no partnership with this indirect provider.`);
      associatedPartnerId = reseller.tenantId;
    }
    const now = this.clock.nowMs();
    const customer: CustomerRecord = {
      id: randomUUID(),
      domain,
      companyName,
      email,
      culture: culture.toLowerCase().replace(/-(\w+)$/, (_, r: string) => `-${r.toUpperCase()}`),
      language,
      defaultAddress: { ...address, country },
      ...(registration ? { organizationRegistrationNumber: registration } : {}),
      ...(associatedPartnerId ? { associatedPartnerId } : {}),
      billingProfileId: randomUUID(),
      createdAt: now,
      version: 1,
      adminUserName: 'admin',
      agreements: [],
      subscriptionIds: [],
      orderIds: [],
    };
    const password = generatePassword();
    customer.issuedPassword = password;
    this.indexCustomer(customer);
    this.activity.add({
      at: now, actor, customerId: customer.id, customerName: customer.companyName, resourceType: 'customer', operationType: 'add_customer',
      resourceNewValue: JSON.stringify(customerWire(customer, { byId: true, includeAssociatedPartnerId: true })),
      customizedData: [{ key: 'CustomerId', value: customer.id }, { key: 'Domain', value: customer.domain }, { key: 'AssociatedPartnerId', value: associatedPartnerId ?? null }],
    });
    return { customer, password };
  }

  /** `POST /v1/customers/{id}/agreements` (confirm-customer-consent-customer-agreement.md). */
  addAgreement(customer: CustomerRecord, body: Record<string, unknown>, actor: Actor): AgreementRecord {
    const contact = asObject(body.primaryContact);
    const templateId = asString(body.templateId);
    const type = asString(body.type);
    const dateAgreed = asString(body.dateAgreed);
    if (type !== 'MicrosoftCustomerAgreement') throw invalid('Type must be MicrosoftCustomerAgreement.');
    if (templateId?.toLowerCase() !== MCA_TEMPLATE_ID) throw invalid(`TemplateId ${templateId ?? ''} isn't the current Microsoft Customer Agreement template.`);
    if (!dateAgreed || Number.isNaN(Date.parse(dateAgreed))) throw invalid('DateAgreed must be a date.');
    if (Date.parse(dateAgreed) > this.clock.nowMs() + DAY_MS) throw invalid("DateAgreed can't be in the future.");
    for (const field of ['firstName', 'lastName', 'email'] as const) {
      if (!asString(contact[field])) throw invalid(`PrimaryContact.${field} is required.`);
    }
    const agreement: AgreementRecord = { templateId: MCA_TEMPLATE_ID, type, dateAgreed, primaryContact: contact, userId: randomUUID() };
    customer.agreements.push(agreement);
    this.activity.add({
      at: this.clock.nowMs(), actor, customerId: customer.id, customerName: customer.companyName, resourceType: 'customer', operationType: 'create_customer_agreement',
      resourceNewValue: JSON.stringify(agreement), customizedData: [{ key: 'TemplateId', value: MCA_TEMPLATE_ID }],
    });
    return agreement;
  }

  // ---------------------------------------------------------------- purchases

  /**
   * Checks one line of a purchase, as cart creation does (cart-resources.md CartErrorCode).
   * `inCart` counts seats of the same SKU on earlier lines of the same cart.
   */
  checkPurchaseLine(customer: CustomerRecord, line: { catalogItemId: string; quantity: number; termDuration: string; billingCycle: string; participants: Array<{ key: string; value: string }> }, attestationAccepted: boolean, inCart: Map<string, number>): CartLineError | undefined {
    const found = this.catalog.lookup(line.catalogItemId);
    if (found.kind !== 'current') return { errorCode: 10001, errorDescription: "Catalog item ID isn't valid" };
    const offer = found.offer;
    const term = termOf(offer, line.termDuration);
    if (!term) return { errorCode: 10010, errorDescription: `Generic input isn't valid. TermDuration ${line.termDuration} isn't offered for ${line.catalogItemId}.` };
    if (!term.billingCycles.includes(line.billingCycle.toLowerCase() as BillingCycle)) return { errorCode: 10010, errorDescription: `Generic input isn't valid. BillingCycle ${line.billingCycle} isn't offered with term ${line.termDuration}.` };
    if (!Number.isInteger(line.quantity) || line.quantity < offer.minimumQuantity) return { errorCode: 10010, errorDescription: `Generic input isn't valid. Quantity must be at least ${offer.minimumQuantity}.` };
    let resellers = 0;
    let additional = 0;
    for (const p of line.participants) {
      if (p.key === 'transaction_reseller') resellers += 1;
      else if (p.key === 'additional_transaction_reseller') additional += 1;
      else return { errorCode: 10004, errorDescription: `Setting participants isn't supported for Partner: unknown participant key ${p.key}.` };
    }
    if (resellers > 1) return { errorCode: 10010, errorDescription: 'Generic input isn\'t valid. Only one transaction_reseller participant is allowed.' };
    if (additional > 0 && (resellers === 0 || additional > 5 || !countryRules(this.countryOf(customer))?.euEfta)) {
      return { errorCode: 10004, errorDescription: "Setting participants isn't supported for Partner: additional_transaction_reseller is only for partners transacting within EU / EFTA (at most 5, after a transaction_reseller)." };
    }
    // PartnerOnRecordAttestationAccepted is marked Required (create-a-cart.md); the code used for its absence is an assumption.
    if (!attestationAccepted) return { errorCode: 10012, errorDescription: "Attestation hasn't been accepted. PartnerOnRecordAttestationAccepted must be true." };
    const key = productSkuKey(offer.productId, offer.skuId);
    const remaining = offer.maximumQuantity - this.seatsInUse(customer.id, offer.productId, offer.skuId) - (inCart.get(key) ?? 0);
    if (line.quantity > remaining) {
      return {
        errorCode: 10015,
        errorDescription: `The requested number of ${line.quantity} seats exceeds the remaining limit of ${Math.max(0, remaining)} seats for ${offer.title} on this customer tenant.`,
        additionalInformation: { availableQuantity: Math.max(0, remaining), purchasedQuantity: line.quantity },
      };
    }
    inCart.set(key, (inCart.get(key) ?? 0) + line.quantity);
    return undefined;
  }

  /**
   * Turns validated lines into orders (one per billing cycle, as checkout groups them) whose
   * subscriptions are provisioned later (checkout-a-cart.md: provisioning is asynchronous).
   */
  purchase(customer: CustomerRecord, lines: PurchaseLine[], actor: Actor, options: { cartId?: string; provisioning: ProvisioningOptions }): OrderRecord[] {
    const now = this.clock.nowMs();
    const groups = new Map<BillingCycle, PurchaseLine[]>();
    for (const line of lines) groups.set(line.billingCycle, [...(groups.get(line.billingCycle) ?? []), line]);
    const orders: OrderRecord[] = [];
    for (const [billingCycle, group] of groups) {
      const order: OrderRecord = {
        id: newOrderId(), customerId: customer.id, ...(options.cartId ? { cartId: options.cartId } : {}), billingCycle,
        currencyCode: this.currencyOf(customer), lineItems: [], createdAt: now, status: 'pending',
        provisionAt: now + options.provisioning.delayMs, pollsLeft: options.provisioning.polls,
      };
      group.forEach((line, lineItemNumber) => {
        const sub = this.newSubscription(customer, line.offer, {
          orderId: order.id, quantity: line.quantity, termDuration: line.termDuration, billingCycle: line.billingCycle,
          friendlyName: line.friendlyName ?? line.offer.title, partnerId: line.partnerId, purchasedAt: now, provisioned: false,
        });
        order.lineItems.push({ lineItemNumber, offerId: catalogItemIdOf(line.offer), subscriptionId: sub.id, termDuration: line.termDuration, friendlyName: sub.friendlyName, quantity: line.quantity, partnerIdOnRecord: line.partnerId });
      });
      this.orders.set(order.id, order);
      customer.orderIds.push(order.id);
      this.activity.add({
        at: now, actor, customerId: customer.id, customerName: customer.companyName, resourceType: 'order', operationType: 'create_order',
        resourceNewValue: JSON.stringify({ id: order.id, referenceCustomerId: customer.id, billingCycle, lineItems: order.lineItems }),
        customizedData: [
          { key: 'OrderId', value: order.id },
          ...order.lineItems.flatMap((li) => [
            { key: `OfferId-${li.lineItemNumber}`, value: li.offerId },
            { key: `SubscriptionId-${li.lineItemNumber}`, value: li.subscriptionId },
            { key: `Quantity-${li.lineItemNumber}`, value: String(li.quantity) },
            { key: `PartnerOnRecord-${li.lineItemNumber}`, value: li.partnerIdOnRecord || null },
          ]),
        ],
      });
      const pending = this.pendingOrdersByCustomer.get(customer.id) ?? new Set<string>();
      pending.add(order.id);
      this.pendingOrdersByCustomer.set(customer.id, pending);
      if (options.provisioning.polls === 0 && options.provisioning.delayMs > 0) this.later(options.provisioning.delayMs, () => this.pollOrder(order, false));
      orders.push(order);
    }
    return orders;
  }

  private newSubscription(customer: CustomerRecord, offer: OfferDefinition, p: { id?: string | undefined; orderId: string; quantity: number; termDuration: string; billingCycle: BillingCycle; friendlyName: string; partnerId: string; purchasedAt: number; provisioned: boolean }): SubscriptionRecord {
    const sub: SubscriptionRecord = {
      id: (p.id ?? randomUUID()).toLowerCase(),
      customerId: customer.id,
      orderId: p.orderId,
      productId: offer.productId,
      skuId: offer.skuId,
      availabilityId: offer.availabilityId,
      offerName: offer.title,
      friendlyName: p.friendlyName,
      quantity: p.quantity,
      status: 'active',
      autoRenewEnabled: true,
      billingCycle: p.billingCycle,
      termDuration: p.termDuration,
      createdAt: p.purchasedAt,
      termStart: p.purchasedAt,
      termEnd: termEnd(p.purchasedAt, p.termDuration),
      partnerId: p.partnerId,
      seatAdditions: [{ quantity: p.quantity, addedAt: p.purchasedAt }],
      seatHistory: [{ at: p.purchasedAt, kind: 'purchase', quantityBefore: 0, quantityAfter: p.quantity }],
      suspensionReasons: NO_REASONS,
      version: 1,
      provisioned: p.provisioned,
    };
    this.subscriptions.set(sub.id, sub);
    customer.subscriptionIds.push(sub.id);
    return sub;
  }

  /**
   * One read of an order (or of its customer's subscriptions): counts a poll, and completes
   * provisioning when both the delay and the polls are spent.
   */
  pollOrder(order: OrderRecord, countsAsPoll = true): void {
    if (order.status !== 'pending') return;
    if (countsAsPoll && order.pollsLeft > 0) {
      order.pollsLeft -= 1;
      return;
    }
    if (order.pollsLeft > 0 || this.clock.nowMs() < order.provisionAt) return;
    order.status = 'completed';
    for (const li of order.lineItems) {
      const sub = this.subscriptions.get(li.subscriptionId);
      if (sub) sub.provisioned = true;
    }
    this.pendingOrdersByCustomer.get(order.customerId)?.delete(order.id);
  }

  /** A read of a customer's subscriptions polls every order of theirs still provisioning. */
  pollCustomerOrders(customerId: string): void {
    const pending = this.pendingOrdersByCustomer.get(customerId);
    if (!pending || pending.size === 0) return;
    for (const id of [...pending]) {
      const order = this.orders.get(id);
      if (order) this.pollOrder(order);
    }
  }

  /** Completes every pending order now, whatever its delay or polls (a test's shortcut). */
  provisionAll(): void {
    for (const pending of this.pendingOrdersByCustomer.values()) {
      for (const id of [...pending]) {
        const order = this.orders.get(id);
        if (!order) continue;
        order.pollsLeft = 0;
        order.provisionAt = Math.min(order.provisionAt, this.clock.nowMs());
        this.pollOrder(order, false);
      }
    }
  }

  // ---------------------------------------------------------------- subscription changes

  /**
   * The new-commerce rules of a subscription change (update-a-subscription-by-id.md and the pages
   * it links; SPEC §1.5). Applies the change or throws the documented error; nothing is changed
   * when it throws.
   */
  changeSubscription(sub: SubscriptionRecord, change: SubscriptionChange, actor: Actor): SubscriptionRecord {
    this.renewIfDue(sub);
    const now = this.clock.nowMs();
    const customer = this.customers.get(sub.customerId)!;
    if (sub.status === 'deleted') throw pcError('deletedCantUpdate', [sub.id]);
    if (sub.status === 'expired') throw pcError('statusCantUpdate', [], "Can't update the status for this subscription: it has expired.");
    if (change.offerId !== undefined && change.offerId.toUpperCase() !== catalogItemIdOfSubscription(sub).toUpperCase()) {
      throw invalid('OfferId can\'t be changed by an update; use transitions.');
    }
    if (change.billingCycle !== undefined && change.billingCycle.toLowerCase() !== sub.billingCycle) throw pcError('billingCycleViaOrder');
    if (change.termDuration !== undefined && change.termDuration.toUpperCase() !== sub.termDuration) throw invalid("TermDuration can't be changed by an update; use transitions.");
    const status = change.status.toLowerCase();
    if (status !== 'active' && status !== 'suspended' && status !== 'deleted') throw invalid(`Status ${change.status} isn't valid; use active, suspended or deleted.`);
    if (!Number.isInteger(change.quantity) || change.quantity < 0) throw invalid('Quantity must be a whole number.');
    if (change.friendlyName.length > 255) throw invalid('FriendlyName must have at most 255 characters.');
    const offer = this.catalog.offer(sub.productId, sub.skuId);
    const before = this.wire(sub);
    const quantityChanges = change.quantity !== sub.quantity;

    if (status === 'deleted') {
      // "New commerce subscriptions can be canceled within 7 days of purchase or renewal."
      if (now >= sub.termStart + NCE_WINDOW_MS) throw pcError('cancelWindowPassed', [NCE_WINDOW_DAYS]);
      sub.status = 'deleted';
      sub.autoRenewEnabled = false;
      delete sub.scheduledNextTerm;
      sub.seatAdditions = [];
      sub.seatHistory.push({ at: now, kind: 'cancel', quantityBefore: sub.quantity, quantityAfter: sub.quantity });
      return this.recordChange(sub, customer, before, actor, [{ key: 'Status', value: 'deleted' }]);
    }

    const wasSuspended = sub.status === 'suspended';
    const statusChanges = status !== sub.status;
    if (statusChanges && quantityChanges) throw pcError('quantityWhileSuspending');
    if (wasSuspended && !statusChanges) {
      // While suspended nothing but reactivation (or cancellation) is accepted.
      const changes = quantityChanges || change.friendlyName !== sub.friendlyName || change.partnerId !== sub.partnerId || change.autoRenewEnabled || change.scheduledNextTerm !== null;
      if (changes) throw pcError('suspendedCantUpdate');
      return sub;
    }

    // Partner of record: validated on a change of it, and on seat changes of a subscription that has one.
    const partnerChanges = change.partnerId !== sub.partnerId;
    if (partnerChanges && change.partnerId !== '') this.checkPartnerOfRecord(change.partnerId);
    else if (quantityChanges && change.partnerId !== '') this.checkPartnerOfRecord(change.partnerId);

    if (quantityChanges && offer) {
      if (change.quantity < offer.minimumQuantity || change.quantity > offer.maximumQuantity) throw pcError('quantityOutOfRange');
      if (change.quantity > sub.quantity) {
        const remaining = offer.maximumQuantity - this.seatsInUse(customer.id, sub.productId, sub.skuId, sub.id) - sub.quantity;
        const added = change.quantity - sub.quantity;
        if (added > remaining) throw pcError('seatsExceeded', [added, Math.max(0, remaining), catalogItemIdOfSubscription(sub)]);
      } else {
        const removed = sub.quantity - change.quantity;
        const refundable = this.refundableQuantity(sub.id);
        // Assumption on the split between the two documented codes: 800090 is the documented answer outside
        // the window (no seat left to remove); 900257 when some seats are removable, but fewer than asked.
        if (refundable === 0) throw pcError('quantityCantDecrease');
        if (removed > refundable) throw pcError('seatWindowPassed', [NCE_WINDOW_DAYS], `You have passed your ${NCE_WINDOW_DAYS}-day window for reducing seats for this subscription. Only ${refundable} seat(s) can be removed now.`);
      }
    }

    let autoRenew = change.autoRenewEnabled;
    let scheduled = change.scheduledNextTerm;
    if (status === 'suspended') {
      // "Suspending a new commerce subscription will turn off auto-renew."
      autoRenew = false;
      scheduled = null;
    }
    if (autoRenew && offer?.isRenewable === false) throw pcError('autoRenewNotEligible');
    if (scheduled) {
      if (!autoRenew) throw invalid('Scheduled next-term changes require autoRenewEnabled to be true.');
      this.checkScheduledNextTerm(sub, scheduled);
    }
    // Scheduled changes are dropped by a quantity change or auto-renew turned off (create-a-new-subscription.md).
    if (quantityChanges || !autoRenew) scheduled = null;

    const data: Array<{ key: string; value: string | null }> = [];
    if (quantityChanges) {
      this.applySeatChange(sub, change.quantity, now, change.quantity > sub.quantity ? 'increase' : 'decrease');
      data.push({ key: 'Quantity', value: String(change.quantity) });
    }
    if (statusChanges) {
      sub.status = status;
      sub.suspensionReasons = status === 'suspended' ? ['PartnerInitiated'] : NO_REASONS;
      data.push({ key: 'Status', value: status });
    }
    if (autoRenew !== sub.autoRenewEnabled) data.push({ key: 'AutoRenewEnabled', value: String(autoRenew) });
    sub.autoRenewEnabled = autoRenew;
    if (change.friendlyName !== sub.friendlyName) data.push({ key: 'FriendlyName', value: change.friendlyName });
    sub.friendlyName = change.friendlyName;
    if (partnerChanges) data.push({ key: 'PartnerId', value: change.partnerId || null });
    sub.partnerId = change.partnerId;
    if (scheduled) sub.scheduledNextTerm = scheduled;
    else delete sub.scheduledNextTerm;
    if (data.length === 0 && JSON.stringify(before) === JSON.stringify(this.wire(sub))) return sub;
    return this.recordChange(sub, customer, before, actor, data);
  }

  private checkScheduledNextTerm(sub: SubscriptionRecord, next: ScheduledNextTerm): void {
    const found = this.catalog.lookup(`${next.productId}:${next.skuId}:${next.availabilityId}`);
    if (found.kind !== 'current') throw invalid('ScheduledNextTermInstructions.Product names no current availability.');
    const term = termOf(found.offer, next.termDuration);
    if (!term) throw pcError('termInvalid');
    if (!term.billingCycles.includes(next.billingCycle)) throw pcError('billingInvalid');
    const sameSku = productSkuKey(next.productId, next.skuId) === productSkuKey(sub.productId, sub.skuId);
    if (!sameSku && !this.catalog.offer(sub.productId, sub.skuId)?.upgradeTargets.some((t) => t.toUpperCase() === productSkuKey(next.productId, next.skuId))) {
      throw invalid('ScheduledNextTermInstructions.Product must be the same SKU or one of its upgrade targets.');
    }
    if (next.quantity < found.offer.minimumQuantity || next.quantity > found.offer.maximumQuantity) throw pcError('quantityOutOfRange');
  }

  private applySeatChange(sub: SubscriptionRecord, quantity: number, at: number, kind: SeatEventKind): void {
    const before = sub.quantity;
    if (quantity > before) {
      sub.seatAdditions.push({ quantity: quantity - before, addedAt: at });
    } else {
      // Removes the most recent refundable seats first.
      let toRemove = before - quantity;
      for (let i = sub.seatAdditions.length - 1; i >= 0 && toRemove > 0; i--) {
        const addition = sub.seatAdditions[i]!;
        const take = Math.min(addition.quantity, toRemove);
        addition.quantity -= take;
        toRemove -= take;
      }
      sub.seatAdditions = sub.seatAdditions.filter((a) => a.quantity > 0);
    }
    sub.quantity = quantity;
    sub.seatHistory.push({ at, kind, quantityBefore: before, quantityAfter: quantity });
  }

  private recordChange(sub: SubscriptionRecord, customer: CustomerRecord, before: Record<string, unknown>, actor: Actor, data: Array<{ key: string; value: string | null }>, operationType = 'update_subscription', at = this.clock.nowMs()): SubscriptionRecord {
    sub.version += 1;
    this.activity.add({
      at, actor, customerId: customer.id, customerName: customer.companyName, resourceType: 'subscription', operationType,
      resourceOldValue: JSON.stringify(before), resourceNewValue: JSON.stringify(this.wire(sub)),
      customizedData: [{ key: 'SubscriptionId', value: sub.id }, ...data],
    });
    return sub;
  }

  /** The subscription as Partner Center would show it now (used for the activity log's values). */
  wire(sub: SubscriptionRecord, withRefundable = false): Record<string, unknown> {
    const customer = this.customers.get(sub.customerId);
    return subscriptionWire(sub, this.clock.nowMs(), NCE_WINDOW_MS, customer ? this.countryOf(customer) : this.provider.country, withRefundable);
  }

  /** Renewals at term end (create-a-new-subscription.md "Subscription renewals"), applied lazily and on clock moves. */
  renewIfDue(sub: SubscriptionRecord): void {
    const now = this.clock.nowMs();
    while ((sub.status === 'active' || sub.status === 'suspended') && now >= sub.termEnd) {
      const customer = this.customers.get(sub.customerId)!;
      const before = this.wire(sub);
      const at = sub.termEnd;
      if (sub.status !== 'active' || !sub.autoRenewEnabled) {
        // Without auto-renew the subscription expires; a suspended one is never renewed.
        sub.status = 'expired';
        sub.autoRenewEnabled = false;
        sub.seatAdditions = [];
        delete sub.scheduledNextTerm;
        this.recordChange(sub, customer, before, 'system', [{ key: 'Status', value: 'expired' }], 'update_subscription', at);
        return;
      }
      const next = sub.scheduledNextTerm;
      if (next) {
        const found = this.catalog.lookup(`${next.productId}:${next.skuId}:${next.availabilityId}`);
        if (found.kind !== 'unknown') {
          sub.productId = found.offer.productId;
          sub.skuId = found.offer.skuId;
          sub.availabilityId = found.offer.availabilityId;
          sub.offerName = found.offer.title;
        }
        sub.termDuration = next.termDuration;
        sub.billingCycle = next.billingCycle;
        sub.seatHistory.push({ at, kind: 'renewal', quantityBefore: sub.quantity, quantityAfter: next.quantity });
        sub.quantity = next.quantity;
        delete sub.scheduledNextTerm;
      } else {
        sub.seatHistory.push({ at, kind: 'renewal', quantityBefore: sub.quantity, quantityAfter: sub.quantity });
      }
      sub.termStart = at;
      sub.termEnd = termEnd(at, sub.termDuration);
      // "The 7-day window after renewal starts precisely at this datetime of renewal completion."
      sub.seatAdditions = [{ quantity: sub.quantity, addedAt: at }];
      this.recordChange(sub, customer, before, 'system', [{ key: 'Renewal', value: new Date(at).toISOString() }], 'update_subscription', at);
    }
  }

  /** After a clock move: renewals, expiries and provisioning that fell due. O(subscriptions), on clock moves only. */
  applyDue(): void {
    for (const sub of this.subscriptions.values()) this.renewIfDue(sub);
    for (const pending of this.pendingOrdersByCustomer.values()) {
      for (const id of [...pending]) {
        const order = this.orders.get(id);
        if (order) this.pollOrder(order, false);
      }
    }
  }

  // ---------------------------------------------------------------- support contact

  /** `PUT …/supportcontact`: "The support contact must be an existing reseller with a relationship to the partner." */
  setSupportContact(sub: SubscriptionRecord, body: Record<string, unknown>, actor: Actor): SupportContact {
    const tenantId = asString(body.supportTenantId)?.toLowerCase();
    const mpnId = asString(body.supportMpnId) ?? (typeof body.supportMpnId === 'number' ? String(body.supportMpnId) : undefined);
    const name = asString(body.name);
    if (!tenantId || !mpnId || !name) throw invalid('SupportTenantId, SupportMpnId and Name are all required.');
    let contact: SupportContact;
    if (mpnId === this.provider.mpnId && tenantId === this.provider.tenantId) {
      // Assumption: naming the provider itself puts support back with the provider (Microsoft documents no reset).
      contact = { supportTenantId: this.provider.tenantId, supportMpnId: this.provider.mpnId, name: this.provider.name };
    } else {
      const reseller = this.resellers.get(mpnId);
      if (!reseller || !reseller.inList) throw pcError('notIndirectReseller', [], `The support contact ${mpnId} isn't an indirect reseller with a relationship to this partner.`);
      if (reseller.tenantId !== tenantId) throw invalid(`SupportTenantId ${tenantId} isn't the tenant of reseller ${mpnId}.`);
      contact = { supportTenantId: reseller.tenantId, supportMpnId: reseller.mpnId, name: reseller.name };
    }
    const customer = this.customers.get(sub.customerId)!;
    const before = this.supportContactOf(sub);
    if (before.supportMpnId === contact.supportMpnId) return before;
    if (contact.supportMpnId === this.provider.mpnId) delete sub.supportContact;
    else sub.supportContact = contact;
    this.activity.add({
      at: this.clock.nowMs(), actor, customerId: customer.id, customerName: customer.companyName, resourceType: 'subscription', operationType: 'update_subscription_support_contact',
      resourceOldValue: JSON.stringify(before), resourceNewValue: JSON.stringify(contact),
      customizedData: [{ key: 'SubscriptionId', value: sub.id }, { key: 'SupportMpnId', value: contact.supportMpnId }],
    });
    return contact;
  }

  /** Assumption: a subscription without a designated reseller is supported by the provider, and GET says so. */
  supportContactOf(sub: SubscriptionRecord): SupportContact {
    return sub.supportContact ?? { supportTenantId: this.provider.tenantId, supportMpnId: this.provider.mpnId, name: this.provider.name };
  }

  // ---------------------------------------------------------------- transitions

  /** NCE upgrades (transition-a-new-commerce-subscription.md): full (the subscription keeps its ID) or partial. */
  transition(sub: SubscriptionRecord, body: Record<string, unknown>, actor: Actor): TransitionRecord {
    this.renewIfDue(sub);
    const customer = this.customers.get(sub.customerId)!;
    const now = this.clock.nowMs();
    const toCatalogItemId = asString(body.toCatalogItemId);
    const quantity = typeof body.quantity === 'number' ? body.quantity : Number(body.quantity);
    const transitionType = asString(body.transitionType)?.toLowerCase();
    if (!toCatalogItemId || !Number.isInteger(quantity) || quantity <= 0 || !transitionType) throw invalid('ToCatalogItemId, Quantity and TransitionType are required.');
    if (transitionType !== 'transition_only' && transitionType !== 'transition_with_license_transfer') throw invalid(`TransitionType ${transitionType} isn't valid.`);
    if (sub.status !== 'active') throw invalid("Subscription can't be Transitioned - source subscription isn't active.");
    if (!sub.provisioned) throw invalid("Subscription can't be Transitioned - source subscription isn't provisioned yet.");
    const found = this.catalog.lookup(toCatalogItemId);
    if (found.kind === 'unknown') throw invalid(`ToCatalogItemId ${toCatalogItemId} isn't valid.`);
    if (found.kind === 'retired') throw pcError('availabilityNotFound');
    const target = found.offer;
    const source = this.catalog.offer(sub.productId, sub.skuId);
    if (!source?.upgradeTargets.some((t) => t.toUpperCase() === productSkuKey(target.productId, target.skuId))) {
      throw invalid(`${toCatalogItemId} isn't an eligible transition for this subscription (downgrades aren't supported).`);
    }
    if (quantity > sub.quantity) throw invalid(`Quantity ${quantity} is more than the subscription's ${sub.quantity} seats.`);
    const termDuration = asString(body.termDuration)?.toUpperCase() ?? sub.termDuration;
    const billingCycle = (asString(body.billingCycle)?.toLowerCase() ?? sub.billingCycle) as BillingCycle;
    const term = termOf(target, termDuration);
    if (!term) throw pcError('termInvalid');
    if (termMonths(termDuration) < termMonths(sub.termDuration)) throw pcError('termShorter');
    if (!['monthly', 'annual', 'triennial'].includes(billingCycle)) throw pcError('billingInvalid');
    if (termMonths(billingCycle === 'monthly' ? 'P1M' : billingCycle === 'annual' ? 'P1Y' : 'P3Y') > termMonths(termDuration)) throw pcError('billingLongerThanTerm');
    if (!term.billingCycles.includes(billingCycle)) throw pcError('billingInvalid');
    if (sub.partnerId) this.checkPartnerOfRecord(sub.partnerId);

    let toSubscription: SubscriptionRecord | undefined;
    const toSubscriptionId = asString(body.toSubscriptionId)?.toLowerCase();
    if (toSubscriptionId) {
      if (toSubscriptionId === sub.id) throw pcError('targetSameAsSource');
      toSubscription = this.subscriptions.get(toSubscriptionId);
      if (!toSubscription || toSubscription.customerId !== customer.id || toSubscription.status !== 'active') throw pcError('targetNotActive');
      if (productSkuKey(toSubscription.productId, toSubscription.skuId) !== productSkuKey(target.productId, target.skuId)) throw pcError('targetOtherItem');
    }
    const seatsOfTarget = this.seatsInUse(customer.id, target.productId, target.skuId);
    const remaining = target.maximumQuantity - seatsOfTarget;
    if (quantity > remaining) throw pcError('seatsExceeded', [quantity, Math.max(0, remaining), catalogItemIdOf(target)]);

    const before = this.wire(sub);
    const fromCatalogItemId = catalogItemIdOfSubscription(sub);
    let resultId: string;
    if (!toSubscription && quantity === sub.quantity) {
      // Full transition: the subscription keeps its ID and changes offer. Cancellation windows don't apply to upgrades.
      sub.productId = target.productId;
      sub.skuId = target.skuId;
      sub.availabilityId = target.availabilityId;
      sub.offerName = target.title;
      if (sub.friendlyName === source.title) sub.friendlyName = target.title;
      if (termDuration !== sub.termDuration) {
        sub.termDuration = termDuration;
        sub.termStart = now;
        sub.termEnd = termEnd(now, termDuration);
      }
      sub.billingCycle = billingCycle;
      sub.seatAdditions = [];
      delete sub.scheduledNextTerm;
      sub.seatHistory.push({ at: now, kind: 'transition-out', quantityBefore: sub.quantity, quantityAfter: sub.quantity });
      resultId = sub.id;
      this.recordChange(sub, customer, before, actor, [{ key: 'ToCatalogItemId', value: catalogItemIdOf(target) }], 'upgrade_subscription');
    } else {
      this.applySeatChange(sub, sub.quantity - quantity, now, 'transition-out');
      sub.seatAdditions = sub.seatAdditions.filter((a) => a.quantity > 0);
      if (toSubscription) {
        const beforeTarget = this.wire(toSubscription);
        toSubscription.quantity += quantity;
        toSubscription.seatHistory.push({ at: now, kind: 'transition-in', quantityBefore: toSubscription.quantity - quantity, quantityAfter: toSubscription.quantity });
        this.recordChange(toSubscription, customer, beforeTarget, actor, [{ key: 'Quantity', value: String(toSubscription.quantity) }], 'upgrade_subscription');
        resultId = toSubscription.id;
      } else {
        // A partial upgrade creates a new subscription, coterminous with the source.
        const created = this.newSubscription(customer, target, {
          orderId: newOrderId(), quantity, termDuration: sub.termDuration, billingCycle, friendlyName: target.title, partnerId: sub.partnerId, purchasedAt: now, provisioned: true,
        });
        created.termStart = sub.termStart;
        created.termEnd = sub.termEnd;
        created.seatAdditions = [];
        created.seatHistory = [{ at: now, kind: 'transition-in', quantityBefore: 0, quantityAfter: quantity }];
        resultId = created.id;
      }
      delete sub.scheduledNextTerm;
      this.recordChange(sub, customer, before, actor, [{ key: 'Quantity', value: String(sub.quantity) }, { key: 'ToCatalogItemId', value: catalogItemIdOf(target) }], 'upgrade_subscription');
    }
    const record: TransitionRecord = {
      operationId: randomUUID(), customerId: customer.id, fromSubscriptionId: sub.id, fromCatalogItemId, toCatalogItemId: catalogItemIdOf(target),
      toSubscriptionId: resultId, quantity, termDuration, billingCycle, transitionType,
      events: [{ name: 'Conversion', status: 'Started', timestamp: new Date(now).toISOString() }, { name: 'Conversion', status: 'Completed', timestamp: new Date(now).toISOString() }],
      createdAt: now,
    };
    this.transitions.set(sub.id, [...(this.transitions.get(sub.id) ?? []), record]);
    return record;
  }

  // ---------------------------------------------------------------- timers

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

// ---------------------------------------------------------------- helpers

export function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  return lower.includes('.') ? lower : `${lower}.onmicrosoft.com`;
}

export function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function invalid(description: string): PcError {
  return pcError('invalidProperty', [], description);
}

/** NCE order IDs are short hex strings in Microsoft's examples (`a68736758d9c`). */
function newOrderId(): string {
  // randomUUID draws from a cached entropy pool: far cheaper per ID than randomBytes when seeding 100,000s.
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

/** Shared by every subscription that is not suspended (replaced, never mutated). */
const NO_REASONS: string[] = [];

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '!@#$%*?';

/** A temporary admin password like Microsoft's (`0Krha*Io`), from the four character classes; never chosen by the caller. */
export function generatePassword(length = 12): string {
  const bytes = randomBytes(length * 2);
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  const chars = [UPPER, LOWER, DIGITS, SYMBOLS].map((set, i) => set[bytes[i]! % set.length]!);
  for (let i = chars.length; i < length; i++) chars.push(all[bytes[i]! % all.length]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = bytes[length + i]! % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
