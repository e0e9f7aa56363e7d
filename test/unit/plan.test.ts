import { describe, expect, it } from '@jest/globals';
import type { ProviderRecord, ResellerRecord, SubscriptionRecord, UserRecord } from '../../src/core/entities.js';
import { SHEETS, type SheetKind } from '../../src/normalize/columns.js';
import { startSheet, type InputSheet } from '../../src/normalize/normalize-sheet.js';
import { assembleSyncPlan } from '../../src/plan/assemble-sync-plan.js';
import type { CellValue } from '../../src/read/raw-sheet.js';
import type { StoreSnapshot } from '../../src/store/sync-store.js';

const NOW = '2026-11-24T10:00:00.000Z';
const provider: ProviderRecord = { mpnId: '1000001', name: 'Provider', portalUrl: 'http://localhost:8080' };
const admin: UserRecord = { email: 'admin@p.example', displayName: 'Admin', roles: ['Global admin'], status: 'active' };

function snapshot(parts: Partial<StoreSnapshot> = {}): StoreSnapshot {
  return {
    info: { storeId: 's', revision: 7, schemaVersion: 1, provider, createdAt: NOW, clock: 'system', lastRunAt: null, lastRefreshAt: null, nextRenewalAt: null },
    users: [admin],
    offers: [
      { offerId: 'BASIC', name: 'Basic', minQuantity: 1, maxQuantity: 300, terms: ['P1Y', 'P1M'], billingCycles: ['monthly', 'annual'], upgradeTargets: ['PREMIUM'] },
      { offerId: 'PREMIUM', name: 'Premium', minQuantity: 1, maxQuantity: 300, terms: ['P1Y', 'P1M'], billingCycles: ['monthly'], upgradeTargets: [] },
    ],
    resellers: [],
    openInvitations: [],
    customers: [],
    subscriptions: [],
    ...parts,
  };
}

/** A sheet from a record of column header → cell, one object per row; missing columns are filled blank. */
function sheetOf(kind: SheetKind, rows: Array<Record<string, CellValue>>): InputSheet {
  const headers = SHEETS[kind].columns.map((c) => c.header);
  const n = startSheet(kind, { name: kind, headerRow: 1, headers: headers.map((text, i) => ({ column: i + 1, text })) }, 0);
  rows.forEach((r, i) => n.add(i + 2, headers.map((h) => r[h] ?? null)));
  return n.sheet;
}

function plan(sheets: InputSheet[], snap = snapshot(), options: Partial<{ atomic: boolean; prune: boolean; allowRemovals: boolean; operator: string }> = {}) {
  return assembleSyncPlan({ inputs: [{ name: 'in.xlsx', sha256: 'x', bytes: 1 }], sheets, warnings: [] }, snap, {
    now: NOW,
    operator: options.operator ?? admin.email,
    atomic: options.atomic ?? false,
    allowRemovals: options.allowRemovals ?? false,
    prune: options.prune ?? false,
    resendExpired: false,
    invitationDays: 30,
  });
}

const active: ResellerRecord = { mpnId: '2000001', name: 'Fabrikam', contactEmail: 'f@x.example', globalMpnId: '2000000', tenantId: null, country: null, partnership: 'active', stateSince: NOW };
const customerRow = (domain: string, extra: Record<string, CellValue> = {}) => ({
  'Customer Domain': domain,
  'Company Name': 'Contoso',
  'Contact First Name': 'Ana',
  'Contact Last Name': 'Silva',
  'Contact Email': 'a@b.example',
  'Address Line 1': '1 St',
  City: 'Paris',
  'Postal Code': '75001',
  Country: 'FR',
  ...extra,
});

