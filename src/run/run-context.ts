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
  /** Partner Center's per-country rules, loaded once per run (templates/country-rules.json). */
  countryRules?: CountryRuleTable;
}
