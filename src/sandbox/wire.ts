/**
 * Records → Partner Center's JSON, as the documentation's response examples show it (camelCase
 * properties, snake_case enum values, relative `links` without the `/v1` prefix, an `attributes`
 * object with `objectType` and, where Partner Center has one, `etag`).
 */
import { isoDate } from './clock.js';
import type {
  ActivityRecord, CartRecord, CustomerRecord, OrderRecord, ResellerRecord, SubscriptionRecord, TransitionRecord,
} from './records.js';

export function link(uri: string, method = 'GET', headers: Array<{ key: string; value: string }> = []): { uri: string; method: string; headers: Array<{ key: string; value: string }> } {
  return { uri, method, headers };
}

export function collection(items: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { totalCount: items.length, items, ...extra, attributes: { objectType: 'Collection' } };
}

/** Opaque, changes with every write: clients must treat it as a token (test-and-debug.md: "shouldn't be stored"). */
export function etagOf(id: string, version: number): string {
  return Buffer.from(JSON.stringify({ id, version })).toString('base64');
}

export interface CustomerWireOptions {
  /** `allowDelegatedAccess` is "only available when getting a customer by ID, not by list". */
  byId: boolean;
  /** Whether a list item carries `associatedPartnerId` (undocumented; off by default). */
  includeAssociatedPartnerId: boolean;
}

export function customerWire(c: CustomerRecord, options: CustomerWireOptions): Record<string, unknown> {
  const companyProfile = {
    tenantId: c.id,
    domain: c.domain,
    companyName: c.companyName,
    ...(c.organizationRegistrationNumber ? { organizationRegistrationNumber: c.organizationRegistrationNumber } : {}),
    attributes: { objectType: 'CustomerCompanyProfile' },
  };
  const base: Record<string, unknown> = {
    id: c.id,
    commerceId: c.id,
    companyProfile,
    relationshipToPartner: 'reseller',
  };
  if (options.byId) {
    base.billingProfile = billingProfileWire(c);
    base.allowDelegatedAccess = true;
    base.customDomains = [];
  }
  if (c.associatedPartnerId && (options.byId || options.includeAssociatedPartnerId)) base.associatedPartnerId = c.associatedPartnerId;
  base.links = { self: link(`/customers/${c.id}`) };
  base.attributes = { objectType: 'Customer' };
  return base;
}

export function billingProfileWire(c: CustomerRecord): Record<string, unknown> {
  return {
    id: c.billingProfileId,
    firstName: c.defaultAddress.firstName,
    lastName: c.defaultAddress.lastName,
    email: c.email,
    culture: c.culture,
    language: c.language,
    companyName: c.companyName,
    defaultAddress: c.defaultAddress,
    links: { self: link(`/customers/${c.id}/profiles/billing`) },
    attributes: { etag: etagOf(c.billingProfileId, c.version), objectType: 'CustomerBillingProfile' },
  };
}

export function relationshipWire(r: ResellerRecord): Record<string, unknown> {
  return {
    id: r.tenantId,
    name: r.name,
    relationshipType: 'is_indirect_cloud_solution_provider_of',
    state: 'Active',
    mpnId: r.mpnId,
    location: r.country,
    attributes: { objectType: 'PartnerRelationship' },
  };
}

export function catalogItemIdOfSubscription(s: SubscriptionRecord): string {
  return `${s.productId}:${s.skuId}:${s.availabilityId}`;
}

/** The 7-day windows, read at `now`: seats still removable, and until when. */
export function refundableDetails(s: SubscriptionRecord, now: number, windowMs: number): Array<{ quantity: number; allowedUntil: number }> {
  if (s.status !== 'active' && s.status !== 'suspended') return [];
  return s.seatAdditions.filter((a) => a.addedAt + windowMs > now && a.quantity > 0).map((a) => ({ quantity: a.quantity, allowedUntil: a.addedAt + windowMs }));
}

