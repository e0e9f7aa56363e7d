import { BILLING_CYCLES, TERMS, type BillingCycle, type SeatAddition, type SubscriptionRecord, type Term } from './entities.js';
import { remembered } from './intern.js';

/**
 * Partner Center's new-commerce timing rules (SPEC §1.5, PARTNER-CENTER-RULES N1), as pure functions
 * of a record and the run's clock. The planner, the results and the console all read them from here.
 */

/** Seats may be removed, and a subscription cancelled, within 7 days (168 hours) of being added. */
export const REFUND_WINDOW_MS = 168 * 3_600_000;

const TERM_MONTHS: Readonly<Record<Term, number>> = { P1M: 1, P1Y: 12, P3Y: 36 };
const BILLING_MONTHS: Readonly<Record<BillingCycle, number>> = { monthly: 1, annual: 12, triennial: 36 };

/** What a term is called in a message. */
export const TERM_LABELS: Readonly<Record<Term, string>> = { P1M: '1 month', P1Y: '1 year', P3Y: '3 years' };

/** A billing frequency is at most as long as the term (P1M → monthly; P1Y → monthly, annual; P3Y → any). */
export function billingFitsTerm(term: Term, billing: BillingCycle): boolean {
  return BILLING_MONTHS[billing] <= TERM_MONTHS[term];
}

/** True when `to` is a longer term than `from`: the only mid-term term change Partner Center allows. */
export function isLongerTerm(from: Term, to: Term): boolean {
  return TERM_MONTHS[to] > TERM_MONTHS[from];
}

/**
 * The mid-term billing-frequency changes Partner Center allows, with the date each stops being
 * allowed (Microsoft: triennial monthly ↔ annual only, "blocked starting April 1, 2025"). Every
 * other change waits for the renewal. One table: a change Microsoft re-opens is one line here.
 */
export const MIDTERM_BILLING_CHANGES: ReadonlyArray<{ term: Term; from: BillingCycle; to: BillingCycle; until: string }> = [
  { term: 'P3Y', from: 'monthly', to: 'annual', until: '2025-04-01T00:00:00.000Z' },
  { term: 'P3Y', from: 'annual', to: 'monthly', until: '2025-04-01T00:00:00.000Z' },
];

export function midtermBillingChangeAllowed(term: Term, from: BillingCycle, to: BillingCycle, now: string): boolean {
  return MIDTERM_BILLING_CHANGES.some((c) => c.term === term && c.from === from && c.to === to && now < c.until);
}

/** `iso` plus whole months in UTC; the day is kept, or the month's last day when it has fewer (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString();
}

/** Per term, its end by start (see `termEndOf`). */
const TERM_ENDS = Object.fromEntries(Object.entries(TERM_MONTHS).map(([term, months]) => [term, remembered((start: string) => addMonths(start, months), 1024)])) as Record<Term, (start: string) => string>;

/**
 * The end of a term that starts at `start`: its renewal date. Remembered: a run's created
 * subscriptions all start at the run's time, and their term end is asked for once per record written.
 */
export function termEndOf(start: string, term: Term): string {
  return TERM_ENDS[term](start);
}

export function plusWindow(iso: string): string {
  return new Date(Date.parse(iso) + REFUND_WINDOW_MS).toISOString();
}

/** The seat additions of a record, explicit (see `SubscriptionRecord.seatAdditions`). */
export function seatAdditionsOf(s: Pick<SubscriptionRecord, 'seatAdditions' | 'quantity' | 'termStart'>): SeatAddition[] {
  return s.seatAdditions ?? (s.quantity > 0 && s.termStart ? [{ quantity: s.quantity, at: s.termStart }] : []);
}

/** The additions whose seats can still be removed at `now`, each with the time its window closes. */
export function refundableAdditions(s: Pick<SubscriptionRecord, 'seatAdditions' | 'quantity' | 'termStart'>, now: string): Array<SeatAddition & { until: string }> {
  const nowMs = Date.parse(now);
  return seatAdditionsOf(s)
    .map((a) => ({ ...a, until: plusWindow(a.at) }))
    .filter((a) => a.quantity > 0 && Date.parse(a.until) > nowMs);
}

export function refundableSeats(s: Pick<SubscriptionRecord, 'seatAdditions' | 'quantity' | 'termStart'>, now: string): number {
  // Nearly every record: all seats added at the term start (asked for on every row a results workbook writes back).
  if (s.seatAdditions === null) return s.termStart && Date.parse(s.termStart) + REFUND_WINDOW_MS > Date.parse(now) ? s.quantity : 0;
  return refundableAdditions(s, now).reduce((n, a) => n + a.quantity, 0);
}

/**
 * The additions once `removed` seats are taken back. Seats come off the additions whose window closes
 * first, so what stays refundable stays so for as long as possible. Additions whose window has closed
 * are dropped (they can never be removed again). Returns null for the common case the record's null
 * stands for: every seat added at the term start.
 */
export function afterDecrease(s: Pick<SubscriptionRecord, 'seatAdditions' | 'quantity' | 'termStart'>, removed: number, now: string): SeatAddition[] | null {
  let left = removed;
  const kept: SeatAddition[] = [];
  for (const a of refundableAdditions(s, now)) {
    const take = Math.min(left, a.quantity);
    left -= take;
    if (a.quantity - take > 0) kept.push({ quantity: a.quantity - take, at: a.at });
  }
  return compactAdditions(kept, s.quantity - removed, s.termStart);
}

/** The additions once `added` seats are bought at `now`; closed windows dropped. */
export function afterIncrease(s: Pick<SubscriptionRecord, 'seatAdditions' | 'quantity' | 'termStart'>, added: number, now: string): SeatAddition[] | null {
  const kept = refundableAdditions(s, now).map(({ quantity, at }) => ({ quantity, at }));
  kept.push({ quantity: added, at: now });
  return compactAdditions(kept, s.quantity + added, s.termStart);
}

function compactAdditions(additions: SeatAddition[], quantity: number, termStart: string): SeatAddition[] | null {
  if (additions.length === 1 && additions[0]!.at === termStart && additions[0]!.quantity === quantity) return null;
  return additions;
}

/** The cancellation window: 7 days from the purchase or the last renewal. */
export function cancelWindowEnd(s: Pick<SubscriptionRecord, 'termStart'>): string {
  return plusWindow(s.termStart);
}

/** `2026-12-08 14:05 UTC`: a time in a message, to the minute. */
export function displayTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function isTerm(value: string): value is Term {
  return (TERMS as readonly string[]).includes(value);
}

export function isBillingCycle(value: string): value is BillingCycle {
  return (BILLING_CYCLES as readonly string[]).includes(value);
}
