/** Resolving the customer and subscription a path names, with Partner Center's answers when they don't exist. */
import { pcError } from '../errors.js';
import type { RequestContext, SandboxServices } from '../http.js';
import type { CustomerRecord, SubscriptionRecord } from '../records.js';

/**
 * Assumption: an unknown customer ID is answered like one that belongs to another partner —
 * 403 / 20002 "no commerce relationship" — which is what PartnerFD answers in the wild
 * (e.g. microsoft/Partner-Smart-Office#12); Microsoft documents no 404 for it.
 */
export function customerOf(ctx: RequestContext, services: SandboxServices): CustomerRecord {
  const id = (ctx.params.customerId ?? '').toLowerCase();
  const customer = services.state.customers.get(id);
  if (!customer) throw pcError('noRelationship', [services.provider.tenantId, id]);
  return customer;
}

/** A provisioned subscription of the customer; unprovisioned ones do not exist yet for the API. */
export function subscriptionOf(ctx: RequestContext, services: SandboxServices, customer: CustomerRecord): SubscriptionRecord {
  const id = (ctx.params.subscriptionId ?? '').toLowerCase();
  services.state.pollCustomerOrders(customer.id);
  const sub = services.state.subscriptions.get(id);
  if (!sub || sub.customerId !== customer.id || !sub.provisioned) throw pcError('subscriptionNotFound', [ctx.params.subscriptionId ?? '']);
  services.state.renewIfDue(sub);
  return sub;
}
