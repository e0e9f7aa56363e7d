import type { PartnerCenterClient, PcAcceptedResult, PcPage, PcRequest } from './pc-client.js';
import type {
  AddressValidationResult,
  AgreementMetadata,
  AuditRecord,
  Availability,
  Cart,
  CartCheckoutResult,
  CartLineItem,
  CountryValidationRules,
  CreatedCustomer,
  Customer,
  CustomerAgreement,
  CustomerUserCredentials,
  MpnProfile,
  NewCustomer,
  NewTransition,
  Order,
  PartnerRelationship,
  PcAddress,
  Product,
  ResellerValidation,
  Sku,
  Subscription,
  SubscriptionChange,
  SupportContact,
  Transition,
  TransitionEligibility,
} from './pc-types.js';

/**
 * Typed Partner Center operations: one thin function per route the connector calls, with the
 * shapes of PARTNER-CENTER-API.md. Request bodies use the casing of Microsoft's own request
 * examples; answers are read in either casing (normalised to camelCase).
 */

/** Options of every write: the journal's MS-RequestId (persisted before the first send), a cancel signal. */
export interface WriteOptions {
  requestId?: string;
  signal?: AbortSignal;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

const seg = (s: string): string => encodeURIComponent(s);

function withSignal(o: ReadOptions | undefined): { signal?: AbortSignal } {
  return o?.signal ? { signal: o.signal } : {};
}

function writeFields(o: WriteOptions | undefined): { requestId?: string; signal?: AbortSignal } {
  return { ...(o?.requestId ? { requestId: o.requestId } : {}), ...withSignal(o) };
}

/**
 * The answer with every key in camelCase (`Id` → `id`, `ID` → `id`); where both casings are
 * present the camelCase one wins. Partner Center answers in camelCase, but its examples show both.
 */
export function camelize<T = unknown>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => camelize(v)) as T;
  if (value === null || typeof value !== 'object') return value as T;
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) {
    const camel = /^[A-Z0-9]+$/.test(k) ? k.toLowerCase() : k.charAt(0).toLowerCase() + k.slice(1);
    if (camel !== k && Object.prototype.hasOwnProperty.call(value, camel)) continue;
    out[camel] = camelize(v);
  }
  return out as T;
}

function itemsOf<T>(body: unknown): T[] {
  const b = camelize<{ items?: unknown } | undefined>(body);
  return Array.isArray(b?.items) ? (b.items as T[]) : [];
}

// ---------------------------------------------------------------------------------------------
// Customers: domain check → address validation → create → agreement (SPEC §7.2's order).

/**
 * `HEAD /v1/domains/{domain}`: `true` when the domain is free. Partner Center answers 200 when the
 * domain exists (taken) and 404 when it is free; its swagger says the opposite, its docs and SDK agree on this.
 */
export async function checkDomainAvailability(client: PartnerCenterClient, domain: string, o?: ReadOptions): Promise<boolean> {
  const r = await client.send({ operation: 'domains.check', method: 'HEAD', path: `/v1/domains/${seg(domain)}`, accept: [404], ...withSignal(o) });
  return r.status === 404;
}

/** `POST /v1/validations/address`: a read, though sent as POST. */
export async function validateAddress(
  client: PartnerCenterClient,
  address: { addressLine1: string; addressLine2?: string; city: string; state?: string; postalCode?: string; country: string },
  o?: ReadOptions,
): Promise<AddressValidationResult> {
  const body: Record<string, string> = { AddressLine1: address.addressLine1, City: address.city, Country: address.country };
  if (address.addressLine2) body.AddressLine2 = address.addressLine2;
  if (address.state) body.State = address.state;
  if (address.postalCode) body.PostalCode = address.postalCode;
  const r = await client.call({ operation: 'addresses.validate', method: 'POST', path: '/v1/validations/address', body, kind: 'read', ...withSignal(o) });
  return camelize<AddressValidationResult>(r);
}

/** `GET /v1/countryvalidationrules/{iso}`: which address fields, formats and registration numbers a country needs. */
export async function getCountryValidationRules(client: PartnerCenterClient, country: string, o?: ReadOptions): Promise<CountryValidationRules> {
  return camelize(await client.call({ operation: 'countries.validationRules', method: 'GET', path: `/v1/countryvalidationrules/${seg(country)}`, ...withSignal(o) }));
}

