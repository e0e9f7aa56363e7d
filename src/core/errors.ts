import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * The few real failures that stop a run. Row problems are never thrown: they are diagnostics.
 * Each class carries its exit code, so one top-level handler maps every failure.
 */
export class TiersyncError extends Error {
  readonly exitCode: ExitCode = EXIT.fatal;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An input file that cannot be read at all (broken, wrong format, too large). */
export class InputFileError extends TiersyncError {}

/** Bad command-line arguments or configuration. */
export class UsageError extends TiersyncError {}

/** The store cannot be opened, read or written. */
export class StoreError extends TiersyncError {}

/** Another run holds the store's writer lock. */
export class StoreLockedError extends TiersyncError {
  override readonly exitCode: ExitCode = EXIT.lockedOrStale;
}

/** A prune that would remove or suspend more than --max-prune percent of a sheet's records. */
export class PruneRefusedError extends TiersyncError {}

/** A saved plan was made against another store or an older revision. */
export class StalePlanError extends TiersyncError {
  override readonly exitCode: ExitCode = EXIT.lockedOrStale;
}

/**
 * Partner Center could not be reached (network, timeouts, server errors past the retry bound) or
 * refused the credentials (token endpoint, MFA, revoked refresh token). The run stops before
 * sending anything new; writes already sent are in the journal.
 */
export class PartnerCenterUnavailableError extends TiersyncError {
  override readonly exitCode: ExitCode = EXIT.partnerCenter;
  /** `credentials-refused`: the operator must act (new refresh token, new secret); `unreachable`: a later run may succeed. */
  readonly reason: 'unreachable' | 'credentials-refused';
  constructor(message: string, options: { reason: 'unreachable' | 'credentials-refused'; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
  }
}

/** A Partner Center credentials file that is unsafe (readable by others), unreadable or malformed: refused, like ssh refuses a readable key. */
export class CredentialsFileError extends TiersyncError {}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof TiersyncError ? error.exitCode : EXIT.fatal;
}
