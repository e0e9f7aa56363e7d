import type { Logger } from '../log/logger.js';
import type { Terminal } from '../report/terminal.js';
import type { CountryRuleTable } from '../core/country-rules.js';

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
}
