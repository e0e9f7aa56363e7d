import { spawnSync } from 'node:child_process';
import ExcelJS from 'exceljs';

export type Cell = string | number | boolean | Date | null | undefined;
/** Sheet name → [header row, ...data rows]. */
export type SheetData = Record<string, Cell[][]>;

/** Write an .xlsx with exceljs's regular writer (as an operator's Excel file would arrive). */
export async function writeWorkbook(path: string, sheets: SheetData): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const row of rows) ws.addRow(row);
  }
  await wb.xlsx.writeFile(path);
}

/** Every sheet of a workbook as rows of objects keyed by the header row: what a user would read. */
export async function readWorkbook(path: string): Promise<Record<string, Array<Record<string, unknown>>>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const out: Record<string, Array<Record<string, unknown>>> = {};
  wb.eachSheet((ws) => {
    const rows: Array<Record<string, unknown>> = [];
    let headers: string[] | undefined;
    ws.eachRow({ includeEmpty: false }, (row) => {
      // A hyperlink cell reads as its text, as Excel shows it.
      const values = (row.values as unknown[]).slice(1).map((v) => (v && typeof v === 'object' && 'hyperlink' in v ? (v as { text: unknown }).text : v));
      if (!headers) {
        headers = values.map((v) => String(v ?? ''));
        return;
      }
      const obj: Record<string, unknown> = {};
      headers.forEach((h, i) => {
        const v = values[i];
        obj[h] = v === undefined ? null : v;
      });
      rows.push(obj);
    });
    out[ws.name] = rows;
  });
  return out;
}

/**
 * The first `count` sheets of a workbook, in order, each as its rows of values (header row first),
 * read as a stream: a large workbook's later sheets are not read at all. By position, not by name: the
 * names are in the workbook's part, which a streamed workbook may hold after its sheets.
 */
export async function readFirstSheets(path: string, count: number): Promise<unknown[][][]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit' });
  const out: unknown[][][] = [];
  for await (const sheet of reader) {
    const rows: unknown[][] = [];
    for await (const row of sheet) rows.push((row.values as unknown[]).slice(1).map((v) => v ?? null));
    out.push(rows);
    if (out.length >= count) break;
  }
  return out;
}

/** Sheet names in order. */
export async function sheetNames(path: string): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb.worksheets.map((w) => w.name);
}

/** Only the result columns of a result sheet, for compact assertions. */
export function results(rows: Array<Record<string, unknown>>, keyColumn: string): Array<{ key: unknown; result: unknown; code: unknown }> {
  return rows.map((r) => ({ key: r[keyColumn], result: r.Result, code: r.Code || '' }));
}

/** Every cell value of every sheet as one text: to prove that a secret appears nowhere in a workbook. */
export async function workbookText(path: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const parts: string[] = [];
  wb.eachSheet((ws) => {
    parts.push(ws.name);
    ws.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: false }, (cell) => {
        parts.push(typeof cell.value === 'object' ? JSON.stringify(cell.value) : String(cell.value));
        if (cell.note) parts.push(typeof cell.note === 'string' ? cell.note : JSON.stringify(cell.note));
      });
    });
  });
  return parts.join('\n');
}

/**
 * Write a zip bomb named as a workbook: a 400 MB worksheet of zeros that deflates to a few hundred KB
 * (Python's zipfile, which records the true inflated sizes in the central directory).
 */
export function writeZipBomb(path: string): void {
  const py = `import zipfile
with zipfile.ZipFile(${JSON.stringify(path)}, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', '<Types/>')
    with z.open('xl/worksheets/sheet1.xml', 'w') as f:
        chunk = b'<row>' + b'0' * (1 << 20) + b'</row>'
        for _ in range(400): f.write(chunk)
`;
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 could not write the zip bomb: ${r.stderr}`);
}
