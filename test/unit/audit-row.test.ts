import { describe, expect, it } from '@jest/globals';
import { auditHash, canonicalJson } from '../../src/core/audit-chain.js';
import { AuditChainEncoder, auditRecordsOf, auditShapesOf, auditValueOf, canonicalText, type AuditEntryFields } from '../../src/store/record-mapping.js';

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
    expect(rows[0]![6]).toBe('[-4,8,0,false,"Sièges \\"nord\\"",5,null]');
    expect(rows[3]![6]).toBe('[-6,4,3]');
    const shapes = auditShapesOf([[3, '["a","b"]'], ...chain.shapes]);
    const stored = rows.map((row, i) => {
      const e = entries[i]!;
      const seq = 41 + i;
      const hash = auditHash({ seq, ...e, before: e.before ?? null, after: e.after ?? null, prevHash });
      expect(row[0]).toBe(seq);
      expect(auditValueOf(row[5], shapes, e.key, e.at)).toEqual(e.before ?? null);
      expect(auditValueOf(row[6], shapes, e.key, e.at)).toEqual(e.after);
      // The hash is stored as its 32 bytes.
      expect(row[7]).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(row[7] as Uint8Array).toString('hex')).toBe(hash);
      prevHash = hash;
      return row;
    });
    // The run's fields are stored once per distinct context, numbered after the store's last one.
    expect(stored.map((r) => r[1])).toEqual([8, 8, 9, 8]);
    expect(chain.contexts).toEqual([
      [8, entries[0]!.batchId, entries[0]!.at, entries[0]!.operator, 'orders.xlsx', 'ab'.repeat(32), null],
      [9, entries[0]!.batchId, entries[0]!.at, entries[0]!.operator, '', '', null],
    ]);
    // Joined back as the audit SELECT returns them, the records verify against their stored hashes.
    const context = new Map(chain.contexts.map((c) => [c[0], c]));
    const selected = stored.map((r) => {
      const c = context.get(r[1] as number)!;
      return [r[0], c[1], c[2], c[3], r[2], r[3], r[4], r[5], r[6], c[4], c[5], r[7]];
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
      expect(auditValueOf(row[6], auditShapesOf(chain.shapes))).toEqual(value);
    }
    expect(auditValueOf('{"quantity":4,"status":"active"}', new Map())).toEqual({ quantity: 4, status: 'active' });
    // Written before schema 7: every member stored, under a positive shape ID.
    expect(auditValueOf('[2,"k",4]', new Map([[2, ['id', 'quantity']]]), 'k')).toEqual({ id: 'k', quantity: 4 });
    expect(auditValueOf('[-2,1,0,4]', new Map([[2, ['id', 'quantity']]]), 'k')).toEqual({ id: 'k', quantity: 4 });
    expect(() => auditValueOf('[-2,1,0]', new Map([[2, ['id', 'quantity']]]), 'k')).toThrow('shape 2');
    expect(() => auditValueOf('[9,1]', new Map())).toThrow('shape 9');
  });

  it('neither stores nor hashes fields beyond the audit record', () => {
    const plain = new AuditChainEncoder(0, '0'.repeat(64), 0).encode(entry());
    const extra = new AuditChainEncoder(0, '0'.repeat(64), 0).encode({ ...entry(), extra: 1 } as AuditEntryFields);
    expect(extra).toEqual(plain);
  });
});
