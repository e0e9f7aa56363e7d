import type { Diagnostic } from '../core/diagnostics.js';

/**
 * A cell as read, before any column knows what it means. One shape for every producer:
 * rich text is joined, a formula is its cached result, a hyperlink is its text, dates are `Date`.
 */
export type CellValue = string | number | boolean | Date | CellError | null;

/** An error cell such as `#N/A`: always an invalid value downstream. */
export interface CellError {
  error: string;
}

export function isCellError(value: CellValue): value is CellError {
  return typeof value === 'object' && value !== null && !(value instanceof Date);
}

export interface RawHeader {
  /** 1-based column number. */
  column: number;
  /** The header text as written (trimmed). */
  text: string;
}

export interface RawRow {
  /** 1-based row number in the file/sheet, as Excel shows it. */
  row: number;
  /** Cells by column: `cells[0]` is column 1. Trailing empty cells may be missing. */
  cells: CellValue[];
  /** Problems of the row's shape found while reading (e.g. a CSV row of the wrong length). */
  problems?: Diagnostic[];
}

/** One sheet of an input file, its rows streamed once, in order. */
export interface RawSheet {
  /** The sheet's name as written in the workbook, or the CSV's chosen sheet name. */
  name: string;
  /** Row number of the header row (the first non-empty row). 0 when the sheet is empty. */
  headerRow: number;
  headers: RawHeader[];
  /** Data rows after the header, empty rows skipped. Must be consumed before the next sheet is read. */
  rows: AsyncIterable<RawRow>;
}

export interface InputFile {
  path: string;
  /** File name without directories, as shown in reports. */
  name: string;
  sha256: string;
  bytes: number;
  format: 'xlsx' | 'csv';
}

export interface ReadOptions {
  /** For a CSV: the sheet it holds (`--sheet`), overriding the file name and the header guess. */
  sheetName?: string;
  /** Refuse files larger than this many MiB before parsing. */
  maxInputMb: number;
  /** Called with a warning the operator should see (e.g. a hidden sheet was skipped). */
  onWarning?: (message: string) => void;
}
