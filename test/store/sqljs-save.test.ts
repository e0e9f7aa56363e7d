import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { verifyAuditChain } from '../../src/core/audit-chain.js';
import type { CustomerRecord } from '../../src/core/entities.js';
import { StalePlanError } from '../../src/core/errors.js';
import { SqlJsStore } from '../../src/store/sqljs-store.js';
import type { AuditEntry, CommitBatch, WriteOp } from '../../src/store/sync-store.js';

/**
 * The file store saves its database from sql.js's own file, without copying it, as long as that
 * file is the array the store handed over; whenever it may not be (the file outgrew the array) it
 * saves through `export()`. Either way the file on disk is the committed database.
 */

const NOW = '2026-03-01T10:00:00.000Z';
const OPERATOR = 'admin@provider.example';

function customer(domain: string, note = ''): CustomerRecord {
  return { domain, tenantId: randomUUID(), companyName: `${domain} Ltd${note}`, contactFirstName: 'Ana', contactLastName: 'Silva', contactEmail: `ana@${domain}`, phone: null, addressLine1: '1 Main Street', addressLine2: null, city: 'Paris', stateRegion: null, postalCode: '75002', country: 'FR', language: 'fr-FR', registrationNumber: null, resellerMpnId: null, adminAccess: 'none', createdAt: NOW };
}

function batchOf(expectedRevision: number, records: CustomerRecord[]): CommitBatch {
  const batchId = randomUUID();
  const ops: WriteOp[] = records.map((record) => ({ kind: 'upsert', entity: 'customer', record }));
  const audit: AuditEntry[] = records.map((r) => ({ batchId, at: NOW, operator: OPERATOR, entity: 'customer', key: r.domain, action: 'create', before: null, after: r, inputName: 'in.xlsx', inputSha256: 'ab'.repeat(32) }));
  return { expectedRevision, ops, audit, batch: { batchId, mode: 'apply', operator: OPERATOR, startedAt: NOW, finishedAt: NOW, inputs: [{ name: 'in.xlsx', sha256: 'ab'.repeat(32) }], counts: { Customers: { created: records.length } }, revisionBefore: expectedRevision, details: null } };
}

function domains(prefix: string, n: number, note = ''): CustomerRecord[] {
  return Array.from({ length: n }, (_, i) => customer(`${prefix}${i}.example`, note));
}

/** What another program finds in the file: SQLite's integrity check, the customers and the revision. */
async function onDisk(path: string): Promise<{ integrity: string; customers: number; revision: number }> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const one = (sql: string) => db.exec(sql)[0]!.values[0]![0];
    return { integrity: String(one('PRAGMA integrity_check')), customers: Number(one('SELECT COUNT(*) FROM customers')), revision: Number(one('SELECT revision FROM store_meta')) };
  } finally {
    db.close();
  }
}

describe('file store: saving the committed database', () => {
  const opened: SqlJsStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  async function fresh(): Promise<string> {
    const path = join(mkdtempSync(join(tmpdir(), 'tiersync-save-')), 'store.db');
    await SqlJsStore.init(path, { now: NOW, operator: OPERATOR, provider: { mpnId: '1000001', name: 'Contoso Distribution', portalUrl: 'https://portal.example' }, admin: { email: OPERATOR, displayName: 'Admin', roles: ['Global admin'], status: 'active' }, offers: [], clock: 'system' });
    return path;
  }

  async function open(path: string): Promise<SqlJsStore> {
    const store = await SqlJsStore.open(path, { write: true, lockTimeoutSeconds: 0 });
    opened.push(store);
    return store;
  }

  /** Commit `records` against `revision`; then how the save went (when `save` is given) and what the file holds. */
  async function commitChecked(store: SqlJsStore, path: string, revision: number, records: CustomerRecord[], save: SqlJsStore['lastSave'], customers: number): Promise<void> {
    expect(await store.commit(batchOf(revision, records))).toBe(revision + 1);
    if (save) expect(store.lastSave).toBe(save);
    expect(await onDisk(path)).toEqual({ integrity: 'ok', customers, revision: revision + 1 });
  }

  it('writes commits from the database file in place, in small and large commits and across commits of one session', async () => {
    const path = await fresh();
    let store = await open(path);
    // Large enough to reload the image with room for the growth first.
    await commitChecked(store, path, 1, domains('big', 12_000), 'in place', 12_000);
    await commitChecked(store, path, 2, domains('small', 50), 'in place', 12_050);
    await store.close();

    store = await open(path);
    await commitChecked(store, path, 3, domains('again', 50), 'in place', 12_100);
    // The audit trail in the file chains unbroken: init's entries, then each customer's.
    expect(await verifyAuditChain(store.readAudit())).toEqual({ records: 12_102 });
  });

  it('lets its database go while a run plans, and reads it back from the file when next used', async () => {
    const path = await fresh();
    const store = await open(path);
    expect(await store.commit(batchOf(1, domains('first', 20)))).toBe(2);
    store.releaseMemory();
    // Read back: what was committed, at the revision committed, and a commit saved in place again.
    expect((await store.info()).revision).toBe(2);
    expect((await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: [], subscriptionIds: [] })).customers).toHaveLength(20);
    store.releaseMemory();
    await commitChecked(store, path, 2, domains('second', 5), 'in place', 25);
    expect(await verifyAuditChain(store.readAudit())).toEqual({ records: 27 });
  });

  it('saves through a copy once the database outgrew the file it was handed; after a failed commit, reads the file again', async () => {
    const path = await fresh();
    const store = await open(path);
    // Records far larger than a commit is expected to add: the writes pass the end of the room made for them.
    await commitChecked(store, path, 1, domains('wide', 300, 'x'.repeat(40_000)), 'exported', 300);
    await commitChecked(store, path, 2, domains('next', 10), undefined, 310);
    await store.close();

    const again = await open(path);
    await expect(again.commit(batchOf(1, domains('stale', 10)))).rejects.toThrow(StalePlanError);
    // The failed commit's database is let go (it ran without a rollback journal): the next one works on
    // the file as read again, and saves in place; nothing of the failed one is in it.
    await commitChecked(again, path, 3, domains('after', 10), 'in place', 320);
    expect((await again.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: [], subscriptionIds: [] })).customers.filter((c) => c.domain.startsWith('stale'))).toEqual([]);
  });
});
