import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { BASIC, customerWithSubscription, DAY, MCA_BODY, newCustomerBody, openSandbox, OTHER_RESELLER, RESELLER, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;
const BASIC_ITEM = `${BASIC}:CFQ7TTC0K971`;
const STANDARD_ITEM = 'CFQ7TTC0LDPB:0001:CFQ7TTC0LGNT';

beforeEach(async () => {
  ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER, OTHER_RESELLER, { mpnId: '6000001', name: 'No MPA Ltd', authorization: 'mpa-not-signed' }] } }));
});

afterEach(async () => {
  await sandbox.close();
});

const subPath = (customerId: string, subscriptionId: string): string => `/v1/customers/${customerId}/subscriptions/${subscriptionId}`;

async function readSub(customerId: string, subscriptionId: string): Promise<Record<string, any>> {
  const answer = await pc.get(subPath(customerId, subscriptionId));
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('carts and checkout', () => {
  it('refuses to check out without the Microsoft Customer Agreement attestation (13605)', async () => {
    const created = await pc.post('/v1/customers', newCustomerBody('nomca'));
    const cart = await pc.post(`/v1/customers/${created.body.id as string}/carts`, {
      PartnerOnRecordAttestationAccepted: true,
      lineItems: [{ id: 0, catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1M', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: RESELLER.mpnId }] }],
    });
    expect(cart.status).toBe(201);
    const checkout = await pc.post(`/v1/customers/${created.body.id as string}/carts/${cart.body.id as string}/checkout`, undefined);
    expect(checkout.status).toBe(403);
    expect(checkout.body.code).toBe(13605);
  });

  it('provisions asynchronously: no subscription IDs at checkout, subscriptions after the configured polls', async () => {
    sandbox.settings.provisioning.polls = 2;
    const created = await pc.post('/v1/customers', newCustomerBody('async1'));
    const customerId = created.body.id as string;
    await pc.post(`/v1/customers/${customerId}/agreements`, MCA_BODY);
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, {
      PartnerOnRecordAttestationAccepted: true,
      lineItems: [
        { id: 0, catalogItemId: BASIC_ITEM, quantity: 5, termDuration: 'P1Y', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: RESELLER.mpnId }] },
        { id: 1, catalogItemId: STANDARD_ITEM, quantity: 2, termDuration: 'P1Y', billingCycle: 'annual', participants: [{ key: 'transaction_reseller', value: RESELLER.mpnId }] },
      ],
    });
    expect(cart.body.lineItems.every((li: { error?: unknown }) => li.error === undefined)).toBe(true);
    const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
    expect(checkout.status).toBe(201);
    expect(checkout.body.orders).toHaveLength(2);
    expect(checkout.body.orderErrors).toEqual([]);
    const order = checkout.body.orders[0];
    expect(order.status).toBe('pending');
    expect(order.lineItems[0].subscriptionId).toBeUndefined();
    expect(order.lineItems[0].partnerIdOnRecord).toBe(RESELLER.mpnId);
    expect((await pc.get(`/v1/customers/${customerId}/subscriptions?order_id=${order.id as string}`)).body.totalCount).toBe(0);
    expect((await pc.get(`/v1/customers/${customerId}/orders/${order.id as string}`)).body.status).toBe('pending');
    const done = await pc.get(`/v1/customers/${customerId}/orders/${order.id as string}`);
    expect(done.body.status).toBe('completed');
    expect(typeof done.body.lineItems[0].subscriptionId).toBe('string');
    const subs = await pc.get(`/v1/customers/${customerId}/subscriptions?order_id=${order.id as string}`);
    expect(subs.body.items).toEqual([expect.objectContaining({ id: done.body.lineItems[0].subscriptionId, quantity: 5, partnerId: RESELLER.mpnId, status: 'active', autoRenewEnabled: true, termDuration: 'P1Y', offerId: BASIC_ITEM })]);
    const status = await pc.get(`/v1/customers/${customerId}/orders/${order.id as string}/provisioningstatus`);
    expect(status.body.items[0].status).toBe('fulfilled');
    const again = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(800065);
  });

  it('pools the seat limit per customer tenant and SKU (10015 in the cart, 800088 on a PATCH)', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'pool1', { quantity: 250 });
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, {
      PartnerOnRecordAttestationAccepted: true,
      lineItems: [{ id: 0, catalogItemId: BASIC_ITEM, quantity: 60, termDuration: 'P1M', billingCycle: 'monthly', participants: [] }],
    });
    expect(cart.body.lineItems[0].error).toEqual({ errorCode: 10015, errorDescription: expect.stringContaining('remaining limit of 50'), additionalInformation: { availableQuantity: 50, purchasedQuantity: 60 } });
    const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
    expect(checkout.body.code).toBe(800009);
    const sub = await readSub(customerId, subscriptionId);
    const patched = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 301 });
    expect(patched.status).toBe(400);
    expect(patched.body.code).toBe(2002);
    const other = await pc.post(`/v1/customers/${customerId}/carts`, { PartnerOnRecordAttestationAccepted: true, lineItems: [{ catalogItemId: BASIC_ITEM, quantity: 40, termDuration: 'P1M', billingCycle: 'monthly' }] });
    await pc.post(`/v1/customers/${customerId}/carts/${other.body.id as string}/checkout`, undefined);
    const over = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 261 });
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ code: 800088, description: expect.stringContaining('remaining limit of 10 seats') });
  });

  it('checks cart lines: unknown item (10001), term and billing (10010), attestation (10012), EU-only participants (10004)', async () => {
    const created = await pc.post('/v1/customers', newCustomerBody('lines1'));
    const customerId = created.body.id as string;
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, {
      lineItems: [
        { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001', quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly' },
        { id: 1, catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1M', billingCycle: 'annual' },
        { id: 2, catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly' },
      ],
    });
    expect(cart.body.lineItems.map((li: { error: { errorCode: number } }) => li.error.errorCode)).toEqual([10001, 10010, 10012]);
    const eu = await pc.post(`/v1/customers/${customerId}/carts`, {
      PartnerOnRecordAttestationAccepted: true,
      lineItems: [{ catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: RESELLER.mpnId }, { key: 'additional_transaction_reseller', value: OTHER_RESELLER.mpnId }] }],
    });
    expect(eu.body.lineItems[0].error.errorCode).toBe(10004);
  });

  it('refuses a reseller of record who is not authorized (900123) or is the provider (2072)', async () => {
    const created = await pc.post('/v1/customers', newCustomerBody('por1'));
    const customerId = created.body.id as string;
    await pc.post(`/v1/customers/${customerId}/agreements`, MCA_BODY);
    for (const [partner, status, code] of [['6000001', 403, 900123], [sandbox.provider.mpnId, 404, 2072], ['1111111', 404, 800015]] as const) {
      const cart = await pc.post(`/v1/customers/${customerId}/carts`, {
        PartnerOnRecordAttestationAccepted: true,
        lineItems: [{ catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: partner }] }],
      });
      const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
      expect([checkout.status, checkout.body.code]).toEqual([status, code]);
    }
    expect(sandbox.state.subscriptionsOf(customerId)).toHaveLength(0);
  });

  it('answers 400019 when the availability was replaced between cart and checkout', async () => {
    const created = await pc.post('/v1/customers', newCustomerBody('avail1'));
    const customerId = created.body.id as string;
    await pc.post(`/v1/customers/${customerId}/agreements`, MCA_BODY);
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, { PartnerOnRecordAttestationAccepted: true, lineItems: [{ catalogItemId: BASIC_ITEM, quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly' }] });
    const fresh = sandbox.catalog.rotateAvailability(BASIC);
    const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
    expect([checkout.status, checkout.body.code]).toEqual([404, 400019]);
    const availabilities = await pc.get(`/v1/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US`);
    expect(availabilities.body.items[0].catalogItemId).toBe(`${BASIC}:${fresh}`);
  });
});

describe('changing a subscription (PATCH of the full object)', () => {
  it('turns auto-renew off when the body leaves autoRenewEnabled out, as Microsoft warns', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'trap1');
    expect((await readSub(customerId, subscriptionId)).autoRenewEnabled).toBe(true);
    const minimal = await pc.patch(subPath(customerId, subscriptionId), { FriendlyName: 'Renamed' });
    expect(minimal.status).toBe(200);
    expect(minimal.body).toMatchObject({ friendlyName: 'Renamed', autoRenewEnabled: false, quantity: 10 });
    const full = await readSub(customerId, subscriptionId);
    const restored = await pc.patch(subPath(customerId, subscriptionId), { ...full, autoRenewEnabled: true });
    expect(restored.body.autoRenewEnabled).toBe(true);
  });

  it('increases at any time, decreases only seats added in the last 7 days (800090 / 900257)', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'seats1');
    let sub = await readSub(customerId, subscriptionId);
    expect(sub.refundableQuantity).toEqual({ totalQuantity: 10, details: [{ quantity: 10, allowedUntilDateTime: '2026-03-09T09:00:00.000Z' }] });
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 8 })).body.quantity).toBe(8);
    sandbox.clock.advance(8 * DAY);
    sub = await readSub(customerId, subscriptionId);
    expect(sub.refundableQuantity.totalQuantity).toBe(0);
    const refused = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 7 });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: 800090, description: 'Subscription quantity cannot be decreased.', data: [], source: 'PartnerFD' });
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 12 })).body.quantity).toBe(12);
    sub = await readSub(customerId, subscriptionId);
    expect(sub.refundableQuantity).toEqual({ totalQuantity: 4, details: [{ quantity: 4, allowedUntilDateTime: '2026-03-17T09:00:00.000Z' }] });
    const tooMany = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 7 });
    expect(tooMany.body.code).toBe(900257);
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 8 })).body.quantity).toBe(8);
    const record = sandbox.state.subscriptions.get(subscriptionId)!;
    expect(record.seatHistory.map((e) => [e.kind, e.quantityAfter])).toEqual([['purchase', 10], ['decrease', 8], ['increase', 12], ['decrease', 8]]);
  });

  it('cancels (status deleted) only within 7 days of purchase (900117)', async () => {
    const early = await customerWithSubscription(pc, 'cancel1');
    const late = await customerWithSubscription(pc, 'cancel2');
    const a = await readSub(early.customerId, early.subscriptionId);
    const cancelled = await pc.patch(subPath(early.customerId, early.subscriptionId), { ...a, status: 'deleted' });
    expect(cancelled.body).toMatchObject({ status: 'deleted', autoRenewEnabled: false });
    expect((await pc.patch(subPath(early.customerId, early.subscriptionId), { ...a, status: 'active' })).body.code).toBe(2011);
    sandbox.clock.advance(7 * DAY);
    const b = await readSub(late.customerId, late.subscriptionId);
    const refused = await pc.patch(subPath(late.customerId, late.subscriptionId), { ...b, status: 'deleted' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 900117, description: 'You have passed your 7-day cancellation window. We are unable to cancel your purchase' });
  });

  it('suspension turns auto-renew off and blocks seat changes (2001, 800091); reactivation keeps it off', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'suspend1');
    const sub = await readSub(customerId, subscriptionId);
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...sub, status: 'suspended', quantity: 11 })).body.code).toBe(2001);
    const suspended = await pc.patch(subPath(customerId, subscriptionId), { ...sub, status: 'suspended' }, { headers: { 'If-Match': `"${sub.attributes.etag as string}"` } });
    expect(suspended.body).toMatchObject({ status: 'suspended', autoRenewEnabled: false });
    const stale = await pc.patch(subPath(customerId, subscriptionId), { ...suspended.body, status: 'active' }, { headers: { 'If-Match': `"${sub.attributes.etag as string}"` } });
    expect(stale.body.code).toBe(2055);
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...suspended.body, quantity: 12 })).body.code).toBe(800091);
    const reactivated = await pc.patch(subPath(customerId, subscriptionId), { ...suspended.body, status: 'active' });
    expect(reactivated.body).toMatchObject({ status: 'active', autoRenewEnabled: false });
  });

  it('changes the partner of record only to an authorized reseller in the list', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'por2');
    const sub = await readSub(customerId, subscriptionId);
    expect((await pc.patch(subPath(customerId, subscriptionId), { ...sub, partnerId: '6000001' })).body.code).toBe(900123);
    const moved = await pc.patch(subPath(customerId, subscriptionId), { ...sub, partnerId: OTHER_RESELLER.mpnId });
    expect(moved.body.partnerId).toBe(OTHER_RESELLER.mpnId);
    const byPartner = await pc.get(`/v1/customers/${customerId}/subscriptions?mpn_id=${OTHER_RESELLER.mpnId}`);
    expect(byPartner.body.items.map((s: { id: string }) => s.id)).toEqual([subscriptionId]);
  });

  it('may answer 202 + Location, the change showing there after the configured reads', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'accepted1');
    sandbox.settings.subscriptionPatch = { accepted: true, visibleAfterPolls: 1 };
    const sub = await readSub(customerId, subscriptionId);
    const answer = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 14 });
    expect(answer.status).toBe(202);
    const location = answer.headers.get('location')!;
    expect(location).toBe(`${sandbox.url}${subPath(customerId, subscriptionId)}`);
    expect(sandbox.state.subscriptions.get(subscriptionId)!.quantity).toBe(14);
    const busy = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 15 });
    expect([busy.status, busy.body.code]).toEqual([409, 800082]);
    expect((await pc.call('GET', location.slice(sandbox.url.length))).body.quantity).toBe(10);
    expect((await pc.call('GET', location.slice(sandbox.url.length))).body.quantity).toBe(14);
  });

  it('applies a PATCH once for a retried MS-RequestId, even after the first answer was lost', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'idem1');
    const sub = await readSub(customerId, subscriptionId);
    const requestId = randomUUID();
    sandbox.faults.loseNextAnswer({ match: { method: 'PATCH', path: '/v1/customers/*/subscriptions/*' } });
    await expect(pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 13 }, { requestId })).rejects.toThrow();
    const retry = await pc.patch(subPath(customerId, subscriptionId), { ...sub, quantity: 13 }, { requestId });
    expect(retry.status).toBe(200);
    expect(retry.body.quantity).toBe(13);
    const record = sandbox.state.subscriptions.get(subscriptionId)!;
    expect(record.seatHistory.filter((e) => e.kind === 'increase')).toHaveLength(1);
    expect(record.seatAdditions.reduce((n, a) => n + a.quantity, 0)).toBe(13);
  });
});

