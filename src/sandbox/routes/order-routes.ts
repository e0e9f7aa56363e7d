/** Orders and their provisioning status (order-resources.md, get-order-provisioning-status.md). */
import { pcError } from '../errors.js';
import { ok, type RequestContext, type RouteDefinition, type SandboxServices } from '../http.js';
import type { CustomerRecord, OrderRecord } from '../records.js';
import { collection, orderWire } from '../wire.js';
import { customerOf } from './lookup.js';

export function orderRoutes(services: SandboxServices): RouteDefinition[] {
  const { state } = services;
  const orderOf = (ctx: RequestContext, customer: CustomerRecord): OrderRecord => {
    const order = state.orders.get((ctx.params.orderId ?? '').toLowerCase());
    if (!order || order.customerId !== customer.id) throw pcError('orderNotFound');
    state.pollOrder(order);
    return order;
  };
  return [
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/orders',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        state.pollCustomerOrders(customer.id);
        const country = state.countryOf(customer);
        // Assumption: orders are listed at once (Microsoft warns of a delay of up to 15 minutes).
        return ok(collection(customer.orderIds.map((id) => state.orders.get(id)!).map((o) => orderWire(o, country, o.currencyCode))));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/orders/{orderId}',
      handle: (ctx) => {
        const customer = customerOf(ctx, services);
        const order = orderOf(ctx, customer);
        return ok(orderWire(order, state.countryOf(customer), order.currencyCode));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/orders/{orderId}/provisioningstatus',
      appUserOnly: true,
      handle: (ctx) => {
        const order = orderOf(ctx, customerOf(ctx, services));
        const status = order.status === 'completed' ? 'fulfilled' : 'pending';
        return ok(collection(order.lineItems.map((li) => ({
          orderLineItemId: li.lineItemNumber, lineItemNumber: li.lineItemNumber, status,
          quantityProvisioningInformation: [{ quantity: li.quantity, status }],
        }))));
      },
    },
  ];
}
