import type { CustomerRecord, PendingOrderRecord, ResellerRecord, SubscriptionRecord } from '../core/entities.js';
import type { PartnerCenterClient } from './pc-client.js';
import { listAuditRecords, listCustomers, listCustomerSubscriptions, listIndirectResellers, listSubscriptionsByOrder } from './pc-operations.js';
import { observedDifference, offerOfCatalogItem, subscriptionRecordOf } from './pc-records.js';
import type { Customer } from './pc-types.js';
import { offerKey } from '../core/entities.js';

/**
 * Refresh (SPEC §7.3): what Partner Center holds, read into what the store should record. Every
 * difference from the store is an observed change (made in Partner Center's own UI, by another
 * tool, by a renewal), recorded in the audit trail as `observed`. Four forms, by cost:
 * open items, targeted (the customers a batch names), changes (the activity log), full.
 */

/** What the store holds that a refresh compares against. */
export interface RefreshBase {
  resellers: readonly ResellerRecord[];
  customers: readonly CustomerRecord[];
  subscriptions: readonly SubscriptionRecord[];
  pendingOrders: readonly PendingOrderRecord[];
}

/** One record as Partner Center shows it, differing from the store's. */
export type Observed =
  | { entity: 'reseller'; key: string; before: ResellerRecord | null; after: ResellerRecord; fields: string[] }
  | { entity: 'customer'; key: string; before: CustomerRecord | null; after: CustomerRecord; fields: string[] }
  | { entity: 'subscription'; key: string; before: SubscriptionRecord | null; after: SubscriptionRecord; fields: string[] };

export interface RefreshResult {
  observed: Observed[];
  /** Pending orders now provisioned (status `done`). */
  completedOrders: PendingOrderRecord[];
  /** Customers whose subscriptions were read. */
  customersRead: number;
}

/**
 * Customers whose subscriptions are read and not yet saved, at most, per call the client has in flight
 * at once: twice its concurrency keeps the wire full while a save goes on, and bounds what a kill loses.
 */
const OPEN_READS_PER_CALL = 2;

export class Refresher {
  private readonly storedCustomers = new Map<string, CustomerRecord>();
  private readonly byTenant = new Map<string, CustomerRecord>();
  private readonly subsByCustomer = new Map<string, SubscriptionRecord[]>();
  readonly observed: Observed[] = [];
  readonly completedOrders: PendingOrderRecord[] = [];
  customersRead = 0;

  constructor(
    private readonly client: PartnerCenterClient,
    private readonly base: RefreshBase,
    private readonly now: string,
    /** tiersync's own app (its client ID): the activity log's records of its writes are already in the store. */
    private readonly ownApplicationId?: string,
  ) {
    for (const c of base.customers) {
      this.storedCustomers.set(c.domain, c);
      if (c.tenantId) this.byTenant.set(c.tenantId.toLowerCase(), c);
    }
    for (const s of base.subscriptions) {
      const list = this.subsByCustomer.get(s.customerDomain) ?? [];
      list.push(s);
      this.subsByCustomer.set(s.customerDomain, list);
    }
  }

  result(): RefreshResult {
    return { observed: this.observed, completedOrders: this.completedOrders, customersRead: this.customersRead };
  }

  /**
   * The indirect reseller list (one call): an invited reseller that appears has accepted (it becomes
   * active, with its CSP tenant ID); a removal-requested one that is gone is removed.
   */
  async resellers(): Promise<void> {
    const listed = await listIndirectResellers(this.client);
    const byMpn = new Map(listed.filter((r) => r.mpnId).map((r) => [String(r.mpnId), r]));
    for (const r of this.base.resellers) {
      const seen = byMpn.get(r.mpnId);
      let after: ResellerRecord | undefined;
      if (seen && (r.partnership === 'invited' || r.partnership === 'removed')) after = { ...r, partnership: 'active', tenantId: seen.id, stateSince: this.now };
      else if (seen && r.tenantId !== seen.id) after = { ...r, tenantId: seen.id };
      else if (!seen && (r.partnership === 'removal-requested' || r.partnership === 'active')) after = { ...r, partnership: 'removed', stateSince: this.now };
      if (after) this.observed.push({ entity: 'reseller', key: r.mpnId, before: r, after, fields: fieldsOf(r, after) });
    }
  }

