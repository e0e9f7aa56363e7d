import { describe, expect, it } from '@jest/globals';
import { auditHash, canonicalJson } from '../../src/core/audit-chain.js';
import { AUDIT_BLOCK_ROWS, AuditChainEncoder, auditBlockStart, auditRecordsOf, auditShapesOf, auditValueOf, canonicalText, type AuditEntryFields, type AuditPrevious } from '../../src/store/record-mapping.js';

const entry = (over: Partial<AuditEntryFields> = {}): AuditEntryFields => ({
  batchId: '6f1c0c1e-2b1a-4c39-9a53-0d1e5f1b2a10',
  at: '2026-11-24T10:00:00.000Z',
  operator: 'ops@provider.example',
  entity: 'subscription',
  key: '0b9f8f1e-0000-4000-8000-000000000001',
  action: 'update',
  before: { subscriptionId: '0b9f8f1e-0000-4000-8000-000000000001', quantity: 4, autoRenew: true, nickname: 'seat-1', supportContactMpnId: null },
  after: { subscriptionId: '0b9f8f1e-0000-4000-8000-000000000001', quantity: 5, autoRenew: false, nickname: 'Sièges "nord"', supportContactMpnId: null },
  inputName: 'orders.xlsx',
  inputSha256: 'ab'.repeat(32),
  ...over,
});

