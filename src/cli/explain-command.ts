import { ERROR_CODES, isErrorCode } from '../core/error-codes.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import type { RunContext } from '../run/run-context.js';

/** `tiersync explain CODE`: the code's meaning and remedy, from the one table of codes. */
export async function runExplain(ctx: RunContext, code: string): Promise<ExitCode> {
  const wanted = code.trim().toLowerCase();
  if (!isErrorCode(wanted)) {
    const near = Object.keys(ERROR_CODES).filter((c) => c.startsWith(wanted.split('.')[0] ?? ''));
    throw new UsageError(`${code} is not a tiersync error code${near.length ? `; codes of that family: ${near.join(', ')}` : `; codes are listed by tiersync explain --help`}`);
  }
  ctx.terminal.print(`${wanted}\n  ${ERROR_CODES[wanted]}`, true);
  return EXIT.ok;
}