export function subscriptionWire(s: SubscriptionRecord, now: number, windowMs: number, country: string, withRefundable: boolean): Record<string, unknown> {
  // termEnd is 00:00 UTC of the day after the last day of the term.
  const commitmentEndDate = s.termEnd - 24 * 60 * 60 * 1000;
  const body: Record<string, unknown> = {
    id: s.id,
    offerId: catalogItemIdOfSubscription(s),
    offerName: s.offerName,
    friendlyName: s.friendlyName,
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    quantity: s.quantity,
    unitType: 'Licenses',
    hasPurchasableAddons: false,
    creationDate: isoDate(s.createdAt),
    effectiveStartDate: isoDate(s.termStart),
    commitmentEndDate: isoDate(commitmentEndDate),
    commitmentEndDateTime: isoDate(s.termEnd - 1000),
    status: s.status,
    autoRenewEnabled: s.autoRenewEnabled,
    isTrial: false,
    billingType: 'license',
    billingCycle: s.billingCycle,
    termDuration: s.termDuration,
    renewalTermDuration: s.autoRenewEnabled ? (s.scheduledNextTerm?.termDuration ?? s.termDuration) : '',
    refundOptions: s.termStart + windowMs > now && (s.status === 'active' || s.status === 'suspended') ? [{ type: 'Full', expiresAt: isoDate(s.termStart + windowMs) }] : [],
    isMicrosoftProduct: true,
    partnerId: s.partnerId,
    attentionNeeded: false,
    actionTaken: false,
    contractType: 'subscription',
    ...(s.suspensionReasons.length > 0 ? { suspensionReasons: s.suspensionReasons } : {}),
    ...(s.scheduledNextTerm
      ? {
          scheduledNextTermInstructions: {
            product: { productId: s.scheduledNextTerm.productId, skuId: s.scheduledNextTerm.skuId, availabilityId: s.scheduledNextTerm.availabilityId, billingCycle: s.scheduledNextTerm.billingCycle, termDuration: s.scheduledNextTerm.termDuration },
            quantity: s.scheduledNextTerm.quantity,
          },
        }
      : {}),
    links: {
      product: link(`/products/${s.productId}?country=${country}`),
      sku: link(`/products/${s.productId}/skus/${s.skuId}?country=${country}`),
      availability: link(`/products/${s.productId}/skus/${s.skuId}/availabilities/${s.availabilityId}?country=${country}`),
      self: link(`/customers/${s.customerId}/subscriptions/${s.id}`),
    },
    publisherName: 'Microsoft Corporation',
    orderId: s.orderId,
    attributes: { etag: etagOf(s.id, s.version), objectType: 'Subscription' },
  };
  if (withRefundable) {
    const details = refundableDetails(s, now, windowMs);
    body.refundableQuantity = {
      totalQuantity: details.reduce((sum, d) => sum + d.quantity, 0),
      details: details.map((d) => ({ quantity: d.quantity, allowedUntilDateTime: isoDate(d.allowedUntil) })),
    };
  }
  return body;
}

export function orderWire(o: OrderRecord, country: string, currencySymbol: string): Record<string, unknown> {
  const provisioned = o.status === 'completed';
  return {
    id: o.id,
    alternateId: o.id,
    referenceCustomerId: o.customerId,
    billingCycle: o.billingCycle,
    currencyCode: o.currencyCode,
    currencySymbol,
    lineItems: o.lineItems.map((li) => {
      const [productId, skuId, availabilityId] = li.offerId.split(':');
      return {
        lineItemNumber: li.lineItemNumber,
        offerId: li.offerId,
        // Checkout-a-cart.md: subscription IDs appear only once the subscriptions are provisioned.
        ...(provisioned ? { subscriptionId: li.subscriptionId } : {}),
        termDuration: li.termDuration,
        transactionType: 'New',
        friendlyName: li.friendlyName,
        quantity: li.quantity,
        ...(li.partnerIdOnRecord ? { partnerIdOnRecord: li.partnerIdOnRecord } : {}),
        links: {
          product: link(`/products/${productId}?country=${country}`),
          sku: link(`/products/${productId}/skus/${skuId}?country=${country}`),
          availability: link(`/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=${country}`),
          ...(provisioned ? { subscription: link(`/customers/${o.customerId}/subscriptions/${li.subscriptionId}`) } : {}),
        },
      };
    }),
    creationDate: isoDate(o.createdAt),
    status: o.status,
    transactionType: 'UserPurchase',
    links: {
      self: link(`/customers/${o.customerId}/orders/${o.id}`),
      provisioningStatus: link(`/customers/${o.customerId}/orders/${o.id}/provisioningstatus`),
      patchOperation: link(`/customers/${o.customerId}/orders/${o.id}`, 'PATCH'),
    },
    attributes: { objectType: 'Order' },
  };
}

