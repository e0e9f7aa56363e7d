import type { Logger } from '../log/logger.js';
import type { SyncPlan } from '../plan/sync-plan.js';
import type { RunInfo } from '../report/results-workbook.js';
import type { Terminal } from '../report/terminal.js';
import type { CountryRuleTable } from '../core/country-rules.js';

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
  /** The system clock. A run's time is `runClock(ctx, store info)`, which honours `nowOverride`. */
  now: () => Date;
  /** `--now`, normalized to ISO 8601 UTC: only a store made with --simulated-clock takes it. */
  nowOverride?: string;
  /** A connected store's options (SPEC §7.1–7.2): never a secret, those come from `env` or the 0600 file. */
  partnerCenter?: {
    credentialsFile?: string;
    concurrency?: number;
    ratePerMinute?: number;
    timeoutMs?: number;
    /** `--no-refresh`: plan against the store as it is, without reading Partner Center first. */
    noRefresh?: boolean;
    /** How long an apply waits for an order's subscriptions before leaving it pending. */
    provisioningWaitMs?: number;
  };
  /** The environment the credentials come from (TIERSYNC_PC_*). */
  env?: NodeJS.ProcessEnv;
  /** Partner Center's per-country rules, loaded once per run (templates/country-rules.json). */
  countryRules?: CountryRuleTable;
  /** Optional: told each run's report once its results workbook is written (the console shows it). */
  onReport?: (report: RunReport) => void;
}