/**
 * `POST /v1/customers` for an indirect reseller (`associatedPartnerId` = the reseller's **tenant
 * ID**). Partner Center calls this idempotent given the same MS-RequestId: the journal passes its
 * persisted one. The admin's `userCredentials` come back once: the caller persists them first.
 */
export async function createCustomer(client: PartnerCenterClient, customer: NewCustomer, o?: WriteOptions): Promise<CreatedCustomer> {
  const a = customer.billingProfile.defaultAddress;
  const address: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== '') address[k.charAt(0).toUpperCase() + k.slice(1)] = v;
  const companyProfile: Record<string, unknown> = { Domain: customer.domain };
  if (customer.organizationRegistrationNumber) companyProfile.OrganizationRegistrationNumber = customer.organizationRegistrationNumber;
  const body: Record<string, unknown> = {
    CompanyProfile: companyProfile,
    BillingProfile: {
      Email: customer.billingProfile.email,
      Culture: customer.billingProfile.culture,
      Language: customer.billingProfile.language,
      CompanyName: customer.billingProfile.companyName,
      DefaultAddress: address,
    },
  };
  if (customer.associatedPartnerId) body.AssociatedPartnerId = customer.associatedPartnerId;
  if (customer.enableGDAPByDefault !== undefined) body.EnableGDAPByDefault = customer.enableGDAPByDefault;
  const r = await client.call({ operation: 'customers.create', method: 'POST', path: '/v1/customers', body, ...writeFields(o) });
  const created = camelize<Customer & { userCredentials?: Partial<CustomerUserCredentials>; associatedPartnerID?: string }>(r);
  const { userCredentials, ...rest } = created;
  if (rest.associatedPartnerId === undefined && rest.associatedPartnerID !== undefined) rest.associatedPartnerId = rest.associatedPartnerID;
  const result: CreatedCustomer = { customer: rest };
  if (typeof userCredentials?.userName === 'string' && typeof userCredentials.password === 'string') {
    result.userCredentials = { userName: userCredentials.userName, password: userCredentials.password };
  }
  return result;
}

/** `GET /v1/customers/{id}`. */
export async function getCustomer(client: PartnerCenterClient, customerId: string, o?: ReadOptions): Promise<Customer> {
  return camelize(await client.call({ operation: 'customers.get', method: 'GET', path: `/v1/customers/${seg(customerId)}`, ...withSignal(o) }));
}

/** A customer filter of `GET /v1/customers` (`starts_with` is the only operator Partner Center supports there). */
export interface CustomerFilter {
  field: 'CompanyName' | 'Domain' | 'IndirectReseller' | 'IndirectCloudSolutionProvider';
  value: string;
}

/**
 * `GET /v1/customers?size=` page by page (continuation tokens). Partner Center documents no
 * maximum page size; Microsoft's own bulk tool reads 500. Pass the last page's token to resume.
 */
export async function* listCustomers(
  client: PartnerCenterClient,
  options: { size?: number; filter?: CustomerFilter; continuationToken?: string } & ReadOptions = {},
): AsyncGenerator<PcPage<Customer>, void, undefined> {
  const query: Record<string, string | number> = { size: options.size ?? 500 };
  if (options.filter) query.filter = JSON.stringify({ Field: options.filter.field, Value: options.filter.value, Operator: 'starts_with' });
  const req: PcRequest = { operation: 'customers.list', method: 'GET', path: '/v1/customers', query, ...withSignal(options) };
  for await (const page of client.paginate<unknown>(req, options.continuationToken ? { continuationToken: options.continuationToken } : undefined)) {
    yield { ...page, items: page.items.map((c) => camelize<Customer>(c)) };
  }
}

/** The customers of one reseller, by the reseller's **tenant ID** (App+User only). */
export function listCustomersOfReseller(client: PartnerCenterClient, resellerTenantId: string, options: { size?: number; continuationToken?: string } & ReadOptions = {}) {
  return listCustomers(client, { ...options, filter: { field: 'IndirectReseller', value: resellerTenantId } });
}

