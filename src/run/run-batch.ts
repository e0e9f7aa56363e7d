import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { applySyncPlan, type ApplyResult } from '../apply/apply-sync-plan.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { PruneRefusedError, StalePlanError, UsageError } from '../core/errors.js';
import type { SheetKind } from '../normalize/columns.js';
import { assembleSyncPlan } from '../plan/assemble-sync-plan.js';
import { countDrift, countRenewals, countResults, hasRejections, PLAN_FORMAT_VERSION, type SyncPlan } from '../plan/sync-plan.js';
import { stageCredentialReports } from '../report/credential-report.js';
import { stageInvitationDrafts } from '../report/invitation-drafts.js';
import { releaseResultsOnly, writeResultsWorkbook, type AppliedIds, type RunInfo, type RunMode } from '../report/results-workbook.js';
import { MAX_KEPT_REPORT_BYTES, packRunReport } from '../report/run-record.js';
import { StagedSecretFiles } from '../report/secret-files.js';
import { formatCounts } from '../report/terminal.js';
import type { SnapshotRequest, SyncStore } from '../store/sync-store.js';
import { ingestInputs, type Ingested } from './ingest.js';
import type { RunContext } from './run-context.js';
import { openStore } from './store-factory.js';
import { memoryFields } from '../log/logger.js';
import { collectBetweenStages, collectorOnGrowth } from '../core/stage-gc.js';
import { runClock, type RunClock } from './run-clock.js';
import { shippedCountryRules } from './country-rules-file.js';
import { connectRun, settleRows, type ConnectedRun } from './connected-run.js';
import { observedBatch } from './partner-center-session.js';

export interface BatchOptions {
  mode: RunMode | 'catalog-import';
  files: string[];
  kinds: readonly SheetKind[];
  atomic: boolean;
  allowRemovals: boolean;
  prune: boolean;
  resendExpired: boolean;
  splitCredentials: boolean;
  sheet?: string;
  savePlan?: string;
  detailedExitcode: boolean;
  /** Refuse a prune that removes or suspends more than this percentage of a sheet's records. */
  maxPrunePercent: number;
}

/**
 * How far the planning stage's heap may grow over what was in use after its last collection before it
 * collects again (and by at least 128 MB, so a small run never stops for one). Planning a million rows
 * turns the validated rows into garbage as it goes (each is dropped once planned) while the plan
 * grows; left to itself V8 lets the heap reach about twice what was alive at its last collection.
 * A full-scale L-rerun peaked at 1.62 GB with a collection every 500,000 rows, 1.58–1.60 GB with this
 * (with the planning slots made as they are reached); a full-scale import as before (~1.73 GB).
 */
const PLANNING_HEAP_GROWTH = { factor: 1.3, minBytes: 128 * 1024 * 1024 };

/**
 * The most rows of a small run: its plan and results are small beside a store's database.
 * - It plans with the store's database still in memory (`readAndPlan`); a larger run lets it go.
 * - Its results are written while the store saves. A larger run's results wait for the save and the
 *   store's close (unless its commit is large: `writesResultsFirst`): made beside a database still in
 *   memory and on top of a large plan, they can only add to the peak, for the 1–2 s of a full-scale
 *   save against ~10 s of results. A small run gains the whole time of its results (0.1–0.2 s of a
 *   1,000-row upload's ~1.5 s).
 * - It makes no collection between its stages (`collectAfterStage`): its garbage is megabytes, and
 *   each full collection would cost it 6–30 ms (~70 ms of a 1,000-row upload).
 */
const SMALL_RUN_MAX_ROWS = 100_000;

/**
 * The fewest changes of a commit whose results workbook is written before it, and whose rows then let
 * go of what only the results read (`releaseResultsOnly`: each row's echoed cells and message, ~120 MB
 * at a million rows). Such a commit makes a record for every change and grows the database (the file
 * store's, in memory) while the whole plan is alive, and that is a large run's peak. With fewer
 * changes the commit adds little, and the results wait for the store's close instead: written beside
 * a database still in memory, they would only add to the peak. A connected run always writes them
 * after: its results say what Partner Center did and what was recovered.
 */
