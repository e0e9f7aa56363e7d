import { closeSync, existsSync, fsyncSync, openSync, promises as fs, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { IssuedCredential } from '../apply/apply-sync-plan.js';
import type { CustomerRecord, ResellerRecord, SubscriptionRecord } from '../core/entities.js';
import { PartnerCenterUnavailableError } from '../core/errors.js';
import { createPartnerCenterClient, loadPartnerCenterCredentials, validateResellers, type PartnerCenterClient, type PcStats } from '../partner-center/index.js';
import { Journal, type JournalEntry } from '../partner-center/journal.js';
import { Refresher, type Observed } from '../partner-center/refresh.js';
import { checkoutCart, getSubscription, listCustomers, listSubscriptionsByOrder, checkDomainAvailability, updateSubscription, updateSupportContact, createTransition } from '../partner-center/pc-operations.js';
import { subscriptionRecordOf } from '../partner-center/pc-records.js';
import type { SubscriptionChange } from '../partner-center/pc-types.js';
import { stageCredentialReports } from '../report/credential-report.js';
import { StagedSecretFiles } from '../report/secret-files.js';
import type { AuditEntry, StoreInfo, StoreSnapshot, SyncStore, WriteOp } from '../store/sync-store.js';
import type { RunContext } from './run-context.js';

/**
 * What a run on a connected store does around the engine (SPEC §7): reach Partner Center with the
 * store's connection and the operator's credentials, resolve what an earlier run left unfinished,
 * read Partner Center into the store, and ask its reseller validation about partners of record.
 */
export class PartnerCenterSession {
  private constructor(
    readonly client: PartnerCenterClient,
    readonly journal: Journal | undefined,
    readonly connection: NonNullable<StoreInfo['partnerCenter']>,
    /** tiersync's app (its client ID, not a secret): how the activity log tells tiersync's own writes. */
    readonly applicationId: string,
  ) {}

  /** `write`: the run holds the writer lock and may write (its journal is opened). */
  static async open(ctx: RunContext, store: SyncStore, info: StoreInfo, options: { write: boolean }): Promise<PartnerCenterSession> {
    const connection = info.partnerCenter!;
    const credentials = await loadPartnerCenterCredentials({ ...(ctx.partnerCenter?.credentialsFile ? { file: ctx.partnerCenter.credentialsFile } : {}), env: ctx.env ?? process.env });
    const client = createPartnerCenterClient({
      tenantId: connection.tenantId,
      apiUrl: connection.apiUrl,
      loginUrl: connection.loginUrl,
      credentials,
      ...(ctx.partnerCenter?.concurrency !== undefined ? { concurrency: ctx.partnerCenter.concurrency } : {}),
      ...(ctx.partnerCenter?.ratePerMinute !== undefined ? { ratePerMinute: ctx.partnerCenter.ratePerMinute } : {}),
      ...(ctx.partnerCenter?.timeoutMs !== undefined ? { timeoutMs: ctx.partnerCenter.timeoutMs } : {}),
      logger: ctx.log,
    });
    const journal = options.write ? await Journal.open(store.journal()) : undefined;
    return new PartnerCenterSession(client, journal, connection, credentials.credentials.clientId);
  }

  stats(): PcStats {
    return this.client.stats();
  }

  async close(): Promise<void> {
    await this.client.onIdle();
    this.client.close();
  }

  /** Partner Center's verdict on each PartnerID a plan may put on record: once per run per PartnerID. */
  async authorization(partnerIds: Iterable<string>): Promise<Map<string, { valid: boolean; pcCode?: string; reason?: string }>> {
    const ids = [...new Set(partnerIds)];
    const verdicts = new Map<string, { valid: boolean; pcCode?: string; reason?: string }>();
    for (let i = 0; i < ids.length; i += 100) {
      for (const v of await validateResellers(this.client, ids.slice(i, i + 100))) {
        verdicts.set(String(v.partnerId), { valid: v.isValidPartnerIdOnRecord === true, ...(v.errorCode ? { pcCode: String(v.errorCode) } : {}), ...(v.errorDescription ? { reason: String(v.errorDescription) } : {}) });
      }
    }
    return verdicts;
  }
}

/** One line of the Recovered sheet: an earlier run's unfinished Partner Center write, and what became of it. */
export interface RecoveredItem {
  operation: string;
  target: string;
  requestId: string;
  startedAt: string;
  /** What Partner Center showed. */
  found: string;
  /** What tiersync recorded. */
  recorded: string;
}

export interface RefreshSummary {
  observed: number;
  customersRead: number;
  completedOrders: number;
  revisionAfter: number;
}

/** Observed changes as the store's writes and audit entries (action `observed`). */
export function observedBatch(observed: readonly Observed[], batchId: string, operator: string, now: string, inputName: string): { ops: WriteOp[]; audit: AuditEntry[] } {
  const ops: WriteOp[] = [];
  const audit: AuditEntry[] = [];
  for (const o of observed) {
    ops.push({ kind: 'upsert', entity: o.entity, record: o.after } as WriteOp);
    audit.push({ batchId, at: now, operator, entity: o.entity, key: o.key, action: 'observed', before: o.before, after: o.after, inputName, inputSha256: '' });
  }
  return { ops, audit };
}

/**
 * Read Partner Center into the store (SPEC §7.3) and commit what differs, as observed changes.
 * `targeted`: the subscriptions of these customers; `open`: the reseller list and orders still
 * provisioning; `changes`: the activity log since the last refresh; `all`: every customer, resumable.
 */
export async function refreshStore(
  ctx: RunContext,
  store: SyncStore,
  session: PartnerCenterSession,
  form: { kind: 'open' } | { kind: 'targeted'; domains: readonly string[] } | { kind: 'changes' } | { kind: 'all' },
  run: { operator: string; now: string },
): Promise<RefreshSummary> {
  const info = await store.info();
  const snapshot = await store.loadSnapshot({ customers: form.kind === 'targeted' ? form.domains : 'all', subscriptionsOfCustomers: form.kind === 'targeted' ? form.domains : form.kind === 'open' ? [] : 'all', subscriptionIds: [] });
  const refresher = new Refresher(session.client, snapshot, run.now, session.applicationId);
  await refresher.resellers();
  await refresher.pendingOrders();
  if (form.kind === 'targeted') await refresher.customers(form.domains);
  if (form.kind === 'changes') await refresher.changes(info.lastRefreshAt ?? new Date(Date.parse(run.now) - 89 * 86_400_000).toISOString());
  if (form.kind === 'all') {
    const checkpoint = new RefreshCheckpoint(store.capabilities.serverSide ? join(ctx.outDir, `.${store.location.replace(/[^\w.-]/g, '_').slice(-80)}.refresh-checkpoint.jsonl`) : `${store.location}.refresh-checkpoint.jsonl`);
    const resume = await checkpoint.read();
    if (resume.done.size) ctx.terminal.info(`Resuming the full refresh: ${resume.done.size.toLocaleString('en-US')} customer(s) already read`);
    refresher.adopt(resume.observed);
    await refresher.all(resume, (page) => checkpoint.append(page));
    const summary = await commitObserved(store, info.revision, refresher.observed, refresher.completedOrders, run, 'full refresh');
    await checkpoint.remove();
    return { ...summary, customersRead: refresher.customersRead + resume.done.size };
  }
  return { ...(await commitObserved(store, info.revision, refresher.observed, refresher.completedOrders, run, `${form.kind} refresh`)), customersRead: refresher.customersRead };
}

/** The refresh's findings, committed; a refresh that found nothing still records when it read Partner Center (the next `--changes` starts there). */
async function commitObserved(store: SyncStore, revision: number, observed: readonly Observed[], completedOrders: readonly { orderId: string }[], run: { operator: string; now: string }, what: string): Promise<Omit<RefreshSummary, 'customersRead'>> {
  const batchId = randomUUID();
  const { ops, audit } = observedBatch(observed, batchId, run.operator, run.now, `Partner Center (${what})`);
  for (const order of completedOrders) ops.push({ kind: 'upsert-pending-order', record: order as never });
  const counts: Record<string, Record<string, number>> = {};
  for (const o of observed) {
    const c = (counts[o.entity] ??= {});
    c.observed = (c.observed ?? 0) + 1;
  }
  const revisionAfter = await store.commit({
    expectedRevision: revision,
    ops,
    audit,
    refreshedAt: run.now,
    batch: { batchId, mode: 'refresh', operator: run.operator, startedAt: run.now, finishedAt: run.now, inputs: [], counts, revisionBefore: revision, details: { refresh: what } },
  });
  return { observed: observed.length, completedOrders: completedOrders.length, revisionAfter };
}

/**
 * A full refresh's progress, page by page, in a file beside the outputs: what it has read (the
 * observed records) and where Partner Center's listing goes on. A refresh killed half way resumes
 * there instead of reading again what it had read.
 */
class RefreshCheckpoint {
  /** Beside a store file (found again whatever the working folder); in the output folder for a server store. */
  constructor(private readonly path: string) {}

  async read(): Promise<{ continuationToken?: string; done: Set<string>; observed: Observed[] }> {
    const done = new Set<string>();
    const observed: Observed[] = [];
    let continuationToken: string | undefined;
    if (!existsSync(this.path)) return { done, observed };
    const lines = (await fs.readFile(this.path, 'utf8')).split('\n');
    lines.pop();
    for (const line of lines) {
      try {
        const page = JSON.parse(line) as { continuationToken?: string; observed: Observed[]; domains: string[] };
        for (const d of page.domains) done.add(d);
        observed.push(...page.observed);
        continuationToken = page.continuationToken;
      } catch {
        break;
      }
    }
    return { ...(continuationToken ? { continuationToken } : {}), done, observed };
  }

  async append(page: { continuationToken?: string; observed: Observed[]; domains: string[] }): Promise<void> {
    await fs.mkdir(join(this.path, '..'), { recursive: true });
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(page)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async remove(): Promise<void> {
    await fs.rm(this.path, { force: true });
  }
}

/**
 * The pending credentials file (SPEC §7.4): each password Partner Center returns is appended here,
 * fsynced, before its outcome is journaled; the run's credential report is written from it at the end.
 */
export class PendingCredentials {
  readonly path: string;
  private fd: number | undefined;
  readonly credentials: IssuedCredential[] = [];

  constructor(outDir: string, stem: string) {
    this.path = join(outDir, `${stem}.credentials.pending.csv`);
  }

  async add(c: IssuedCredential): Promise<void> {
    if (this.fd === undefined) {
      await fs.mkdir(join(this.path, '..'), { recursive: true });
      const fresh = !existsSync(this.path);
      this.fd = openSync(this.path, 'a', 0o600);
      if (fresh) writeSync(this.fd, `${CSV_HEADER}\n`);
    }
    writeSync(this.fd, `${csvLine([c.domain, c.companyName, c.tenantId, c.adminUserName, c.temporaryPassword, c.resellerMpnId ?? '', c.createdAt])}\n`);
    fsyncSync(this.fd);
    this.credentials.push(c);
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  async remove(): Promise<void> {
    await this.close();
    await fs.rm(this.path, { force: true });
  }
}

const CSV_HEADER = 'Customer Domain,Company Name,Tenant ID,Admin User Name,Temporary Password,Reseller PartnerID,Created At';

function csvLine(cells: readonly string[]): string {
  return cells.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

/**
 * Pending credentials files an earlier run left (it stopped before writing its report): each becomes
 * a credential report. Returns the reports written.
 */
export async function recoverPendingCredentials(outDir: string): Promise<{ reports: string[]; domains: Set<string> }> {
  let names: string[];
  try {
    names = await fs.readdir(outDir);
  } catch {
    return { reports: [], domains: new Set() };
  }
  const written: string[] = [];
  const domains = new Set<string>();
  for (const name of names.filter((n) => n.endsWith('.credentials.pending.csv'))) {
    const path = join(outDir, name);
    const lines = (await fs.readFile(path, 'utf8')).split('\n').slice(1).filter(Boolean);
    const credentials: IssuedCredential[] = lines.map((l) => {
      const [domain = '', companyName = '', tenantId = '', adminUserName = '', temporaryPassword = '', reseller = '', createdAt = ''] = parseCsvLine(l);
      domains.add(domain);
      return { domain, companyName, tenantId, adminUserName, temporaryPassword, resellerMpnId: reseller || null, createdAt };
    });
    const staged = new StagedSecretFiles();
    await stageCredentialReports(staged, outDir, `${name.replace(/\.credentials\.pending\.csv$/, '')}.recovered`, credentials, false);
    await staged.publish();
    await fs.rm(path, { force: true });
    written.push(...staged.paths);
  }
  return { reports: written, domains };
}

/**
 * Resolve every entry an earlier run left in the journal (SPEC §7.4): an answered write whose outcome
 * never reached the store is recorded now; an unanswered one is sent again with the same
 * MS-RequestId (Partner Center answers a repeated request as it answered the first), or read back
 * where a repeat is not safe. Commits what it found, clears the journal, and returns the Recovered rows.
 */
export async function recoverJournal(store: SyncStore, session: PartnerCenterSession, run: { operator: string; now: string; recoveredPasswords?: ReadonlySet<string> }): Promise<RecoveredItem[]> {
  const journal = session.journal;
  if (!journal || !journal.size) return [];
  const entries = journal.leftOver();
  // Resolved by an earlier recovery that did not get to report it: reported again, not redone.
  const resolved = entries.filter((e) => e.resolution);
  const open = entries.filter((e) => !e.resolution);
  const info = await store.info();
  const snapshot = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
  const customers = new Map(snapshot.customers.map((c) => [c.domain, c]));
  const subscriptions = new Map(snapshot.subscriptions.map((s) => [s.subscriptionId, s]));
  const observed: Observed[] = [];
  const items: RecoveredItem[] = resolved.map(({ intent, resolution }) => ({ operation: intent.operation, target: intent.target, requestId: intent.requestId, startedAt: intent.at, found: resolution!.found, recorded: resolution!.recorded }));
  const fresh: Array<{ entry: JournalEntry; item: RecoveredItem }> = [];
  for (const entry of open) fresh.push({ entry, item: await recoverEntry(entry, session, snapshot, customers, subscriptions, observed, run.now, run.recoveredPasswords ?? new Set()) });
  if (observed.length) {
    const batchId = randomUUID();
    const { ops, audit } = observedBatch(observed, batchId, run.operator, run.now, 'Partner Center (recovered journal)');
    for (const a of audit) a.action = 'recovered';
    await store.commit({ expectedRevision: info.revision, ops, audit, batch: { batchId, mode: 'recover', operator: run.operator, startedAt: run.now, finishedAt: run.now, inputs: [], counts: { Recovered: { recorded: observed.length } }, revisionBefore: info.revision, details: { recovered: items.length } } });
  }
  // Resolved entries stay in the journal, marked, until this run's results have reported them (the run's end clears it);
  // one that could not be resolved stays open for the next run (resolving again reads first).
  for (const { entry, item } of fresh) {
    if (!item.found.startsWith('could not be resolved')) await journal.resolve({ id: entry.intent.id, found: item.found, recorded: item.recorded, at: run.now });
    items.push(item);
  }
  return items;
}

async function recoverEntry(
  entry: JournalEntry,
  session: PartnerCenterSession,
  snapshot: StoreSnapshot,
  customers: Map<string, CustomerRecord>,
  subscriptions: Map<string, SubscriptionRecord>,
  observed: Observed[],
  now: string,
  recoveredPasswords: ReadonlySet<string>,
): Promise<RecoveredItem> {
  const { intent, outcome } = entry;
  const base = { operation: intent.operation, target: intent.target, requestId: intent.requestId, startedAt: intent.at };
  const context = (intent.context ?? {}) as { record?: CustomerRecord & SubscriptionRecord; tenantId?: string; domain?: string; planned?: SubscriptionRecord[] };
  const client = session.client;
  try {
    if (outcome?.status === 'failed') return { ...base, found: `refused: ${outcome.error?.message ?? ''}`, recorded: 'nothing (the write did not happen)' };
    switch (intent.operation) {
      case 'customers.create': {
        const record = context.record!;
        const result = outcome?.result as { tenantId?: string } | undefined;
        let tenantId = result?.tenantId;
        if (!tenantId) {
          // Unanswered: did it take effect? The customer with that domain exists, or not.
          const domain = `${record.domain}.onmicrosoft.com`;
          if (await checkDomainAvailability(client, domain)) return { ...base, found: `${domain} is free: the customer was not created`, recorded: 'nothing; applying the workbook again creates it' };
          for await (const page of listCustomers(client, { filter: { field: 'Domain', value: domain } })) {
            const hit = page.items.find((c) => String(c.companyProfile?.domain ?? '').toLowerCase() === domain);
            if (hit) tenantId = hit.id;
            if (tenantId) break;
          }
          if (!tenantId) return { ...base, found: `${domain} is taken, by a customer this provider does not see`, recorded: 'nothing: check Partner Center' };
        }
        if (customers.has(record.domain)) return { ...base, found: `customer ${tenantId} exists`, recorded: 'already in the store' };
        const after: CustomerRecord = { ...record, tenantId, createdAt: record.createdAt || now };
        customers.set(after.domain, after);
        observed.push({ entity: 'customer', key: after.domain, before: null, after, fields: [] });
        const password = recoveredPasswords.has(record.domain) ? 'its password is in the recovered credential report' : 'its temporary password was lost with the crash: reset it in the Microsoft 365 admin center (Users → Reset password)';
        return { ...base, found: `customer ${tenantId} exists in Partner Center`, recorded: `customer ${after.domain} recorded; ${password}` };
      }
      case 'carts.checkout': {
        const ctx = intent.context as { domain?: string; tenantId?: string; cartId?: string; planned?: SubscriptionRecord[] };
        const customer = ctx.domain ? customers.get(ctx.domain) : undefined;
        const tenantId = ctx.tenantId ?? customer?.tenantId;
        if (!tenantId || !ctx.domain) return { ...base, found: 'unknown customer', recorded: 'nothing' };
        let orderIds = ((outcome?.result as { orders?: string[] } | undefined)?.orders ?? []).slice();
        if (!orderIds.length && ctx.cartId) {
          // Sent again with the same MS-RequestId: Partner Center answers as it answered the first time.
          const again = await checkoutCart(client, tenantId, ctx.cartId, { requestId: intent.requestId });
          orderIds = (again.orders ?? []).map((o) => o.id);
        }
        let recorded = 0;
        for (const orderId of orderIds) {
          for (const s of await listSubscriptionsByOrder(client, tenantId, orderId)) {
            if (subscriptions.has(s.id)) continue;
            const planned = ctx.planned?.find((p) => p.offerId.toLowerCase() === String(s.offerId ?? '').split(':').slice(0, 2).join(':').toLowerCase() && p.nickname === (s.friendlyName ?? ''));
            const after = subscriptionRecordOf(s, ctx.domain, now, planned);
            subscriptions.set(s.id, after);
            observed.push({ entity: 'subscription', key: s.id, before: null, after, fields: [] });
            recorded++;
          }
        }
        return { ...base, found: orderIds.length ? `order ${orderIds.join(', ')}` : 'no order', recorded: `${recorded} subscription(s) recorded` };
      }
      case 'subscriptions.patch':
      case 'transitions.create':
      case 'supportContacts.update': {
        const ctx = intent.context as { tenantId?: string; subscriptionId?: string; domain?: string; patch?: SubscriptionChange; contact?: { supportTenantId: string; supportMpnId: string; name: string }; transition?: Record<string, unknown> };
        if (!ctx.tenantId || !ctx.subscriptionId || !ctx.domain) return { ...base, found: 'not enough recorded to resolve', recorded: 'nothing' };
        if (!outcome) {
          if (intent.operation === 'subscriptions.patch' && ctx.patch) await updateSubscription(client, ctx.tenantId, ctx.subscriptionId, ctx.patch, { requestId: intent.requestId });
          if (intent.operation === 'supportContacts.update' && ctx.contact) await updateSupportContact(client, ctx.tenantId, ctx.subscriptionId, ctx.contact, { requestId: intent.requestId });
          if (intent.operation === 'transitions.create' && ctx.transition) await createTransition(client, ctx.tenantId, ctx.subscriptionId, ctx.transition as never, { requestId: intent.requestId });
        }
        const s = await getSubscription(client, ctx.tenantId, ctx.subscriptionId);
        const known = subscriptions.get(ctx.subscriptionId);
        const after = subscriptionRecordOf(s, ctx.domain, now, known);
        if (intent.operation === 'supportContacts.update' && ctx.contact) after.supportContactMpnId = ctx.contact.supportMpnId;
        observed.push({ entity: 'subscription', key: s.id, before: known ?? null, after, fields: [] });
        return { ...base, found: outcome ? 'answered before the crash' : 'sent again with the same MS-RequestId', recorded: `subscription ${s.id} as Partner Center shows it (quantity ${after.quantity}, ${after.status})` };
      }
      default:
        return { ...base, found: outcome ? 'answered' : 'not answered (nothing to record for it)', recorded: 'nothing' };
    }
  } catch (error) {
    if (error instanceof PartnerCenterUnavailableError) throw error;
    return { ...base, found: `could not be resolved: ${(error as Error).message}`, recorded: 'nothing; the next run tries again' };
  }
}

export type { ResellerRecord };
