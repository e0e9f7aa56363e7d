import unzipper from 'unzipper';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { errorDiag, type Diagnostic } from '../core/diagnostics.js';
import { InputFileError } from '../core/errors.js';
import { isEmptyRow, MAX_CELL_CHARS } from './cell-value.js';
import { exceljsStream, exceljsUtils } from './exceljs-utils.js';
import type { CellValue, InputFile, RawHeader, RawRow, RawSheet, ReadOptions } from './raw-sheet.js';
import { readSheetXmlRows, type SheetXmlContext, type SheetXmlRow } from './sheet-xml-rows.js';

/**
 * The parts of exceljs's streaming WorkbookReader tiersync drives itself. Its own `parse()` walks the zip
 * as one forward stream and, depending on timing, can end before the parts that follow the sheets
 * (workbook.xml, styles, shared strings) are read: sheet names, dates and shared strings then go
 * missing. Reading the zip through its central directory and feeding each part to exceljs's own parsers
 * makes the order deterministic. The worksheets themselves, the bulk of a large file, go through
 * `readSheetXmlRows` (a scan of the sheet XML into cell values, without exceljs's per-cell objects).
 */
interface WorkbookReaderParts {
  workbookRels?: Array<{ Id: string; Type: string; Target: string }>;
  model?: { sheets?: Array<{ rId: string; name: string; state?: string }> };
  properties?: { model?: { date1904?: boolean } };
  sharedStrings?: unknown[];
  styles: { getStyleModel(id: number): { numFmt?: string } | null };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
}

/**
 * What the worksheets' cells refer to: shared strings, date styles (cached per style), the date system.
 * Without a styles part (`stylesRead` false) no cell is a date: exceljs's default style table cannot be queried.
 */
function sheetContext(reader: WorkbookReaderParts, stylesRead: boolean): SheetXmlContext {
  const dateStyles = new Map<number, boolean>();
  return {
    sharedStrings: reader.sharedStrings,
    date1904: reader.properties?.model?.date1904 === true,
    isDateStyle(id) {
      let date = dateStyles.get(id);
      if (date === undefined) dateStyles.set(id, (date = stylesRead && exceljsUtils.isDateFmt(reader.styles.getStyleModel(id)?.numFmt)));
      return date;
    },
  };
}

const REL_TYPE = {
  styles: /\/styles$/,
  sharedStrings: /\/sharedStrings$/,
};

function cellsOf(row: SheetXmlRow): CellValue[] {
  const cells = row.cells;
  while (cells.length && cells[cells.length - 1] === null) cells.pop();
  return cells;
}

function problemsOf(sheet: string, row: number, cells: readonly CellValue[]): Diagnostic[] | undefined {
  let problems: Diagnostic[] | undefined;
  cells.forEach((c, i) => {
    if (typeof c === 'string' && c.length > MAX_CELL_CHARS) {
      (problems ??= []).push(errorDiag('row.too-long', `The cell holds ${c.length} characters; at most ${MAX_CELL_CHARS} are allowed`, { sheet, row, column: i + 1 }));
    }
  });
  return problems;
}

function damaged(file: InputFile, cause: unknown): InputFileError {
  if (cause instanceof InputFileError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new InputFileError(`${file.name} could not be read as an Excel workbook (${detail}); open it in Excel, save it again as .xlsx, and upload the new file`, { cause });
}

/** `worksheets/sheet1.xml` or `/xl/worksheets/sheet1.xml` → `xl/worksheets/sheet1.xml`. */
function partPath(target: string): string {
  return target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join('xl', target));
}

/**
 * The visible sheets of an .xlsx in workbook order, rows streamed with exceljs's worksheet reader.
 * Each sheet's rows must be consumed (or abandoned: they are then drained) before the next sheet.
 */
