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
    const entries = [entry(), entry({ action: 'create', before: null }), entry({ entity: 'invitation', inputName: '', inputSha256: '', before: null, after: { invitationId: 'x', expiresAt: '2026-12-24' } })];
    // The store already has shape 3 (another entity's keys): new shapes are numbered after it.
    const chain = new AuditChainEncoder(40, genesis, 7, new Map([[3, ['a', 'b']]]));
    let prevHash = genesis;
    const rows = entries.map((e) => chain.encode(e));
    // Objects are stored as their values in sorted-key order; their keys once per shape.
    expect(chain.shapes).toEqual([
      [4, JSON.stringify(['autoRenew', 'nickname', 'quantity', 'subscriptionId', 'supportContactMpnId'])],
      [5, JSON.stringify(['expiresAt', 'invitationId'])],
    ]);
    expect(rows[0]![6]).toBe('[4,false,"Sièges \\"nord\\"",5,"0b9f8f1e-0000-4000-8000-000000000001",null]');
    const shapes = auditShapesOf([[3, '["a","b"]'], ...chain.shapes]);
    const stored = rows.map((row, i) => {
      const e = entries[i]!;
      const seq = 41 + i;
      const hash = auditHash({ seq, ...e, before: e.before ?? null, after: e.after ?? null, prevHash });
      expect(row[0]).toBe(seq);
      expect(auditValueOf(row[5], shapes)).toEqual(e.before ?? null);
      expect(auditValueOf(row[6], shapes)).toEqual(e.after);
      expect(row[7]).toBe(hash);
      prevHash = hash;
      return row;
    });
    // The run's fields are stored once per distinct context, numbered after the store's last one.
    expect(stored.map((r) => r[1])).toEqual([8, 8, 9]);
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
    expect(() => auditValueOf('[9,1]', new Map())).toThrow('shape 9');
  });

  it('neither stores nor hashes fields beyond the audit record', () => {
    const plain = new AuditChainEncoder(0, '0'.repeat(64), 0).encode(entry());
    const extra = new AuditChainEncoder(0, '0'.repeat(64), 0).encode({ ...entry(), extra: 1 } as AuditEntryFields);
    expect(extra).toEqual(plain);
  });
});
