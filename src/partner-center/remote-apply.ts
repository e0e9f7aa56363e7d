import type { IssuedCredential } from '../apply/apply-sync-plan.js';
import type { ErrorCode } from '../core/error-codes.js';
import { PartnerCenterUnavailableError } from '../core/errors.js';
import { offerKey, type CustomerRecord, type PendingOrderRecord, type ResellerRecord, type SubscriptionRecord } from '../core/entities.js';
import type { Change, SyncPlan } from '../plan/sync-plan.js';
import type { Journal, JournalIntent, JournaledOperation } from './journal.js';
import type { PartnerCenterClient } from './pc-client.js';
import { PartnerCenterApiError, tiersyncCodeFor } from './pc-errors.js';
import {
  checkDomainAvailability,
  checkoutCart,
  createCart,
  createCustomer,
  createCustomerAgreement,
  createTransition,
  getAgreementMetadata,
  getSubscription,
  listAvailabilities,
  listSubscriptionsByOrder,
  updateSubscription,
  updateSupportContact,
  validateAddress,
  type NewCartLineItem,
} from './pc-operations.js';
import { offerOfCatalogItem, subscriptionRecordOf } from './pc-records.js';
import type { Order, Subscription, SubscriptionChange } from './pc-types.js';

/**
 * A connected apply (SPEC §7.2): the plan's changes carried out in Partner Center, in dependency
 * order (customer: domain check, address validation, creation with the reseller's tenant ID,
 * customer-agreement attestation; then its cart and checkout; subscription changes; support
 * contacts). Units run in parallel within the client's queue; a unit's steps run in order. Every
 * write is journaled before it is sent. The result says, change by change, what Partner Center did;
 * the caller records it in the store.
 */

/** What Partner Center did with one change of the plan. */
export type ChangeOutcome =
  | { status: 'done'; record?: CustomerRecord | SubscriptionRecord; note?: string }
  | { status: 'failed'; code: ErrorCode; message: string }
  | { status: 'pending'; orderId: string; message: string };


