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

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof TiersyncError ? error.exitCode : EXIT.fatal;
}
