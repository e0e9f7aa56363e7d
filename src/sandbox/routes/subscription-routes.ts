/**
 * Subscriptions: reads, the full-object PATCH with its traps, support contacts, NCE transitions.
 */
import { randomUUID } from 'node:crypto';
import type { BillingCycle } from '../catalog.js';
import { catalogItemIdOf, productSkuKey } from '../catalog.js';
import { termMonths } from '../clock.js';
import { pcError } from '../errors.js';
import { ok, requireAppUser, type RouteDefinition, type SandboxServices } from '../http.js';
import type { ScheduledNextTerm, SubscriptionRecord } from '../records.js';
import { asObject, asString, NCE_WINDOW_MS, type SubscriptionChange } from '../state.js';
import { collection, etagOf, link, transitionWire } from '../wire.js';
import { customerOf, subscriptionOf } from './lookup.js';

export function subscriptionRoutes(services: SandboxServices): RouteDefinition[] {
  const { state, clock } = services;

  /** What the API shows: the stale view after a 202 while it lasts, else the subscription now. */
  const view = (sub: SubscriptionRecord, withRefundable: boolean, countRead: boolean): Record<string, unknown> => {
    if (sub.staleView) {
      if (sub.staleView.readsLeft > 0) {
        const body = sub.staleView.body;
        if (countRead) sub.staleView.readsLeft -= 1;
        return body;
      }
      delete sub.staleView;
    }
    return state.wire(sub, withRefundable);
  };

  return [
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        state.pollCustomerOrders(customer.id);
        const orderId = ctx.query.get('order_id')?.toLowerCase();
        const mpnId = ctx.query.get('mpn_id');
        const items: Record<string, unknown>[] = [];
        for (const sub of state.subscriptionsOf(customer.id)) {
          if (!sub.provisioned) continue;
          state.renewIfDue(sub);
          if (orderId && sub.orderId !== orderId) continue;
          if (mpnId !== null && sub.partnerId !== mpnId) continue;
          // refundableQuantity is documented on the by-ID read only (get-a-subscription-by-id.md).
          items.push(view(sub, false, false));
        }
        return ok(collection(items, { links: { self: link(`/customers/${customer.id}/subscriptions`) } }));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        return ok(view(subscriptionOf(ctx, services, customer), true, true));
      },
    },
    {
      method: 'PATCH',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        if (sub.staleView && sub.staleView.readsLeft > 0) throw pcError('notReady');
        const ifMatch = ctx.headers['if-match'];
        if (typeof ifMatch === 'string' && ifMatch.replace(/^W\//, '').replace(/"/g, '') !== etagOf(sub.id, sub.version)) throw pcError('etagInvalid');
        const before = state.wire(sub, true);
        state.changeSubscription(sub, changeFromBody(ctx.body, sub), 'api');
        const patch = services.settings.subscriptionPatch;
        if (patch.accepted) {
          // "HTTP status 202 … and a location header that points to where to retrieve the subscription."
          if (patch.visibleAfterPolls > 0) sub.staleView = { body: before, readsLeft: patch.visibleAfterPolls };
          return { status: 202, headers: { Location: `${ctx.origin}/v1/customers/${customer.id}/subscriptions/${sub.id}` } };
        }
        return ok(state.wire(sub, true));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/provisioningstatus',
      appUserOnly: true,
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        return ok({ skuId: sub.skuId, status: 'success', quantity: sub.quantity, attributes: { objectType: 'SubscriptionProvisioningStatus' } });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/supportcontact',
      appUserOnly: true,
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        return ok(supportContactWire(state.supportContactOf(sub), customer.id, sub.id));
      },
    },
    {
      method: 'PUT',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/supportcontact',
      appUserOnly: true,
      handle: (ctx) => {
        requireAppUser(ctx);
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        return ok(supportContactWire(state.setSupportContact(sub, ctx.body, 'api'), customer.id, sub.id));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/transitionEligibilities',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        const scheduled = (ctx.query.get('eligibilityType') ?? 'immediate').toLowerCase() === 'scheduled';
        const source = services.catalog.offer(sub.productId, sub.skuId);
        const sourceErrors: Array<{ code: number; description: string }> = [];
        if (sub.status !== 'active') sourceErrors.push({ code: 1, description: "Subscription can't be Transitioned - source subscription isn't active." });
        const now = clock.nowMs();
        const items = (source?.upgradeTargets ?? []).flatMap((target) => {
          const [productId = '', skuId = ''] = target.split(':');
          const offer = services.catalog.offer(productId, skuId);
          if (!offer) return [];
          const eligibilities = ['transition_only', 'transition_with_license_transfer'].map((transitionType) => ({ isEligible: sourceErrors.length === 0, transitionType, errors: sourceErrors }));
          // "Empty lists will be returned … if the eligibilityType is specified as Scheduled."
          const subscriptionEligibilities = scheduled ? [] : state.subscriptionsOf(customer.id)
            .filter((t) => t.provisioned && t.id !== sub.id && productSkuKey(t.productId, t.skuId) === productSkuKey(productId, skuId) && (t.status === 'active' || t.status === 'suspended'))
            .map((t) => {
              const errors: Array<{ code: number; description: string }> = [];
              if (t.status !== 'active') errors.push({ code: 1, description: 'Subscription is not active.' });
              if (now < t.termStart + NCE_WINDOW_MS) errors.push({ code: 2, description: 'Subscription is within cancellation window.' });
              if (termMonths(t.termDuration) < termMonths(sub.termDuration)) errors.push({ code: 3, description: "The subscription's term duration is shorter than the source subscription's term duration." });
              if (t.termEnd < sub.termEnd) errors.push({ code: 4, description: "Subscription term end date is before the source subscription's term end date." });
              return { isEligible: errors.length === 0, subscriptionId: t.id, subscriptionFriendlyName: t.friendlyName, subscriptionTermDuration: t.termDuration, subscriptionBillingCycle: t.billingCycle, errors };
            });
          return [{
            operationId: randomUUID(), catalogItemId: catalogItemIdOf(offer), title: offer.title, description: offer.description ?? offer.title,
            quantity: sub.quantity, subscriptionEligibilities, eligibilities, attributes: { objectType: 'TransitionEligibility' },
          }];
        });
        return ok(collection(items));
      },
    },
    {
      method: 'POST',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/transitions',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        const record = state.transition(sub, ctx.body, 'api');
        // The POST returns the transition "with its initial status"; GET shows the rest of its events.
        return ok(transitionWire(record, record.events.slice(0, 1)));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/subscriptions/{subscriptionId}/transitions',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const sub = subscriptionOf(ctx, services, customer);
        const operationId = ctx.query.get('operationId')?.toLowerCase();
        const items = (state.transitions.get(sub.id) ?? []).filter((t) => !operationId || t.operationId === operationId).map((t) => transitionWire(t));
        return ok(collection(items));
      },
    },
  ];
}

