import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { openSandbox, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;
let seedMs = 0;

beforeAll(async () => {
  ({ sandbox, pc } = await openSandbox());
  const started = performance.now();
  sandbox.seed({ resellers: Array.from({ length: 5000 }, (_, i) => ({ mpnId: String(5_000_000 + i), name: `Reseller ${i}` })) });
  const { customers } = sandbox.seed({
    customers: Array.from({ length: 100_000 }, (_, i) => ({ domain: `scale${i}`, companyName: `Scale ${i}`, resellerMpnId: String(5_000_000 + (i % 5000)) })),
  });
  const offers = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LDPB:0001', 'CFQ7TTC0LH16:0001'];
  sandbox.seed({ subscriptions: customers.flatMap((c) => offers.map((offerId) => ({ customerId: c.id, offerId, quantity: 5, partnerId: '5000000' }))) });
  seedMs = performance.now() - started;
});

afterAll(async () => {
  await sandbox.close();
});

describe('at the scale of a large distributor', () => {
  it('seeds 100,000 customers with 3 subscriptions each, and pages through all of them', async () => {
    expect(sandbox.state.customers.size).toBe(100_000);
    expect(sandbox.state.subscriptions.size).toBe(300_000);
    // A guard against quadratic work, not a benchmark (that is `npm run bench`): this takes ~3 s on 2 cores.
    expect(seedMs).toBeLessThan(30_000);
    let count = 0;
    let calls = 0;
    let path: string | undefined = '/v1/customers?size=500';
    let headers: Record<string, string> = {};
    const firstIds: string[] = [];
    while (path) {
      const answer = await pc.get(path, { headers });
      calls += 1;
      count += answer.body.items.length;
      if (firstIds.length < 300) firstIds.push(...answer.body.items.map((c: { id: string }) => c.id));
      const next: { uri: string; headers: Array<{ value: string }> } | undefined = answer.body.links.next;
      path = next ? `/v1${next.uri}` : undefined;
      headers = next ? { 'MS-ContinuationToken': next.headers[0]!.value } : {};
    }
    expect([count, calls]).toEqual([100_000, 200]);
    const reads = await Promise.all(firstIds.slice(0, 300).map((id) => pc.get(`/v1/customers/${id}/subscriptions`)));
    expect(reads.every((r) => r.status === 200 && r.body.totalCount === 3)).toBe(true);
    const filter = encodeURIComponent(JSON.stringify({ Field: 'IndirectReseller', Value: sandbox.state.resellers.get('5000042')!.tenantId, Operator: 'starts_with' }));
    expect((await pc.get(`/v1/customers?filter=${filter}`)).body.totalCount).toBe(20);
  });
});