export function cartWire(c: CartRecord): Record<string, unknown> {
  return {
    id: c.id,
    creationTimestamp: isoDate(c.createdAt),
    lastModifiedTimestamp: isoDate(c.lastModifiedAt),
    expirationTimestamp: isoDate(c.expiresAt),
    lastModifiedUser: 'integration user',
    status: c.status,
    lineItems: c.lineItems.map((li) => ({
      id: li.id,
      catalogItemId: li.catalogItemId,
      ...(li.friendlyName !== undefined ? { friendlyName: li.friendlyName } : {}),
      quantity: li.quantity,
      currencyCode: li.currencyCode,
      billingCycle: li.billingCycle,
      termDuration: li.termDuration,
      participants: li.participants,
      provisioningContext: {},
      orderGroup: li.orderGroup,
      ...(li.error ? { error: li.error } : {}),
    })),
    links: { self: link(`/customers/${c.customerId}/carts/${c.id}`) },
    attributes: { objectType: 'Cart' },
  };
}

export function transitionWire(t: TransitionRecord, events = t.events): Record<string, unknown> {
  return {
    operationId: t.operationId,
    fromCatalogItemId: t.fromCatalogItemId,
    fromSubscriptionId: t.fromSubscriptionId,
    toCatalogItemId: t.toCatalogItemId,
    toSubscriptionId: t.toSubscriptionId,
    quantity: t.quantity,
    termDuration: t.termDuration,
    billingCycle: t.billingCycle,
    transitionType: t.transitionType,
    events: events.map((e) => ({ ...e, attributes: { objectType: 'TransitionEvent' } })),
    attributes: { objectType: 'Transition' },
  };
}

export interface ActivityWireContext {
  partnerTenantId: string;
  apiUserPrincipalName: string;
  uiUserPrincipalName: string;
  apiApplicationId: string;
}

export function activityWire(a: ActivityRecord, ctx: ActivityWireContext): Record<string, unknown> {
  // Renewals are Microsoft's own doing; the activity log's example names no user for them, so none is given (assumption).
  const userPrincipalName = a.actor === 'api' ? ctx.apiUserPrincipalName : a.actor === 'ui' ? ctx.uiUserPrincipalName : null;
  const applicationId = a.actor === 'api' ? ctx.apiApplicationId : a.actor === 'ui' ? 'Partner Center Native App' : null;
  return {
    partnerId: ctx.partnerTenantId,
    ...(a.customerId ? { customerId: a.customerId } : {}),
    ...(a.customerName ? { customerName: a.customerName } : {}),
    userPrincipalName,
    ...(applicationId ? { applicationId } : {}),
    resourceType: a.resourceType,
    ...(a.resourceOldValue !== undefined ? { resourceOldValue: a.resourceOldValue } : {}),
    ...(a.resourceNewValue !== undefined ? { resourceNewValue: a.resourceNewValue } : {}),
    operationType: a.operationType,
    operationDate: isoDate(a.at),
    operationStatus: 'succeeded',
    customizedData: a.customizedData,
    attributes: { objectType: 'AuditRecord' },
  };
}