/** `DELETE /v1/customers/{id}`: the integration sandbox only. */
export async function deleteSandboxCustomer(client: PartnerCenterClient, customerId: string, o?: WriteOptions): Promise<void> {
  await client.send({ operation: 'customers.delete', method: 'DELETE', path: `/v1/customers/${seg(customerId)}`, ...writeFields(o) });
}

/** `GET /v1/agreements?agreementType=MicrosoftCustomerAgreement`: the template to attest. */
export async function getAgreementMetadata(client: PartnerCenterClient, agreementType = 'MicrosoftCustomerAgreement', o?: ReadOptions): Promise<AgreementMetadata[]> {
  return itemsOf(await client.call({ operation: 'agreements.metadata', method: 'GET', path: '/v1/agreements', query: { agreementType }, ...withSignal(o) }));
}

/** `POST /v1/customers/{id}/agreements`: the partner's attestation that the customer accepted the MCA (App+User only). */
export async function createCustomerAgreement(client: PartnerCenterClient, customerId: string, agreement: CustomerAgreement, o?: WriteOptions): Promise<CustomerAgreement> {
  const body = { ...agreement, type: agreement.type ?? 'MicrosoftCustomerAgreement' };
  return camelize(await client.call({ operation: 'agreements.create', method: 'POST', path: `/v1/customers/${seg(customerId)}/agreements`, body, ...writeFields(o) }));
}

/** `GET /v1/customers/{id}/agreements`. */
export async function listCustomerAgreements(client: PartnerCenterClient, customerId: string, o?: ReadOptions): Promise<CustomerAgreement[]> {
  return itemsOf(await client.call({ operation: 'agreements.list', method: 'GET', path: `/v1/customers/${seg(customerId)}/agreements`, ...withSignal(o) }));
}

// ---------------------------------------------------------------------------------------------
// Resellers.

/** `GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf`: each reseller's tenant ID (`id`) and PartnerID (`mpnId`). */
export async function listIndirectResellers(client: PartnerCenterClient, o?: ReadOptions): Promise<PartnerRelationship[]> {
  const out: PartnerRelationship[] = [];
  const req: PcRequest = { operation: 'resellers.list', method: 'GET', path: '/v1/relationships', query: { relationship_type: 'IsIndirectCloudSolutionProviderOf' }, ...withSignal(o) };
  for await (const page of client.paginate<unknown>(req)) for (const item of page.items) out.push(normaliseRelationship(item));
  return out;
}

/** `GET /v1/customers/{id}/relationships`: the resellers associated with a customer (empty when none). */
export async function listCustomerRelationships(client: PartnerCenterClient, customerId: string, o?: ReadOptions): Promise<PartnerRelationship[]> {
  const r = await client.call({ operation: 'customers.relationships', method: 'GET', path: `/v1/customers/${seg(customerId)}/relationships`, ...withSignal(o) });
  return itemsOf<unknown>(r).map(normaliseRelationship);
}

function normaliseRelationship(item: unknown): PartnerRelationship {
  const r = camelize<PartnerRelationship>(item);
  // PartnerIDs are numbers in some answers: they are identifiers, kept as text.
  if (typeof r.mpnId === 'number') r.mpnId = String(r.mpnId);
  return r;
}

/** `POST /v1/partners/validateresellers`: whether each PartnerID may be partner of record. A read, sent as POST. */
export async function validateResellers(client: PartnerCenterClient, partnerIds: readonly string[], o?: ReadOptions): Promise<ResellerValidation[]> {
  const r = camelize<{ validationResults?: unknown[] }>(
    await client.call({ operation: 'resellers.validate', method: 'POST', path: '/v1/partners/validateresellers', body: { partnerIds: [...partnerIds] }, kind: 'read', ...withSignal(o) }),
  );
  return (r?.validationResults ?? []).map((v) => {
    const x = camelize<Omit<ResellerValidation, 'errorCode' | 'isValidPartnerIdOnRecord'> & { errorCode?: unknown; isValidPartnerIdOnRecord?: unknown }>(v);
    const { errorCode, isValidPartnerIdOnRecord, ...rest } = x;
    const out: ResellerValidation = { ...rest, partnerId: String(x.partnerId), isValidPartnerIdOnRecord: isValidPartnerIdOnRecord === true || isValidPartnerIdOnRecord === 'true' };
    if (errorCode !== undefined && errorCode !== null) out.errorCode = String(errorCode);
    return out;
  });
}

