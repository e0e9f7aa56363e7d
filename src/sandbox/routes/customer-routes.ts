/** Customers: create (credentials returned once), list with continuation tokens, filters, read, relationships, agreements. */
import { pcError } from '../errors.js';
import { continuationHeader, decodeToken, encodeToken, ok, pageSize, requireAppUser, type RouteDefinition, type SandboxServices } from '../http.js';
import { asString } from '../state.js';
import { collection, customerWire, link, relationshipWire } from '../wire.js';
import { customerOf } from './lookup.js';
import { parseFilter } from './reseller-routes.js';

export function customerRoutes(services: SandboxServices): RouteDefinition[] {
  const { state } = services;
  return [
    {
      method: 'POST',
      pattern: '/v1/customers',
      handle: (ctx) => {
        // Creating a customer *for an indirect reseller* is App+User only; a direct customer allows app-only.
        if (asString(ctx.body.associatedPartnerId)) requireAppUser(ctx);
        const { customer, password } = state.createCustomer(ctx.body, 'api');
        const body = customerWire(customer, { byId: true, includeAssociatedPartnerId: true });
        // The only place the admin password ever appears (create-a-customer.md).
        body.userCredentials = { userName: customer.adminUserName, password };
        return ok(body, 201);
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers',
      handle: (ctx) => {
        const size = pageSize(ctx, services);
        const token = continuationHeader(ctx);
        let offset = 0;
        let filterRaw = ctx.query.get('filter') ?? undefined;
        if (token) {
          const data = decodeToken(token, 'customers');
          offset = Number(data.o);
          filterRaw = typeof data.f === 'string' ? data.f : undefined;
        }
        let ids: readonly string[] = state.customerOrder;
        if (filterRaw) {
          const filter = parseFilter(filterRaw);
          if (filter.operator.toLowerCase() !== 'starts_with') throw pcError('invalidInput', [], 'The only supported operator is starts_with.');
          const value = filter.value.toLowerCase();
          switch (filter.field.toLowerCase()) {
            case 'indirectreseller': {
              requireAppUser(ctx);
              const reseller = state.resellersByTenant.get(value);
              ids = reseller ? state.customerIdsOfReseller(reseller.tenantId) : [];
              break;
            }
            // Name and domain searches scan; they are occasional look-ups, not part of a refresh.
            case 'companyname':
              ids = state.customerOrder.filter((id) => state.customers.get(id)!.companyName.toLowerCase().startsWith(value));
              break;
            case 'domain':
              ids = state.customerOrder.filter((id) => state.customers.get(id)!.domain.startsWith(value));
              break;
            case 'indirectcloudsolutionprovider':
              ids = [];
              break;
            default:
              throw pcError('invalidInput', [], `Customers can't be filtered by ${filter.field}.`);
          }
        }
        const page = ids.slice(offset, offset + size);
        const items = page.map((id) => customerWire(state.customers.get(id)!, { byId: false, includeAssociatedPartnerId: services.settings.listIncludesAssociatedPartnerId }));
        const selfUri = `/customers?size=${size}${filterRaw ? `&filter=${encodeURIComponent(filterRaw)}` : ''}`;
        const links: Record<string, unknown> = { self: link(selfUri) };
        const extra: Record<string, unknown> = {};
        if (offset + size < ids.length) {
          const next = encodeToken({ k: 'customers', o: offset + size, ...(filterRaw ? { f: filterRaw } : {}) });
          extra.continuationToken = next;
          links.next = link(`/customers?size=${size}&seekOperation=next`, 'GET', [{ key: 'MS-ContinuationToken', value: next }]);
        }
        return ok(collection(items, { ...extra, links }));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}',
      handle: (ctx) => ok(customerWire(customerOf(ctx, services), { byId: true, includeAssociatedPartnerId: true })),
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/profiles/company',
      appUserOnly: true,
      handle: (ctx) => {
        const c = customerOf(ctx, services);
        return ok({ tenantId: c.id, domain: c.domain, companyName: c.companyName, ...(c.organizationRegistrationNumber ? { organizationRegistrationNumber: c.organizationRegistrationNumber } : {}), links: { self: link(`/customers/${c.id}/profiles/company`) }, attributes: { objectType: 'CustomerCompanyProfile' } });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/relationships',
      appUserOnly: true,
      handle: (ctx) => {
        const c = customerOf(ctx, services);
        const reseller = c.associatedPartnerId ? state.resellersByTenant.get(c.associatedPartnerId) : undefined;
        // The association outlives a removed partnership ("Customers associated with the indirect reseller will not be removed").
        return ok(collection(reseller ? [relationshipWire(reseller)] : []));
      },
    },
    {
      method: 'POST',
      pattern: '/v1/customers/{customerId}/agreements',
      appUserOnly: true,
      handle: (ctx) => {
        const c = customerOf(ctx, services);
        const agreement = state.addAgreement(c, ctx.body, 'api');
        return ok({ userId: agreement.userId, primaryContact: agreement.primaryContact, templateId: agreement.templateId, dateAgreed: agreement.dateAgreed, type: agreement.type }, 201);
      },
    },
    {
      method: 'GET',
      pattern: '/v1/customers/{customerId}/agreements',
      appUserOnly: true,
      handle: (ctx) => {
        const c = customerOf(ctx, services);
        const type = ctx.query.get('agreementType');
        const items = c.agreements
          .filter((a) => !type || type === '*' || a.type.toLowerCase() === type.toLowerCase())
          .map((a) => ({ userId: a.userId, primaryContact: a.primaryContact, templateId: a.templateId, dateAgreed: a.dateAgreed, type: a.type, agreementLink: 'https://aka.ms/customeragreement', attributes: { objectType: 'Agreement' } }));
        return ok(collection(items));
      },
    },
  ];
}
