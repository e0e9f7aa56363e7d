import type ExcelJS from 'exceljs';
import { columnLetter } from '../core/diagnostics.js';
import { MAX_CELL_CHARS } from '../read/cell-value.js';
import { ExcelNote, exceljsStream, exceljsUtils } from '../read/exceljs-utils.js';

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

/**
 * Compressed bytes zlib may make in one go on its thread. zlib hands each step back to the main
 * thread, and waits there while rows are being made: with its default (16 KB, about 100 KB of sheet
 * XML) it takes many more steps. Together with `ROWS_PER_TURN`, a million-row sheet is written in
 * 5.2 s instead of 8.0 s (2 cores), most of the difference time the writer spent waiting for the zip.
 */
const ZIP_CHUNK_BYTES = 1024 * 1024;

/**
 * A streaming workbook writer for every file tiersync writes: styles on, and no shared strings
 * (exceljs would hold every distinct string of the workbook in memory until the end). Compressed
 * at zlib's fastest level (archiver's default for zip), in large steps (`ZIP_CHUNK_BYTES`).
 */
export function createWorkbookWriter(path: string): Workbook {
  return new exceljsStream.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false, zip: { zlib: { level: 1, chunkSize: ZIP_CHUNK_BYTES } } });
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
  /** Column widths in characters; computed from the header when absent. */
  widths?: number[];
  headerRow?: number;
  /** Row number of the data row at `index` (ascending), when rows keep the input's numbering. */
  rowNumber?: (index: number) => number;
  /** Cells of the data row at `index` to colour. */
  marks?: (index: number) => readonly CellMark[];
  /** Called after each written data row with the count so far. */
  onRow?: (written: number) => void;
}

/**
 * Rows written between two turns of the event loop, so the zip stream can take the sheet's XML as it
 * is made: about one 64 KB buffer of exceljs's sheet stream, so zlib compresses one while the next
 * is made (with 2,000 rows a turn, about twenty buffers, the zip fell behind and the writer waited).
 */
const ROWS_PER_TURN = 100;

/**
 * Sheet XML the zip may lag behind by before the writer waits for it to catch up. Small, so that each
 * 64 KB buffer of it is compressed while it is still young: a buffer that outlives two scavenges is
 * kept until V8's next full collection, and each 64 MB of such buffers starts one (external memory
 * pressure), marking the whole heap, a run's plan included. With 16 MB, a million-row results sheet
 * took a dozen of them (10.6 s with 0.75 GB of other objects alive); with 2 MB, one or two (7.0 s).
 */
const MAX_ZIP_BACKLOG = 2 * 1024 * 1024;

/** A Node stream's internal buffers (readable-stream 2 has no `writableLength`). */
interface BufferedStream {
  _writableState?: { length: number };
  _readableState?: { length: number };
}

/**
 * Bytes of sheet XML written but not yet taken by the zip: exceljs's sheet stream hands its data to
 * archiver's input stream without waiting for it, so when the rows are made faster than they are
 * compressed, the whole sheet would pile up there (hundreds of megabytes at a million rows).
 */
function zipBacklog(stream: WorksheetWriterParts['stream']): number {
  let bytes = 0;
  for (const pipe of stream.pipes ?? []) bytes += (pipe._writableState?.length ?? 0) + (pipe._readableState?.length ?? 0);
  return bytes;
}

/** exceljs's cell value types (doc/enums.js), as its style manager takes them. */
const VALUE_TYPE = { null: 0, number: 2, string: 3, date: 4, hyperlink: 5, boolean: 9 } as const;
type ValueKind = keyof typeof VALUE_TYPE;

/**
 * The parts of exceljs's streaming WorksheetWriter a data row is written through, as exceljs's own row
 * commit (`_writeRow`) uses them: the sheet XML stream (zipped as it is written), the workbook's style
 * manager, the sheet's relationships (each hyperlink is one) and comments (each note is one), and the
 * number of the next row exceljs's own row objects would start from.
 */
interface WorksheetWriterParts {
  /** `pipes`: the streams exceljs passes the XML on to (archiver's input for this zip entry). */
  stream: { write(xml: string | Buffer): void; pipes?: BufferedStream[]; batch?: boolean; buffers?: unknown[]; _flush?(): void };
  _workbook: { styles: { addStyleModel(style: object, valueType: number): number } };
  _sheetRelsWriter: { addHyperlink(link: { address: string; target: string }): void };
  _sheetCommentsWriter: { addComments(comments: object[]): void };
  hasComments: boolean;
  _rowZero: number;
}

/** An empty text is written as an empty cell (nothing, unless it is coloured), as Excel itself saves one. */
function kindOf(value: OutputValue): ValueKind {
  if (value === null || value === undefined || value === '') return 'null';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'date';
  return 'hyperlink';
}

