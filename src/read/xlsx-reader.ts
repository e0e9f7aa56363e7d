import ExcelJS from 'exceljs';
import { errorDiag, type Diagnostic } from '../core/diagnostics.js';
import { InputFileError } from '../core/errors.js';
import { isEmptyRow, MAX_CELL_CHARS, toPrimitive } from './cell-value.js';
import type { CellValue, InputFile, RawHeader, RawRow, RawSheet, ReadOptions } from './raw-sheet.js';

interface StreamRow {
  number: number;
  values: unknown;
}

function cellsOf(row: StreamRow): CellValue[] {
  const values = row.values as unknown[];
  const cells: CellValue[] = [];
  // exceljs row values are 1-based and sparse.
  for (let i = 1; i < values.length; i++) cells.push(toPrimitive(values[i]));
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
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new InputFileError(`${file.name} could not be read as an Excel workbook (${detail}); open it in Excel, save it again as .xlsx, and upload the new file`, { cause });
}

interface ReaderInternals {
  workbookRels?: Array<{ Id: string; Target: string }>;
  model?: { sheets?: Array<{ rId: string; name: string; state?: string }> };
}

/**
 * The sheet's name and visibility. exceljs matches a sheet part to its name by a relative rel target
 * only; writers that use absolute targets (`/xl/worksheets/sheet1.xml`, exceljs's own streaming
 * writer among them) leave the default `SheetN`: resolve those here.
 */
function sheetIdentity(reader: ReaderInternals, worksheet: { id: unknown; name: string; state?: string }): { name: string; state?: string } {
  const sheets = reader.model?.sheets ?? [];
  if (sheets.some((s) => s.name === worksheet.name)) return worksheet.state === undefined ? { name: worksheet.name } : { name: worksheet.name, state: worksheet.state };
  const target = `worksheets/sheet${String(worksheet.id)}.xml`;
  const rel = (reader.workbookRels ?? []).find((r) => r.Target.replace(/^\/?(xl\/)?/, '') === target);
  const sheet = rel && sheets.find((s) => s.rId === rel.Id);
  if (!sheet) return { name: worksheet.name };
  return sheet.state === undefined ? { name: sheet.name } : { name: sheet.name, state: sheet.state };
}

/**
 * The sheets of an .xlsx with exceljs's streaming reader, one after another. Each sheet's rows must be
 * consumed (or abandoned: the reader drains them) before the next sheet is produced.
 */
export async function* readXlsxSheets(file: InputFile, options: ReadOptions): AsyncGenerator<RawSheet> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file.path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  const sheets = reader[Symbol.asyncIterator]() as AsyncIterator<ExcelJS.stream.xlsx.WorksheetReader & { name: string; state?: string }>;
  for (;;) {
    let next: IteratorResult<ExcelJS.stream.xlsx.WorksheetReader & { name: string; state?: string }>;
    try {
      next = await sheets.next();
    } catch (cause) {
      throw damaged(file, cause);
    }
    if (next.done) return;
    const worksheet = next.value;
    const { name, state } = sheetIdentity(reader as unknown as ReaderInternals, worksheet as unknown as { id: unknown; name: string; state?: string });
    const rows = (worksheet as unknown as AsyncIterable<StreamRow>)[Symbol.asyncIterator]();
    const pull = async (): Promise<IteratorResult<StreamRow>> => {
      try {
        return await rows.next();
      } catch (cause) {
        throw damaged(file, cause);
      }
    };
    if (state === 'hidden' || state === 'veryHidden') {
      options.onWarning?.(`${file.name}: hidden sheet "${name}" was skipped`);
      while (!(await pull()).done);
      continue;
    }

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
