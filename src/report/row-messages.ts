import { adviceFor } from '../core/error-codes.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { PlannedRow } from '../plan/sync-plan.js';

/** The row's `Code`: its reason when set, else its first error. */
export function codeOfRow(row: PlannedRow): ErrorCode | '' {
  return row.code ?? row.diags.find((d) => d.severity === 'error')?.code ?? '';
}

/** The row's `Message`: what happened, and for a problem, what to do about it. */
export function messageOfRow(row: PlannedRow): string {
  const errors = row.diags.filter((d) => d.severity === 'error');
  if (row.code) return `${row.note}. ${adviceFor(row.code)}`;
  if (errors.length) {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (${errors.length - 1} more problem${errors.length > 2 ? 's' : ''} on this row: see the Errors sheet)` : '';
    return `${first.message}. ${adviceFor(first.code)}${more}`;
  }
  return row.note;
}