/** `GET /v1/profiles/mpn?mpnId=`: the partner behind a PartnerID (404, code 3000, when none). */
export async function getMpnProfile(client: PartnerCenterClient, mpnId: string, o?: ReadOptions): Promise<MpnProfile> {
  return camelize(await client.call({ operation: 'profiles.mpn', method: 'GET', path: '/v1/profiles/mpn', query: { mpnId }, ...withSignal(o) }));
}

/**
 * `GET /v1/profiles/mpn` without an ID: the provider's own profile. The cheapest App+User read,
 * so `tiersync status` uses it to prove the credentials work (MFA included).
 */
export async function getOwnMpnProfile(client: PartnerCenterClient, o?: ReadOptions): Promise<MpnProfile> {
  return camelize(await client.call({ operation: 'profiles.mpn.own', method: 'GET', path: '/v1/profiles/mpn', ...withSignal(o) }));
}

/** `GET /v1/compliance/csp/agreementstatus`: whether a reseller signed the Microsoft Partner Agreement (by PartnerID or tenant ID, exactly one). */
export async function getResellerAgreementStatus(client: PartnerCenterClient, who: { mpnId: string } | { tenantId: string }, o?: ReadOptions): Promise<boolean> {
  const query = 'mpnId' in who ? { mpnId: who.mpnId } : { tenantId: who.tenantId };
  const r = camelize<{ isAgreementSigned?: unknown }>(await client.call({ operation: 'resellers.agreementStatus', method: 'GET', path: '/v1/compliance/csp/agreementstatus', query, ...withSignal(o) }));
  return r?.isAgreementSigned === true || r?.isAgreementSigned === 'true';
}

// ---------------------------------------------------------------------------------------------
// Purchases: cart → checkout → subscriptions of the order.

export interface NewCartLineItem {
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  friendlyName?: string;
  customTermEndDate?: string;
  promotionId?: string;
  /** The reseller of record's **PartnerID** (never the provider's), sent as participant `transaction_reseller`. */
  resellerPartnerId?: string;
  /** EU/EFTA only, up to 5. */
  additionalResellerPartnerIds?: readonly string[];
}

/**
 * `POST /v1/customers/{id}/carts`. The partner-of-record attestation is always sent: the reseller
 * is named on every line (leaving it out does not fail the order, it silently records no reseller).
 * Line items may carry their own `error`: the caller checks them before checking out.
 */
export async function createCart(client: PartnerCenterClient, customerId: string, lineItems: readonly NewCartLineItem[], o?: WriteOptions): Promise<Cart> {
  const items: CartLineItem[] = lineItems.map((li, id) => {
    const item: CartLineItem = { id, catalogItemId: li.catalogItemId, quantity: li.quantity, billingCycle: li.billingCycle };
    if (li.termDuration) item.termDuration = li.termDuration;
    if (li.friendlyName) item.friendlyName = li.friendlyName;
    if (li.customTermEndDate) item.customTermEndDate = li.customTermEndDate;
    if (li.promotionId) item.promotionId = li.promotionId;
    const participants = [
      ...(li.resellerPartnerId ? [{ key: 'transaction_reseller', value: li.resellerPartnerId }] : []),
      ...(li.additionalResellerPartnerIds ?? []).map((value) => ({ key: 'additional_transaction_reseller', value })),
    ];
    if (participants.length > 0) item.participants = participants;
    return item;
  });
  const body = { PartnerOnRecordAttestationAccepted: true, lineItems: items };
  return camelize(await client.call({ operation: 'carts.create', method: 'POST', path: `/v1/customers/${seg(customerId)}/carts`, body, ...writeFields(o) }));
}