  /** Orders still provisioning: their subscriptions, once Partner Center shows them. */
  async pendingOrders(): Promise<void> {
    for (const order of this.base.pendingOrders) {
      const customer = this.storedCustomers.get(order.customerDomain);
      if (!customer) continue;
      const subs = await listSubscriptionsByOrder(this.client, customer.tenantId, order.orderId);
      const left = [...order.lines];
      for (const s of subs) {
        const k = left.findIndex((l) => offerKey(l.offerId) === offerKey(offerOfCatalogItem(s.offerId)) && (l.nickname === (s.friendlyName ?? '') || !l.nickname));
        if (k < 0) continue;
        const line = left.splice(k, 1)[0]!;
        const known = this.subsByCustomer.get(order.customerDomain)?.find((x) => x.subscriptionId === s.id);
        const after = subscriptionRecordOf(s, order.customerDomain, this.now, known ?? { subscriptionId: s.id, customerDomain: order.customerDomain, offerId: line.offerId, nickname: line.nickname, quantity: line.quantity, term: line.term, billingCycle: line.billingCycle, autoRenew: line.autoRenew, partnerOfRecordMpnId: line.partnerOfRecordMpnId, supportContactMpnId: null, status: 'active', termStart: '', termEnd: '', seatAdditions: null, scheduled: null, createdAt: order.createdAt });
        if (!known) this.observed.push({ entity: 'subscription', key: s.id, before: null, after, fields: [] });
      }
      if (!left.length) this.completedOrders.push({ ...order, status: 'done' });
    }
  }

  /** The subscriptions of these customers (one page each), compared with the store's; as many at once as the client's queue allows. */
  async customers(domains: Iterable<string>): Promise<void> {
    const known: CustomerRecord[] = [];
    for (const domain of new Set(domains)) {
      const customer = this.storedCustomers.get(domain);
      if (customer?.tenantId) known.push(customer);
    }
    await this.subscriptionsOfAll(known);
  }

  /** Read many customers' subscriptions, a few at a time (see `readSaving`; the client bounds what is on the wire). */
  private subscriptionsOfAll(customers: readonly CustomerRecord[]): Promise<void> {
    return this.readSaving(customers, async () => {});
  }

  /** The customers the activity log names since `since` (Partner Center keeps 90 days), read again. */
  async changes(since: string): Promise<number> {
    const floor = new Date(Date.parse(this.now) - 89 * 86_400_000).toISOString();
    const start = (since > floor ? since : floor).slice(0, 10);
    const tenants = new Set<string>();
    let records = 0;
    for await (const page of listAuditRecords(this.client, { startDate: start })) {
      for (const r of page.items) {
        records++;
        if (r.operationDate && r.operationDate < since) continue;
        // tiersync's own writes: the store recorded them as it made them (or its journal will).
        if (this.ownApplicationId && r.applicationId === this.ownApplicationId) continue;
        if (r.customerId) tenants.add(r.customerId.toLowerCase());
      }
    }
    const customers = [...tenants].map((t) => this.byTenant.get(t)).filter((c): c is CustomerRecord => !!c);
    await this.subscriptionsOfAll(customers);
    return records;
  }

  /**
   * Every customer, page by page, and every customer's subscriptions. `resume` is where an
   * interrupted full refresh stopped; `onPage` is told after each page (to checkpoint it).
   */
  async all(resume: { continuationToken?: string; done: ReadonlySet<string> }, onPage: (page: { continuationToken?: string; observed: Observed[]; domains: string[] }) => Promise<void>): Promise<void> {
    // Progress is saved every few customers, with the token of the page they are on: a refresh killed
    // mid-page lists that page again and skips the customers it had read.
    let pageToken = resume.continuationToken;
    for await (const page of listCustomers(this.client, { size: 500, ...(resume.continuationToken ? { continuationToken: resume.continuationToken } : {}) })) {
      const todo: CustomerRecord[] = [];
      const pageStart = this.observed.length;
      for (const c of page.items) {
        const record = this.customerOf(c);
        if (record && !resume.done.has(record.domain)) todo.push(record);
      }
      // The page's customers new to the store are saved first: a later resume lists the page again only if it was not finished.
      if (this.observed.length > pageStart) await onPage({ ...(pageToken ? { continuationToken: pageToken } : {}), observed: this.observed.slice(pageStart), domains: [] });
      await this.readSaving(todo, (observed, domains) => onPage({ ...(pageToken ? { continuationToken: pageToken } : {}), observed, domains }));
      pageToken = page.continuationToken;
      // The page read whole: its token moves on, even when none of its customers needed reading.
      if (!todo.length || pageToken) await onPage({ ...(pageToken ? { continuationToken: pageToken } : {}), observed: [], domains: [] });
    }
  }