export interface RemoteApplyContext {
  client: PartnerCenterClient;
  journal: Journal;
  batchId: string;
  now: string;
  /** The store's records the plan was made against (tenant IDs of customers and resellers). */
  customers: ReadonlyMap<string, CustomerRecord>;
  resellers: ReadonlyMap<string, ResellerRecord>;
  /** The provider's country: where the catalog's availabilities are looked up. */
  country: string;
  /** Called with each password as it arrives, and awaited (durably written) before its outcome is journaled. */
  /** A new customer's first admin, as Partner Center returned it (once). */
  onCredential: (credential: IssuedCredential) => Promise<void>;
  /** How long to wait for an order's subscriptions to be provisioned before leaving it pending. */
  provisioningWaitMs: number;
  /** Between two looks at a provisioning order. */
  provisioningPollMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RemoteApplyResult {
  outcomes: Map<number, ChangeOutcome>;
  pendingOrders: PendingOrderRecord[];
  /** Set when Partner Center became unreachable (or refused the credentials) part way: the run stops there. */
  stoppedBy?: PartnerCenterUnavailableError;
}

/** A unit of work: its changes, by index into the plan's changes. */
type Unit =
  | { kind: 'new-customer'; customer: number; subscriptions: number[] }
  | { kind: 'order'; domain: string; subscriptions: number[] }
  | { kind: 'subscription'; change: number }
  | { kind: 'local'; change: number }
  | { kind: 'unsupported'; change: number; why: string };

/** The plan's changes as units of remote work (pure). */
export function remoteUnitsOf(plan: Pick<SyncPlan, 'changes'>): Unit[] {
  const units: Unit[] = [];
  const newCustomers = new Map<string, Extract<Unit, { kind: 'new-customer' }>>();
  const orders = new Map<string, Extract<Unit, { kind: 'order' }>>();
  plan.changes.forEach((change, i) => {
    switch (change.entity) {
      case 'customer': {
        if (change.action === 'create') {
          const unit: Unit = { kind: 'new-customer', customer: i, subscriptions: [] };
          newCustomers.set(change.after.domain, unit);
          units.push(unit);
        } else {
          // Partner Center's customer details change through its billing profile, and the reseller
          // association is the reseller's to request: neither is made from here.
          units.push({ kind: 'unsupported', change: i, why: `${change.fields.join(', ')} of an existing customer change in Partner Center (Customers → Account), not through tiersync; the next refresh reads them` });
        }
        return;
      }
      case 'subscription': {
        if (change.action !== 'create') {
          units.push({ kind: 'subscription', change: i });
          return;
        }
        const domain = change.after.customerDomain;
        const owner = newCustomers.get(domain);
        if (owner) owner.subscriptions.push(i);
        else {
          let order = orders.get(domain);
          if (!order) {
            order = { kind: 'order', domain, subscriptions: [] };
            orders.set(domain, order);
            units.push(order);
          }
          order.subscriptions.push(i);
        }
        return;
      }
      default:
        // Users, offers and partnerships are the store's: Partner Center has no API that sends a partnership request.
        units.push({ kind: 'local', change: i });
    }
  });
  return units;
}

class UnitFailed extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Partner Center's refusal as a row's code and message; a run failure is thrown on. */
function refusal(error: unknown): UnitFailed {
  if (error instanceof UnitFailed) return error;
  if (error instanceof PartnerCenterApiError) return new UnitFailed(error.tiersyncCode, error.message);
  if (error instanceof PartnerCenterUnavailableError) throw error;
  throw error;
}

export async function applyThroughPartnerCenter(plan: SyncPlan, ctx: RemoteApplyContext): Promise<RemoteApplyResult> {
  const outcomes = new Map<number, ChangeOutcome>();
  const pendingOrders: PendingOrderRecord[] = [];
  const units = remoteUnitsOf(plan);
  const catalog = new CatalogItems(ctx);
  let templateId: Promise<string> | undefined;
  const agreementTemplate = () => (templateId ??= getAgreementMetadata(ctx.client).then((m) => m[0]?.templateId ?? ''));
  let stoppedBy: PartnerCenterUnavailableError | undefined;
  let done = 0;
  const total = units.length;

  /** Journal the intent, send, journal the outcome; a refusal is journaled too, then thrown as a row failure. */
  const journaled = async <T>(operation: JournaledOperation, target: string, request: unknown, context: unknown, send: (intent: JournalIntent) => Promise<T>, result: (value: T) => unknown): Promise<T> => {
    if (stoppedBy) throw stoppedBy;
    const intent = await ctx.journal.intend({ batchId: ctx.batchId, operation, target, request, context, at: ctx.now });
    try {
      const value = await send(intent);
      await ctx.journal.record({ id: intent.id, status: 'done', result: result(value), at: ctx.now });
      return value;
    } catch (error) {
      if (error instanceof PartnerCenterApiError) {
        await ctx.journal.record({ id: intent.id, status: 'failed', error: { code: error.tiersyncCode, ...(error.pcCode ? { pcCode: error.pcCode } : {}), message: error.message }, at: ctx.now });
      }
      // Unreachable mid-write: the intent stays open, and the next run resolves it.
      throw error;
    }
  };

  const failAll = (indexes: readonly number[], error: UnitFailed) => {
    for (const i of indexes) if (!outcomes.has(i)) outcomes.set(i, { status: 'failed', code: error.code, message: error.message });
  };

  const runUnit = async (unit: Unit): Promise<void> => {
    switch (unit.kind) {
      case 'local':
        outcomes.set(unit.change, { status: 'done' });
        return;
      case 'unsupported':
        outcomes.set(unit.change, { status: 'failed', code: 'pc.not-supported', message: unit.why });
        return;
      case 'new-customer':
        return newCustomer(unit);
      case 'order': {
        const tenant = ctx.customers.get(unit.domain)?.tenantId;
        if (!tenant) return failAll(unit.subscriptions, new UnitFailed('subscription.unknown-customer', `Customer ${unit.domain} has no Partner Center tenant ID in the store; run tiersync refresh`));
        try {
          await order(unit.domain, tenant, unit.subscriptions);
        } catch (error) {
          failAll(unit.subscriptions, refusal(error));
        }
        return;
      }
      case 'subscription':
        try {
          await changeSubscription(unit.change);
        } catch (error) {
          failAll([unit.change], refusal(error));
        }
        return;
    }
  };

  const newCustomer = async (unit: Extract<Unit, { kind: 'new-customer' }>): Promise<void> => {
    const change = plan.changes[unit.customer]! as Extract<Change, { entity: 'customer' }>;
    const c = change.after;
    const domain = `${c.domain}.onmicrosoft.com`;
    let tenantId: string;
    try {
      if (!(await checkDomainAvailability(ctx.client, domain))) throw new UnitFailed('customer.domain-taken', `Partner Center says ${domain} is already taken by another tenant; choose another domain prefix`);
      const address = { addressLine1: c.addressLine1, ...(c.addressLine2 ? { addressLine2: c.addressLine2 } : {}), city: c.city, ...(c.stateRegion ? { state: c.stateRegion } : {}), ...(c.postalCode ? { postalCode: c.postalCode } : {}), country: c.country };
      const validation = await validateAddress(ctx.client, address);
      if (String(validation.status).toLowerCase() === 'none') throw new UnitFailed('customer.address', `Partner Center could not validate the address (${validation.validationMessage ?? validation.status}); correct it`);
      let associatedPartnerId: string | undefined;
      if (c.resellerMpnId) {
        associatedPartnerId = ctx.resellers.get(c.resellerMpnId)?.tenantId ?? undefined;
        if (!associatedPartnerId) throw new UnitFailed('partnership.not-active', `Reseller ${c.resellerMpnId} has no CSP tenant ID in the store yet: it appears in Partner Center's indirect reseller list once it accepts; run tiersync refresh`);
      }
      const request = {
        domain,
        ...(c.registrationNumber ? { organizationRegistrationNumber: c.registrationNumber } : {}),
        billingProfile: {
          email: c.contactEmail,
          culture: c.language,
          language: c.language.split('-')[0]!,
          companyName: c.companyName,
          defaultAddress: { ...address, firstName: c.contactFirstName, lastName: c.contactLastName, ...(c.phone ? { phoneNumber: c.phone } : {}) },
        },
        ...(associatedPartnerId ? { associatedPartnerId } : {}),
      };
      const created = await journaled(
        'customers.create',
        `customer:${c.domain}`,
        request,
        { change: unit.customer, record: c },
        async (intent) => {
          const answer = await createCustomer(ctx.client, request, { requestId: intent.requestId });
          // The password is returned once: durable in the pending credentials file before anything else.
          if (answer.userCredentials) {
            const userName = answer.userCredentials.userName.includes('@') ? answer.userCredentials.userName : `${answer.userCredentials.userName}@${domain}`;
            await ctx.onCredential({ domain: c.domain, companyName: c.companyName, tenantId: answer.customer.id, adminUserName: userName, temporaryPassword: answer.userCredentials.password, resellerMpnId: c.resellerMpnId, createdAt: ctx.now });
          }
          return answer;
        },
        (answer) => ({ tenantId: answer.customer.id, credentialsReturned: !!answer.userCredentials }),
      );
      tenantId = created.customer.id;
      outcomes.set(unit.customer, { status: 'done', record: { ...c, tenantId, createdAt: ctx.now } });
    } catch (error) {
      const failure = refusal(error);
      outcomes.set(unit.customer, { status: 'failed', code: failure.code, message: failure.message });
      for (const i of unit.subscriptions) outcomes.set(i, { status: 'failed', code: 'order.cancelled', message: `Not ordered: the customer ${c.domain} could not be created (${failure.code})` });
      return;
    }
    // Once created, the customer cannot be un-created: its order's failures are said on its row.
    try {
      await attest(c, tenantId);
      if (unit.subscriptions.length) await order(c.domain, tenantId, unit.subscriptions);
    } catch (error) {
      const failure = refusal(error);
      failAll(unit.subscriptions, failure);
      outcomes.set(unit.customer, { status: 'done', record: { ...c, tenantId, createdAt: ctx.now }, note: `Created in Partner Center, but its order failed: ${failure.message}` });
    }
  };

  /** The partner's attestation that the customer accepted the Microsoft Customer Agreement: needed before any purchase. */
  const attest = async (c: CustomerRecord, tenantId: string): Promise<void> => {
    const template = await agreementTemplate();
    const agreement = { primaryContact: { firstName: c.contactFirstName, lastName: c.contactLastName, email: c.contactEmail, ...(c.phone ? { phoneNumber: c.phone } : {}) }, templateId: template, dateAgreed: ctx.now, type: 'MicrosoftCustomerAgreement' };
    await journaled('agreements.create', `customer:${c.domain}`, agreement, { domain: c.domain, tenantId }, (intent) => createCustomerAgreement(ctx.client, tenantId, agreement, { requestId: intent.requestId }), () => ({ attested: true }));
  };

  const order = async (domain: string, tenantId: string, indexes: readonly number[]): Promise<void> => {
    const planned = indexes.map((i) => (plan.changes[i]! as Extract<Change, { entity: 'subscription' }>).after);
    const lines: NewCartLineItem[] = [];
    for (const s of planned) {
      lines.push({
        catalogItemId: await catalog.itemOf(s.offerId),
        quantity: s.quantity,
        termDuration: s.term,
        billingCycle: s.billingCycle,
        ...(s.nickname ? { friendlyName: s.nickname } : {}),
        ...(s.partnerOfRecordMpnId ? { resellerPartnerId: s.partnerOfRecordMpnId } : {}),
      } as NewCartLineItem);
    }
    const cart = await journaled('carts.create', `order:${domain}`, { lines }, { changes: indexes }, (intent) => createCart(ctx.client, tenantId, lines, { requestId: intent.requestId }), (c) => ({ cartId: c.id }));
    const lineError = (cart.lineItems ?? []).find((l) => l.error);
    if (lineError) {
      const e = lineError.error!;
      const fault = { code: String(e.errorCode ?? e.code ?? ''), description: String(e.errorDescription ?? e.description ?? '') };
      throw new UnitFailed(tiersyncCodeFor(400, fault), `Partner Center refused line ${lineError.id} of the order (code ${fault.code}): ${fault.description}`);
    }
    const checkoutOnce = () => journaled('carts.checkout', `order:${domain}`, { cartId: cart.id }, { changes: indexes, cartId: cart.id, domain, tenantId, planned }, (intent) => checkoutCart(ctx.client, tenantId, cart.id, { requestId: intent.requestId }), (r) => ({ orders: (r.orders ?? []).map((o) => o.id) }));
    let checkout;
    try {
      checkout = await checkoutOnce();
    } catch (error) {
      // A customer created by a run that stopped before attesting its agreement: attest it now, then check out.
      if (!(error instanceof PartnerCenterApiError) || error.tiersyncCode !== 'pc.customer-agreement-required') throw error;
      const c = ctx.customers.get(domain);
      if (!c) throw error;
      await attest(c, tenantId);
      checkout = await checkoutOnce();
    }
    const orderErrors = checkout.orderErrors ?? [];
    if (!(checkout.orders ?? []).length) {
      const e = orderErrors[0] as { code?: unknown; description?: unknown } | undefined;
      const fault = { code: String(e?.code ?? ''), description: String(e?.description ?? 'no order was placed') };
      throw new UnitFailed(tiersyncCodeFor(400, fault), `Partner Center refused the checkout (code ${fault.code}): ${fault.description}`);
    }
    await provisioned(domain, tenantId, indexes, planned, checkout.orders ?? []);
  };

  /** Wait, a bounded time, for the orders' subscriptions; match them to the planned lines. */
  const provisioned = async (domain: string, tenantId: string, indexes: readonly number[], planned: readonly SubscriptionRecord[], orders: readonly Order[]): Promise<void> => {
    const deadline = Date.now() + ctx.provisioningWaitMs;
    const left = new Set(indexes.map((_, k) => k));
    const found = new Map<number, Subscription>();
    for (;;) {
      for (const o of orders) {
        const subs = await listSubscriptionsByOrder(ctx.client, tenantId, o.id);
        for (const s of subs) {
          const k = [...left].find((k) => matches(planned[k]!, s));
          if (k !== undefined) {
            found.set(k, s);
            left.delete(k);
          }
        }
      }
      if (!left.size || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, ctx.provisioningPollMs ?? 500));
    }
    for (const [k, s] of found) outcomes.set(indexes[k]!, { status: 'done', record: subscriptionRecordOf(s, domain, ctx.now, { ...planned[k]!, createdAt: ctx.now }) });
    if (!left.size) return;
    const orderId = orders[0]!.id;
    const pending: PendingOrderRecord = {
      orderId,
      customerDomain: domain,
      lines: [...left].map((k) => {
        const p = planned[k]!;
        return { lineNumber: k, offerId: p.offerId, nickname: p.nickname, quantity: p.quantity, term: p.term, billingCycle: p.billingCycle, autoRenew: p.autoRenew, partnerOfRecordMpnId: p.partnerOfRecordMpnId };
      }),
      createdAt: ctx.now,
      status: 'open',
    };
    pendingOrders.push(pending);
    for (const k of left) outcomes.set(indexes[k]!, { status: 'pending', orderId, message: `Ordered (order ${orderId}); Partner Center is still provisioning it: the next refresh completes it` });
  };