describe('renewals, transitions and support contacts', () => {
  it('renews at term end with a new 7-day window, or expires without auto-renew', async () => {
    const renewing = await customerWithSubscription(pc, 'renew1', { termDuration: 'P1M' });
    const expiring = await customerWithSubscription(pc, 'renew2', { termDuration: 'P1M' });
    const e = await readSub(expiring.customerId, expiring.subscriptionId);
    await pc.patch(subPath(expiring.customerId, expiring.subscriptionId), { ...e, autoRenewEnabled: false });
    sandbox.clock.set('2026-04-02T10:00:00Z');
    const renewed = await readSub(renewing.customerId, renewing.subscriptionId);
    expect(renewed).toMatchObject({ status: 'active', effectiveStartDate: '2026-04-02T00:00:00.000Z', commitmentEndDate: '2026-05-01T00:00:00.000Z' });
    expect(renewed.refundableQuantity.totalQuantity).toBe(10);
    expect((await readSub(expiring.customerId, expiring.subscriptionId)).status).toBe('expired');
    const renewal = sandbox.state.activity.all().find((a) => a.actor === 'system' && a.customizedData.some((d) => d.key === 'Renewal'));
    expect(renewal?.customerId).toBe(renewing.customerId);
  });

  it('lists eligible upgrades and transitions the whole subscription, keeping its ID', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'upgrade1');
    const eligibilities = await pc.get(`${subPath(customerId, subscriptionId)}/transitionEligibilities?eligibilityType=immediate`);
    expect(eligibilities.body.items.map((i: { catalogItemId: string }) => i.catalogItemId)).toEqual([STANDARD_ITEM, 'CFQ7TTC0LCHC:0002:CFQ7TTC0K78T']);
    const shorter = await pc.post(`${subPath(customerId, subscriptionId)}/transitions`, { toCatalogItemId: STANDARD_ITEM, quantity: 10, transitionType: 'transition_only', termDuration: 'P1M' });
    expect(shorter.body.code).toBe(900267);
    const transition = await pc.post(`${subPath(customerId, subscriptionId)}/transitions`, { fromCatalogItemId: BASIC_ITEM, toCatalogItemId: STANDARD_ITEM, quantity: 10, transitionType: 'transition_only' });
    expect(transition.status).toBe(200);
    expect(transition.body.events).toEqual([expect.objectContaining({ name: 'Conversion', status: 'Started' })]);
    const after = await readSub(customerId, subscriptionId);
    expect(after).toMatchObject({ id: subscriptionId, offerId: STANDARD_ITEM, quantity: 10 });
    const history = await pc.get(`${subPath(customerId, subscriptionId)}/transitions`);
    expect(history.body.items[0].events.map((ev: { status: string }) => ev.status)).toEqual(['Started', 'Completed']);
    const down = await pc.get(`${subPath(customerId, subscriptionId)}/transitionEligibilities`);
    expect(down.body.items.map((i: { catalogItemId: string }) => i.catalogItemId)).not.toContain(BASIC_ITEM);
  });

  it('designates a reseller of the list as support contact (tenant ID + PartnerID + name)', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'support1');
    const path = `${subPath(customerId, subscriptionId)}/supportcontact`;
    expect((await pc.get(path)).body.supportMpnId).toBe(sandbox.provider.mpnId);
    const wrongTenant = await pc.put(path, { SupportTenantId: RESELLER.tenantId, SupportMpnId: OTHER_RESELLER.mpnId, Name: OTHER_RESELLER.name });
    expect(wrongTenant.status).toBe(400);
    const set = await pc.put(path, { SupportTenantId: OTHER_RESELLER.tenantId, SupportMpnId: OTHER_RESELLER.mpnId, Name: OTHER_RESELLER.name });
    expect(set.body).toMatchObject({ supportTenantId: OTHER_RESELLER.tenantId, supportMpnId: OTHER_RESELLER.mpnId, name: OTHER_RESELLER.name, attributes: { objectType: 'SupportContact' } });
    expect((await pc.get(path)).body.supportMpnId).toBe(OTHER_RESELLER.mpnId);
    expect((await pc.put(path, { SupportTenantId: randomUUID(), SupportMpnId: '9999999', Name: 'Nobody' })).body.code).toBe(800016);
  });
});
