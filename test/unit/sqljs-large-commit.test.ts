import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditChain } from '../../src/core/audit-chain.js';
import type { SubscriptionRecord } from '../../src/core/entities.js';
import { SqlJsStore } from '../../src/store/sqljs-store.js';
import type { CommitBatch, WriteOp } from '../../src/store/sync-store.js';

// A commit large enough for the store to reload its image with room to grow (and no journal):
// it must still be all-or-nothing, and the saved file must be exactly the database.
const NOW = '2026-11-24T10:00:00.000Z';
const subscription = (i: number, over: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  subscriptionId: randomUUID(),
  customerDomain: `customer${i % 500}`,
  offerId: 'CFQ7TTC0LH18:0001',
  nickname: `seat-${i}`,
  quantity: 1 + (i % 300),
  term: 'P1Y',
  billingCycle: 'monthly',
  autoRenew: true,
  partnerOfRecordMpnId: null,
  supportContactMpnId: null,
  status: 'active',
  termStart: NOW,
  termEnd: '2027-11-24T10:00:00.000Z',
  seatAdditions: null,
  scheduled: null,
  createdAt: NOW,
  ...over,
});
const commitOf = (revision: number, records: SubscriptionRecord[]): CommitBatch => ({
  expectedRevision: revision,
  ops: records.map((record): WriteOp => ({ kind: 'upsert', entity: 'subscription', record })),
  audit: records.map((r) => ({ batchId: 'b1', at: NOW, operator: 'ops@provider.example', entity: 'subscription', key: r.subscriptionId, action: 'create', before: null, after: r, inputName: 'orders.xlsx', inputSha256: 'ab'.repeat(32) })),
  batch: { batchId: randomUUID(), mode: 'apply', operator: 'ops@provider.example', startedAt: NOW, finishedAt: NOW, inputs: [], counts: {}, revisionBefore: revision, details: null },
});

async function newStore(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'tiersync-large-')), 'store.db');
  await SqlJsStore.init(path, {
    provider: { mpnId: '1000001', name: 'Provider', portalUrl: 'http://localhost:8080' },
    admin: { email: 'ops@provider.example', displayName: 'Ops', roles: ['Global admin'], status: 'active' },
    offers: [{ offerId: 'CFQ7TTC0LH18:0001', name: 'Offer', minQuantity: 1, maxQuantity: 300, terms: ['P1Y'], billingCycles: ['monthly'], upgradeTargets: [] }],
    clock: 'system',
    now: NOW,
    operator: 'ops@provider.example',
  });
  return path;
}

const allSubscriptions = async (store: SqlJsStore) => (await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: 'all', subscriptionIds: [] })).subscriptions;

describe('a large commit to the sql.js store', () => {
  it('changes nothing when a row fails, then commits whole; the file holds exactly the database', async () => {
    const path = await newStore();
    const store = await SqlJsStore.open(path, { write: true, lockTimeoutSeconds: 0 });
    try {
      const { revision } = await store.info();
      const failing = [...Array.from({ length: 30_000 }, (_, i) => subscription(i)), subscription(1, { status: null as never })];
      await expect(store.commit(commitOf(revision, failing))).rejects.toThrow(/NOT NULL/);
      expect((await store.info()).revision).toBe(revision);
      expect(await allSubscriptions(store)).toHaveLength(0);

      const records = Array.from({ length: 30_000 }, (_, i) => subscription(i));
      expect(await store.commit(commitOf(revision, records))).toBe(revision + 1);
      expect(await allSubscriptions(store)).toHaveLength(30_000);
    } finally {
      await store.close();
    }

    const file = readFileSync(path);
    const pageSize = file.readUInt16BE(16);
    expect(file.readUInt32BE(28) * pageSize).toBe(file.length);
    const reopened = await SqlJsStore.open(path, { write: false, lockTimeoutSeconds: 0 });
    try {
      const stored = await allSubscriptions(reopened);
      expect(stored).toHaveLength(30_000);
      expect(stored.find((s) => s.nickname === 'seat-29999')).toMatchObject({ quantity: 1 + (29_999 % 300), customerDomain: 'customer499' });
      expect((await verifyAuditChain(reopened.readAudit())).broken).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });
});
