/** The process exit codes of every command (SPEC §4). The one table that scripts and alerting rely on. */
export const EXIT = {
  /** Everything applied or unchanged (plan: nothing invalid). */
  ok: 0,
  /** Unreadable input, bad arguments, store failure, internal error: nothing applied. */
  fatal: 1,
  /** `plan --detailed-exitcode` only: valid, and there are changes to apply. */
  changesPending: 2,
  /** Some rows rejected (the rest applied unless --atomic). */
  rowsRejected: 3,
  /** The store is locked by another run, or the saved plan is stale. */
  lockedOrStale: 4,
  /** Connected: Partner Center could not be reached or refused the credentials; nothing new sent. */
  partnerCenter: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, 'success: everything applied or unchanged (plan: nothing invalid)'],
  [EXIT.fatal, 'fatal: unreadable input, bad arguments, store failure, internal error; nothing applied'],
  [EXIT.changesPending, 'plan --detailed-exitcode only: valid, and there are changes to apply'],
  [EXIT.rowsRejected, 'some rows rejected (the rest applied unless --atomic)'],
  [EXIT.lockedOrStale, 'store locked by another run, or the saved plan is stale'],
  [EXIT.partnerCenter, 'connected: Partner Center could not be reached or refused the credentials — nothing new sent; the journal says what was'],
];