/** `GET /v1/customers/{id}/carts/{cartId}`: after a lost checkout answer, `status: "Ordered"` says it went through. */
export async function getCart(client: PartnerCenterClient, customerId: string, cartId: string, o?: ReadOptions): Promise<Cart> {
  return camelize(await client.call({ operation: 'carts.get', method: 'GET', path: `/v1/customers/${seg(customerId)}/carts/${seg(cartId)}`, ...withSignal(o) }));
}

/**
 * `POST /v1/customers/{id}/carts/{cartId}/checkout` (no body). Subscription IDs may be missing
 * from the answer: provisioning is asynchronous (`listSubscriptionsByOrder`).
 */
export async function checkoutCart(client: PartnerCenterClient, customerId: string, cartId: string, o?: WriteOptions): Promise<CartCheckoutResult> {
  const r = camelize<Partial<CartCheckoutResult> | undefined>(
    await client.call({ operation: 'carts.checkout', method: 'POST', path: `/v1/customers/${seg(customerId)}/carts/${seg(cartId)}/checkout`, ...writeFields(o) }),
  );
  return { ...r, orders: r?.orders ?? [], orderErrors: (r?.orderErrors ?? []).map((e) => (e.code === undefined ? e : { ...e, code: String(e.code) })) };
}

/** `GET /v1/customers/{id}/orders/{orderId}`. */
export async function getOrder(client: PartnerCenterClient, customerId: string, orderId: string, o?: ReadOptions): Promise<Order> {
  return camelize(await client.call({ operation: 'orders.get', method: 'GET', path: `/v1/customers/${seg(customerId)}/orders/${seg(orderId)}`, ...withSignal(o) }));
}

/** `GET /v1/customers/{id}/subscriptions?order_id=`: the subscriptions an order has provisioned so far. */
export async function listSubscriptionsByOrder(client: PartnerCenterClient, customerId: string, orderId: string, o?: ReadOptions): Promise<Subscription[]> {
  return itemsOf(await client.call({ operation: 'subscriptions.byOrder', method: 'GET', path: `/v1/customers/${seg(customerId)}/subscriptions`, query: { order_id: orderId }, ...withSignal(o) }));
}

// ---------------------------------------------------------------------------------------------
// Subscriptions.

/** `GET /v1/customers/{id}/subscriptions` (optionally `?mpn_id=` for one reseller's): not paged. */
export async function listCustomerSubscriptions(client: PartnerCenterClient, customerId: string, options: { resellerPartnerId?: string } & ReadOptions = {}): Promise<Subscription[]> {
  const query = options.resellerPartnerId ? { mpn_id: options.resellerPartnerId } : undefined;
  return itemsOf(
    await client.call({ operation: 'subscriptions.list', method: 'GET', path: `/v1/customers/${seg(customerId)}/subscriptions`, ...(query ? { query } : {}), ...withSignal(options) }),
  );
}

/** `GET /v1/customers/{id}/subscriptions/{subId}`: with `refundableQuantity` (seats still inside the 7-day window). */
export async function getSubscription(client: PartnerCenterClient, customerId: string, subscriptionId: string, o?: ReadOptions): Promise<Subscription> {
  return camelize(await client.call({ operation: 'subscriptions.get', method: 'GET', path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}`, ...withSignal(o) }));
}

/**
 * `PATCH /v1/customers/{id}/subscriptions/{subId}` with `subscription`, which must be the **full**
 * object as read (a missing `autoRenewEnabled` turns auto-renew off; missing next-term
 * instructions are deleted). A `202` is followed to its `Location` until `isDone` holds.
 */
export async function patchSubscription(
  client: PartnerCenterClient,
  customerId: string,
  subscription: Subscription,
  o?: WriteOptions & { isDone?: (s: Subscription) => boolean; ifMatch?: boolean },
): Promise<PcAcceptedResult<Subscription>> {
  const etag = subscription.attributes?.etag;
  const headers: Record<string, string> = o?.ifMatch && etag ? { 'If-Match': etag.startsWith('"') ? etag : `"${etag}"` } : {};
  const r = await client.send<unknown>({
    operation: 'subscriptions.patch',
    method: 'PATCH',
    path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscription.id)}`,
    body: subscription,
    headers,
    ...writeFields(o),
  });
  const response = { ...r, body: camelize<Subscription>(r.body) };
  const followed = await client.followAccepted(response, {
    operation: 'subscriptions.patch',
    ...(o?.isDone ? { isDone: (b: Subscription) => o.isDone!(camelize<Subscription>(b)) } : {}),
    ...withSignal(o),
  });
  if (followed.state === 'done') {
    const body = camelize<Subscription>(followed.body);
    return { ...followed, body: body && typeof body === 'object' ? body : subscription };
  }
  return followed.lastBody === undefined ? followed : { ...followed, lastBody: camelize<Subscription>(followed.lastBody) };
}

