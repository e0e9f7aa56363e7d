import type { CustomerRecord, SubscriptionRecord } from '../core/entities.js';
import { refundableSeats, termEndOf } from '../core/new-commerce.js';
import type { SheetKind } from '../normalize/columns.js';
import type { Change, WrittenValues } from './sync-plan.js';

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
