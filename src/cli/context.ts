import type { Logger } from '../log/logger.js';
import type { Terminal } from '../report/terminal.js';

/** What every command receives from the command line and the environment, resolved once. */
export interface CliContext {
  storeLocation: string;
  /** `--as` or TIERSYNC_USER; checked against the store's users by the plan. */
  operator: string | undefined;
  outDir: string;
  lockTimeoutSeconds: number;
  maxInputMb: number;
  invitationDays: number;
  json: boolean;
  terminal: Terminal;
  log: Logger;
  now: () => Date;
}
