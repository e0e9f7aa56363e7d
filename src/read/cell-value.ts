import { internOwnString } from '../core/intern.js';
import type { CellValue } from './raw-sheet.js';

/** The most characters a spreadsheet cell holds (Excel's limit). */
export const MAX_CELL_CHARS = 32_767;

/**
 * One conversion for every shape a cell arrives in: strings are trimmed and NFC-normalized (empty →
 * null), rich text is joined, a formula is its cached result, a hyperlink its text, an error cell
 * `{ error }`. Numbers, booleans and dates pass through.
 */
export function toPrimitive(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const s = value.trim().normalize('NFC');
    return s === '' ? null : internOwnString(s);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return toPrimitive((v.richText as Array<{ text?: unknown }>).map((r) => String(r.text ?? '')).join(''));
    if ('formula' in v || 'sharedFormula' in v) return toPrimitive(v.result);
    if ('error' in v) return { error: String(v.error) };
    // A shared-string index that was never resolved would silently become a wrong value.
    if ('sharedString' in v) throw new Error('the shared strings of the workbook could not be read');
    if ('text' in v) return toPrimitive(v.text);
    if ('result' in v) return toPrimitive(v.result);
  }
  return toPrimitive(String(value));
}

export function isEmptyRow(cells: readonly CellValue[]): boolean {
  return cells.every((c) => c === null);
}
