import type { RemoteOutcomes } from '../apply/apply-sync-plan.js';
import { errorDiag } from '../core/diagnostics.js';
import type { PartnerCenterUnavailableError } from '../core/errors.js';
import { applyThroughPartnerCenter } from '../partner-center/remote-apply.js';
import { Refresher, type Observed } from '../partner-center/refresh.js';
import type { PcStats } from '../partner-center/index.js';
import type { PlanBatch } from '../plan/assemble-sync-plan.js';
import type { SyncPlan } from '../plan/sync-plan.js';
import type { StoreInfo, StoreSnapshot, SyncStore } from '../store/sync-store.js';
import { PartnerCenterSession, PendingCredentials, recoverJournal, recoverPendingCredentials, type RecoveredItem } from './partner-center-session.js';
import type { RunContext } from './run-context.js';

/** What the results of a connected run say about Partner Center (SPEC §5.1). */
export interface ConnectedReport {
  /** When the state planned against was read from Partner Center (null: never refreshed). */
  stateAsOf: string | null;
  stats: PcStats;
  recovered: RecoveredItem[];
  recoveredCredentialReports: string[];
}

/** A batch run on a connected store, around the engine: recovery, targeted refresh, authorization, remote apply. */
export interface ConnectedRun {
  session: PartnerCenterSession;
  /** Observed changes of the targeted refresh, committed with the run's own changes. */
  observed: Observed[];
  report(): ConnectedReport;
  /** The store's snapshot with what Partner Center shows of it now. */
  overlay(snapshot: StoreSnapshot): void;
  /** Partner Center's verdicts on the partners of record the batch may set or keep. */
  authorization(batch: PlanBatch, snapshot: StoreSnapshot): Promise<Map<string, { valid: boolean; pcCode?: string; reason?: string }>>;
  /** Carry out the plan in Partner Center; the store records the outcome. */
  apply(plan: SyncPlan, run: { batchId: string; now: string; stem: string }): Promise<RemoteOutcomes & { stoppedBy?: PartnerCenterUnavailableError; pendingCredentials: PendingCredentials }>;
  close(): Promise<void>;
}

