import { describe, expect, it } from '@jest/globals';
import { storedTime, writeOrder } from '../../src/store/record-mapping.js';
import type { WriteOp } from '../../src/store/sync-store.js';

const subscription = (subscriptionId: string, quantity = 1) => ({ kind: 'upsert', entity: 'subscription', record: { subscriptionId, quantity } }) as unknown as WriteOp;
const customer = (domain: string) => ({ kind: 'upsert', entity: 'customer', record: { domain } }) as unknown as WriteOp;
const reseller = (mpnId: string) => ({ kind: 'upsert', entity: 'reseller', record: { mpnId } }) as unknown as WriteOp;
const invitation = (id: string) => ({ kind: 'upsert-invitation', record: { id } }) as unknown as WriteOp;

describe('the order a commit writes its ops in', () => {
  it('is table by table (by table name), each in key order, ops on one key in the order they came', () => {
    const ops = [subscription('c-3', 1), reseller('900002'), customer('b.example'), subscription('a-1'), invitation('i-1'), subscription('c-3', 2), customer('a.example'), reseller('900001'), subscription('b-2')];
    const { order, kinds, keys } = writeOrder({ length: ops.length, at: (i) => ops[i] });
    const written = [...order].map((i) => `${kinds[i]} ${keys[i]}${(ops[i]!.record as { quantity?: number }).quantity ? ` ×${(ops[i]!.record as { quantity: number }).quantity}` : ''}`);
    expect(written).toEqual([
      'customer a.example',
      'customer b.example',
      'invitation i-1',
      'reseller 900001',
      'reseller 900002',
      'subscription a-1 ×1',
      'subscription b-2 ×1',
      'subscription c-3 ×1',
      'subscription c-3 ×2',
    ]);
  });

  it('of many ops is a permutation sorted by table and key', () => {
    const ops: WriteOp[] = [];
    for (let i = 0; i < 5000; i++) ops.push(i % 7 === 0 ? customer(`d${(i * 7919) % 1000}.example`) : subscription(`s-${(i * 104729) % 4000}`, i));
    const { order, kinds, keys } = writeOrder({ length: ops.length, at: (i) => ops[i] });
    expect(new Set(order).size).toBe(ops.length);
    for (let n = 1; n < order.length; n++) {
      const a = order[n - 1]!;
      const b = order[n]!;
      const before = kinds[a] === kinds[b] ? (keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b)) : kinds[a] === 'customer';
      expect(before).toBe(true);
    }
  });
});

describe('a time as the store keeps it', () => {
  it('is the milliseconds of a canonical ISO text, the same on every call; anything else is refused', () => {
    expect(storedTime('2026-11-24T10:00:00.000Z')).toBe(Date.UTC(2026, 10, 24, 10));
    expect(storedTime('2026-11-24T10:00:00.000Z')).toBe(Date.UTC(2026, 10, 24, 10));
    expect(storedTime('')).toBeNull();
    expect(() => storedTime('2026-11-24T10:00:00Z')).toThrow('is not a time as the store keeps them');
    expect(() => storedTime('2026-11-24T10:00:00Z')).toThrow('is not a time as the store keeps them');
    expect(() => storedTime('tomorrow')).toThrow('"tomorrow"');
  });
});