  const changeSubscription = async (index: number): Promise<void> => {
    const change = plan.changes[index]! as Extract<Change, { entity: 'subscription' }>;
    const before = change.before!;
    const after = change.after;
    const tenantId = ctx.customers.get(after.customerDomain)?.tenantId;
    if (!tenantId) throw new UnitFailed('subscription.unknown-customer', `Customer ${after.customerDomain} has no Partner Center tenant ID in the store; run tiersync refresh`);
    const id = before.subscriptionId;
    if (after.term !== before.term || after.billingCycle !== before.billingCycle) {
      throw new UnitFailed('pc.not-supported', `A mid-term change of term or billing frequency is made in Partner Center (Manage renewal / Upgrade); set Apply At = renewal to schedule it from here`);
    }
    let current: Subscription | undefined;
    if (offerKey(after.offerId) !== offerKey(before.offerId)) {
      const to = await catalog.itemOf(after.offerId);
      const transition = { toCatalogItemId: to, fromSubscriptionId: id, quantity: after.quantity, termDuration: after.term, billingCycle: after.billingCycle, transitionType: 'transition_only' };
      await journaled('transitions.create', `subscription:${id}`, transition, { change: index, tenantId, subscriptionId: id, domain: after.customerDomain, transition }, (intent) => createTransition(ctx.client, tenantId, id, transition, { requestId: intent.requestId }), (t) => ({ transition: t.id ?? t.operationId ?? null, status: t.status ?? null }));
    }
    const patch: SubscriptionChange = {};
    if (after.quantity !== before.quantity) patch.quantity = after.quantity;
    if (after.nickname !== before.nickname) patch.friendlyName = after.nickname;
    if (after.status !== before.status) patch.status = after.status === 'cancelled' ? 'deleted' : after.status === 'suspended' ? 'suspended' : 'active';
    if (after.autoRenew !== before.autoRenew && after.status !== 'suspended' && after.status !== 'cancelled') patch.autoRenewEnabled = after.autoRenew;
    if (after.partnerOfRecordMpnId !== before.partnerOfRecordMpnId) patch.partnerId = after.partnerOfRecordMpnId ?? '';
    if (JSON.stringify(after.scheduled) !== JSON.stringify(before.scheduled)) patch.scheduledNextTermInstructions = after.scheduled ? await nextTermOf(after) : null;
    if (Object.keys(patch).length) {
      const result = await journaled(
        'subscriptions.patch',
        `subscription:${id}`,
        patch,
        { change: index, tenantId, subscriptionId: id, domain: after.customerDomain, patch },
        (intent) => updateSubscription(ctx.client, tenantId, id, patch, { requestId: intent.requestId }),
        (r) => ({ state: r.state }),
      );
      current = result.state === 'done' ? result.body : undefined;
    }
    if (after.supportContactMpnId !== before.supportContactMpnId) {
      const reseller = after.supportContactMpnId ? ctx.resellers.get(after.supportContactMpnId) : undefined;
      if (!reseller?.tenantId) throw new UnitFailed('pc.not-supported', after.supportContactMpnId ? `Reseller ${after.supportContactMpnId} has no CSP tenant ID in the store yet; run tiersync refresh` : 'Partner Center documents no way to clear a support contact back to the provider: set another reseller, or change it in Partner Center');
      const contact = { supportTenantId: reseller.tenantId, supportMpnId: reseller.mpnId, name: reseller.name };
      await journaled('supportContacts.update', `subscription:${id}`, contact, { change: index, tenantId, subscriptionId: id, domain: after.customerDomain, contact }, (intent) => updateSupportContact(ctx.client, tenantId, id, contact, { requestId: intent.requestId }), () => ({ supportMpnId: reseller.mpnId }));
    }
    current ??= await getSubscription(ctx.client, tenantId, id);
    outcomes.set(index, { status: 'done', record: subscriptionRecordOf(current, after.customerDomain, ctx.now, after) });
  };