describe('assembleSyncPlan', () => {
  it('is a pure function of its inputs: the same batch gives the same plan', () => {
    const sheets = () => [sheetOf('Customers', [customerRow('contoso')]), sheetOf('Subscriptions', [{ 'Customer Domain': 'contoso', 'Offer ID': 'basic', Quantity: 3 }])];
    expect(JSON.stringify(plan(sheets()))).toEqual(JSON.stringify(plan(sheets())));
    const p = plan(sheets());
    expect(p.revision).toBe(7);
    expect(p.changes.map((c) => [c.entity, c.action])).toEqual([
      ['customer', 'create'],
      ['subscription', 'create'],
    ]);
    expect((p.changes[1]!.after as SubscriptionRecord).offerId).toBe('BASIC');
    expect(Object.isFrozen(p.changes)).toBe(true);
  });

  it('cancels a whole order when one of its subscriptions is rejected, leaving other orders alone', () => {
    const p = plan([
      sheetOf('Customers', [customerRow('contoso'), customerRow('woodgrove')]),
      sheetOf('Subscriptions', [
        { 'Customer Domain': 'contoso', 'Offer ID': 'BASIC', Quantity: 3 },
        { 'Customer Domain': 'contoso', 'Offer ID': 'BASIC', Quantity: 3000, Nickname: 'big' },
        { 'Customer Domain': 'woodgrove', 'Offer ID': 'BASIC', Quantity: 3 },
      ]),
    ]);
    expect(p.sheets.map((s) => s.rows.map((r) => [r.result, r.code ?? r.diags[0]?.code ?? '']))).toEqual([
      [
        ['skipped', 'order.cancelled'],
        ['created', ''],
      ],
      [
        ['skipped', 'order.cancelled'],
        ['rejected', 'subscription.quantity-out-of-range'],
        ['created', ''],
      ],
    ]);
    expect(p.changes.map((c) => c.key || (c.after as SubscriptionRecord).customerDomain)).toEqual(['woodgrove', 'woodgrove']);
    expect(p.sheets[1]!.rows[2]!.change).toBe(1);
  });

  it('checks a reseller reference only when it is set or changed', () => {
    const invited: ResellerRecord = { ...active, mpnId: '2000002', globalMpnId: null, partnership: 'invited' };
    const stored = { domain: 'contoso', tenantId: 't', companyName: 'Contoso', contactFirstName: 'Ana', contactLastName: 'Silva', contactEmail: 'a@b.example', phone: null, addressLine1: '1 St', addressLine2: null, city: 'Paris', stateRegion: null, postalCode: '75001', country: 'FR', language: 'en-US', registrationNumber: null, resellerMpnId: '2000002', adminAccess: 'default GDAP' as const, createdAt: NOW };
    const p = plan([sheetOf('Customers', [customerRow('contoso', { 'Reseller PartnerID': '2000002', Language: 'en-US' }), customerRow('other', { 'Reseller PartnerID': '2000002' })])], snapshot({ resellers: [active, invited], customers: [stored] }));
    expect(p.sheets[0]!.rows.map((r) => [r.result, r.diags[0]?.code ?? ''])).toEqual([
      ['unchanged', ''],
      ['rejected', 'partnership.not-active'],
    ]);
  });

  it('prunes: suspends subscriptions missing from a complete sheet and reports removals it may not do', () => {
    const sub = (id: string, nickname: string): SubscriptionRecord => ({ subscriptionId: id, customerDomain: 'contoso', offerId: 'BASIC', nickname, quantity: 2, term: 'P1Y', billingCycle: 'monthly', autoRenew: true, partnerOfRecordMpnId: null, supportContactMpnId: null, status: 'active', termStart: NOW, termEnd: '2027-01-01T00:00:00.000Z', seatAdditions: null, scheduled: null, createdAt: NOW });
    const stored = { domain: 'contoso', tenantId: 't', companyName: 'Contoso', contactFirstName: 'Ana', contactLastName: 'Silva', contactEmail: 'a@b.example', phone: null, addressLine1: '1 St', addressLine2: null, city: 'Paris', stateRegion: null, postalCode: '75001', country: 'FR', language: 'en-US', registrationNumber: null, resellerMpnId: null, adminAccess: 'none' as const, createdAt: NOW };
    const snap = snapshot({ resellers: [active], customers: [stored], subscriptions: [sub('11111111-1111-4111-8111-111111111111', 'a'), sub('22222222-2222-4222-8222-222222222222', 'b')] });
    const p = plan([sheetOf('Subscriptions', [{ 'Customer Domain': 'contoso', 'Offer ID': 'BASIC', Nickname: 'a', Quantity: 2 }]), sheetOf('Resellers', [])], snap, { prune: true });
    expect(p.drift.map((d) => [d.entity, d.key, d.action])).toEqual([
      ['reseller', '2000001', 'report'],
      ['subscription', '22222222-2222-4222-8222-222222222222', 'suspend'],
    ]);
    expect(p.changes.map((c) => [c.action, c.sourceFile])).toEqual([['suspend', null]]);
  });
});
