import { afterEach, describe, expect, test } from '@jest/globals';
import { PartnerCenterUnavailableError, exitCodeOf } from '../../src/core/errors.js';
import { PcBadRequestError, PcConflictError, PartnerCenterApiError } from '../../src/partner-center/pc-errors.js';
import { checkDomainAvailability, listCustomers, updateSubscription } from '../../src/partner-center/pc-operations.js';
import { PartnerCenterClient } from '../../src/partner-center/pc-client.js';
import { type FaultServer, type Reply, startFaultServer } from './fault-server.js';
import { clientFor, GUID, isOneSentence } from './helpers.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ok = (body: unknown = { ok: true }): Reply => ({ status: 200, body });

describe('request identity', () => {
  test('every call carries the bearer token, Accept and a fresh MS-CorrelationId; retries of one write keep its MS-RequestId, the next write gets a new one', async () => {
    server = await startFaultServer((_req, n) => (n <= 2 ? { status: 503, body: { code: 0, description: 'Service unavailable' } } : ok({ id: 'c1' })));
    const { client } = clientFor(server);
    await client.send({ operation: 'customers.create', method: 'POST', path: '/v1/customers', body: { a: 1 } });
    await client.send({ operation: 'customers.create', method: 'POST', path: '/v1/customers', body: { a: 2 } });
    const [a, b, c, d] = server.requests;
    for (const r of server.requests) {
      expect(r.headers.authorization).toMatch(/^Bearer AT-1-/);
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers['ms-requestid']).toMatch(GUID);
      expect(r.headers['ms-correlationid']).toMatch(GUID);
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(server.requests).toHaveLength(4);
    expect(b!.headers['ms-requestid']).toBe(a!.headers['ms-requestid']);
    expect(c!.headers['ms-requestid']).toBe(a!.headers['ms-requestid']);
    expect(d!.headers['ms-requestid']).not.toBe(a!.headers['ms-requestid']);
    expect(new Set(server.requests.map((r) => r.headers['ms-correlationid'])).size).toBe(4);
    expect(server.tokenRequests).toHaveLength(1);
  });

  test("a caller's MS-RequestId (the journal's) is sent on every attempt", async () => {
    server = await startFaultServer((_req, n) => (n === 1 ? { status: 500 } : ok()));
    const { client } = clientFor(server);
    const requestId = PartnerCenterClient.newRequestId();
    const r = await client.send({ operation: 'carts.checkout', method: 'POST', path: '/v1/customers/x/carts/y/checkout', requestId });
    expect(r.requestId).toBe(requestId);
    expect(r.attempts).toBe(2);
    expect(server.requests.map((q) => q.headers['ms-requestid'])).toEqual([requestId, requestId]);
  });

  test('routes without /v1 (Partner Center links) are taken under /v1; the query is kept', async () => {
    server = await startFaultServer(() => ok());
    const { client } = clientFor(server);
    await client.send({ operation: 'x', method: 'GET', path: '/customers?size=40&seekOperation=next' });
    await client.send({ operation: 'x', method: 'GET', path: '/v1/relationships', query: { relationship_type: 'IsIndirectCloudSolutionProviderOf' } });
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/customers?size=40&seekOperation=next', '/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf']);
  });
});

describe('concurrency, rate and throttling', () => {
  test('never more than `concurrency` calls in flight', async () => {
    server = await startFaultServer(() => ({ status: 200, body: {}, delayMs: 40 }));
    const { client } = clientFor(server, { concurrency: 3, ratePerMinute: 60_000 });
    await Promise.all(Array.from({ length: 15 }, (_, i) => client.send({ operation: 'subscriptions.get', method: 'GET', path: `/v1/x/${i}` })));
    expect(server.requests).toHaveLength(15);
    expect(Math.max(...server.requests.map((r) => r.inFlight))).toBe(3);
    expect(client.stats().maxInFlight).toBe(3);
  });

  test('at most `ratePerMinute` calls start per minute, spread over the minute', async () => {
    server = await startFaultServer(() => ok());
    const { client } = clientFor(server, { concurrency: 20, ratePerMinute: 600 }); // 10 per second
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.send({ operation: 'x', method: 'GET', path: `/v1/x/${i}` })));
    const arrivals = server.requests.map((r) => r.at - started).sort((a, b) => a - b);
    expect(arrivals[9]!).toBeLessThan(900);
    expect(arrivals[10]!).toBeGreaterThanOrEqual(950);
  });

  test('after a 429 with Retry-After: 2 no call reaches Partner Center until 2 s have passed, then all go through', async () => {
    let throttledAt = 0;
    let releaseFirst: () => void = () => undefined;
    const secondArrived = new Promise<void>((r) => (releaseFirst = r));
    server = await startFaultServer(async (_req, n) => {
      if (n === 1) {
        // Answer the 429 only once the second call is in flight: every later call must then wait.
        await secondArrived;
        throttledAt = Date.now();
        return { status: 429, headers: { 'Retry-After': '2' }, body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 2 seconds.' } };
      }
      if (n === 2) {
        releaseFirst();
        return { status: 200, body: {}, delayMs: 100 };
      }
      return ok();
    });
    const { client } = clientFor(server, { concurrency: 2 });
    const all = Array.from({ length: 8 }, (_, i) => client.send({ operation: 'subscriptions.get', method: 'GET', path: `/v1/x/${i}` }));
    await Promise.all(all);
    const after = server.requests.slice(2);
    expect(after).toHaveLength(7); // the throttled call again, and the six that waited
    for (const r of after) expect(r.at - throttledAt).toBeGreaterThanOrEqual(1990);
    const s = client.stats();
    expect(s.throttling.responses).toBe(1);
    expect(s.throttling.waitMs).toBeGreaterThanOrEqual(1990);
    expect(s.retries.throttled).toBe(1);
    expect(s.calls).toBe(8);
    expect(s.requests).toBe(9);
  });
});