const RESULTS_FIRST_MIN_CHANGES = 100_000;

function writesResultsFirst(plan: SyncPlan, connected: boolean): boolean {
  return !connected && plan.changes.length >= RESULTS_FIRST_MIN_CHANGES;
}

function isSmallRun(rows: number): boolean {
  return rows <= SMALL_RUN_MAX_ROWS;
}

/** The collection between two stages of a run of `rows` rows (`collectBetweenStages`); none in a small run. */
function collectAfterStage(rows: number): void {
  if (!isSmallRun(rows)) collectBetweenStages();
}

/** The guard against wiping the store with an incomplete master file: a sentence per sheet over the bound. */
export function pruneOverLimit(plan: SyncPlan, maxPercent: number): string[] {
  return Object.entries(plan.pruneStats).flatMap(([kind, s]) => {
    if (!s || !s.pruned) return [];
    const percent = (s.pruned / Math.max(1, s.records)) * 100;
    return percent > maxPercent ? [`${kind}: ${s.pruned} of ${s.records} (${percent.toFixed(1)}%)`] : [];
  });
}

/** The snapshot a batch needs: every record its rows name, or whole sheets when pruning; and the renewals due by `dueBy`. */
export function snapshotRequestFor(batch: Pick<Ingested, 'sheets'>, prune: boolean, dueBy?: string): SnapshotRequest {
  const customers = new Set<string>();
  const subscriptionIds = new Set<string>();
  for (const sheet of batch.sheets) {
    for (const row of sheet.rows) {
      const v = row.value as Record<string, unknown> | undefined;
      if (!v) continue;
      if (sheet.kind === 'Customers') customers.add(v.domain as string);
      if (sheet.kind === 'Subscriptions') {
        customers.add(v.customerDomain as string);
        if (v.subscriptionId) subscriptionIds.add(v.subscriptionId as string);
      }
    }
  }
  const kinds = new Set(batch.sheets.map((s) => s.kind));
  return {
    customers: prune && kinds.has('Customers') ? 'all' : [...customers],
    subscriptionsOfCustomers: prune && kinds.has('Subscriptions') ? 'all' : [...customers],
    subscriptionIds: [...subscriptionIds],
    ...(dueBy ? { dueBy } : {}),
  };
}

function stemOf(files: readonly string[]): string {
  const first = basename(files[0] ?? 'batch').replace(/\.(xlsx|csv)$/i, '');
  return files.length > 1 ? `${first}+${files.length - 1}` : first;
}

export function requireOperator(ctx: RunContext): string {
  if (!ctx.operator) throw new UsageError('Name the operator with --as EMAIL (or the TIERSYNC_USER environment variable)');
  return ctx.operator;
}

/**
 * Read and validate the inputs, open the store, load what the rows name and plan them. A function of
 * its own so that the validated rows and the snapshot are garbage once it returns (what an async
 * function holds lives as long as it runs). Returns the plan and the store, open.
 */
