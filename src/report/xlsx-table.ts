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
  /** Called for each written data row, to style it (e.g. colour the Result cell). */
  style?: (row: ExcelJS.Row, index: number) => void;
  /** Row number of the header (default 1). */
  headerRow?: number;
  /** Row number of each data row (ascending), when they must keep the input's numbering. */
  rowNumbers?: readonly number[];
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE4EE' } };

/** A sheet with a bold, frozen, filterable header row, then the rows, committed as they go. */
export function writeTable(workbook: Workbook, name: string, headers: readonly string[], rows: Iterable<readonly unknown[]>, options: TableOptions = {}): void {
  const headerRow = options.headerRow ?? 1;
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: headerRow }] });
  sheet.columns = headers.map((h, i) => ({ key: `c${i}`, width: options.widths?.[i] ?? Math.min(60, Math.max(10, h.length + 4)) }));
  if (headers.length) sheet.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: headerRow, column: headers.length } };
  const header = sheet.getRow(headerRow);
  header.values = headers.map(safeCellValue) as ExcelJS.CellValue[];
  header.font = { bold: true };
  header.eachCell((cell) => (cell.fill = HEADER_FILL));
  header.commit();
  let index = 0;
  for (const values of rows) {
    const row = sheet.getRow(options.rowNumbers?.[index] ?? headerRow + 1 + index);
    row.values = values.map(safeCellValue) as ExcelJS.CellValue[];
    options.style?.(row, index);
    index++;
    row.commit();
  }
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