export async function* readXlsxSheets(file: InputFile, options: ReadOptions): AsyncGenerator<RawSheet> {
  let sheets: Array<{ name: string; state?: string; path: string }>;
  let reader: WorkbookReaderParts;
  let parts: Map<string, unzipper.File>;
  let stylesRead = false;
  try {
    const directory = await unzipper.Open.file(file.path);
    parts = new Map(directory.files.map((f) => [f.path.replace(/^\//, ''), f]));
    const open = (path: string) => {
      const part = parts.get(path);
      if (!part) throw new InputFileError(`${file.name} is not a complete Excel workbook (it has no ${path}); save it again from Excel as .xlsx`);
      return part.stream() as unknown as Readable;
    };
    reader = new exceljsStream.WorkbookReader(file.path, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' }) as unknown as WorkbookReaderParts;
    await reader._parseRels(open('xl/_rels/workbook.xml.rels'));
    await reader._parseWorkbook(open('xl/workbook.xml'));
    const rels = reader.workbookRels ?? [];
    const styles = rels.find((r) => REL_TYPE.styles.test(r.Type));
    const stylesPart = styles ? partPath(styles.Target) : '';
    stylesRead = parts.has(stylesPart);
    if (stylesRead) await reader._parseStyles(open(stylesPart));
    const shared = rels.find((r) => REL_TYPE.sharedStrings.test(r.Type));
    if (shared && parts.has(partPath(shared.Target))) for await (const _ of reader._parseSharedStrings(open(partPath(shared.Target)))) void _;
    sheets = (reader.model?.sheets ?? []).map((s) => {
      const rel = rels.find((r) => r.Id === s.rId);
      if (!rel) throw new InputFileError(`${file.name} is damaged (sheet "${s.name}" has no part); save it again from Excel as .xlsx`);
      return { name: s.name, ...(s.state ? { state: s.state } : {}), path: partPath(rel.Target) };
    });
  } catch (cause) {
    throw damaged(file, cause);
  }

  const context = sheetContext(reader, stylesRead);
  for (const sheet of sheets) {
    if (sheet.state === 'hidden' || sheet.state === 'veryHidden') {
      options.onWarning?.(`${file.name}: hidden sheet "${sheet.name}" was skipped`);
      continue;
    }
    const part = parts.get(sheet.path);
    if (!part) throw new InputFileError(`${file.name} is damaged (the part of sheet "${sheet.name}" is missing); save it again from Excel as .xlsx`);
    const rows = readSheetXmlRows(part.stream() as unknown as Readable, context);
    const pull = async (): Promise<IteratorResult<SheetXmlRow>> => {
      try {
        return await rows.next();
      } catch (cause) {
        throw damaged(file, cause);
      }
    };
    const name = sheet.name;

    // The header is the first non-empty row.
    let header: { row: number; cells: CellValue[] } | undefined;
    for (let r = await pull(); !r.done; r = await pull()) {
      const cells = cellsOf(r.value);
      if (!isEmptyRow(cells)) {
        header = { row: r.value.number, cells };
        break;
      }
    }
    const headers: RawHeader[] = [];
    header?.cells.forEach((c, i) => {
      if (c !== null) headers.push({ column: i + 1, text: typeof c === 'object' && !(c instanceof Date) ? c.error : c instanceof Date ? c.toISOString().slice(0, 10) : String(c) });
    });
    let consumed = false;
    const dataRows: AsyncIterable<RawRow> = {
      async *[Symbol.asyncIterator]() {
        consumed = true;
        if (!header) return;
        for (let r = await pull(); !r.done; r = await pull()) {
          const cells = cellsOf(r.value);
          if (isEmptyRow(cells)) continue;
          const problems = problemsOf(name, r.value.number, cells);
          yield problems ? { row: r.value.number, cells, problems } : { row: r.value.number, cells };
        }
      },
    };
    yield { name, headerRow: header?.row ?? 0, headers, rows: dataRows };
    if (!consumed) while (!(await pull()).done);
  }
}