describe('retries', () => {
  test('5xx and 408 are retried with growing backoff, same MS-RequestId, and succeed', async () => {
    server = await startFaultServer((_req, n) => (n === 1 ? { status: 500 } : n === 2 ? { status: 408 } : n === 3 ? { status: 502 } : ok({ done: true })));
    const { client } = clientFor(server, { retry: { baseDelayMs: 40, maxDelayMs: 1000 } });
    const r = await client.send<{ done: boolean }>({ operation: 'subscriptions.patch', method: 'PATCH', path: '/v1/customers/c/subscriptions/s', body: {} });
    expect(r.body.done).toBe(true);
    const gaps = server.requests.slice(1).map((q, i) => q.at - server!.requests[i]!.at);
    // Equal jitter: at least half of 40, 80, 160 ms.
    expect(gaps[0]!).toBeGreaterThanOrEqual(19);
    expect(gaps[1]!).toBeGreaterThanOrEqual(39);
    expect(gaps[2]!).toBeGreaterThanOrEqual(79);
    expect(new Set(server.requests.map((q) => q.headers['ms-requestid'])).size).toBe(1);
    const s = client.stats();
    expect(s.retries).toMatchObject({ total: 3, server: 3 });
    expect(s.byOperation['subscriptions.patch']).toEqual({ calls: 1, requests: 4, retries: 3, failures: 0 });
    expect(s.writes).toBe(1);
  });

  test('other 4xx are business errors: not retried, typed, mapped, with Partner Center code and description', async () => {
    server = await startFaultServer(() => ({ status: 400, body: { code: 800090, description: 'Subscription quantity cannot be decreased.', data: [], source: 'PartnerFD' } }));
    const { client } = clientFor(server);
    const error = await client.send({ operation: 'subscriptions.patch', method: 'PATCH', path: '/v1/customers/c/subscriptions/s', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PcBadRequestError);
    const e = error as PcBadRequestError;
    expect(e.status).toBe(400);
    expect(e.pcCode).toBe('800090');
    expect(e.tiersyncCode).toBe('pc.quantity-decrease-window');
    expect(e.message).toContain('800090');
    expect(e.message).toContain('Subscription quantity cannot be decreased.');
    expect(e.context.requestId).toMatch(GUID);
    expect(server.requests).toHaveLength(1);
    expect(client.stats().byOperation['subscriptions.patch']).toMatchObject({ calls: 1, requests: 1, retries: 0, failures: 1 });
  });

  test('a 409 "try again after some time" is retried; a 409 about a submitted cart is not', async () => {
    server = await startFaultServer((req, n) =>
      req.url.includes('busy')
        ? n === 1
          ? { status: 409, body: { code: '800082', description: 'Subscription is not ready to be updated. Try again after sometime' } }
          : ok()
        : { status: 409, body: { code: 800065, description: "can't check out an already submitted cart" } },
    );
    const { client } = clientFor(server);
    await client.send({ operation: 'subscriptions.patch', method: 'PATCH', path: '/v1/busy', body: {} });
    const e = await client.send({ operation: 'carts.checkout', method: 'POST', path: '/v1/cart' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PcConflictError);
    expect((e as PcConflictError).tiersyncCode).toBe('pc.order-in-progress');
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/busy', '/v1/busy', '/v1/cart']);
    expect(client.stats().retries.conflict).toBe(1);
  });

  test('a timeout is retried with the same MS-RequestId', async () => {
    server = await startFaultServer((_req, n) => (n === 1 ? { status: 200, body: {}, delayMs: 600 } : ok({ second: true })));
    const { client } = clientFor(server, { timeoutMs: 150 });
    const r = await client.send<{ second: boolean }>({ operation: 'customers.create', method: 'POST', path: '/v1/customers', body: {} });
    expect(r.body.second).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers['ms-requestid']).toBe(server.requests[0]!.headers['ms-requestid']);
    expect(client.stats().retries.timeout).toBe(1);
  });

  test('Partner Center unreachable past the retry bound stops the run with exit 5', async () => {
    server = await startFaultServer(() => ({ status: 0, destroy: true }));
    const { client } = clientFor(server, { retry: { maxRetries: 2 } });
    const e = await client.send({ operation: 'customers.get', method: 'GET', path: '/v1/customers/c' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PartnerCenterUnavailableError);
    expect(exitCodeOf(e)).toBe(5);
    expect((e as PartnerCenterUnavailableError).reason).toBe('unreachable');
    expect(server.requests).toHaveLength(3);
    expect(client.stats().retries.network).toBe(2);
  });

  test('5xx past the bound is exit 5 too, carrying the last answer as its cause', async () => {
    server = await startFaultServer(() => ({ status: 503, body: { code: 503, description: 'Service Unavailable' } }));
    const { client } = clientFor(server, { retry: { maxRetries: 1 } });
    const e = (await client.send({ operation: 'x', method: 'GET', path: '/v1/x' }).catch((x: unknown) => x)) as PartnerCenterUnavailableError;
    expect(exitCodeOf(e)).toBe(5);
    expect((e.cause as PartnerCenterApiError).status).toBe(503);
  });
});

describe('credentials refused by the API', () => {
  test('401 naming MFA (900421) is exit 5 with one sentence on getting a new refresh token; no retry', async () => {
    server = await startFaultServer(() => ({ status: 401, body: { code: 900421, description: 'MFA is required for this operation.' } }));
    const { client } = clientFor(server);
    const e = (await client.send({ operation: 'resellers.list', method: 'GET', path: '/v1/relationships' }).catch((x: unknown) => x)) as PartnerCenterUnavailableError;
    expect(e).toBeInstanceOf(PartnerCenterUnavailableError);
    expect(exitCodeOf(e)).toBe(5);
    expect(e.reason).toBe('credentials-refused');
    expect(isOneSentence(e.message)).toBe(true);
    expect(e.message).toMatch(/new refresh token/);
    expect(e.message).toMatch(/MFA/);
    expect(e.message).toMatch(/Secure Application Model/);
    expect(server.requests).toHaveLength(1);
  });

  test('a plain 401 renews the token once and retries; a second 401 is exit 5', async () => {
    server = await startFaultServer((req) => (req.headers.authorization?.startsWith('Bearer AT-1-') ? { status: 401 } : ok({ fine: true })));
    const { client } = clientFor(server);
    const r = await client.send<{ fine: boolean }>({ operation: 'x', method: 'GET', path: '/v1/x' });
    expect(r.body.fine).toBe(true);
    expect(server.tokenRequests).toHaveLength(2);
    expect(client.stats()).toMatchObject({ tokenRequests: 2, retries: { auth: 1 } });

    await server.close();
    server = await startFaultServer(() => ({ status: 401 }));
    const again = clientFor(server).client;
    const e = await again.send({ operation: 'x', method: 'GET', path: '/v1/x' }).catch((x: unknown) => x);
    expect(exitCodeOf(e)).toBe(5);
    expect(isOneSentence((e as Error).message)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });
});

describe('paging and 202', () => {
  test('customers are read page by page with the continuation token, and a listing resumes from one', async () => {
    const page = (n: number, token?: string) => ({
      totalCount: 5,
      items: [{ id: `c${n}a`, companyProfile: { domain: `c${n}a.onmicrosoft.com` } }, ...(n < 3 ? [{ Id: `c${n}b` }] : [])],
      ...(token
        ? { continuationToken: token, links: { next: { uri: '/customers?size=2&seekOperation=next', method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] } } }
        : { links: {} }),
      attributes: { objectType: 'Collection' },
    });
    server = await startFaultServer((req) => {
      const token = req.headers['ms-continuationtoken'];
      return ok(token === undefined ? page(1, 'tok-2') : token === 'tok-2' ? page(2, 'tok-3') : page(3));
    });
    const { client } = clientFor(server);
    const pages = [];
    for await (const p of listCustomers(client, { size: 2 })) pages.push(p);
    expect(pages.map((p) => p.items.map((c) => c.id))).toEqual([['c1a', 'c1b'], ['c2a', 'c2b'], ['c3a']]);
    expect(pages.map((p) => p.continuationToken)).toEqual(['tok-2', 'tok-3', undefined]);
    expect(pages[0]!.totalCount).toBe(5);
    expect(server.requests.map((r) => [r.url, r.headers['ms-continuationtoken']])).toEqual([
      ['/v1/customers?size=2', undefined],
      ['/v1/customers?size=2&seekOperation=next', 'tok-2'],
      ['/v1/customers?size=2&seekOperation=next', 'tok-3'],
    ]);

    const resumed = [];
    for await (const p of listCustomers(client, { size: 2, continuationToken: 'tok-3' })) resumed.push(...p.items.map((c) => c.id));
    expect(resumed).toEqual(['c3a']);
    expect(server.requests.at(-1)!.headers['ms-continuationtoken']).toBe('tok-3');
  });

  test('without links.next, a body continuationToken is followed with seekOperation=next', async () => {
    server = await startFaultServer((req) => ok(req.headers['ms-continuationtoken'] ? { items: [2] } : { items: [1], continuationToken: 'abc' }));
    const { client } = clientFor(server);
    const items: unknown[] = [];
    for await (const i of client.items({ operation: 'auditRecords.list', method: 'GET', path: '/v1/auditrecords', query: { startDate: '2026-01-01' } })) items.push(i);
    expect(items).toEqual([1, 2]);
    expect(server.requests[1]!.url).toBe('/v1/auditrecords?startDate=2026-01-01&seekOperation=next');
  });

  test('a subscription change is GET → full object → PATCH, and a 202 is followed to its Location until the change shows', async () => {
    const current = {
      id: 's1',
      offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0KDLJ',
      friendlyName: 'Sales',
      quantity: 10,
      status: 'active',
      autoRenewEnabled: true,
      partnerId: '4847383',
      scheduledNextTermInstructions: { product: { productId: 'CFQ7TTC0LH18' }, quantity: 10 },
      attributes: { etag: 'e1', objectType: 'Subscription' },
    };
    let polls = 0;
    server = await startFaultServer((req) => {
      if (req.method === 'PATCH') return { status: 202, headers: { Location: '/customers/c1/subscriptions/s1', 'Retry-After': '0' } };
      if (req.url.startsWith('/v1/customers/c1/subscriptions/s1') && req.method === 'GET') {
        if (server!.requests.filter((r) => r.method === 'PATCH').length === 0) return ok(current);
        polls++;
        return ok({ ...current, quantity: polls >= 2 ? 12 : 10 });
      }
      return { status: 404 };
    });
    const { client } = clientFor(server, { accepted: { pollIntervalMs: 30, maxWaitMs: 5000 } });
    const requestId = PartnerCenterClient.newRequestId();
    const r = await updateSubscription(client, 'c1', 's1', { quantity: 12 }, { requestId });
    expect(r.state).toBe('done');
    expect(r.state === 'done' && r.body.quantity).toBe(12);
    const patch = server.requests.find((q) => q.method === 'PATCH')!;
    expect(patch.headers['ms-requestid']).toBe(requestId);
    // The whole object went back: leaving autoRenewEnabled or next-term instructions out would change them.
    expect(JSON.parse(patch.body)).toEqual({ ...current, quantity: 12 });
    expect(polls).toBe(2);
    expect(client.stats().polls).toBe(2);
  });

  test('a 202 that never shows the change within the bound is pending', async () => {
    server = await startFaultServer((req) =>
      req.method === 'PATCH' ? { status: 202, headers: { Location: '/v1/customers/c1/subscriptions/s1' } } : ok({ id: 's1', quantity: 10, autoRenewEnabled: false }),
    );
    const { client } = clientFor(server, { accepted: { pollIntervalMs: 40, maxWaitMs: 200 } });
    const r = await updateSubscription(client, 'c1', 's1', { quantity: 3 });
    expect(r.state).toBe('pending');
    expect(r.state === 'pending' && r.location).toBe('/v1/customers/c1/subscriptions/s1');
  });

  test('HEAD /domains: 404 means free, 200 taken', async () => {
    server = await startFaultServer((req) => ({ status: req.url.includes('free') ? 404 : 200 }));
    const { client } = clientFor(server);
    expect(await checkDomainAvailability(client, 'free.onmicrosoft.com')).toBe(true);
    expect(await checkDomainAvailability(client, 'taken.onmicrosoft.com')).toBe(false);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /v1/domains/free.onmicrosoft.com', 'HEAD /v1/domains/taken.onmicrosoft.com']);
  });
});
