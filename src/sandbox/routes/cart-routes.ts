/** New-commerce carts and checkout (create-a-cart.md, update-a-cart.md, checkout-a-cart.md). */
import { randomUUID } from 'node:crypto';
import type { BillingCycle } from '../catalog.js';
import { productSkuKey } from '../catalog.js';
import { pcError } from '../errors.js';
import { ok, type RequestContext, type RouteDefinition, type SandboxServices } from '../http.js';
import type { CartLineRecord, CartRecord, CustomerRecord } from '../records.js';
import { asObject, asString, CART_LIFETIME_MS, type PurchaseLine } from '../state.js';
import { cartWire, orderWire } from '../wire.js';
import { customerOf } from './lookup.js';

export function cartRoutes(services: SandboxServices): RouteDefinition[] {
  const { state, clock } = services;

  const readLines = (ctx: RequestContext, customer: CustomerRecord, attestation: boolean): CartLineRecord[] => {
    const raw = ctx.body.lineItems;
    if (!Array.isArray(raw) || raw.length === 0) throw pcError('invalidInput', [], 'lineItems must hold at least one line item.');
    const inCart = new Map<string, number>();
    const currency = state.currencyOf(customer);
    return raw.map((item, index) => {
      const li = asObject(item);
      const participants = Array.isArray(li.participants)
        ? li.participants.map((p) => asObject(p)).map((p) => ({ key: String(p.key ?? '').toLowerCase(), value: String(p.value ?? '') }))
        : [];
      const line: CartLineRecord = {
        id: typeof li.id === 'number' ? li.id : index,
        catalogItemId: asString(li.catalogItemId) ?? '',
        ...(asString(li.friendlyName) ? { friendlyName: asString(li.friendlyName)! } : {}),
        quantity: typeof li.quantity === 'number' ? li.quantity : Number(li.quantity),
        billingCycle: (asString(li.billingCycle) ?? '').toLowerCase(),
        termDuration: (asString(li.termDuration) ?? '').toUpperCase(),
        participants,
        currencyCode: currency,
        orderGroup: '0',
      };
      const error = state.checkPurchaseLine(customer, line, attestation, inCart);
      if (error) line.error = error;
      return line;
    });
  };

  const cartOf = (ctx: RequestContext, customer: CustomerRecord): CartRecord => {
    const cart = state.carts.get((ctx.params.cartId ?? '').toLowerCase());
    // Assumption: an expired cart is gone, answered like an unknown one.
    if (!cart || cart.customerId !== customer.id || clock.nowMs() >= cart.expiresAt) throw pcError('cartNotFound');
    return cart;
  };

  return [
    {
      method: 'POST',
      pattern: '/v1/customers/{customerId}/carts',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const attestation = ctx.body.partnerOnRecordAttestationAccepted === true;
        const now = clock.nowMs();
        const cart: CartRecord = {
          id: randomUUID(), customerId: customer.id, createdAt: now, lastModifiedAt: now, expiresAt: now + CART_LIFETIME_MS,
          status: 'Active', partnerOnRecordAttestationAccepted: attestation, lineItems: readLines(ctx, customer, attestation), checkingOut: false, orderIds: [],
        };
        state.carts.set(cart.id, cart);
        return ok(cartWire(cart), 201);
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/carts/{cartId}',
      handle: (ctx) => ok(cartWire(cartOf(ctx, customerOf(ctx, services)))),
    },
    {
      method: 'PUT',
      pattern: '/v1/customers/{customerId}/carts/{cartId}',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const cart = cartOf(ctx, customer);
        if (cart.status !== 'Active') throw pcError('cartAlreadySubmitted', [cart.id]);
        const attestation = ctx.body.partnerOnRecordAttestationAccepted === true;
        cart.lineItems = readLines(ctx, customer, attestation);
        cart.partnerOnRecordAttestationAccepted = attestation;
        cart.lastModifiedAt = clock.nowMs();
        return ok(cartWire(cart));
      },
    },
    {
      method: 'POST',
      pattern: '/v1/customers/{customerId}/carts/{cartId}/checkout',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const cart = cartOf(ctx, customer);
        if (cart.checkingOut) throw pcError('cartBeingProcessed', [cart.id]);
        if (cart.status === 'Ordered') throw pcError('cartAlreadySubmitted', [cart.id]);
        // "Without it purchases fail with 13605" (purchase-new-commerce-license-based.md).
        if (customer.agreements.length === 0) throw pcError('mcaMissing');
        const broken = cart.lineItems.filter((li) => li.error);
        if (broken.length > 0) throw pcError('cartItemErrors', [], `Error in Cart item(s): ${broken.map((li) => `line ${li.id}: ${li.error!.errorCode} ${li.error!.errorDescription}`).join('; ')}`);
        cart.checkingOut = true;
        try {
          const lines: PurchaseLine[] = [];
          const seats = new Map<string, number>();
          for (const li of cart.lineItems) {
            const found = services.catalog.lookup(li.catalogItemId);
            if (found.kind !== 'current') throw pcError('availabilityNotFound');
            const offer = found.offer;
            // Seats may have been taken since the cart was made: the pooled limit is checked again.
            const key = productSkuKey(offer.productId, offer.skuId);
            const remaining = offer.maximumQuantity - state.seatsInUse(customer.id, offer.productId, offer.skuId) - (seats.get(key) ?? 0);
            if (li.quantity > remaining) throw pcError('seatsExceeded', [li.quantity, Math.max(0, remaining), li.catalogItemId]);
            seats.set(key, (seats.get(key) ?? 0) + li.quantity);
            const reseller = li.participants.find((p) => p.key === 'transaction_reseller')?.value ?? '';
            if (reseller) state.checkPartnerOfRecord(reseller);
            for (const p of li.participants) if (p.key === 'additional_transaction_reseller') state.checkPartnerOfRecord(p.value);
            lines.push({ offer, quantity: li.quantity, termDuration: li.termDuration, billingCycle: li.billingCycle as BillingCycle, ...(li.friendlyName ? { friendlyName: li.friendlyName } : {}), partnerId: reseller });
          }
          const orders = state.purchase(customer, lines, 'api', { cartId: cart.id, provisioning: services.settings.provisioning });
          cart.status = 'Ordered';
          cart.orderIds = orders.map((o) => o.id);
          cart.lastModifiedAt = clock.nowMs();
          const country = state.countryOf(customer);
          return ok({ orders: orders.map((o) => orderWire(o, country, o.currencyCode)), orderErrors: [] }, 201);
        } finally {
          cart.checkingOut = false;
        }
      },
    },
  ];
}
