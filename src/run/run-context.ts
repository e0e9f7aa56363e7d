import type { Logger } from '../log/logger.js';
import type { SyncPlan } from '../plan/sync-plan.js';
import type { RunInfo } from '../report/results-workbook.js';
import type { Terminal } from '../report/terminal.js';

/** What a run reported: its plan, how it ran, and where its files went (paths only: the contents may be secret). */
export interface RunReport {
  plan: SyncPlan;
  run: RunInfo;
  resultsPath: string;
  /** Credential reports written by an apply. */
  credentials: string[];
  /** Invitation drafts written by an apply. */
  invitations: string[];
}

/** What a run receives from its caller (the command line or the console), resolved once. */
export interface RunContext {
  storeLocation: string;
  /** `--as` or TIERSYNC_USER; checked against the store's users by the plan. */
  operator: string | undefined;
  outDir: string;
  lockTimeoutSeconds: number;
  maxInputMb: number;
  invitationDays: number;
  json: boolean;
  /** `--results changed`: leave unchanged rows out of the result sheets. */
  resultsFilter: 'all' | 'changed';
  terminal: Terminal;
  log: Logger;
  now: () => Date;
  /** Optional: told each run's report once its results workbook is written (the console shows it). */
  onReport?: (report: RunReport) => void;
}