  /**
   * The customers' subscriptions, each read as soon as another ends; what has ended is handed to `save`
   * as one group while the next reads go on (a save covers every customer finished since the last one).
   * A read starts only while fewer than `limit` customers are read or being read and not yet saved, so
   * a kill, however slow the saves, loses at most `limit` reads (twice the client's concurrency).
   */
  private async readSaving(todo: readonly CustomerRecord[], save: (observed: Observed[], domains: string[]) => Promise<void>): Promise<void> {
    const limit = OPEN_READS_PER_CALL * Math.max(1, this.client.concurrency);
    let next = 0;
    let saved = this.observed.length;
    let finished: string[] = [];
    /** Customers whose read has started and whose save has not ended. */
    let open = 0;
    let failure: unknown;
    let saving: Promise<void> | undefined;
    /** Waiters for the next save to end (a read waiting for room). */
    let waiters: Array<() => void> = [];
    const wake = (): void => {
      const woken = waiters;
      waiters = [];
      for (const w of woken) w();
    };
    const saveFinished = async (): Promise<void> => {
      while (finished.length && failure === undefined) {
        const domains = finished;
        finished = [];
        const end = this.observed.length;
        const observed = this.observed.slice(saved, end);
        saved = end;
        try {
          await save(observed, domains);
        } finally {
          open -= domains.length;
          wake();
        }
      }
    };
    const startSaving = (): void => {
      saving ??= saveFinished()
        .catch((e: unknown) => {
          failure ??= e;
          wake();
        })
        .finally(() => {
          saving = undefined;
          // A read that ended as the last save was finishing: saved now, not left for a worker to wait on.
          if (finished.length && failure === undefined) startSaving();
        });
    };
    const worker = async (): Promise<void> => {
      while (next < todo.length && failure === undefined) {
        // Room for one more: an open read is in flight (its save will follow) or in a save under way.
        while (open >= limit && failure === undefined) await new Promise<void>((resolve) => waiters.push(resolve));
        if (next >= todo.length || failure !== undefined) return;
        const customer = todo[next++]!;
        open++;
        try {
          // Marked finished in the same step as its findings are kept: a save has both or neither.
          await this.subscriptionsOf(customer, () => finished.push(customer.domain));
        } catch (e) {
          failure ??= e;
          wake();
          return;
        }
        startSaving();
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, todo.length) }, worker));
    while (saving) await saving;
    if (failure === undefined) await saveFinished().catch((e: unknown) => (failure ??= e));
    if (failure !== undefined) throw failure;
  }

  /** What an interrupted full refresh had found: taken as found again (a customer it recorded is not observed twice). */
  adopt(found: readonly Observed[]): void {
    for (const o of found) {
      if (o.entity === 'customer') {
        this.storedCustomers.set(o.after.domain, o.after);
        this.byTenant.set(o.after.tenantId.toLowerCase(), o.after);
      }
      this.observed.push(o);
    }
  }

  /** A customer Partner Center lists: the store's, or a new one made outside tiersync (observed). */
  private customerOf(c: Customer): CustomerRecord | undefined {
    const known = this.byTenant.get(c.id.toLowerCase());
    if (known) return known;
    const fullDomain = String(c.companyProfile?.domain ?? '');
    const domain = fullDomain.split('.')[0]?.toLowerCase();
    if (!domain) return undefined;
    const billing = (c.billingProfile ?? {}) as { email?: string; culture?: string; companyName?: string; defaultAddress?: Record<string, string> };
    const a = billing.defaultAddress ?? {};
    const record: CustomerRecord = {
      domain,
      tenantId: c.id,
      companyName: String(c.companyProfile?.companyName ?? billing.companyName ?? domain),
      contactFirstName: a.firstName ?? '',
      contactLastName: a.lastName ?? '',
      contactEmail: billing.email ?? '',
      phone: a.phoneNumber ?? null,
      addressLine1: a.addressLine1 ?? '',
      addressLine2: a.addressLine2 ?? null,
      city: a.city ?? '',
      stateRegion: a.state ?? null,
      postalCode: a.postalCode ?? null,
      country: a.country ?? '',
      language: billing.culture ?? 'en-US',
      registrationNumber: null,
      resellerMpnId: c.associatedPartnerId ? (this.base.resellers.find((r) => r.tenantId === c.associatedPartnerId)?.mpnId ?? null) : null,
      adminAccess: 'none',
      createdAt: this.now,
    };
    this.storedCustomers.set(domain, record);
    this.byTenant.set(c.id.toLowerCase(), record);
    this.observed.push({ entity: 'customer', key: domain, before: null, after: record, fields: [] });
    return record;
  }

  private async subscriptionsOf(customer: CustomerRecord, read?: () => void): Promise<void> {
    this.customersRead++;
    const listed = await listCustomerSubscriptions(this.client, customer.tenantId);
    const stored = new Map((this.subsByCustomer.get(customer.domain) ?? []).map((s) => [s.subscriptionId, s]));
    for (const s of listed) {
      const known = stored.get(s.id);
      const after = subscriptionRecordOf(s, customer.domain, this.now, known);
      if (!known) this.observed.push({ entity: 'subscription', key: s.id, before: null, after, fields: [] });
      else {
        const fields = observedDifference(known, after);
        if (fields.length) this.observed.push({ entity: 'subscription', key: s.id, before: known, after, fields });
      }
    }
    read?.();
  }
}

function fieldsOf(before: object, after: object): string[] {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return Object.keys(a).filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
}
