import type { CustomerRecord, SubscriptionRecord } from '../core/entities.js';
import { refundableSeats, termEndOf } from '../core/new-commerce.js';
import { writtenColumns, type SheetKind } from '../normalize/columns.js';
import type { Change, PlannedSheet, WrittenValues } from './sync-plan.js';

/**
 * What a row writes back (SPEC §2.2: Tenant ID and Admin Access; Subscription ID, Term Start, Term End,
 * Refundable Seats), in the order of `writtenColumns(kind)`. The one place these values are made.
 */
export function customerWritten(record: Pick<CustomerRecord, 'tenantId' | 'adminAccess'>): WrittenValues {
  return [record.tenantId, record.adminAccess];
}

export function subscriptionWritten(record: SubscriptionRecord, now: string): WrittenValues {
  return [record.subscriptionId, record.termStart, record.termEnd, record.status === 'active' ? refundableSeats(record, now) : 0];
}

export const writtenCustomer = customerWritten;
export const writtenSubscription = subscriptionWritten;

/**
 * The written-back values of a row whose change is `change`: its record as apply writes it. A created
 * record gets its ID from apply (`assignedId`) and is dated at `at`, the apply's time (a plan: its own).
 */
export function writtenOfChange(kind: SheetKind, change: Change, assignedId: string | null | undefined, at: string): WrittenValues | undefined {
  if (change.entity === 'customer' && kind === 'Customers') {
    return customerWritten({ ...change.after, tenantId: change.action === 'create' ? (assignedId ?? '') : change.after.tenantId });
  }
  if (change.entity === 'subscription' && kind === 'Subscriptions') {
    const after = change.after;
    if (change.action !== 'create') return subscriptionWritten(after, at);
    return subscriptionWritten({ ...after, subscriptionId: assignedId ?? '', termStart: at, termEnd: termEndOf(at, after.term) }, at);
  }
  return undefined;
}

/**
 * Keep what row `index` of `sheet` writes back (`PlannedSheet.written`). The sheet's array is made at
 * its full length at the first row that writes back (8 bytes a value for every row of the sheet, 32 a
 * subscription row): grown row by row, a million rows' array would be copied some thirty times, the
 * last copy beside the one before at planning's peak.
 */
export function keepWritten(sheet: PlannedSheet, index: number, values: WrittenValues): void {
  const width = writtenColumns(sheet.kind).length;
  const kept = (sheet.written ??= new Array<string | number | null>(sheet.rows.length * width));
  for (let k = 0; k < width; k++) kept[index * width + k] = values[k] ?? null;
}

/** Value `k` of what row `index` of `sheet` writes back, if it keeps one. */
export function keptWritten(sheet: PlannedSheet, index: number, k: number): string | number | undefined {
  return sheet.written?.[index * writtenColumns(sheet.kind).length + k] ?? undefined;
}