async function readAndPlan(ctx: RunContext, options: BatchOptions, operator: string): Promise<{ plan: SyncPlan; store: SyncStore; clock: RunClock; connected?: ConnectedRun }> {
  const ingested = await ingestInputs(options.files, { kinds: options.kinds, maxInputMb: ctx.maxInputMb, terminal: ctx.terminal, log: ctx.log, ...(options.sheet ? { sheetName: options.sheet } : {}) });
  if (!ingested.sheets.length) throw new UsageError(`No sheet tiersync reads (${options.kinds.join(', ')}) was found in ${ingested.files.map((f) => f.name).join(', ')}`);

  // Reading leaves its garbage (the parsed text of a million rows) in the heap: out of it before the
  // file store reads its database and the snapshot is made on top.
  collectAfterStage(ingested.rowCount);
  const store = await openStore(ctx.storeLocation, { write: options.mode !== 'plan', lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
  let connected: ConnectedRun | undefined;
  try {
    const planStarted = Date.now();
    const info = await store.info();
    const clock = runClock(ctx, info, store.location);
    const startedAt = clock.now;
    // A connected store: first what an earlier run left unfinished, then Partner Center's current state of what the batch names.
    connected = info.partnerCenter ? await connectRun(ctx, store, info, { write: options.mode !== 'plan', operator, now: startedAt, domains: snapshotRequestFor(ingested, false).customers as string[] }) : undefined;
    const snapshot = await store.loadSnapshot(snapshotRequestFor(ingested, options.prune, connected ? undefined : startedAt));
    if (connected) connected.overlay(snapshot);
    ctx.log.debug('snapshot loaded', { event: 'plan.snapshot', customers: snapshot.customers.length, subscriptions: snapshot.subscriptions.length, ms: Date.now() - planStarted });
    // The snapshot is all planning reads of the store: a large run's store need not hold its data
    // meanwhile. What it lets go (the file store's whole database), and the garbage of reading the
    // snapshot, leave memory before planning grows the heap. A small run keeps the database: its plan
    // is small beside it, and the apply would otherwise read it from the file again (a 1,000-row
    // upload to a full-scale store: 0.3 s).
    if (!isSmallRun(ingested.rowCount)) {
      store.releaseMemory?.();
      collectBetweenStages();
    }
    const collectOnGrowth = collectorOnGrowth(PLANNING_HEAP_GROWTH);
    const plan = assembleSyncPlan(ingested, snapshot, {
      now: startedAt,
      operator,
      atomic: options.atomic,
      allowRemovals: options.allowRemovals,
      prune: options.prune,
      resendExpired: options.resendExpired,
      invitationDays: ctx.invitationDays,
      countryRules: ctx.countryRules ?? shippedCountryRules(),
      // A local store is its own system of record: the renewals due by its clock are its to apply.
      applyRenewals: !connected,
      simulatedClock: clock.simulated,
      ...(connected ? { connected: { authorization: await connected.authorization(ingested, snapshot) } } : {}),
      onProgress: (planned, total) => {
        ctx.terminal.progress('Planning rows', planned, total, planStarted);
        // Not at the last rows: the collection after planning follows at once. One here, with the
        // working state still alive, also left that next collection unable to free it, for reasons
        // inside V8 that tiersync's objects do not show (L-csv: 648 MB in use after it instead of
        // 314 MB, a second collection freed the rest; 1.82 GB at the commit instead of 1.43 GB).
        if (planned < total) collectOnGrowth();
      },
    });
    ctx.terminal.clearProgress();
    return { plan, store, clock, ...(connected ? { connected } : {}) };
  } catch (error) {
    await connected?.close();
    await store.close();
    throw error;
  }
}

/** plan / apply / reconcile / catalog import on input files: read → plan → (apply) → report. */
export async function runBatch(ctx: RunContext, options: BatchOptions): Promise<ExitCode> {
  const operator = requireOperator(ctx);
  const batchId = randomUUID();
  const applying = options.mode !== 'plan';
  ctx.log.info('run started', { event: 'run.start', mode: options.mode, batchId, operator, files: options.files.map((f) => basename(f)) });

  const { plan, store, clock, connected } = await readAndPlan(ctx, options, operator);
  const startedAt = clock.now;
  try {
    collectAfterStage(plannedRows(plan));
    ctx.log.info('plan assembled', { event: 'plan.done', batchId, changes: plan.changes.length, counts: countResults(plan), memory: memoryFields() });
    const overLimit = pruneOverLimit(plan, options.maxPrunePercent);
    if (overLimit.length) {
      await report(ctx, plan, await unchangedRun(ctx, store, plan, { mode: 'plan', batchId, startedAt, clock, files: options.files }), options.files);
      throw new PruneRefusedError(`Refused to prune more than ${options.maxPrunePercent}% of the store's records (${overLimit.join('; ')}); nothing was changed. If the input really is complete, raise the bound with --max-prune`);
    }
    if (!applying) {
      if (options.savePlan) {
        await fs.writeFile(options.savePlan, JSON.stringify(plan));
        ctx.terminal.info(`Plan saved to ${options.savePlan} (store revision ${plan.revision})`);
      }
      await report(ctx, plan, { ...(await unchangedRun(ctx, store, plan, { mode: 'plan', batchId, startedAt, clock, files: options.files })), ...(connected ? { partnerCenter: connected.report() } : {}) }, options.files);
      if (hasRejections(plan)) return EXIT.rowsRejected;
      return options.detailedExitcode && plan.changes.length ? EXIT.changesPending : EXIT.ok;
    }
    return await applyAndReport(ctx, store, plan, { mode: options.mode === 'reconcile' ? 'reconcile' : 'apply', batchMode: options.mode === 'plan' ? 'apply' : options.mode, batchId, startedAt, clock, files: options.files, splitCredentials: options.splitCredentials, ...(connected ? { connected } : {}) });
  } finally {
    await connected?.close();
    await store.close();
  }
}

/** `apply --plan PLAN.json`: carry out a saved plan, if it is still current. */
export async function applySavedPlan(ctx: RunContext, planPath: string, splitCredentials: boolean): Promise<ExitCode> {
  let plan: SyncPlan;
  try {
    plan = JSON.parse(await fs.readFile(planPath, 'utf8')) as SyncPlan;
  } catch (cause) {
    throw new UsageError(`${planPath} is not a plan saved by tiersync plan --save-plan`, { cause });
  }
  if (plan?.formatVersion !== PLAN_FORMAT_VERSION) throw new UsageError(`${planPath} is a plan of format ${String(plan?.formatVersion)}; this tiersync reads format ${PLAN_FORMAT_VERSION}. Plan again`);
  return applyPlan(ctx, plan, splitCredentials);
}

/** Carry out a plan made earlier (saved by `plan --save-plan`, or kept by the console), if the store has not moved on since. */
export async function applyPlan(ctx: RunContext, plan: SyncPlan, splitCredentials: boolean): Promise<ExitCode> {
  const store = await openStore(ctx.storeLocation, { write: true, lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
  try {
    const info = await store.info();
    const clock = runClock(ctx, info, store.location);
    const startedAt = clock.now;
    if (info.storeId !== plan.storeId) throw new StalePlanError(`The plan was made for another store (${plan.storeId}), not ${store.location} (${info.storeId}); plan again`);
    if (info.revision !== plan.revision) throw new StalePlanError(`The plan is stale: it was made against revision ${plan.revision} of the store, which is now at revision ${info.revision}; plan again`);
    // A connected store's saved plan goes through Partner Center too; it is applied as planned (no refresh in between).
    const connected = info.partnerCenter ? await connectRun(ctx, store, info, { write: true, operator: plan.operator, now: startedAt, domains: [], refresh: false }) : undefined;
    try {
      // Resolving an earlier run's journal commits: the plan was made against the store before that.
      if (connected && (await store.info()).revision !== plan.revision) throw new StalePlanError('The plan is stale: an earlier run\'s unfinished Partner Center writes were recorded first; plan again');
      return await applyAndReport(ctx, store, plan, { mode: plan.options.prune ? 'reconcile' : 'apply', batchMode: plan.options.prune ? 'reconcile' : 'apply', batchId: randomUUID(), startedAt, clock, files: plan.inputs.map((i) => i.name), splitCredentials, ...(connected ? { connected } : {}) });
    } finally {
      await connected?.close();
    }
  } finally {
    await store.close();
  }
}

interface ReportContext {
  mode: RunMode;
  batchId: string;
  startedAt: string;
  clock: RunClock;
  files: readonly string[];
}

/** When a run finishes: a simulated clock stands still through the run. */
function finishedAtOf(ctx: RunContext, clock: RunClock): string {
  return clock.simulated ? clock.now : ctx.now().toISOString();
}

async function applyAndReport(ctx: RunContext, store: SyncStore, plan: SyncPlan, run: ReportContext & { batchMode: 'apply' | 'reconcile' | 'catalog-import'; splitCredentials: boolean; connected?: ConnectedRun }): Promise<ExitCode> {
  const staged = new StagedSecretFiles();
  const stem = stemOf(run.files);
  const info = await store.info();
  // A connected store: Partner Center first (journaled, write by write); the store then records what it did.
  const remote = run.connected ? await run.connected.apply(plan, { batchId: run.batchId, now: run.startedAt, stem }) : undefined;
  if (remote) settleRows(plan, remote.outcomes);
  const leading = run.connected ? observedBatch(run.connected.observed, run.batchId, plan.operator, run.startedAt, 'Partner Center (targeted refresh)') : undefined;
  let drafts = new Map<string, string>();
  let applied: ApplyResult;
  const finishedAt = finishedAtOf(ctx, run.clock);
  const runInfo = (revisionAfter: number): RunInfo => ({
    mode: run.mode,
    batchId: run.batchId,
    operator: plan.operator,
    startedAt: run.startedAt,
    finishedAt,
    storeLocation: store.location,
    storeId: info.storeId,
    revisionBefore: plan.revision,
    revisionAfter,
    resultsFilter: ctx.resultsFilter,
    invitationDrafts: drafts,
    ...(run.connected ? { partnerCenter: run.connected.report() } : {}),
  });
  ctx.terminal.status(`Applying ${plan.changes.length.toLocaleString('en-US')} change(s) in one transaction…`);
  const applyStarted = Date.now();
  // A small run's results workbook is written while the commit makes itself durable (the file store
  // writes and syncs its whole file), a large commit's before it (see `writesResultsFirst`), under a
  // temporary name: it is put in place once the commit is durable, and deleted if it is not. It
  // settles with the error that stopped it, if any.
  const resultsPath = resultsPathOf(ctx, run.files);
  const resultsTmp = `${resultsPath}.tmp-${process.pid}`;
  const resultsFirst = writesResultsFirst(plan, !!run.connected);
  let results: Promise<unknown> | undefined;
  try {
    applied = await applySyncPlan(plan, store, {
      batchId: run.batchId,
      mode: run.batchMode,
      startedAt: run.startedAt,
      now: run.startedAt,
      onProgress: (written, total) => ctx.terminal.progress('Writing to the store', written, total, applyStarted),
      ...(remote ? { remote } : {}),
      ...(leading ? { leading } : {}),
      ...(isSmallRun(plannedRows(plan)) && !resultsFirst
        ? {
            onCommitted: (done: ApplyResult) => {
              results = writeResults(ctx, resultsTmp, plan, runInfo(done.revisionAfter), done).then(
                () => undefined,
                (error: unknown) => error ?? new Error('the results workbook could not be written'),
              );
            },
          }
        : {}),
      beforeCommit: async (issued) => {
        await stageCredentialReports(staged, ctx.outDir, stem, issued.credentials, run.splitCredentials);
        drafts = await stageInvitationDrafts(staged, ctx.outDir, issued.invitations, info.provider, plan.operator, ctx.now());
        // A commit that succeeds takes the store from the plan's revision to the next (both stores
        // check the revision under the writer lock), so the run's report can name it before it exists.
        const committed = runInfo(plan.revision + 1);
        // Kept with the batch so `tiersync report --batch` can write this run's results again.
        const details = keptDetails(plan, committed, issued, run.files, stem);
        if (resultsFirst) {
          await writeResults(ctx, resultsTmp, plan, committed, issued);
          results = Promise.resolve(undefined);
          releaseResultsOnly(plan);
          collectAfterStage(plannedRows(plan));
        }
        return details;
      },
    });
  } catch (error) {
    await results;
    await fs.rm(resultsTmp, { force: true });
    await staged.discard();
    throw error;
  }
  await staged.publish();
  // Committed: the pending credentials file's passwords are in the report now.
  await remote?.pendingCredentials.remove();
  // The run is committed: the store is closed before the results are written, which releases the
  // writer lock and, for the file store, the in-memory database (at a million rows, gigabytes that
  // would otherwise stay alive, and keep the garbage collector busy, while the results are written).
  // A connected run keeps it: its journal is cleared once the results say what was recovered.
  if (!run.connected) await store.close();
  collectAfterStage(plannedRows(plan));
  ctx.log.info('changes committed', { event: 'apply.done', batchId: run.batchId, changes: plan.changes.length, revisionBefore: applied.revisionBefore, revisionAfter: applied.revisionAfter, memory: memoryFields() });
  const resultsError = await results;
  if (resultsError) {
    await fs.rm(resultsTmp, { force: true });
    throw resultsError;
  }
  ctx.terminal.clearProgress();
  const credentialReports = staged.paths.filter((p) => p.endsWith('.xlsx'));
  await report(ctx, plan, runInfo(applied.revisionAfter), run.files, applied, { credentials: credentialReports, invitations: staged.paths.filter((p) => p.endsWith('.eml')) }, results ? resultsTmp : undefined);
  // What the journal held is in the store, and what was recovered is on the results' Recovered sheet: start afresh.
  if (run.connected) await run.connected.session.journal?.clear();
  if (credentialReports.length) {
    // Where they are (never what they hold): an unattended --quiet run's log still tells someone.
    ctx.log.info('credential reports written', { event: 'credentials.written', accounts: applied.credentials.length, files: credentialReports });
    ctx.terminal.info(`Credentials of ${applied.credentials.length} new customer account(s): ${credentialReports.join(', ')}`);
    ctx.terminal.info('  They are shown once and stored nowhere else: hand them over securely, then delete the file.');
  }
  if (applied.invitations.length) ctx.terminal.info(`Invitation drafts for ${applied.invitations.length} reseller(s): ${join(ctx.outDir, 'invitations')}`);
  if (remote?.stoppedBy) {
    ctx.terminal.error(`${remote.stoppedBy.message.replace(/\.?$/, '.')} What Partner Center did before is recorded; the rest of the rows say they were not sent.`);
    return EXIT.partnerCenter;
  }
  return hasRejections(plan) ? EXIT.rowsRejected : EXIT.ok;
}

/** The details kept with the batch record: the run's report, packed, unless it is too large to keep. */
function keptDetails(plan: SyncPlan, info: RunInfo, issued: AppliedIds, files: readonly string[], stem: string): unknown {
  if (reportCertainlyTooLarge(plan)) return { files, stem, reportOmitted: 'too large to keep' };
  const { invitationDrafts, ...rest } = info;
  const report = packRunReport({
    plan,
    run: { ...rest, invitationDrafts: [...(invitationDrafts ?? [])] },
    assignedIds: issued.assignedIds,
    invitations: issued.invitations.map(({ resellerMpnId, expiresAt }) => ({ resellerMpnId, expiresAt })),
  });
  return { files, stem, ...(report ? { report } : { reportOmitted: 'too large to keep' }) };
}

/**
 * A lower bound of the JSON a kept run report would take (each row's packed cells and note, each change's
 * record): when even that is over the bound, the report is not serialized at all — at a million rows
 * that is hundreds of megabytes of JSON made only to be thrown away.
 */
function reportCertainlyTooLarge(plan: SyncPlan): boolean {
  let bytes = 0;
  for (const sheet of plan.sheets) {
    for (const row of sheet.rows) {
      bytes += 40 + row.note.length + row.changesText.length + row.cells.length;
    }
    if (bytes > MAX_KEPT_REPORT_BYTES) return true;
  }
  return bytes > MAX_KEPT_REPORT_BYTES;
}

/** The RunInfo of a run that changes nothing (plan mode, or a refused prune). */
async function unchangedRun(ctx: RunContext, store: SyncStore, plan: SyncPlan, run: ReportContext): Promise<RunInfo> {
  const info = await store.info();
  return { mode: run.mode, batchId: run.batchId, operator: plan.operator, startedAt: run.startedAt, finishedAt: finishedAtOf(ctx, run.clock), storeLocation: store.location, storeId: info.storeId, revisionBefore: plan.revision, revisionAfter: plan.revision, resultsFilter: ctx.resultsFilter };
}

/** Files an apply wrote besides the results workbook (paths only: their contents are secret). */
interface WrittenFiles {
  credentials: string[];
  invitations: string[];
}


function plannedRows(plan: SyncPlan): number {
  return plan.sheets.reduce((n, sheet) => n + sheet.rows.length, 0);
}

function resultsPathOf(ctx: RunContext, files: readonly string[]): string {
  return join(ctx.outDir, `${stemOf(files)}.results.xlsx`);
}

/** The results workbook at `path`, in the output folder (made if it is not there yet). */
async function writeResults(ctx: RunContext, path: string, plan: SyncPlan, run: RunInfo, applied?: AppliedIds): Promise<void> {
  await fs.mkdir(ctx.outDir, { recursive: true });
  const started = Date.now();
  await writeResultsWorkbook(path, plan, run, applied, (done, total) => ctx.terminal.progress('Writing results', done, total, started));
  ctx.terminal.clearProgress();
}

/** The results workbook (or, with `writtenAt`, the one already written there, put in place), and the run's summary in the log and on the terminal. */
export async function report(ctx: RunContext, plan: SyncPlan, run: RunInfo, files: readonly string[], applied?: AppliedIds, written: WrittenFiles = { credentials: [], invitations: [] }, writtenAt?: string): Promise<string> {
  const path = resultsPathOf(ctx, files);
  if (writtenAt) await fs.rename(writtenAt, path);
  else await writeResults(ctx, path, plan, run, applied);
  const counts = countResults(plan);
  // What a prune did to records absent from the input, and what the clock renewed: not rows, counted apart.
  const drift = countDrift(plan);
  const renewals = countRenewals(plan);
  const clock = plan.simulatedClock ? { clock: 'simulated', now: run.startedAt } : {};
  const pc = run.partnerCenter
    ? { partnerCenter: { stateAsOf: run.partnerCenter.stateAsOf, calls: run.partnerCenter.stats.calls, reads: run.partnerCenter.stats.reads, writes: run.partnerCenter.stats.writes, retries: run.partnerCenter.stats.retries.total, throttleWaitMs: Math.round(run.partnerCenter.stats.throttling.waitMs), recovered: run.partnerCenter.recovered.length } }
    : {};
  ctx.log.info('run finished', { event: 'run.summary', mode: run.mode, batchId: run.batchId, counts, drift, renewals, ...clock, ...pc, results: path, revisionBefore: run.revisionBefore, revisionAfter: run.revisionAfter, memory: memoryFields() });
  if (ctx.json) {
    ctx.terminal.print(JSON.stringify({ mode: run.mode, batchId: run.batchId, storeId: run.storeId, revisionBefore: run.revisionBefore, revisionAfter: run.revisionAfter, counts, drift, renewals, ...clock, ...pc, results: path, ...written }), true);
  } else {
    ctx.terminal.print(`${run.mode === 'plan' ? 'Plan (nothing changed)' : 'Applied'}: store revision ${run.revisionBefore} → ${run.revisionAfter}${plan.simulatedClock ? ` (simulated clock: ${run.startedAt})` : ''}`);
    ctx.terminal.print(formatCounts(counts));
    if (Object.keys(drift).length) ctx.terminal.print(`Absent from the input (--prune):\n${formatCounts(drift)}`);
    if (run.partnerCenter) ctx.terminal.print(`Partner Center: ${run.partnerCenter.stats.calls} call(s), ${run.partnerCenter.stats.writes} write(s), ${run.partnerCenter.stats.retries.total} retr${run.partnerCenter.stats.retries.total === 1 ? 'y' : 'ies'}, ${(run.partnerCenter.stats.throttling.waitMs / 1000).toFixed(1)} s waiting on throttling`);
    if (renewals.renewed || renewals.expired) ctx.terminal.print(`Renewals ${run.mode === 'plan' ? 'due' : 'applied'} by the clock: ${renewals.renewed} renewed, ${renewals.expired} expired (listed on the Summary sheet)`);
    ctx.terminal.print(`Results: ${path}`);
  }
  ctx.onReport?.({ plan, run, resultsPath: path, credentials: written.credentials, invitations: written.invitations });
  return path;
}
