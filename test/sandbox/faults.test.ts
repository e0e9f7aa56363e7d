import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { customerWithSubscription, MCA_BODY, newCustomerBody, openSandbox, RESELLER, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;

afterEach(async () => {
  await sandbox.close();
});

describe('throttling', () => {
  it('answers 429 with Retry-After and its own body once the rate is spent, then lets calls through again', async () => {
    ({ sandbox, pc } = await openSandbox({ rateLimit: { calls: 5, windowMs: 1000 } }));
    await pc.signIn();
    const statuses: number[] = [];
    let throttled: { headers: Headers; body: any } | undefined;
    for (let i = 0; i < 7; i++) {
      const answer = await pc.get('/v1/customers');
      statuses.push(answer.status);
      if (answer.status === 429) throttled = answer;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(throttled!.headers.get('retry-after')).toBe('1');
    expect(throttled!.body).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' });
    // The token endpoint is not throttled.
    expect((await pc.tokenRequest(pc.refreshFields())).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect((await pc.get('/v1/customers')).status).toBe(200);
  });

  it('can keep one budget per customer ("calls against other customers may succeed")', async () => {
    ({ sandbox, pc } = await openSandbox({ rateLimit: { calls: 2, windowMs: 60_000, scope: 'tenant-customer' }, seed: { customers: [{ domain: 'a1' }, { domain: 'b1' }] } }));
    const [a, b] = [...sandbox.state.customers.keys()];
    expect((await pc.get(`/v1/customers/${a}`)).status).toBe(200);
    expect((await pc.get(`/v1/customers/${a}`)).status).toBe(200);
    const limited = await pc.get(`/v1/customers/${a}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect((await pc.get(`/v1/customers/${b}`)).status).toBe(200);
  });
});

describe('injected failures', () => {
  it('fails the next matching calls with a 5xx that changes nothing; the retry with the same MS-RequestId then applies', async () => {
    ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER] } }));
    sandbox.faults.failNext(2, { status: 503, match: { method: 'POST', path: '/v1/customers' } });
    const requestId = randomUUID();
    const first = await pc.post('/v1/customers', newCustomerBody('burst1'), { requestId });
    const second = await pc.post('/v1/customers', newCustomerBody('burst1'), { requestId });
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(first.body).toMatchObject({ code: 503, source: 'PartnerFD' });
    expect(sandbox.state.customerByDomain('burst1')).toBeUndefined();
    expect((await pc.get('/v1/customers')).status).toBe(200);
    const third = await pc.post('/v1/customers', newCustomerBody('burst1'), { requestId });
    expect(third.status).toBe(201);
  });

  it('answers slowly when asked, and counts the calls in flight', async () => {
    ({ sandbox, pc } = await openSandbox());
    await pc.signIn();
    sandbox.faults.delayNext(1, 150, { match: { path: '/v1/customers' } });
    const started = Date.now();
    await pc.get('/v1/customers');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sandbox.calls.clear();
    sandbox.faults.latencyMs = 60;
    await Promise.all(Array.from({ length: 6 }, () => pc.get('/v1/customers')));
    expect(sandbox.maxInFlight).toBe(6);
    expect(sandbox.calls.count({ route: 'GET /v1/customers' })).toBe(6);
    const call = sandbox.calls.entries[0]!;
    expect(call.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.endedAt! - call.startedAt).toBeGreaterThanOrEqual(55);
  });

  it('keeps making the change when the client gave up waiting (timeout), so a retry finds it done', async () => {
    ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER] } }));
    await pc.signIn();
    sandbox.faults.delayNext(1, 300, { match: { method: 'POST', path: '/v1/customers' } });
    const requestId = randomUUID();
    const token = await pc.signIn();
    await expect(fetch(`${sandbox.url}/v1/customers`, {
      method: 'POST', signal: AbortSignal.timeout(50),
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'MS-RequestId': requestId },
      body: JSON.stringify(newCustomerBody('timeout1')),
    })).rejects.toThrow();
    const retry = await pc.post('/v1/customers', newCustomerBody('timeout1'), { requestId });
    expect(retry.status).toBe(201);
    expect(sandbox.state.customers.size).toBe(1);
  });
});

describe('MS-RequestId on other writes', () => {
  it('checks a cart out once and transitions once for a retried MS-RequestId', async () => {
    ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER] } }));
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'dedupe1');
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, { PartnerOnRecordAttestationAccepted: true, lineItems: [{ catalogItemId: 'CFQ7TTC0LH16:0001:CFQ7TTC0K4TS', quantity: 2, termDuration: 'P1Y', billingCycle: 'monthly' }] });
    const requestId = randomUUID();
    sandbox.faults.loseNextAnswer({ match: { path: '/v1/customers/*/carts/*/checkout' } });
    await expect(pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined, { requestId })).rejects.toThrow();
    const retry = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined, { requestId });
    expect(retry.status).toBe(201);
    expect(retry.body.orders[0].id).toBe(sandbox.state.carts.get(cart.body.id)!.orderIds[0]);
    // A new MS-RequestId is a new write: the cart is already submitted.
    expect((await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined)).body.code).toBe(800065);
    expect(sandbox.state.customers.get(customerId)!.orderIds).toHaveLength(2);

    const transitionId = randomUUID();
    const body = { toCatalogItemId: 'CFQ7TTC0LDPB:0001:CFQ7TTC0LGNT', quantity: 4, transitionType: 'transition_only' };
    const first = await pc.post(`/v1/customers/${customerId}/subscriptions/${subscriptionId}/transitions`, body, { requestId: transitionId });
    const second = await pc.post(`/v1/customers/${customerId}/subscriptions/${subscriptionId}/transitions`, body, { requestId: transitionId });
    expect(second.body).toEqual(first.body);
    expect(sandbox.state.subscriptions.get(subscriptionId)!.quantity).toBe(6);
    expect(sandbox.state.subscriptionsOf(customerId).filter((s) => s.productId === 'CFQ7TTC0LDPB').map((s) => s.quantity)).toEqual([4]);
  });

  it('provisions after a delay on the sandbox clock', async () => {
    ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER] }, provisioning: { delayMs: 5 * 60_000 } }));
    const created = await pc.post('/v1/customers', newCustomerBody('delayed1'));
    const customerId = created.body.id as string;
    await pc.post(`/v1/customers/${customerId}/agreements`, MCA_BODY);
    const cart = await pc.post(`/v1/customers/${customerId}/carts`, { PartnerOnRecordAttestationAccepted: true, lineItems: [{ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, termDuration: 'P1Y', billingCycle: 'monthly' }] });
    const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
    const orderId = checkout.body.orders[0].id as string;
    expect((await pc.get(`/v1/customers/${customerId}/orders/${orderId}`)).body.status).toBe('pending');
    expect((await pc.get(`/v1/customers/${customerId}/subscriptions`)).body.totalCount).toBe(0);
    sandbox.clock.advance(5 * 60_000);
    expect((await pc.get(`/v1/customers/${customerId}/subscriptions`)).body.totalCount).toBe(1);
    expect((await pc.get(`/v1/customers/${customerId}/orders/${orderId}`)).body.status).toBe('completed');
  });
});
