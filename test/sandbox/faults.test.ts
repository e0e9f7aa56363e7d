import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { newCustomerBody, openSandbox, RESELLER, type PcTestClient } from './pc-client.js';

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