/**
 * The PATCH body read as Partner Center reads it: "if these attributes are not provided,
 * autoRenewEnabled will inadvertently get set to false or the next term/billing instructions will
 * be deleted" (update-a-subscription-by-id.md). Assumption: other omitted fields stay as they are.
 */
function changeFromBody(body: Record<string, unknown>, sub: SubscriptionRecord): SubscriptionChange {
  const quantity = body.quantity === undefined ? sub.quantity : typeof body.quantity === 'number' ? body.quantity : typeof body.quantity === 'string' && /^\d+$/.test(body.quantity) ? Number(body.quantity) : Number.NaN;
  if (Number.isNaN(quantity)) throw pcError('invalidProperty', [], 'Quantity must be a number.');
  const partnerId = body.partnerId === undefined || body.partnerId === null ? sub.partnerId : String(body.partnerId);
  const change: SubscriptionChange = {
    quantity,
    status: asString(body.status) ?? sub.status,
    autoRenewEnabled: body.autoRenewEnabled === true,
    friendlyName: typeof body.friendlyName === 'string' ? body.friendlyName : sub.friendlyName,
    partnerId,
    scheduledNextTerm: scheduledFromBody(body.scheduledNextTermInstructions, sub),
  };
  if (asString(body.billingCycle)) change.billingCycle = asString(body.billingCycle)!;
  if (asString(body.termDuration)) change.termDuration = asString(body.termDuration)!;
  if (asString(body.offerId)) change.offerId = asString(body.offerId)!;
  return change;
}

function scheduledFromBody(raw: unknown, sub: SubscriptionRecord): ScheduledNextTerm | null {
  if (raw === undefined || raw === null) return null;
  const instructions = asObject(raw);
  const product = asObject(instructions.product);
  const productId = asString(product.productId) ?? sub.productId;
  const skuId = asString(product.skuId) ?? sub.skuId;
  const availabilityId = asString(product.availabilityId);
  if (!availabilityId) throw pcError('invalidProperty', [], 'ScheduledNextTermInstructions.Product.AvailabilityId is required.');
  const quantity = typeof instructions.quantity === 'number' ? instructions.quantity : sub.quantity;
  return {
    productId, skuId, availabilityId,
    billingCycle: ((asString(product.billingCycle) ?? sub.billingCycle).toLowerCase()) as BillingCycle,
    termDuration: (asString(product.termDuration) ?? sub.termDuration).toUpperCase(),
    quantity,
  };
}

function supportContactWire(contact: { supportTenantId: string; supportMpnId: string; name: string }, customerId: string, subscriptionId: string): Record<string, unknown> {
  return { ...contact, links: { self: link(`/customers/${customerId}/subscriptions/${subscriptionId}/supportcontact`) }, attributes: { objectType: 'SupportContact' } };
}

