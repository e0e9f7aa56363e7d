import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { toPrimitive } from './cell-value.js';
import { exceljsUtils } from './exceljs-utils.js';
import type { CellValue } from './raw-sheet.js';

/** A row of a worksheet part: its 1-based number and its cells by column (`cells[0]` is column A). */
export interface SheetXmlRow {
  number: number;
  cells: CellValue[];
}

/** What the cells of a sheet refer to, read from the workbook's other parts. */
export interface SheetXmlContext {
  /** The shared string table (strings, or exceljs's `{ richText }` runs); undefined when the workbook has none. */
  sharedStrings: readonly unknown[] | undefined;
  /** True for a cell style (the `s` attribute) whose number format shows a date. */
  isDateStyle(styleId: number): boolean;
  /** Excel's 1904 date system (a workbook property). */
  date1904: boolean;
}

/** Excel's last column, XFD. */
const MAX_COLUMNS = 16_384;

/** `A` → 1, `XFD` → 16384; 0 when the reference has no letters. */
function columnOfRef(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length && column <= MAX_COLUMNS; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) column = column * 26 + code - 64;
    else if (code >= 97 && code <= 122) column = column * 26 + code - 96;
    else break;
  }
  return column;
}

/** `x:row` → `row`: some producers write every element of the sheet with a namespace prefix. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * The rows of one worksheet part, parsed with saxes (the SAX parser exceljs itself uses) straight into
 * plain cell values. exceljs's worksheet reader builds a Row and a Cell object with a style for every
 * cell before handing it over, which is most of its cost on a million-row sheet; here a cell is a value
 * the moment its element closes. Cell types follow the part's `t` attribute: shared (`s`) and inline
 * (`inlineStr`: every run's text, phonetic runs left out) strings, formula text (`str`), booleans,
 * errors, ISO dates (`d`), and numbers, which are dates when their style's number format is a date's.
 * A formula cell is its cached value; a cell without one is empty. Malformed XML throws.
 */
export async function* readSheetXmlRows(part: Readable, context: SheetXmlContext): AsyncGenerator<SheetXmlRow> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });

  let ready: SheetXmlRow[] = [];
  let inSheetData = false;
  let row: SheetXmlRow | undefined;
  let lastRowNumber = 0;
  let lastColumn = 0;
  // The open cell: its column, type and style, and the text of its value.
  let column = 0;
  let type = '';
  let style = 0;
  let text: string | undefined;
  let collecting = false;
  let phonetic = 0;

  const onOpen = (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (!inSheetData) {
      if (name === 'sheetData') inSheetData = true;
      return;
    }
    switch (name) {
      case 'row': {
        const r = tag.attributes.r;
        const number = r === undefined ? lastRowNumber + 1 : Number.parseInt(r, 10);
        // Excel writes each row once, in order: anything else is a damaged (or forged) part.
        if (!(number > lastRowNumber)) throw new Error(`row ${r ?? number} comes after row ${lastRowNumber}: the rows are out of order`);
        lastRowNumber = number;
        lastColumn = 0;
        row = { number, cells: [] };
        break;
      }
      case 'c': {
        const r = tag.attributes.r;
        column = (r === undefined ? 0 : columnOfRef(r)) || lastColumn + 1;
        if (column > MAX_COLUMNS) throw new Error(`cell ${r ?? column} is beyond column XFD, the last a worksheet has`);
        lastColumn = column;
        type = tag.attributes.t ?? 'n';
        const s = tag.attributes.s;
        style = s === undefined ? 0 : Number.parseInt(s, 10);
        text = undefined;
        break;
      }
      case 'v':
        text = '';
        collecting = true;
        break;
      case 'is':
        text = '';
        break;
      case 't':
        // Inline string runs; a phonetic guide's text (rPh) is not part of the value.
        if (type === 'inlineStr' && phonetic === 0) {
          text ??= '';
          collecting = true;
        }
        break;
      case 'rPh':
        phonetic++;
        break;
      default:
        break;
    }
  };

  const onText = (chunk: string) => {
    if (collecting) text += chunk;
  };

  const cellValue = (): CellValue => {
    if (text === undefined) return null;
    switch (type) {
      case 's': {
        const index = Number.parseInt(text, 10);
        if (!context.sharedStrings) throw new Error('a cell refers to the shared strings, but the workbook has none');
        if (!(index >= 0 && index < context.sharedStrings.length)) throw new Error(`a cell refers to shared string ${text}, which the workbook does not have`);
        return toPrimitive(context.sharedStrings[index]);
      }
      case 'inlineStr':
      case 'str':
        return toPrimitive(text);
      case 'b':
        return text.trim() === '' ? null : Number(text) !== 0;
      case 'e':
        return { error: text };
      case 'd': {
        const date = new Date(text);
        return Number.isNaN(date.getTime()) ? toPrimitive(text) : date;
      }
      default: {
        if (text.trim() === '') return null;
        const number = Number(text);
        if (!Number.isFinite(number)) return toPrimitive(text);
        return context.isDateStyle(style) ? exceljsUtils.excelToDate(number, context.date1904) : number;
      }
    }
  };

  const onClose = (tag: SaxesTagPlain) => {
    if (!inSheetData) return;
    switch (localName(tag.name)) {
      case 'v':
      case 't':
        collecting = false;
        break;
      case 'rPh':
        phonetic--;
        break;
      case 'c':
        if (row) {
          const value = cellValue();
          if (value !== null) {
            const cells = row.cells;
            while (cells.length < column - 1) cells.push(null);
            cells[column - 1] = value;
          }
        }
        text = undefined;
        break;
      case 'row':
        if (row) ready.push(row);
        row = undefined;
        break;
      case 'sheetData':
        inSheetData = false;
        break;
      default:
        break;
    }
  };

  parser.on('opentag', (tag) => {
    try {
      onOpen(tag as SaxesTagPlain);
    } catch (error) {
      failure ??= error as Error;
    }
  });
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    try {
      onClose(tag as SaxesTagPlain);
    } catch (error) {
      failure ??= error as Error;
    }
  });

  const decoder = new StringDecoder('utf8');
  const take = function* (): Generator<SheetXmlRow> {
    if (failure) throw failure;
    const rows = ready;
    ready = [];
    yield* rows;
  };
  for await (const chunk of part) {
    parser.write(decoder.write(chunk as Buffer));
    yield* take();
  }
  parser.write(decoder.end());
  parser.close();
  yield* take();
}
