import { afterEach, describe, expect, test } from '@jest/globals';
import {
  checkoutCart,
  createCart,
  createCustomer,
  listSubscriptionsByOrder,
  updateSupportContact,
  validateResellers,
} from '../../src/partner-center/pc-operations.js';
import { type FaultServer, startFaultServer } from './fault-server.js';
import { clientFor } from './helpers.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const RESELLER_TENANT = '484e548c-f5f3-4528-93a9-c16c6373cb59';
const RESELLER_PARTNER_ID = '4847383';

describe('request shapes of the documented routes', () => {
  test('a customer is created for the reseller by its tenant ID; credentials come back to the caller', async () => {
    server = await startFaultServer(() => ({
      status: 201,
      body: { Id: 'c1', CompanyProfile: { TenantId: 'c1', Domain: 'wingtip.onmicrosoft.com' }, UserCredentials: { UserName: 'admin', Password: '0Krha*Io' }, AssociatedPartnerID: RESELLER_TENANT },
    }));
    const { client } = clientFor(server);
    const r = await createCustomer(
      client,
      {
        domain: 'wingtip.onmicrosoft.com',
        billingProfile: { email: 'gena@wingtiptoys.com', culture: 'en-US', language: 'en', companyName: 'Wingtip', defaultAddress: { country: 'US', city: 'Redmond', state: 'WA', addressLine1: 'One Microsoft Way', postalCode: '98052', firstName: 'Gena', lastName: 'Soto' } },
        associatedPartnerId: RESELLER_TENANT,
      },
      { requestId: '0b9e1f63-0000-4000-8000-00000000000a' },
    );
    expect(r.userCredentials).toEqual({ userName: 'admin', password: '0Krha*Io' });
    expect(r.customer).toMatchObject({ id: 'c1', companyProfile: { tenantId: 'c1', domain: 'wingtip.onmicrosoft.com' }, associatedPartnerId: RESELLER_TENANT });
    expect(r.customer).not.toHaveProperty('userCredentials');
    const sent = server.requests[0]!;
    expect(sent.headers['ms-requestid']).toBe('0b9e1f63-0000-4000-8000-00000000000a');
    expect(JSON.parse(sent.body)).toEqual({
      CompanyProfile: { Domain: 'wingtip.onmicrosoft.com' },
      BillingProfile: {
        Email: 'gena@wingtiptoys.com',
        Culture: 'en-US',
        Language: 'en',
        CompanyName: 'Wingtip',
        DefaultAddress: { Country: 'US', City: 'Redmond', State: 'WA', AddressLine1: 'One Microsoft Way', PostalCode: '98052', FirstName: 'Gena', LastName: 'Soto' },
      },
      AssociatedPartnerId: RESELLER_TENANT,
    });
  });

  test('a cart names the reseller of record by PartnerID and carries the attestation; checkout and the order\'s subscriptions follow', async () => {
    server = await startFaultServer((req) => {
      if (req.url.endsWith('/carts')) return { status: 201, body: { id: 'cart1', status: 'Active', lineItems: [] } };
      if (req.url.endsWith('/checkout')) return { status: 201, body: { orders: [{ id: 'o1', status: 'pending' }], orderErrors: [{ orderGroupId: '0', code: 10015, description: 'too many' }] } };
      return { status: 200, body: { totalCount: 1, items: [{ id: 's1', orderId: 'o1', quantity: 2 }] } };
    });
    const { client } = clientFor(server);
    await createCart(client, 'c1', [{ catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y', resellerPartnerId: RESELLER_PARTNER_ID }]);
    const checkout = await checkoutCart(client, 'c1', 'cart1');
    const subs = await listSubscriptionsByOrder(client, 'c1', 'o1');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      PartnerOnRecordAttestationAccepted: true,
      lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y', participants: [{ key: 'transaction_reseller', value: RESELLER_PARTNER_ID }] }],
    });
    expect(server.requests[1]!.body).toBe('');
    expect(checkout.orderErrors[0]!.code).toBe('10015');
    expect(subs.map((s) => s.id)).toEqual(['s1']);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/customers/c1/carts',
      'POST /v1/customers/c1/carts/cart1/checkout',
      'GET /v1/customers/c1/subscriptions?order_id=o1',
    ]);
  });

  test('a support contact names the reseller by tenant ID and PartnerID; reseller validation reads numeric error codes', async () => {
    server = await startFaultServer((req) =>
      req.url.includes('validateresellers')
        ? { status: 200, body: { validationResults: [{ partnerId: '12345', isValidPartnerIdOnRecord: true }, { partnerId: '234567', isValidPartnerIdOnRecord: false, errorCode: 900400, errorDescription: 'The PLA ID is not valid' }] } }
        : { status: 200, body: { supportTenantId: RESELLER_TENANT, supportMpnId: RESELLER_PARTNER_ID, name: 'First Up' } },
    );
    const { client } = clientFor(server);
    await updateSupportContact(client, 'c1', 's1', { supportTenantId: RESELLER_TENANT, supportMpnId: RESELLER_PARTNER_ID, name: 'First Up' });
    const v = await validateResellers(client, ['12345', '234567']);
    expect(server.requests[0]!.method).toBe('PUT');
    expect(server.requests[0]!.url).toBe('/v1/customers/c1/subscriptions/s1/supportcontact');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ SupportTenantId: RESELLER_TENANT, SupportMpnId: RESELLER_PARTNER_ID, Name: 'First Up' });
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ partnerIds: ['12345', '234567'] });
    expect(v).toEqual([
      { partnerId: '12345', isValidPartnerIdOnRecord: true },
      { partnerId: '234567', isValidPartnerIdOnRecord: false, errorCode: '900400', errorDescription: 'The PLA ID is not valid' },
    ]);
    // Validation is a read sent as POST.
    expect(client.stats()).toMatchObject({ reads: 1, writes: 1 });
  });
});
