import type { SubscriptionRecord } from '../core/entities.js';
import { termEndOf } from '../core/new-commerce.js';
import type { Change } from './sync-plan.js';
import type { WorkingState } from './working-state.js';

/**
 * Renewals due by the run's clock (SPEC §1.5): at its term end an auto-renewing active subscription
 * renews (its scheduled change takes effect, a new 7-day window opens), any other expires. A term
 * that ended long ago renews once per term missed, each renewal dated at its term end. Local stores
 * only: a connected store reads renewals from Partner Center.
 */
export function renewDueSubscriptions(state: WorkingState, due: Iterable<SubscriptionRecord>, now: string): Omit<Change, 'sourceFile'>[] {
  const changes: Omit<Change, 'sourceFile'>[] = [];
  for (const stored of due) {
    let current = state.subscriptions.get(stored.subscriptionId) ?? stored;
    while (current.termEnd && current.termEnd <= now && (current.status === 'active' || current.status === 'suspended')) {
      const at = current.termEnd;
      let next: SubscriptionRecord;
      if (current.status === 'active' && current.autoRenew) {
        const s = current.scheduled;
        const term = s?.term ?? current.term;
        next = { ...current, quantity: s?.quantity ?? current.quantity, term, billingCycle: s?.billingCycle ?? current.billingCycle, termStart: at, termEnd: termEndOf(at, term), seatAdditions: null, scheduled: null };
        changes.push({ entity: 'subscription', key: current.subscriptionId, action: 'renew', before: current, after: next, fields: ['Term Start', 'Term End'], at });
      } else {
        next = { ...current, status: 'expired', autoRenew: false, seatAdditions: null, scheduled: null };
        changes.push({ entity: 'subscription', key: current.subscriptionId, action: 'expire', before: current, after: next, fields: ['Status'], at });
      }
      state.putSubscription(current.subscriptionId, next);
      current = next;
    }
  }
  return changes;
}
