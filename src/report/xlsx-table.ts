import ExcelJS from 'exceljs';
import { MAX_CELL_CHARS } from '../read/cell-value.js';

/** Characters XML 1.0 cannot carry: stripped so a hostile cell cannot corrupt the workbook. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export type OutputValue = string | number | boolean | Date | { text: string; hyperlink: string } | null | undefined;

/**
 * The value as written: text stays text (a leading `=`, `+`, `-` or `@` never becomes a formula,
 * since only exceljs formula objects do), invalid XML characters are removed, error cells become their text.
 */
export function safeCellValue(value: unknown): OutputValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const clean = value.replace(XML_INVALID, '');
    // Excel refuses (and "repairs") a workbook with a longer cell: the echo keeps the limit.
    return clean.length > MAX_CELL_CHARS ? clean.slice(0, MAX_CELL_CHARS) : clean;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (typeof value === 'object' && 'error' in (value as object)) return String((value as { error: unknown }).error);
  if (typeof value === 'object' && 'hyperlink' in (value as object)) return value as OutputValue;
  return String(value).replace(XML_INVALID, '');
}

export type Workbook = ExcelJS.stream.xlsx.WorkbookWriter;
export type Sheet = ExcelJS.Worksheet;

export interface TableOptions {
  /** Column widths in characters; computed from the header when absent. */
  widths?: number[];
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE4EE' } };

/** A new sheet with its bold, frozen, filterable header row written and committed. */
function addTableSheet(workbook: Workbook, name: string, headers: readonly string[], headerRow: number, widths: readonly number[] | undefined): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: headerRow }] });
  sheet.columns = headers.map((h, i) => ({ key: `c${i}`, width: widths?.[i] ?? Math.min(60, Math.max(10, h.length + 4)) }));
  if (headers.length) sheet.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: headerRow, column: headers.length } };
  const header = sheet.getRow(headerRow);
  header.values = headers.map(safeCellValue) as ExcelJS.CellValue[];
  header.font = { bold: true };
  header.eachCell((cell) => (cell.fill = HEADER_FILL));
  header.commit();
  return sheet;
}

/** A sheet with a bold, frozen, filterable header row, then the rows, committed as they go. */
export function writeTable(workbook: Workbook, name: string, headers: readonly string[], rows: Iterable<readonly unknown[]>, options: TableOptions = {}): void {
  const sheet = addTableSheet(workbook, name, headers, 1, options.widths);
  for (const values of rows) sheet.addRow(values.map(safeCellValue)).commit();
  sheet.commit();
}

/** Widths that fit the header and a sample of values, capped so a long message stays readable. */
export function fitWidths(headers: readonly string[], sample: Iterable<readonly unknown[]>, cap = 60): number[] {
  const widths = headers.map((h) => h.length + 4);
  let n = 0;
  for (const values of sample) {
    values.forEach((v, i) => {
      const len = v === null || v === undefined ? 0 : v instanceof Date ? 12 : String(v).length + 2;
      if (len > (widths[i] ?? 0)) widths[i] = len;
    });
    if (++n >= 200) break;
  }
  return widths.map((w) => Math.min(cap, Math.max(8, w)));
}

/** A cell of a streamed row to colour (and annotate): 1-based column, ARGB fill. */
export interface CellMark {
  column: number;
  argb: string;
  note?: string;
}

export interface StreamTableOptions {
  widths?: number[];
  headerRow?: number;
  /** Row number of the data row at `index` (ascending), when rows keep the input's numbering. */
  rowNumber?: (index: number) => number;
  /** Cells of the data row at `index` to colour. */
  marks?: (index: number) => readonly CellMark[];
  /** Called after each written data row with the count so far. */
  onRow?: (written: number) => void;
}

/** Rows written between two turns of the event loop, so the zip stream can take the sheet's XML as it is made. */
const ROWS_PER_TURN = 2000;

/**
 * `writeTable` for sheets of any length: rows are pulled one at a time from an iterable, never held
 * as a whole, and the event loop turns every few thousand rows so exceljs's zip stream compresses the
 * XML as it comes instead of buffering the whole sheet. Data cells share one style object per kind of
 * value and per mark (exceljs caches a style by object identity), instead of one new object per cell.
 */
export async function streamTable(workbook: Workbook, name: string, headers: readonly string[], rows: Iterable<readonly unknown[]>, options: StreamTableOptions = {}): Promise<void> {
  const headerRow = options.headerRow ?? 1;
  const sheet = addTableSheet(workbook, name, headers, headerRow, options.widths);

  // exceljs derives a cell's number format from the first value type it sees with a style object:
  // one shared object per value type (and per fill) keeps that right.
  const plain: Record<'number' | 'date' | 'other', Partial<ExcelJS.Style>> = { number: {}, date: {}, other: {} };
  const filled = new Map<string, Partial<ExcelJS.Style>>();
  const typeOf = (value: unknown): 'number' | 'date' | 'other' => (typeof value === 'number' ? 'number' : value instanceof Date ? 'date' : 'other');
  const fillStyle = (argb: string, type: 'number' | 'date' | 'other') => {
    const key = `${argb}:${type}`;
    let style = filled.get(key);
    if (!style) filled.set(key, (style = { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb } } }));
    return style;
  };

  let index = 0;
  for (const values of rows) {
    const row = sheet.getRow(options.rowNumber ? options.rowNumber(index) : headerRow + 1 + index);
    const safe = values.map(safeCellValue);
    row.values = safe as ExcelJS.CellValue[];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cell.style = plain[typeOf(safe[column - 1])] as ExcelJS.Style;
    });
    for (const mark of options.marks?.(index) ?? []) {
      const cell = row.getCell(mark.column);
      cell.style = fillStyle(mark.argb, typeOf(safe[mark.column - 1])) as ExcelJS.Style;
      if (mark.note !== undefined) cell.note = mark.note;
    }
    row.commit();
    index++;
    options.onRow?.(index);
    if (index % ROWS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  sheet.commit();
}