/** The subscription with `change` applied: every other field kept as Partner Center gave it. */
export function applySubscriptionChange(current: Subscription, change: SubscriptionChange): Subscription {
  const next: Record<string, unknown> = structuredClone(current);
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next as Subscription;
}

/** Whether `s` shows every field of `change` (a 202's change has become visible). */
export function showsChange(s: Subscription, change: SubscriptionChange): boolean {
  return (Object.entries(change) as Array<[keyof SubscriptionChange, unknown]>).every(([k, v]) => {
    if (v === undefined) return true;
    if (v === null) return s[k] === undefined || s[k] === null;
    if (typeof v === 'object') return JSON.stringify(s[k]) === JSON.stringify(v);
    return typeof v === 'string' && typeof s[k] === 'string' ? v.toLowerCase() === String(s[k]).toLowerCase() : s[k] === v;
  });
}

/**
 * Change a subscription the only safe way: GET it, change the named fields, PATCH the full object,
 * and follow a 202 until the change shows. `requestId` is the PATCH's (the GET gets its own).
 * Resolves `{ state: 'pending' }` when Partner Center has not shown the change within the bound.
 */
export async function updateSubscription(
  client: PartnerCenterClient,
  customerId: string,
  subscriptionId: string,
  change: SubscriptionChange,
  o?: WriteOptions & { ifMatch?: boolean },
): Promise<PcAcceptedResult<Subscription> & { before: Subscription }> {
  const before = await getSubscription(client, customerId, subscriptionId, o);
  const result = await patchSubscription(client, customerId, applySubscriptionChange(before, change), { ...o, isDone: (s) => showsChange(s, change) });
  return { ...result, before };
}

/** `GET …/subscriptions/{subId}/transitionEligibilities?eligibilityType=immediate|scheduled` (new commerce upgrades). */
export async function getTransitionEligibilities(
  client: PartnerCenterClient,
  customerId: string,
  subscriptionId: string,
  eligibilityType?: 'immediate' | 'scheduled',
  o?: ReadOptions,
): Promise<TransitionEligibility[]> {
  return itemsOf(
    await client.call({
      operation: 'transitions.eligibilities',
      method: 'GET',
      path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}/transitionEligibilities`,
      ...(eligibilityType ? { query: { eligibilityType } } : {}),
      ...withSignal(o),
    }),
  );
}

/** `POST …/subscriptions/{subId}/transitions`: upgrade (new commerce); follow it with `getTransitions(…, operationId)`. */
export async function createTransition(client: PartnerCenterClient, customerId: string, subscriptionId: string, transition: NewTransition, o?: WriteOptions): Promise<Transition> {
  return camelize(
    await client.call({ operation: 'transitions.create', method: 'POST', path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}/transitions`, body: transition, ...writeFields(o) }),
  );
}

/** `GET …/subscriptions/{subId}/transitions[?operationId=]`. */
export async function getTransitions(client: PartnerCenterClient, customerId: string, subscriptionId: string, operationId?: string, o?: ReadOptions): Promise<Transition[]> {
  return itemsOf(
    await client.call({
      operation: 'transitions.list',
      method: 'GET',
      path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}/transitions`,
      ...(operationId ? { query: { operationId } } : {}),
      ...withSignal(o),
    }),
  );
}

/** `GET …/subscriptions/{subId}/supportcontact` (App+User only); undefined when none is set. */
export async function getSupportContact(client: PartnerCenterClient, customerId: string, subscriptionId: string, o?: ReadOptions): Promise<SupportContact | undefined> {
  const r = await client.send({
    operation: 'supportContacts.get',
    method: 'GET',
    path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}/supportcontact`,
    accept: [404],
    ...withSignal(o),
  });
  if (r.status === 404 || r.body === undefined || r.body === null || typeof r.body !== 'object') return undefined;
  const c = camelize<SupportContact>(r.body);
  if (typeof c.supportMpnId === 'number') c.supportMpnId = String(c.supportMpnId);
  return c;
}

