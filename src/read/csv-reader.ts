import { createReadStream, promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { errorDiag, type Diagnostic } from '../core/diagnostics.js';
import { InputFileError } from '../core/errors.js';
import { isEmptyRow, MAX_CELL_CHARS, toPrimitive } from './cell-value.js';
import type { CellValue, InputFile, RawHeader, RawRow, RawSheet, ReadOptions } from './raw-sheet.js';

const SNIFF_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t'] as const;

/** UTF-8 unless the start of the file is not valid UTF-8, in which case Windows-1252 (Excel's "CSV" on Western Windows). */
export function detectEncoding(head: Buffer): 'utf8' | 'win1252' {
  let end = head.length;
  // Do not judge a multi-byte character cut at the end of the sample.
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = head[end - back]!;
    if ((b & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return 'utf8';
  } catch {
    return 'win1252';
  }
}

/** The delimiter of the header line: the most frequent of `,` `;` tab outside quotes; `sep=X` wins. */
export function sniffDelimiter(firstLine: string): { delimiter: string; sepLine: boolean } {
  const sep = /^sep=(.)\s*$/i.exec(firstLine);
  if (sep) return { delimiter: sep[1]!, sepLine: true };
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: string = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return { delimiter: best, sepLine: false };
}

/** The one sheet of a CSV file, streamed through csv-parse. */
export async function readCsvSheet(file: InputFile, options: ReadOptions): Promise<RawSheet> {
  const handle = await fs.open(file.path, 'r');
  const head = Buffer.alloc(Math.min(SNIFF_BYTES, file.bytes));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const encoding = detectEncoding(head);
  const text = iconv.decode(head, encoding).replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const { delimiter, sepLine } = sniffDelimiter(firstLine);
  const name = options.sheetName ?? basename(file.name, extname(file.name));

  const source = createReadStream(file.path).pipe(iconv.decodeStream(encoding));
  const parser = source.pipe(
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      from_line: sepLine ? 2 : 1,
    }),
  );
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  // Records read so far, counted here: csv-parse's `info` option would count them too, but copies its
  // whole state into a new object for every record (1.4 s of a million-row file).
  let count = 0;
  const pull = async () => {
    try {
      const next = await records.next();
      if (!next.done) count++;
      return next;
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new InputFileError(`${file.name} is not a readable CSV file (${detail}); check its quotes and delimiters, or save it again from Excel as "CSV UTF-8"`, { cause });
    }
  };

  // Row numbers as a spreadsheet shows them: one per record, counting the header (and a sep= line).
  const offset = sepLine ? 1 : 0;
  let header: { row: number; cells: CellValue[] } | undefined;
  for (let r = await pull(); !r.done; r = await pull()) {
    const cells = r.value.map(toPrimitive);
    if (!isEmptyRow(cells)) {
      header = { row: count + offset, cells };
      break;
    }
  }
  const headers: RawHeader[] = [];
  header?.cells.forEach((c, i) => {
    if (c !== null) headers.push({ column: i + 1, text: String(c) });
  });
  const width = header?.cells.length ?? 0;
  const rows: AsyncIterable<RawRow> = {
    async *[Symbol.asyncIterator]() {
      if (!header) return;
      for (let r = await pull(); !r.done; r = await pull()) {
        const row = count + offset;
        const fields = r.value;
        const cells = fields.map(toPrimitive);
        if (isEmptyRow(cells)) continue;
        let problems: Diagnostic[] | undefined;
        if (fields.length !== width) {
          (problems ??= []).push(errorDiag('row.wrong-length', `Row ${row} has ${fields.length} fields but the header has ${width}`, { sheet: name, row }));
        }
        cells.forEach((c, i) => {
          if (typeof c === 'string' && c.length > MAX_CELL_CHARS) (problems ??= []).push(errorDiag('row.too-long', `The cell holds ${c.length} characters; at most ${MAX_CELL_CHARS} are allowed`, { sheet: name, row, column: i + 1 }));
        });
        yield problems ? { row, cells, problems } : { row, cells };
      }
    },
  };
  return { name, headerRow: header?.row ?? 0, headers, rows };
}