/** `<c>` of one value at `ref`, as exceljs renders it (text, and a link's text, as `t="str"`: no shared strings); '' for an unstyled empty cell. */
function cellXml(ref: string, value: OutputValue, kind: ValueKind, styleId: number): string {
  const s = styleId ? ` s="${styleId}"` : '';
  switch (kind) {
    case 'null':
      return styleId ? `<c r="${ref}"${s}/>` : '';
    case 'number':
      return `<c r="${ref}"${s}><v>${value as number}</v></c>`;
    case 'boolean':
      return `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`;
    case 'date':
      return `<c r="${ref}"${s}><v>${exceljsUtils.dateToExcel(value as Date)}</v></c>`;
    case 'string':
      return `<c r="${ref}"${s} t="str"><v>${exceljsUtils.xmlEncode(value as string)}</v></c>`;
    case 'hyperlink':
      return `<c r="${ref}"${s} t="str"><v>${exceljsUtils.xmlEncode((value as { text: string }).text)}</v></c>`;
  }
}

const NO_MARKS: readonly CellMark[] = Object.freeze([]);

/** The mark of `column` (the last one given for it), if any: a row has one or two, a lookup table would cost more. */
function markAt(marks: readonly CellMark[], column: number): CellMark | undefined {
  let found: CellMark | undefined;
  for (let i = 0; i < marks.length; i++) if (marks[i]!.column === column) found = marks[i];
  return found;
}

/** How many buffers of sheet XML the zip may have in hand before the writer waits, and their size. */
const FEED_BUFFERS = 8;
const FEED_BUFFER_BYTES = 256 * 1024;

/** A zip entry's deflate stream (crc32-stream's, a Node zlib stream), as the feed writes to it. */
interface DeflateEntry {
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean;
  bytesWritten: number;
}

/** The state of a readable-stream 2 stream the feed reads: one pipe is kept as an object, more as an array. */
interface PipedStream extends BufferedStream {
  _readableState?: { length: number; pipes?: unknown };
}

/**
 * A turn's rows of sheet XML, as bytes, into the sheet's zip entry. exceljs's sheet stream (a
 * StreamBuf) copies what it is given into 64 KB buffers it allocates, and each reaches zlib through a
 * PassThrough: at a million rows, a gigabyte of short-lived buffers, and once a full collection has
 * promoted some in flight, V8 keeps marking the whole heap (a run's plan included) for the external
 * memory they hold, every second or so (measured: eleven full markings while a million-row results
 * sheet was written). So once the zip has begun this sheet's entry and taken everything written
 * before, the rows go straight to its deflate stream, in a few buffers used again and again: each
 * is free once zlib has taken it (the write's callback). exceljs's own writes to the sheet (its start
 * and, at commit, its end) still go through its stream, before and after the rows, in order.
 * Until then (the zip still busy with an earlier part), rows go through exceljs's stream, encoded into
 * one scratch buffer it copies at once (a StreamBuf in batch mode, which every sheet of
 * `WorkbookWriter` is).
 */
class SheetFeed {
  /** What text is encoded into for exceljs's stream, which copies it at once. */
  private scratch: Buffer | undefined;
  private deflate: DeflateEntry | undefined;
  private readonly free: Buffer[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly stream: WorksheetWriterParts['stream']) {}

  /**
   * The entry's deflate stream, once the zip has begun this sheet's entry and everything written
   * through exceljs's stream has passed into it (waited for here, the first time); undefined while the
   * zip has not begun it.
   */
  private async entry(): Promise<DeflateEntry | undefined> {
    if (this.deflate) return this.deflate;
    const stream = this.stream;
    const pass = stream.pipes?.[0] as PipedStream | undefined;
    if (!stream.batch || stream.pipes?.length !== 1 || !pass) return undefined;
    const pipes = pass._readableState?.pipes;
    const next = (Array.isArray(pipes) ? (pipes.length === 1 ? pipes[0] : undefined) : pipes) as Partial<DeflateEntry> | undefined;
    if (typeof next?.write !== 'function' || typeof next.bytesWritten !== 'number') return undefined;
    // exceljs's stream holds its last, partly filled buffer until it is full: handed on now.
    stream._flush?.();
    while ((pass._readableState?.length ?? 0) || (pass._writableState?.length ?? 0)) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    return (this.deflate = next as DeflateEntry);
  }

  /** The text, written from the start of `buffer`, or of a new one when it may not fit (UTF-8 takes at most 3 bytes per UTF-16 code unit). */
  private static encode(text: string, buffer: Buffer | undefined): { buffer: Buffer; bytes: Buffer } {
    const room = buffer && buffer.length >= text.length * 3 ? buffer : Buffer.allocUnsafe(Math.max(FEED_BUFFER_BYTES, text.length * 3));
    return { buffer: room, bytes: room.subarray(0, room.write(text, 0, 'utf8')) };
  }

