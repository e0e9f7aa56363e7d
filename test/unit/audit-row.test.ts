import { describe, expect, it } from '@jest/globals';
import { auditHash, canonicalJson } from '../../src/core/audit-chain.js';
import { canonicalText, chainedAuditRow, type AuditEntryFields } from '../../src/store/record-mapping.js';

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

  it('chains with the same hash as auditHash, and stores before/after as JSON of the same values', () => {
    let prevHash = '0'.repeat(64);
    const entries = [entry(), entry({ action: 'create', before: null }), entry({ entity: 'invitation', before: null, after: { invitationId: 'x', expiresAt: '2026-12-24' } })];
    entries.forEach((e, i) => {
      const seq = 41 + i;
      const chained = chainedAuditRow(e, seq, prevHash)!;
      expect(chained.hash).toBe(auditHash({ seq, ...e, before: e.before ?? null, after: e.after ?? null, prevHash }));
      expect(chained.row[0]).toBe(seq);
      expect(chained.row[7] === null ? null : JSON.parse(String(chained.row[7]))).toEqual(e.before ?? null);
      expect(JSON.parse(String(chained.row[8]))).toEqual(e.after);
      expect(chained.row[11]).toBe(prevHash);
      expect(chained.row[12]).toBe(chained.hash);
      prevHash = chained.hash;
    });
  });

  it('leaves an entry with other fields to the general path', () => {
    expect(chainedAuditRow({ ...entry(), extra: 1 } as AuditEntryFields, 1, '0'.repeat(64))).toBeUndefined();
  });
});
