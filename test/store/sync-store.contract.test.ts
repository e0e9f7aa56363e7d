import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { verifyAuditChain, type AuditRecord } from '../../src/core/audit-chain.js';
import type { CustomerRecord, InvitationRecord, OfferRecord, SubscriptionRecord, UserRecord } from '../../src/core/entities.js';
import { StalePlanError, StoreError, StoreLockedError } from '../../src/core/errors.js';
import { initStore, openStore } from '../../src/run/store-factory.js';
import type { AuditEntry, CommitBatch, SyncStore, WriteOp } from '../../src/store/sync-store.js';
import { createTestDatabase, queryRows } from '../helpers/postgres.js';

/**
 * The store contract: every behaviour the engine relies on, run against every backend named in
 * STORES (default `sqljs,postgres`). Stores are reached through the composition root, as the CLI does.
 */
interface Backend {
  /** A location where no store exists yet. */
  newLocation(): Promise<string>;
  /** Mark the store as written by a newer program (schema version 999). */
  markNewerSchema(location: string): Promise<void>;
}

const BACKENDS: Record<string, Backend> = {
  sqljs: {
    async newLocation() {
      return join(mkdtempSync(join(tmpdir(), 'tiersync-store-')), 'store.db');
    },
    async markNewerSchema(location) {
      const SQL = await initSqlJs();
      const db = new SQL.Database(readFileSync(location));
      db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01')");
      writeFileSync(location, db.export());
      db.close();
    },
  },
  postgres: {
    newLocation: () => createTestDatabase('contract'),
    async markNewerSchema(location) {
      await queryRows(location, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01')");
    },
  },
};

const STORES = (process.env.STORES ?? 'sqljs,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of STORES) if (!BACKENDS[name]) throw new Error(`STORES names an unknown backend "${name}": use ${Object.keys(BACKENDS).join(', ')}`);

const NOW = '2026-03-01T10:00:00.000Z';
const ADMIN: UserRecord = { email: 'admin@provider.example', displayName: 'Admin', roles: ['Global admin'], status: 'active' };
const OFFERS: OfferRecord[] = [
  { offerId: 'CFQ7TTC0LH18:0001', name: 'Business Basic', minQuantity: 1, maxQuantity: 300, terms: ['P1Y', 'P1M'], billingCycles: ['monthly', 'annual'], upgradeTargets: ['CFQ7TTC0LDPB:0001'] },
  { offerId: 'CFQ7TTC0LDPB:0001', name: 'Business Standard', minQuantity: 1, maxQuantity: 300, terms: ['P1Y', 'P3Y'], billingCycles: ['annual', 'triennial'], upgradeTargets: [] },
];
const PROVIDER = { mpnId: '1000001', name: 'Contoso Distribution', portalUrl: 'https://portal.example' };

function customer(domain: string, overrides: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    domain,
    tenantId: randomUUID(),
    companyName: `${domain} Ltd`,
    contactFirstName: 'Ana',
    contactLastName: 'Silva',
    contactEmail: `ana@${domain}.example`,
    phone: null,
    addressLine1: '1 Main Street',
    addressLine2: null,
    city: 'Paris',
    stateRegion: null,
    postalCode: '75002',
    country: 'FR',
    language: 'fr-FR',
    registrationNumber: null,
    resellerMpnId: null,
    adminAccess: 'none',
    createdAt: NOW,
    ...overrides,
  };
}

function subscription(customerDomain: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return { subscriptionId: randomUUID(), customerDomain, offerId: OFFERS[0]!.offerId, nickname: '', quantity: 5, term: 'P1Y', billingCycle: 'monthly', autoRenew: true, partnerOfRecordMpnId: null, supportContactMpnId: null, status: 'active', termStart: NOW, termEnd: '2027-03-01T10:00:00.000Z', seatAdditions: null, scheduled: null, createdAt: NOW, ...overrides };
}

function batchOf(expectedRevision: number, ops: WriteOp[], audit: AuditEntry[] = ops.map((op) => entry(op))): CommitBatch {
  const batchId = randomUUID();
  return {
    expectedRevision,
    ops,
    audit: audit.map((a) => ({ ...a, batchId })),
    batch: { batchId, mode: 'apply', operator: ADMIN.email, startedAt: NOW, finishedAt: NOW, inputs: [{ name: 'in.xlsx', sha256: 'ab'.repeat(32) }], counts: { Customers: { created: ops.length } }, revisionBefore: expectedRevision, details: { note: 'kept' } },
  };
}

function entry(op: WriteOp): AuditEntry {
  const key = op.kind === 'upsert-invitation' ? op.record.id : JSON.stringify(op.record).slice(0, 40);
  return { batchId: '', at: NOW, operator: ADMIN.email, entity: op.kind === 'upsert' ? op.entity : 'invitation', key, action: 'create', before: null, after: op.record, inputName: 'in.xlsx', inputSha256: 'ab'.repeat(32) };
}

async function collect(records: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

describe.each(STORES)('SyncStore contract: %s', (backendName) => {
  const backend = BACKENDS[backendName]!;
  const opened: SyncStore[] = [];
  const open = async (location: string, write: boolean, lockTimeoutSeconds = 0) => {
    const store = await openStore(location, { write, lockTimeoutSeconds });
    opened.push(store);
    return store;
  };
  const created = async () => {
    const location = await backend.newLocation();
    await initStore(location, { provider: PROVIDER, admin: ADMIN, offers: OFFERS, now: NOW, operator: ADMIN.email, clock: 'system' });
    return location;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('init creates a store at revision 1 with the provider, its admin and catalog; a second init is refused', async () => {
    const location = await created();
    const store = await open(location, false);
    const info = await store.info();
    expect(info).toMatchObject({ revision: 1, provider: PROVIDER, createdAt: NOW });
    expect(info.storeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(store.location).toBe(location);
    const snapshot = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
    expect(snapshot.users).toEqual([ADMIN]);
    expect([...snapshot.offers].sort((a, b) => a.offerId.localeCompare(b.offerId))).toEqual([...OFFERS].sort((a, b) => a.offerId.localeCompare(b.offerId)));
    expect([snapshot.resellers, snapshot.customers, snapshot.subscriptions, snapshot.openInvitations]).toEqual([[], [], [], []]);
    expect((await collect(store.readAudit())).map((r) => [r.seq, r.entity, r.action])).toEqual([
      [1, 'provider', 'create'],
      [2, 'user', 'create'],
      [3, 'offer', 'create'],
      [4, 'offer', 'create'],
    ]);
    expect((await store.listBatches()).map((b) => [b.mode, b.revisionBefore, b.revisionAfter])).toEqual([['init', 0, 1]]);
    await expect(initStore(location, { provider: PROVIDER, admin: ADMIN, offers: OFFERS, now: NOW, operator: ADMIN.email, clock: 'system' })).rejects.toThrow(/already exists/);
  });

  it('refuses to open a location without a store', async () => {
    const location = await backend.newLocation();
    await expect(openStore(location, { write: false, lockTimeoutSeconds: 0 })).rejects.toThrow(StoreError);
    await expect(openStore(location, { write: false, lockTimeoutSeconds: 0 })).rejects.toThrow(/no store/i);
  });

  it('commits records that read back identical, by keys, by IDs and whole; an update keeps its place', async () => {
    const location = await created();
    const store = await open(location, true);
    const zeta = customer('zeta', { companyName: 'Zeta "Z" \\ {Holdings}, NULL Inc. — Ünïcode 😀', addressLine2: '', phone: '+33 1 23 45 67 89', resellerMpnId: '2000001', adminAccess: 'default GDAP', registrationNumber: 'FR 12 345 678 901', postalCode: null, stateRegion: 'IDF' });
    const alpha = customer('alpha');
    const mid = customer('mid');
    const subs = [subscription('zeta', { nickname: 'null', autoRenew: false, partnerOfRecordMpnId: '2000001' }), subscription('zeta', { nickname: ' NULL ' }), subscription('zeta', { nickname: 'a,b{c}' }), subscription('alpha', { quantity: 7 }), subscription('mid', { status: 'suspended', billingCycle: 'annual', seatAdditions: [{ quantity: 2, at: NOW }, { quantity: 3, at: '2026-03-02T08:00:00.000Z' }], scheduled: { quantity: 4, term: 'P3Y', requestedAt: NOW } })];
    const invitation: InvitationRecord = { id: randomUUID(), resellerMpnId: '2000001', tokenHash: 'f'.repeat(64), createdAt: NOW, expiresAt: '2026-04-01T10:00:00.000Z', status: 'open', acceptedAt: null };
    const ops: WriteOp[] = [
      { kind: 'upsert', entity: 'reseller', record: { mpnId: '2000001', name: 'Fabrikam', contactEmail: 'f@fabrikam.example', globalMpnId: null, tenantId: '3b33e682-00c3-41ee-9dd2-a548adf56438', country: 'US', partnership: 'invited', stateSince: NOW } },
      { kind: 'upsert-invitation', record: invitation },
      ...[zeta, alpha, mid].map((record) => ({ kind: 'upsert' as const, entity: 'customer' as const, record })),
      ...subs.map((record) => ({ kind: 'upsert' as const, entity: 'subscription' as const, record })),
    ];
    expect(await store.commit(batchOf(1, ops))).toBe(2);
    expect((await store.info()).revision).toBe(2);

    const all = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
    const byDomain = <T extends { domain: string }>(list: T[]) => [...list].sort((a, b) => a.domain.localeCompare(b.domain));
    const byId = <T extends { subscriptionId: string }>(list: T[]) => [...list].sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId));
    expect(byDomain(all.customers)).toEqual(byDomain([zeta, alpha, mid]));
    expect(byId(all.subscriptions)).toEqual(byId(subs));
    expect(all.openInvitations).toEqual([invitation]);
    expect(await store.openInvitations()).toEqual([invitation]);
    expect(all.resellers.map((r) => r.mpnId)).toEqual(['2000001']);

    const some = await store.loadSnapshot({ customers: ['alpha', 'nosuch'], subscriptionsOfCustomers: ['alpha'], subscriptionIds: [subs[0]!.subscriptionId, randomUUID()] });
    expect(some.customers).toEqual([alpha]);
    expect(new Set(some.subscriptions.map((s) => s.subscriptionId))).toEqual(new Set([subs[0]!.subscriptionId, subs.find((x) => x.customerDomain === 'alpha')!.subscriptionId]));
    expect(some.users).toEqual([ADMIN]);
    // Naming most of the customers (a full re-upload) gives the same records as naming a few.
    const most = await store.loadSnapshot({ customers: ['zeta', 'mid', 'nosuch'], subscriptionsOfCustomers: ['zeta', 'mid'], subscriptionIds: [subs[3]!.subscriptionId] });
    expect(byDomain(most.customers)).toEqual(byDomain([zeta, mid]));
    expect(byId(most.subscriptions)).toEqual(byId(subs));
    const none = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
    expect([none.customers, none.subscriptions]).toEqual([[], []]);

    // An update replaces the record and keeps its place (records of a later commit come after); a closed invitation is no longer open.
    const zeta2 = { ...zeta, companyName: 'Zeta Holdings', phone: null, resellerMpnId: null, adminAccess: 'none' as const };
    const later = customer('aaa');
    await store.commit(batchOf(2, [{ kind: 'upsert', entity: 'customer', record: later }, { kind: 'upsert', entity: 'customer', record: zeta2 }, { kind: 'upsert-invitation', record: { ...invitation, status: 'accepted', acceptedAt: NOW } }]));
    const after = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: [], subscriptionIds: [] });
    expect(after.customers).toEqual([...all.customers.map((c) => (c.domain === 'zeta' ? zeta2 : c)), later]);
    expect(after.openInvitations).toEqual([]);
    expect(await store.openInvitations()).toEqual([]);
    expect(await store.findInvitationByTokenHash('f'.repeat(64))).toEqual({ ...invitation, status: 'accepted', acceptedAt: NOW });
    expect(await store.findInvitationByTokenHash('0'.repeat(64))).toBeUndefined();

    // Another session sees the committed state.
    const reader = await open(location, false);
    expect((await reader.loadSnapshot({ customers: ['zeta'], subscriptionsOfCustomers: [], subscriptionIds: [] })).customers).toEqual([zeta2]);
  });

  it('writes large batches whole, and the same key twice in one batch keeps the last', async () => {
    const location = await created();
    const store = await open(location, true);
    const customers = Array.from({ length: 120 }, (_, i) => customer(`bulk${i}`));
    const subs = Array.from({ length: 12_000 }, (_, i) => subscription(`bulk${i % 120}`, { nickname: `n${i}`, quantity: 1 + (i % 300) }));
    const twice = { ...subs[5]!, quantity: 299 };
    const ops: WriteOp[] = [...customers.map((record) => ({ kind: 'upsert' as const, entity: 'customer' as const, record })), ...subs.map((record) => ({ kind: 'upsert' as const, entity: 'subscription' as const, record })), { kind: 'upsert', entity: 'subscription', record: twice }];
    const progress: Array<[number, number]> = [];
    await store.commit({ ...batchOf(1, ops, ops.slice(0, 10).map((op) => entry(op))), onProgress: (written, total) => progress.push([written, total]) });
    // Progress is display only: some calls, counting up, within the total of ops and audit entries.
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 0; i < progress.length; i++) {
      expect(progress[i]![1]).toBe(ops.length + 10);
      expect(progress[i]![0]).toBeLessThanOrEqual(ops.length + 10);
      if (i) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    }
    const all = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
    expect(all.customers).toHaveLength(120);
    expect(all.subscriptions).toHaveLength(12_000);
    expect(all.subscriptions.find((s) => s.subscriptionId === twice.subscriptionId)).toEqual(twice);
    expect(new Set(all.subscriptions.map((s) => s.nickname))).toEqual(new Set(subs.map((s) => s.nickname)));
  });

  it('refuses a stale revision with StalePlanError and changes nothing', async () => {
    const location = await created();
    const store = await open(location, true);
    await expect(store.commit(batchOf(0, [{ kind: 'upsert', entity: 'customer', record: customer('late') }]))).rejects.toThrow(StalePlanError);
    await expect(store.commit(batchOf(5, [{ kind: 'upsert', entity: 'customer', record: customer('late') }]))).rejects.toThrow(/plan is stale.*revision 5.*now at revision 1/);
    expect((await store.info()).revision).toBe(1);
    expect((await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: [], subscriptionIds: [] })).customers).toEqual([]);
    expect(await collect(store.readAudit())).toHaveLength(4);
  });

  it('rolls back everything when one op fails, and stays usable', async () => {
    const location = await created();
    const store = await open(location, true);
    const first = customer('first');
    await store.commit(batchOf(1, [{ kind: 'upsert', entity: 'customer', record: first }]));
    // The last op breaks a uniqueness rule (tenant ID): the ops before it must not stay.
    const ops: WriteOp[] = [
      { kind: 'upsert', entity: 'customer', record: customer('good') },
      { kind: 'upsert', entity: 'subscription', record: subscription('good') },
      { kind: 'upsert', entity: 'customer', record: customer('clash', { tenantId: first.tenantId }) },
    ];
    await expect(store.commit(batchOf(2, ops))).rejects.toThrow(StoreError);
    await expect(store.commit(batchOf(2, ops))).rejects.toThrow(/nothing was applied/);
    expect((await store.info()).revision).toBe(2);
    const snap = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
    expect(snap.customers).toEqual([first]);
    expect(snap.subscriptions).toEqual([]);
    expect(await collect(store.readAudit())).toHaveLength(5);
    expect(await store.listBatches()).toHaveLength(2);
    expect(await store.commit(batchOf(2, [{ kind: 'upsert', entity: 'customer', record: customer('good') }]))).toBe(3);
    const reopened = await open(location, false);
    expect((await reopened.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: [], subscriptionIds: [] })).customers.map((c) => c.domain)).toEqual(['first', 'good']);
  });

  it('appends to one hash chain across commits, read back in sequence order, from any sequence number', async () => {
    const location = await created();
    const store = await open(location, true);
    for (let i = 0; i < 3; i++) {
      const ops: WriteOp[] = [0, 1].map((j) => ({ kind: 'upsert', entity: 'customer', record: customer(`chain${i}x${j}`) }));
      await store.commit(batchOf(1 + i, ops));
    }
    const records = await collect(store.readAudit());
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    expect(records[5]).toMatchObject({ entity: 'customer', action: 'create', inputName: 'in.xlsx', operator: ADMIN.email, before: null });
    expect((records[5]!.after as CustomerRecord).domain).toBe('chain0x1');
    expect(await verifyAuditChain(store.readAudit())).toEqual({ records: 10 });
    expect((await collect(store.readAudit(8))).map((r) => r.seq)).toEqual([8, 9, 10]);

    const batches = await store.listBatches();
    expect(batches.map((b) => [b.mode, b.revisionBefore, b.revisionAfter])).toEqual([
      ['init', 0, 1],
      ['apply', 1, 2],
      ['apply', 2, 3],
      ['apply', 3, 4],
    ]);
    expect(batches[1]).toMatchObject({ operator: ADMIN.email, startedAt: NOW, inputs: [{ name: 'in.xlsx', sha256: 'ab'.repeat(32) }], counts: { Customers: { created: 2 } }, details: { note: 'kept' } });
    expect(batches[1]!.batchId).toBe(records[4]!.batchId);
  });

  it('reads the trail back from any row: values stored as the same as the row before them decode across blocks and commits', async () => {
    const location = await created();
    const store = await open(location, true);
    // Two commits of records alike (most members equal to the record's before them); the second starts inside a block.
    const first: WriteOp[] = Array.from({ length: 100 }, (_, i) => ({ kind: 'upsert', entity: 'customer', record: customer(`alike${String(i).padStart(3, '0')}`) }));
    const second: WriteOp[] = Array.from({ length: 60 }, (_, i) => ({ kind: 'upsert', entity: 'customer', record: customer(`alike${String(i).padStart(3, '0')}`, { city: 'Lisbon' }) }));
    const init = (await collect(store.readAudit())).length;
    await store.commit(batchOf(1, first));
    await store.commit(batchOf(2, second, second.map((op, i) => ({ ...entry(op), action: 'update', before: first[i]!.record }))));
    const all = await collect(store.readAudit());
    expect(all).toHaveLength(init + 160);
    expect(all.slice(init).map((r) => (r.after as CustomerRecord).domain)).toEqual([...first, ...second].map((op) => (op.record as CustomerRecord).domain));
    expect(all.slice(init + 100).map((r) => [(r.before as CustomerRecord).city, (r.after as CustomerRecord).city])).toEqual(second.map(() => ['Paris', 'Lisbon']));
    expect(all.slice(init).map((r) => r.after)).toEqual([...first, ...second].map((op) => op.record));
    expect(await verifyAuditChain(store.readAudit())).toEqual({ records: init + 160 });
    for (const from of [2, 64, 65, 66, init + 100, init + 101, 129, 130, init + 160]) expect(await collect(store.readAudit(from))).toEqual(all.slice(from - 1));
  });

  it('commits only with the writer lock', async () => {
    const location = await created();
    const reader = await open(location, false);
    await expect(reader.commit(batchOf(1, [{ kind: 'upsert', entity: 'customer', record: customer('x') }]))).rejects.toThrow(/opened for reading/);
  });

  it('lets one writer at a time in: a second fails naming the holder, or waits for it; readers are not blocked', async () => {
    const location = await created();
    const first = await open(location, true);
    const error = await openStore(location, { write: true, lockTimeoutSeconds: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(String((error as Error).message)).toContain(`locked by another run (pid ${process.pid} on host ${hostname()}`);
    const reader = await open(location, false);
    expect((await reader.info()).revision).toBe(1);

    const started = Date.now();
    const waiting = openStore(location, { write: true, lockTimeoutSeconds: 10 });
    setTimeout(() => void first.close(), 600);
    const second = await waiting;
    opened.push(second);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await second.commit(batchOf(1, [{ kind: 'upsert', entity: 'customer', record: customer('waited') }]))).toBe(2);
  });

  it('refuses a store written by a newer tiersync', async () => {
    const location = await created();
    await backend.markNewerSchema(location);
    await expect(openStore(location, { write: false, lockTimeoutSeconds: 0 })).rejects.toThrow(/newer tiersync \(schema 999/);
    await expect(openStore(location, { write: true, lockTimeoutSeconds: 0 })).rejects.toThrow(StoreError);
  });
});
