import {
  offerKey,
  subscriptionNaturalKey,
  userKey,
  type CustomerRecord,
  type InvitationRecord,
  type OfferRecord,
  type ProviderRecord,
  type ResellerRecord,
  type SubscriptionRecord,
  type UserRecord,
} from '../core/entities.js';
import { internString } from '../core/intern.js';
import type { StoreSnapshot } from '../store/sync-store.js';

/**
 * The store as the plan sees it while it walks the batch: the snapshot, overlaid with every change
 * accepted so far, so a later row sees what an earlier one creates (an offer, a customer).
 * Records are replaced, never mutated.
 */
export class WorkingState {
  readonly provider: ProviderRecord;
  readonly users = new Map<string, UserRecord>();
  readonly offers = new Map<string, OfferRecord>();
  readonly resellers = new Map<string, ResellerRecord>();
  /** Global PartnerID → Location PartnerIDs of the resellers under it. */
  readonly resellersByGlobal = new Map<string, string[]>();
  readonly openInvitations = new Map<string, InvitationRecord>();
  readonly customers = new Map<string, CustomerRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** Natural key → subscription ID (or a placeholder for one created by this batch). */
  readonly subscriptionsByNaturalKey = new Map<string, string>();
  /**
   * Seats of the active subscriptions of each customer and offer (`seatPoolKey`): Partner Center's
   * seat limits are per customer tenant, pooled across its subscriptions of one offer (SPEC §1.5).
   */
  private readonly seatPools = new Map<string, Map<string, number>>();

  constructor(snapshot: StoreSnapshot) {
    this.provider = snapshot.info.provider;
    for (const u of snapshot.users) this.users.set(userKey(u.email), u);
    for (const o of snapshot.offers) this.offers.set(offerKey(o.offerId), o);
    for (const r of snapshot.resellers) this.putReseller(r);
    for (const i of snapshot.openInvitations) this.openInvitations.set(i.resellerMpnId, i);
    for (const c of snapshot.customers) this.customers.set(c.domain, c);
    for (const s of snapshot.subscriptions) this.putSubscription(s.subscriptionId, s);
  }

  putReseller(record: ResellerRecord): void {
    const before = this.resellers.get(record.mpnId);
    if (before?.globalMpnId && before.globalMpnId !== record.globalMpnId) {
      const list = (this.resellersByGlobal.get(before.globalMpnId) ?? []).filter((m) => m !== record.mpnId);
      this.resellersByGlobal.set(before.globalMpnId, list);
    }
    this.resellers.set(record.mpnId, record);
    if (record.globalMpnId) {
      const list = this.resellersByGlobal.get(record.globalMpnId) ?? [];
      if (!list.includes(record.mpnId)) list.push(record.mpnId);
      this.resellersByGlobal.set(record.globalMpnId, list);
    }
  }

  /** `id` is the subscription ID, or a placeholder for a subscription this batch creates. */
  putSubscription(id: string, record: SubscriptionRecord): void {
    const before = this.subscriptions.get(id);
    this.subscriptions.set(id, record);
    if (before) this.addSeats(before, -1);
    this.addSeats(record, 1);
    // Most rows keep their subscription's natural key: then there is no old entry to delete.
    const keyKept = before !== undefined && before.customerDomain === record.customerDomain && before.offerId === record.offerId && before.nickname === record.nickname;
    if (before && !keyKept) this.subscriptionsByNaturalKey.delete(subscriptionNaturalKey(before.customerDomain, before.offerId, before.nickname));
    this.subscriptionsByNaturalKey.set(subscriptionNaturalKey(record.customerDomain, record.offerId, record.nickname), id);
  }

  /** Seats of the customer's active subscriptions of the offer, in the state so far. */
  pooledSeats(customerDomain: string, offerId: string): number {
    return this.seatPools.get(customerDomain)?.get(offerKey(offerId)) ?? 0;
  }

  /**
   * By customer, then offer: no key string made per subscription (a million of them at full scale).
   * A pool's offer key is the one kept string of that key (a catalog has a few dozen offers): each
   * lower-cased ID is a new string, and kept as keys, one per customer and offer, they were 40 MB at
   * full scale.
   */
  private addSeats(record: SubscriptionRecord, sign: 1 | -1): void {
    if (record.status !== 'active' || !record.quantity) return;
    let pools = this.seatPools.get(record.customerDomain);
    if (!pools) this.seatPools.set(record.customerDomain, (pools = new Map()));
    const key = offerKey(record.offerId);
    const seats = pools.get(key);
    pools.set(seats === undefined ? internString(key) : key, (seats ?? 0) + sign * record.quantity);
  }

  /** The reseller whose CSP tenant this is: a few hundred resellers, looked up on the rare row that names a tenant. */
  resellerByTenant(tenantId: string): ResellerRecord | undefined {
    for (const r of this.resellers.values()) if (r.tenantId === tenantId) return r;
    return undefined;
  }

  activeGlobalAdmins(): number {
    let n = 0;
    for (const u of this.users.values()) if (u.status === 'active' && u.roles.includes('Global admin')) n++;
    return n;
  }
}
