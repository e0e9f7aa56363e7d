import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { InputFileError, PruneRefusedError, StalePlanError, StoreLockedError, TiersyncError, UsageError } from '../core/errors.js';
import type { ExitCode } from '../core/exit-codes.js';
import type { Role } from '../core/roles.js';
import type { Logger } from '../log/logger.js';
import { SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import type { SyncPlan } from '../plan/sync-plan.js';
import { applyPlan, runBatch } from '../run/run-batch.js';
import type { RunContext, RunReport } from '../run/run-context.js';
import { refusedSheets, type Refusal } from './access.js';
import { DownloadRegistry, EML, XLSX } from './downloads.js';
import { JobTerminal, type JobProgress } from './job-terminal.js';
import { opaqueId } from './sessions.js';

/** The CLI's batch options a console user may choose (SPEC §4); they are fixed in the plan. */
export interface ChosenOptions {
  atomic: boolean;
  allowRemovals: boolean;
  prune: boolean;
  resendExpired: boolean;
  splitCredentials: boolean;
  /** For a CSV: the sheet it holds, when neither its name nor its headers say. */
  sheet?: SheetKind;
}

export type JobState = 'running' | 'done' | 'failed' | 'forbidden';

/** A failure as the page shows it: one sentence, and the HTTP status that fits. */
export interface JobFailure {
  message: string;
  status: number;
}

interface JobBase {
  id: string;
  owner: string;
  state: JobState;
  startedAt: Date;
  finishedAt?: Date;
  terminal: JobTerminal;
  failure?: JobFailure;
  exitCode?: ExitCode;
  report?: RunReport;
  /** Settles when the job ends, whatever the outcome. */
  finished: Promise<void>;
}

export interface PlanJob extends JobBase {
  kind: 'plan';
  fileName: string;
  options: ChosenOptions;
  refusals: Refusal[];
  resultsDownload?: string;
  /** The apply of this plan, once asked for: a plan is applied at most once. */
  applyId?: string;
}

export interface ApplyJob extends JobBase {
  kind: 'apply';
  planId: string;
  resultsDownload?: string;
  credentialDownloads: string[];
  invitationDownloads: Array<{ mpnId: string; id: string }>;
}

export type BatchJob = PlanJob | ApplyJob;

export interface BatchJobsConfig {
  storeLocation: string;
  workDir: string;
  maxInputMb: number;
  lockTimeoutSeconds: number;
  invitationDays: number;
  /** Results workbooks and plans are kept this long. */
  keepMs: number;
  /** Credential reports and invitation drafts (they hold secrets) are deleted after this long. */
  secretMs: number;
  log: Logger;
  now: () => Date;
}

function failureOf(error: unknown): JobFailure {
  if (error instanceof StalePlanError) return { message: error.message, status: 409 };
  if (error instanceof StoreLockedError) return { message: `${error.message.replace(/; wait for it.*$/, '')}; apply the plan again once that run has finished`, status: 409 };
  if (error instanceof InputFileError || error instanceof UsageError || error instanceof PruneRefusedError) return { message: error.message, status: 400 };
  if (error instanceof TiersyncError) return { message: error.message, status: 500 };
  return { message: 'Internal error: the run stopped; nothing was applied. The server log has the details', status: 500 };
}

/**
 * Plans and applies run as jobs of the console's process, through the same engine as the CLI
 * (`runBatch`, `applyPlan`); a page shows a job's progress while it runs and its report after.
 * Jobs belong to the user who started them: nobody else sees them.
 */
export class BatchJobs {
  private readonly jobs = new Map<string, BatchJob>();

  constructor(
    private readonly config: BatchJobsConfig,
    private readonly downloads: DownloadRegistry,
  ) {}

  /** The job with this ID, if it exists and is `owner`'s. */
  find(id: string, owner: string): BatchJob | undefined {
    const job = this.jobs.get(id);
    return job && job.owner === owner ? job : undefined;
  }

  private context(owner: string, outDir: string, terminal: JobTerminal, job: JobBase): RunContext {
    return {
      storeLocation: this.config.storeLocation,
      operator: owner,
      outDir,
      lockTimeoutSeconds: this.config.lockTimeoutSeconds,
      maxInputMb: this.config.maxInputMb,
      invitationDays: this.config.invitationDays,
      json: false,
      resultsFilter: 'all',
      terminal,
      log: this.config.log,
      now: this.config.now,
      onReport: (report) => {
        job.report = report;
      },
    };
  }

  private async run(job: BatchJob, work: () => Promise<void>, cleanup: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      job.state = 'failed';
      job.failure = failureOf(error);
      this.config.log.warn('console job failed', { event: 'console.job-failed', kind: job.kind, error: job.failure.message });
      if (!(error instanceof TiersyncError)) this.config.log.debug('stack', { event: 'console.job-failed.stack', stack: error instanceof Error ? error.stack : undefined });
    } finally {
      job.finishedAt = this.config.now();
      job.terminal.progressNow = { stage: 'Finished' };
      await cleanup().catch(() => undefined);
    }
  }

  /**
   * Plan an uploaded file as `owner` (the plan checks every row against the matrix). A sheet the
   * user's roles could change nothing of refuses the whole upload (403), and its plan is dropped.
   */
  startPlan(owner: string, roles: readonly Role[], upload: { path: string; dir: string }, options: ChosenOptions): PlanJob {
    const terminal = new JobTerminal();
    const job: PlanJob = { kind: 'plan', id: opaqueId(), owner, state: 'running', startedAt: this.config.now(), terminal, fileName: basename(upload.path), options, refusals: [], finished: Promise.resolve() };
    const outDir = join(this.config.workDir, 'runs', job.id);
    job.finished = this.run(
      job,
      async () => {
        job.exitCode = await runBatch(this.context(owner, outDir, terminal, job), {
          mode: 'plan',
          files: [upload.path],
          kinds: SHEET_KINDS,
          atomic: options.atomic,
          allowRemovals: options.allowRemovals,
          prune: options.prune,
          resendExpired: options.resendExpired,
          splitCredentials: options.splitCredentials,
          detailedExitcode: false,
          maxPrunePercent: 10,
          ...(options.sheet ? { sheet: options.sheet } : {}),
        });
        const report = job.report!;
        job.refusals = refusedSheets(roles, report.plan.sheets.map((s) => s.kind));
        if (job.refusals.length) {
          job.state = 'forbidden';
          job.report = undefined;
          await fs.rm(outDir, { recursive: true, force: true });
          return;
        }
        job.resultsDownload = this.offer(owner, 'results', report.resultsPath, this.config.keepMs).id;
        job.state = 'done';
      },
      // The upload has served its purpose: the plan holds what apply needs.
      () => fs.rm(upload.dir, { recursive: true, force: true }),
    );
    this.jobs.set(job.id, job);
    return job;
  }

  /** Apply a plan made by this console, if it is still current (a stale plan is refused, as `apply --plan` refuses it). */
  startApply(plan: PlanJob & { report: RunReport }): ApplyJob {
    const terminal = new JobTerminal();
    const job: ApplyJob = { kind: 'apply', id: opaqueId(), owner: plan.owner, state: 'running', startedAt: this.config.now(), terminal, planId: plan.id, credentialDownloads: [], invitationDownloads: [], finished: Promise.resolve() };
    plan.applyId = job.id;
    const outDir = join(this.config.workDir, 'runs', job.id);
    // A copy, as `apply --plan` reads a saved plan: the plan shown stays as it was planned.
    const saved = JSON.parse(JSON.stringify(plan.report.plan)) as SyncPlan;
    job.finished = this.run(
      job,
      async () => {
        job.exitCode = await applyPlan(this.context(plan.owner, outDir, terminal, job), saved, plan.options.splitCredentials);
        const report = job.report!;
        job.resultsDownload = this.offer(plan.owner, 'results', report.resultsPath, this.config.keepMs).id;
        job.credentialDownloads = report.credentials.map((path) => this.offer(plan.owner, 'credentials', path, this.config.secretMs, true).id);
        job.invitationDownloads = report.invitations.map((path) => ({ mpnId: basename(path, '.eml'), id: this.offer(plan.owner, 'invitation', path, this.config.secretMs).id }));
        job.state = 'done';
      },
      async () => {
        // A failed apply may have left the results of its refusal (nothing secret is written before a commit).
        if (job.state !== 'done') await fs.rm(outDir, { recursive: true, force: true });
      },
    );
    this.jobs.set(job.id, job);
    return job;
  }

  private offer(owner: string, kind: 'results' | 'credentials' | 'invitation', path: string, keepMs: number, once = false) {
    return this.downloads.add({ kind, owner, path, fileName: basename(path), contentType: kind === 'invitation' ? EML : XLSX, once, expiresAt: this.config.now().getTime() + keepMs });
  }

  progressOf(job: BatchJob): JobProgress & { state: JobState } {
    return { state: job.state, ...job.terminal.progressNow };
  }

  /** Jobs older than the keeping time are forgotten (their downloads expire on their own). */
  sweep(): void {
    const before = this.config.now().getTime() - this.config.keepMs;
    for (const [id, job] of this.jobs) if (job.finishedAt && job.finishedAt.getTime() < before) this.jobs.delete(id);
  }
}