export async function connectRun(ctx: RunContext, store: SyncStore, info: StoreInfo, options: { write: boolean; operator: string; now: string; domains: readonly string[]; refresh?: boolean }): Promise<ConnectedRun> {
  const session = await PartnerCenterSession.open(ctx, store, info, { write: options.write });
  const run = { operator: options.operator, now: options.now };
  let recovered: RecoveredItem[] = [];
  let recoveredCredentialReports: string[] = [];
  if (options.write) {
    // Passwords first: the journal's recovery then knows which of them reached tiersync.
    const passwords = await recoverPendingCredentials(ctx.outDir);
    recoveredCredentialReports = passwords.reports;
    recovered = await recoverJournal(store, session, { ...run, recoveredPasswords: passwords.domains });
    for (const path of recoveredCredentialReports) ctx.terminal.warn(`An earlier run stopped before writing its credential report: its passwords are now in ${path}`);
    if (recovered.length) ctx.terminal.warn(`Resolved ${recovered.length} Partner Center write(s) an earlier run left unfinished (see the Recovered sheet)`);
  }
  let observed: Observed[] = [];
  let stateAsOf = info.lastRefreshAt;
  if (options.refresh !== false && !ctx.partnerCenter?.noRefresh) {
    const snapshot = await store.loadSnapshot({ customers: options.domains, subscriptionsOfCustomers: options.domains, subscriptionIds: [] });
    const refresher = new Refresher(session.client, snapshot, options.now, session.applicationId);
    await refresher.resellers();
    await refresher.pendingOrders();
    await refresher.customers(options.domains);
    observed = refresher.observed;
    stateAsOf = options.now;
    ctx.log.info('targeted refresh', { event: 'refresh.targeted', customers: refresher.customersRead, observed: observed.length });
  }

  return {
    session,
    observed,
    report: () => ({ stateAsOf, stats: session.stats(), recovered, recoveredCredentialReports }),
    overlay(snapshot) {
      for (const o of observed) {
        const list = (o.entity === 'reseller' ? snapshot.resellers : o.entity === 'customer' ? snapshot.customers : snapshot.subscriptions) as unknown as Array<Record<string, unknown>>;
        const keyField = o.entity === 'reseller' ? 'mpnId' : o.entity === 'customer' ? 'domain' : 'subscriptionId';
        const at = list.findIndex((r) => r[keyField] === o.key);
        if (at >= 0) list[at] = o.after as unknown as Record<string, unknown>;
        else list.push(o.after as unknown as Record<string, unknown>);
      }
    },
    async authorization(batch, snapshot) {
      const ids = new Set<string>();
      for (const sheet of batch.sheets) {
        if (sheet.kind !== 'Subscriptions') continue;
        for (const row of sheet.rows) {
          const por = (row.value as { partnerOfRecordMpnId?: string | null } | undefined)?.partnerOfRecordMpnId;
          if (por) ids.add(por);
        }
      }
      // A seat, term or billing change is validated against the partner of record it keeps.
      for (const s of snapshot.subscriptions) if (s.partnerOfRecordMpnId) ids.add(s.partnerOfRecordMpnId);
      ids.delete(info.provider.mpnId);
      return ids.size ? session.authorization(ids) : new Map();
    },
    async apply(plan, r) {
      const domains = new Set<string>();
      for (const c of plan.changes) {
        if (c.entity === 'customer') domains.add(c.after.domain);
        if (c.entity === 'subscription') domains.add(c.after.customerDomain);
      }
      const snapshot = await store.loadSnapshot({ customers: [...domains], subscriptionsOfCustomers: [], subscriptionIds: [] });
      const pending = new PendingCredentials(ctx.outDir, r.stem);
      const started = Date.now();
      const result = await applyThroughPartnerCenter(plan, {
        client: session.client,
        journal: session.journal!,
        batchId: r.batchId,
        now: r.now,
        customers: new Map(snapshot.customers.map((c) => [c.domain, c])),
        resellers: new Map(snapshot.resellers.map((x) => [x.mpnId, x])),
        country: snapshot.resellers.find((x) => x.country)?.country ?? 'US',
        onCredential: (c) => pending.add(c),
        provisioningWaitMs: ctx.partnerCenter?.provisioningWaitMs ?? 30_000,
        // The console's job page and the terminal show how far Partner Center is, and how long its throttling held the run.
        onProgress: (done, total) => {
          const waited = session.stats().throttling.waitMs;
          ctx.terminal.progress(waited >= 1000 ? `Partner Center (${Math.round(waited / 1000)} s waiting on throttling so far)` : 'Partner Center', done, total, started);
        },
      });
      ctx.terminal.clearProgress();
      await pending.close();
      return { outcomes: result.outcomes, credentials: pending.credentials, pendingOrders: result.pendingOrders, partnershipLink: session.connection.partnershipLink, pendingCredentials: pending, ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}) };
    },
    close: () => session.close(),
  };
}

/**
 * The rows' results as Partner Center made them (SPEC §7.4): a change it refused is `rejected` with
 * its code and message, one still provisioning is `pending`; a customer whose order failed says so.
 */
export function settleRows(plan: SyncPlan, outcomes: RemoteOutcomes['outcomes']): void {
  for (const sheet of plan.sheets) {
    for (const row of sheet.rows) {
      if (row.change === undefined) continue;
      const outcome = outcomes.get(row.change) as { status: string; code?: string; message?: string; note?: string; orderId?: string } | undefined;
      if (!outcome || outcome.status === 'done') {
        if (outcome?.note) row.note = row.note ? `${row.note}. ${outcome.note}` : outcome.note;
        continue;
      }
      if (outcome.status === 'pending') {
        row.result = 'pending';
        row.note = outcome.message ?? 'Pending in Partner Center';
        continue;
      }
      row.result = outcome.code === 'order.cancelled' ? 'skipped' : 'rejected';
      row.diags = [...row.diags, errorDiag((outcome.code ?? 'pc.error') as never, outcome.message ?? 'Partner Center refused the change', { sheet: sheet.name, row: row.row })];
      if (outcome.code === 'order.cancelled') row.code = 'order.cancelled';
      row.note = outcome.message ?? '';
      row.changesText = '';
      row.change = undefined;
    }
  }
}