describe('the audit row the sql.js store writes', () => {
  it('canonicalText is canonicalJson', () => {
    const values: unknown[] = [
      null,
      undefined,
      0,
      -1.5,
      'text with "quotes" and \\ and \u2028',
      [1, 'a', null, undefined, { b: 1, a: [true, false] }],
      { z: 1, a: undefined, é: 'x', A: 2, _: [], nested: { y: null, x: { q: 'é' } } },
      { roles: ['Global admin', 'Sales agent'], upgradeTargets: null },
    ];
    for (const value of values) expect(canonicalText(value)).toBe(canonicalJson(value));
  });

  it('chains with the same hash as auditHash, stores before/after compactly, and reads back the records it hashed', () => {
    const genesis = '0'.repeat(64);
    const entries = [
      entry(),
      entry({ action: 'create', before: null }),
      entry({ entity: 'invitation', inputName: '', inputSha256: '', before: null, after: { invitationId: 'x', expiresAt: '2026-12-24' } }),
      // A record created by the run: dated at the entry's time.
      entry({ action: 'create', before: null, after: { createdAt: '2026-11-24T10:00:00.000Z', invitationId: '0b9f8f1e-0000-4000-8000-000000000001', expiresAt: '2026-11-24T10:00:00.000Z' } }),
    ];
    // The store already has shape 3 (another entity's keys): new shapes are numbered after it.
    const chain = new AuditChainEncoder(40, genesis, 7, new Map([[3, ['a', 'b']]]));
    let prevHash = genesis;
    const rows = entries.map((e) => chain.encode(e));
    // Objects are stored as their values in sorted-key order; their keys once per shape.
    expect(chain.shapes).toEqual([
      [4, JSON.stringify(['autoRenew', 'nickname', 'quantity', 'subscriptionId', 'supportContactMpnId'])],
      [5, JSON.stringify(['expiresAt', 'invitationId'])],
      [6, JSON.stringify(['createdAt', 'expiresAt', 'invitationId'])],
    ]);
    // Members equal to the record key (bit 3: subscriptionId) or to the entry's time are left out, named by their masks.
    expect(rows[0]![3]).toBe('[-4,8,0,true,"seat-1",4,null]');
    expect(rows[3]![4]).toBe('[-6,4,3]');
    // So are members equal to the last value of the shape (the before of the same entry; bit 4:
    // supportContactMpnId), named by a fourth mask, the key mask then stored as -1 - keyMask.
    expect(rows[0]![4]).toBe('[-4,-9,0,16,false,"Sièges \\"nord\\"",5]');
    expect(rows[1]![4]).toBe('[-4,-9,0,23]');
    const shapes = auditShapesOf([[3, '["a","b"]'], ...chain.shapes]);
    const previous: AuditPrevious = new Map();
    const stored = rows.map((row, i) => {
      const e = entries[i]!;
      const seq = 41 + i;
      const hash = auditHash({ seq, ...e, before: e.before ?? null, after: e.after ?? null, prevHash });
      expect(row[0]).toBe(seq);
      expect(auditValueOf(row[3], shapes, e.key, e.at, previous)).toEqual(e.before ?? null);
      expect(auditValueOf(row[4], shapes, e.key, e.at, previous)).toEqual(e.after);
      // The hash is stored as its 32 bytes.
      expect(row[5]).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(row[5] as Uint8Array).toString('hex')).toBe(hash);
      prevHash = hash;
      return row;
    });
    // The run's fields, entity and action are stored once per distinct context, numbered after the store's last one.
    expect(stored.map((r) => r[1])).toEqual([8, 9, 10, 9]);
    expect(chain.contexts).toEqual([
      [8, entries[0]!.batchId, entries[0]!.at, entries[0]!.operator, 'orders.xlsx', 'ab'.repeat(32), null, 'subscription', 'update'],
      [9, entries[0]!.batchId, entries[0]!.at, entries[0]!.operator, 'orders.xlsx', 'ab'.repeat(32), null, 'subscription', 'create'],
      [10, entries[0]!.batchId, entries[0]!.at, entries[0]!.operator, '', '', null, 'invitation', 'update'],
    ]);
    // Joined back as the audit SELECT returns them, the records verify against their stored hashes.
    const context = new Map(chain.contexts.map((c) => [c[0], c]));
    const selected = stored.map((r) => {
      const c = context.get(r[1] as number)!;
      return [r[0], c[1], c[2], c[3], c[7], r[2], c[8], r[3], r[4], c[4], c[5], r[5]];
    });
    const records = [...auditRecordsOf(selected, genesis, shapes)];
    records.forEach((record, i) => {
      const { hash, ...rest } = record;
      expect(rest).toEqual({ seq: 41 + i, ...entries[i]!, before: entries[i]!.before ?? null, prevHash: i ? records[i - 1]!.hash : genesis });
      expect(auditHash(rest)).toBe(hash);
    });
  });

  it('reads back values of every form: objects written before shapes, arrays, text, numbers', () => {
    const chain = new AuditChainEncoder(0, '0'.repeat(64), 0);
    const odd = [['x', 1], 'text', 7, true, { nested: { b: 1, a: [1, 'two'] }, absent: undefined, z: null }];
    for (const value of odd) {
      const row = chain.encode(entry({ after: value }));
      expect(auditValueOf(row[4], auditShapesOf(chain.shapes))).toEqual(value);
    }
    expect(auditValueOf('{"quantity":4,"status":"active"}', new Map())).toEqual({ quantity: 4, status: 'active' });
    // Written before schema 7: every member stored, under a positive shape ID.
    expect(auditValueOf('[2,"k",4]', new Map([[2, ['id', 'quantity']]]), 'k')).toEqual({ id: 'k', quantity: 4 });
    expect(auditValueOf('[-2,1,0,4]', new Map([[2, ['id', 'quantity']]]), 'k')).toEqual({ id: 'k', quantity: 4 });
    expect(() => auditValueOf('[-2,1,0]', new Map([[2, ['id', 'quantity']]]), 'k')).toThrow('shape 2');
    expect(() => auditValueOf('[9,1]', new Map())).toThrow('shape 9');
    // A value that refers to the one before it, read without it, is refused rather than guessed.
    expect(() => auditValueOf('[-2,-2,0,2]', new Map([[2, ['id', 'quantity']]]), 'k')).toThrow('start of its block');
  });

  it('refers back only within a block of rows, so a read from any row of the trail starts at most a block earlier', () => {
    const chain = new AuditChainEncoder(0, '0'.repeat(64), 0);
    const entries = Array.from({ length: 3 * AUDIT_BLOCK_ROWS + 5 }, (_, i) => entry({ key: `k${i}`, action: 'create', before: null, after: { subscriptionId: `k${i}`, quantity: 1 + (i % 3), status: 'active', term: 'P1Y' } }));
    const rows = entries.map((e) => chain.encode(e));
    // The first row of every block stores all its members; the others, those that differ from the row before.
    rows.forEach((row, i) => expect(row[4]).toBe(i % AUDIT_BLOCK_ROWS === 0 ? `[-1,4,0,${1 + (i % 3)},"active","P1Y"]` : `[-1,-5,0,10,${1 + (i % 3)}]`));
    const context = chain.contexts[0]!;
    const shapes = auditShapesOf(chain.shapes);
    const selected = rows.map((r) => [r[0], context[1], context[2], context[3], context[7], r[2], context[8], r[3], r[4], context[4], context[5], r[5]]);
    const all = [...auditRecordsOf(selected, '0'.repeat(64), shapes)];
    expect(all.map((r) => r.after)).toEqual(entries.map((e) => e.after));
    for (const from of [1, 2, AUDIT_BLOCK_ROWS, AUDIT_BLOCK_ROWS + 1, AUDIT_BLOCK_ROWS + 2, 3 * AUDIT_BLOCK_ROWS + 5]) {
      const start = auditBlockStart(from);
      expect(start).toBeLessThanOrEqual(from);
      expect(from - start).toBeLessThan(AUDIT_BLOCK_ROWS);
      const read = [...auditRecordsOf(selected.slice(start - 1), start === 1 ? '0'.repeat(64) : all[start - 2]!.hash, shapes)].filter((r) => r.seq >= from);
      expect(read).toEqual(all.slice(from - 1));
    }
    // Started past a block's first row, the read cannot decode its rows.
    expect(() => [...auditRecordsOf(selected.slice(1), all[0]!.hash, shapes)]).toThrow('start of its block');
  });

  it('neither stores nor hashes fields beyond the audit record', () => {
    const plain = new AuditChainEncoder(0, '0'.repeat(64), 0).encode(entry());
    const extra = new AuditChainEncoder(0, '0'.repeat(64), 0).encode({ ...entry(), extra: 1 } as AuditEntryFields);
    expect(extra).toEqual(plain);
  });
});