  /** Written once the zip has room for it: the feed's own buffers, or the zip's backlog on exceljs's stream. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    const deflate = await this.entry();
    if (!deflate) {
      if (!this.stream.batch) this.stream.write(text);
      else {
        const { buffer, bytes } = SheetFeed.encode(text, this.scratch);
        this.scratch = buffer;
        this.stream.write(bytes);
      }
      while (zipBacklog(this.stream) > MAX_ZIP_BACKLOG) await new Promise<void>((resolve) => setTimeout(resolve, 5));
      return;
    }
    while (this.inFlight >= FEED_BUFFERS) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
    const { buffer: held, bytes } = SheetFeed.encode(text, this.free.pop());
    this.inFlight++;
    deflate.write(bytes, (error) => {
      this.inFlight--;
      if (error) this.failure ??= error;
      else this.free.push(held);
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    });
  }
}

/**
 * A sheet with a bold, frozen, filterable header row, then the rows, for sheets of any length: rows
 * are pulled one at a time from an iterable, never held as a whole, and the event loop turns every
 * few thousand rows so exceljs's zip stream compresses the XML as it comes instead of buffering the
 * whole sheet.
 *
 * Data rows are written as XML straight into exceljs's sheet stream, with style IDs from exceljs's own
 * style manager, and their links and notes handed to exceljs's writers of the sheet's relationships
 * and comments: building exceljs's Row and Cell objects (and its XML model of each) for a million rows
 * costs more than the rest of a run's output together.
 */
export async function streamTable(workbook: Workbook, name: string, headers: readonly string[], rows: Iterable<readonly unknown[]>, options: StreamTableOptions = {}): Promise<void> {
  const headerRow = options.headerRow ?? 1;
  const sheet = addTableSheet(workbook, name, headers, headerRow, options.widths);
  const parts = sheet as unknown as WorksheetWriterParts;
  const styles = parts._workbook.styles;

  // One style per kind of value and fill, registered with exceljs once (it derives a date's number
  // format from the value type it is given) and its ID kept here for every row that uses it.
  // Unfilled cells, nearly all of them, find theirs without making a key.
  const register = (kind: ValueKind, argb?: string): number => styles.addStyleModel(argb ? { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb } } } : {}, VALUE_TYPE[kind]);
  const plainIds: Partial<Record<ValueKind, number>> = {};
  const filledIds = new Map<string, number>();
  const styleOf = (kind: ValueKind, argb?: string): number => {
    if (!argb) return (plainIds[kind] ??= register(kind));
    const key = `${argb}:${kind}`;
    let id = filledIds.get(key);
    if (id === undefined) filledIds.set(key, (id = register(kind, argb)));
    return id;
  };
  const letters: string[] = [];
  const letter = (column: number) => (letters[column] ??= columnLetter(column));

  // A turn's rows are joined into one flat string: text built by `+=` is a tree of pieces that the
  // UTF-8 encoding would first have to copy into one. Cells go into it one by one, with no array,
  // map or address of their own unless they carry a link or a note.
  const feed = new SheetFeed(parts.stream);
  let pending: string[] = [];
  const flush = async () => {
    const text = pending.join('');
    pending = [];
    if (text) await feed.write(text);
  };
  let index = 0;
  let lastRow = headerRow;
  for (const values of rows) {
    const rowNumber = options.rowNumber ? options.rowNumber(index) : headerRow + 1 + index;
    if (rowNumber <= lastRow) throw new Error(`rows of sheet ${name} must be written in ascending order (row ${rowNumber} after ${lastRow})`);
    lastRow = rowNumber;
    const marks = options.marks?.(index) ?? NO_MARKS;
    let width = values.length;
    for (const mark of marks) if (mark.column > width) width = mark.column;
    pending.push(`<row r="${rowNumber}">`);
    let notes: object[] | undefined;
    for (let column = 1; column <= width; column++) {
      const value = safeCellValue(values[column - 1]);
      const kind = kindOf(value);
      const mark = marks.length ? markAt(marks, column) : undefined;
      const ref = letter(column) + rowNumber;
      const xml = cellXml(ref, value, kind, styleOf(kind, mark?.argb));
      if (xml) pending.push(xml);
      if (kind === 'hyperlink') parts._sheetRelsWriter.addHyperlink({ address: ref, target: (value as { hyperlink: string }).hyperlink });
      if (mark?.note !== undefined) (notes ??= []).push({ ...new ExcelNote(mark.note).model, ref });
    }
    pending.push('</row>');
    if (notes) {
      parts.hasComments = true;
      parts._sheetCommentsWriter.addComments(notes);
    }
    index++;
    options.onRow?.(index);
    if (index % ROWS_PER_TURN === 0) {
      await flush();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  await flush();
  parts._rowZero = lastRow + 1;
  sheet.commit();
}

