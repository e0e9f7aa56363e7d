import type { ErrorCode } from './error-codes.js';

/** Where a value came from: 1-based sheet row and column as the operator sees them in Excel. */
export interface CellRef {
  sheet: string;
  /** 1-based row number in the input sheet (the header is row `headerRow`). */
  row: number;
  /** 1-based column number, when the problem is one cell. */
  column?: number;
  /** The column's header as written, when known. */
  header?: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: ErrorCode;
  /** One sentence: what is wrong with this value. The code's advice is added by the reports. */
  message: string;
  at?: CellRef;
  /** The offending value as read, for the Errors sheet. */
  value?: string;
}

export function errorDiag(code: ErrorCode, message: string, at?: CellRef, value?: unknown): Diagnostic {
  const diag: Diagnostic = { severity: 'error', code, message };
  if (at) diag.at = at;
  if (value !== undefined && value !== null && value !== '') diag.value = String(value);
  return diag;
}

/** `A`, `B`, … `Z`, `AA` for a 1-based column number. */
export function columnLetter(column: number): string {
  let n = column;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

export function cellAddress(ref: CellRef): string {
  return ref.column ? `${columnLetter(ref.column)}${ref.row}` : '';
}

/** The diagnostics of a row without any: one shared, frozen empty list (a million clean rows, one array). */
export const NO_DIAGS: Diagnostic[] = Object.freeze([]) as unknown as Diagnostic[];