  const nextTermOf = async (s: SubscriptionRecord): Promise<Record<string, unknown>> => {
    const [productId, skuId, availabilityId] = (await catalog.itemOf(s.offerId)).split(':');
    return { product: { productId, skuId, availabilityId, termDuration: s.scheduled?.term ?? s.term, billingCycle: s.scheduled?.billingCycle ?? s.billingCycle }, quantity: s.scheduled?.quantity ?? s.quantity };
  };

  await Promise.all(
    units.map(async (unit) => {
      try {
        await runUnit(unit);
      } catch (error) {
        if (error instanceof PartnerCenterUnavailableError) stoppedBy ??= error;
        else throw error;
      } finally {
        ctx.onProgress?.(++done, total);
      }
    }),
  );
  if (stoppedBy) {
    const why = `Not sent: Partner Center could not be reached or refused the credentials (${stoppedBy.message})`;
    plan.changes.forEach((_, i) => {
      if (!outcomes.has(i)) outcomes.set(i, { status: 'failed', code: 'pc.error', message: why });
    });
  }
  return { outcomes, pendingOrders, ...(stoppedBy ? { stoppedBy } : {}) };
}

/** A provisioned subscription is the planned line it was ordered as: the same offer and nickname (and quantity). */
function matches(planned: SubscriptionRecord, s: Subscription): boolean {
  if (offerKey(offerOfCatalogItem(s.offerId)) !== offerKey(planned.offerId)) return false;
  if ((s.friendlyName ?? '') !== planned.nickname && !(planned.nickname === '' && s.friendlyName)) return false;
  return s.quantity === undefined || s.quantity === planned.quantity;
}

/** The catalog item (product:SKU:availability) a cart orders for an offer of the catalog, looked up once per run. */
class CatalogItems {
  private readonly items = new Map<string, Promise<string>>();
  constructor(private readonly ctx: RemoteApplyContext) {}

  itemOf(offerId: string): Promise<string> {
    const key = offerKey(offerId);
    let item = this.items.get(key);
    if (!item) {
      item = this.lookUp(offerId);
      this.items.set(key, item);
    }
    return item;
  }

  private async lookUp(offerId: string): Promise<string> {
    const parts = offerId.split(':');
    if (parts.length >= 3) return offerId;
    const [productId, skuId] = parts;
    if (!productId || !skuId) throw new UnitFailed('offer.unknown', `Offer ID ${offerId} is not product:SKU; Partner Center cannot order it`);
    const availabilities = await listAvailabilities(this.ctx.client, productId, skuId, this.ctx.country);
    const first = availabilities[0];
    if (!first) throw new UnitFailed('pc.offer-unavailable', `Partner Center has no availability of ${offerId} for ${this.ctx.country}`);
    return first.catalogItemId || `${productId}:${skuId}:${first.id}`;
  }
}