/**
 * `PUT …/subscriptions/{subId}/supportcontact`: the reseller by tenant ID **and** PartnerID, and
 * its name. It must be a reseller with a relationship to the provider.
 */
export async function updateSupportContact(
  client: PartnerCenterClient,
  customerId: string,
  subscriptionId: string,
  contact: { supportTenantId: string; supportMpnId: string; name: string },
  o?: WriteOptions,
): Promise<SupportContact> {
  const body = { SupportTenantId: contact.supportTenantId, SupportMpnId: contact.supportMpnId, Name: contact.name };
  return camelize(
    await client.call({ operation: 'supportContacts.update', method: 'PUT', path: `/v1/customers/${seg(customerId)}/subscriptions/${seg(subscriptionId)}/supportcontact`, body, ...writeFields(o) }),
  );
}

// ---------------------------------------------------------------------------------------------
// Change feed and catalog.

export interface AuditRecordQuery {
  /** `yyyy-mm-dd`; Partner Center keeps 90 days. */
  startDate: string;
  endDate?: string;
  /** `CompanyName` (substring), `CustomerId` or `ResourceType` (equals). */
  filter?: { field: 'CompanyName' | 'CustomerId' | 'ResourceType'; value: string; operator?: string };
  size?: number;
  continuationToken?: string;
}

/** `GET /v1/auditrecords` page by page: what changed in Partner Center, for `refresh --changes`. */
export async function* listAuditRecords(client: PartnerCenterClient, q: AuditRecordQuery & ReadOptions): AsyncGenerator<PcPage<AuditRecord>, void, undefined> {
  const query: Record<string, string | number> = { startDate: q.startDate };
  if (q.endDate) query.endDate = q.endDate;
  if (q.size) query.size = q.size;
  if (q.filter) {
    query.filter = JSON.stringify({ Field: q.filter.field, Value: q.filter.value, Operator: q.filter.operator ?? (q.filter.field === 'CompanyName' ? 'substring' : 'equals') });
  }
  const req: PcRequest = { operation: 'auditRecords.list', method: 'GET', path: '/v1/auditrecords', query, ...withSignal(q) };
  for await (const page of client.paginate<unknown>(req, q.continuationToken ? { continuationToken: q.continuationToken } : undefined)) {
    yield { ...page, items: page.items.map((r) => camelize<AuditRecord>(r)) };
  }
}

/** `GET /v1/products?country=&targetView=` (new commerce: `OnlineServices`). */
export async function listProducts(client: PartnerCenterClient, country: string, targetView = 'OnlineServices', o?: ReadOptions): Promise<Product[]> {
  const out: Product[] = [];
  const req: PcRequest = { operation: 'catalog.products', method: 'GET', path: '/v1/products', query: { country, targetView }, ...withSignal(o) };
  for await (const page of client.paginate<unknown>(req)) for (const p of page.items) out.push(camelize<Product>(p));
  return out;
}

/** `GET /v1/products/{productId}/skus?country=`. */
export async function listSkus(client: PartnerCenterClient, productId: string, country: string, o?: ReadOptions): Promise<Sku[]> {
  return itemsOf(await client.call({ operation: 'catalog.skus', method: 'GET', path: `/v1/products/${seg(productId)}/skus`, query: { country }, ...withSignal(o) }));
}

/** `GET /v1/products/{productId}/skus/{skuId}/availabilities?country=`: their `catalogItemId` is what a cart orders. Availability IDs change over time. */
export async function listAvailabilities(client: PartnerCenterClient, productId: string, skuId: string, country: string, o?: ReadOptions): Promise<Availability[]> {
  return itemsOf(
    await client.call({ operation: 'catalog.availabilities', method: 'GET', path: `/v1/products/${seg(productId)}/skus/${seg(skuId)}/availabilities`, query: { country }, ...withSignal(o) }),
  );
}

export type { PcAddress };
