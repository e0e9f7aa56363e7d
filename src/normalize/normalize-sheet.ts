import { z } from 'zod';
import { errorDiag, NO_DIAGS, type Diagnostic } from '../core/diagnostics.js';
import { packCells, type PackedCells } from '../read/packed-cells.js';
import { isCellError, type CellValue, type RawHeader, type RawSheet } from '../read/raw-sheet.js';
import { cellSchema, cellText, codeOfIssue } from './cell-schemas.js';
import { SHEETS, type ColumnDef, type SheetKind } from './columns.js';
import { matchHeaders, type HeaderMatch } from './headers.js';
import type { RowOf } from './rows.js';

/** One input row after validation: its cells as read, its typed value (when valid) and its problems. */
export interface InputRow<K extends SheetKind = SheetKind> {
  kind: K;
  /** The sheet's name as written in the input. */
  sheet: string;
  /** Index of the input file in the batch. */
  file: number;
  row: number;
  /** The cells as read, packed (see `packCells`): validation is done with them, the results echo them. */
  cells: PackedCells;
  /** Undefined when the row has errors: it can only be rejected. */
  value: RowOf[K] | undefined;
  /** `NO_DIAGS` (frozen) when there are none: add to a row's diagnostics by replacing the list. */
  diags: Diagnostic[];
}

export interface InputSheet<K extends SheetKind = SheetKind> {
  kind: K;
  name: string;
  file: number;
  headerRow: number;
  headers: RawHeader[];
  mapping: HeaderMatch[];
  /** Column number of each matched field. */
  columnOf: ReadonlyMap<string, number>;
  /** Sheet-level problems (a required column missing): every row of the sheet is rejected. */
  diags: Diagnostic[];
  rows: InputRow<K>[];
}

/** The zod schema of a sheet, derived from the column table: every field optional, clearable ones nullable. */
function sheetSchema(kind: SheetKind): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType<unknown>> = {};
  for (const column of SHEETS[kind].columns) {
    const schema = cellSchema(column.kind);
    shape[column.field] = column.clearable ? schema.nullable().optional() : schema.optional();
  }
  return z.object(shape) as unknown as z.ZodType<Record<string, unknown>>;
}

const SCHEMAS = new Map<SheetKind, z.ZodType<Record<string, unknown>>>();
function schemaOf(kind: SheetKind): z.ZodType<Record<string, unknown>> {
  let schema = SCHEMAS.get(kind);
  if (!schema) SCHEMAS.set(kind, (schema = sheetSchema(kind)));
  return schema;
}

/** The hyphen that clears an optional value (SPEC §2.3). */
export const CLEAR_MARK = '-';

export interface SheetNormalizer<K extends SheetKind> {
  sheet: InputSheet<K>;
  /** Validate one raw row and append it to `sheet.rows`. */
  add(row: number, cells: CellValue[], problems?: Diagnostic[]): void;
}

/** Start normalizing a sheet: match its headers once, then validate rows as they stream in. */
export function startSheet<K extends SheetKind>(kind: K, raw: Pick<RawSheet, 'name' | 'headerRow' | 'headers'>, file: number): SheetNormalizer<K> {
  const mapping = matchHeaders(kind, raw.headers);
  const matched = mapping.filter((m): m is HeaderMatch & { def: ColumnDef } => m.def !== undefined && m.match !== 'duplicate (ignored)');
  const columnOf = new Map(matched.map((m) => [m.def.field, m.column]));
  const diags: Diagnostic[] = [];
  const missing = SHEETS[kind].columns.filter((c) => c.required && !columnOf.has(c.field));
  if (missing.length) {
    const names = missing.map((c) => `"${c.header}"`).join(', ');
    diags.push(errorDiag('row.missing-column', `Sheet ${raw.name} has no ${names} column${missing.length > 1 ? 's' : ''}; no row of this sheet can be processed`, { sheet: raw.name, row: raw.headerRow || 1 }));
  }
  for (const m of mapping) {
    if (m.match === 'duplicate (ignored)') {
      diags.push(errorDiag('row.invalid-value', `Sheet ${raw.name} has two columns for "${m.def!.header}" (column ${m.column} "${m.text}" repeats one before it); remove one`, { sheet: raw.name, row: raw.headerRow, column: m.column, header: m.text }));
    }
  }
  const sheet: InputSheet<K> = { kind, name: raw.name, file, headerRow: raw.headerRow, headers: raw.headers, mapping, columnOf, diags, rows: [] };
  const schema = schemaOf(kind);
  const sheetRejected = diags.length > 0;

  const add = (row: number, cells: CellValue[], problems?: Diagnostic[]): void => {
    const rowDiags: Diagnostic[] = problems ? [...problems] : [];
    if (sheetRejected) {
      sheet.rows.push({ kind, sheet: raw.name, file, row, cells: packCells(cells), value: undefined, diags: rowDiags.length ? rowDiags : NO_DIAGS });
      return;
    }
    const input: Record<string, unknown> = {};
    const at = (m: HeaderMatch) => ({ sheet: raw.name, row, column: m.column, header: m.text });
    for (const m of matched) {
      // A column tiersync writes back (Term End, Admin Access…) is echoed, never read.
      if (m.def.kind.type === 'written') continue;
      const cell = cells[m.column - 1] ?? null;
      if (cell === null || cell === '') {
        if (m.def.key) rowDiags.push(errorDiag('row.required', `${m.def.header} is required`, at(m)));
        continue;
      }
      if (isCellError(cell)) {
        rowDiags.push(errorDiag('row.invalid-value', `${m.def.header} holds the spreadsheet error ${cell.error}; replace it with a value`, at(m), cell.error));
        continue;
      }
      if (cell === CLEAR_MARK) {
        if (m.def.clearable) input[m.def.field] = null;
        else rowDiags.push(errorDiag(m.def.key || m.def.required ? 'row.required' : 'row.invalid-value', `${m.def.header} cannot be cleared with "-"`, at(m), cell));
        continue;
      }
      input[m.def.field] = cell;
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        const m = matched.find((x) => x.def.field === field);
        const value = m ? cells[m.column - 1] : undefined;
        const header = m?.def.header ?? field;
        rowDiags.push(errorDiag(codeOfIssue(issue), `${header}: ${issue.message}`, m ? at(m) : { sheet: raw.name, row }, value === undefined || value === null ? undefined : cellText(value)));
      }
    }
    rowDiags.sort((a, b) => (a.at?.column ?? 0) - (b.at?.column ?? 0));
    const value = parsed.success && !rowDiags.some((d) => d.severity === 'error') ? (parsed.data as unknown as RowOf[K]) : undefined;
    sheet.rows.push({ kind, sheet: raw.name, file, row, cells: packCells(cells), value, diags: rowDiags.length ? rowDiags : NO_DIAGS });
  };
  return { sheet, add };
}
