import { SHEETS, type SheetKind } from '../normalize/columns.js';

/** Display of a stored value in a `Changes` cell. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (Array.isArray(value)) return value.length ? value.join('; ') : '(none)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => String(x).toLowerCase() === String(b[i]).toLowerCase());
  return (a ?? null) === (b ?? null);
}

export interface RecordDiff {
  /** Canonical headers of the columns that change, in column order. */
  fields: string[];
  /** `Quantity: 10 → 12; Status: active → suspended`. */
  text: string;
}

/** The columns of `kind` whose value differs between two records (extra non-column fields are ignored). */
export function diffRecords(kind: SheetKind, before: object, after: object): RecordDiff {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const fields: string[] = [];
  const parts: string[] = [];
  for (const column of SHEETS[kind].columns) {
    if (column.assigned || !(column.field in a)) continue;
    if (same(b[column.field], a[column.field])) continue;
    fields.push(column.header);
    parts.push(`${column.header}: ${displayValue(b[column.field])} → ${displayValue(a[column.field])}`);
  }
  return { fields, text: parts.join('; ') };
}
