import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
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

/**
 * The most characters one tag, text or comment may take. A cell holds at most 32,767 characters, each
 * at most ten as a character reference; anything longer is a damaged (or forged) part, refused before
 * it is held.
 */
const MAX_CONSTRUCT_CHARS = 1 << 20;

/** The elements the reader acts on, by local name (a prefix such as `x:` is ignored). */
const enum Kind {
  Other,
  SheetData,
  Row,
  Cell,
  Value,
  InlineString,
  Text,
  Phonetic,
}

/** Each kind's name, as a worksheet without prefixes writes it. */
const KIND_NAMES = ['', 'sheetData', 'row', 'c', 'v', 'is', 't', 'rPh'] as const;

/** The kinds by the length of their names, for `kindAt`. */
const KINDS_BY_LENGTH: Kind[][] = [];
KIND_NAMES.forEach((name, kind) => {
  if (kind !== Kind.Other) (KINDS_BY_LENGTH[name.length] ??= []).push(kind);
});

/** The kind of the element whose local name is `s[start, end)`. */
function kindAt(s: string, start: number, end: number): Kind {
  const kinds = KINDS_BY_LENGTH[end - start];
  if (kinds) for (const kind of kinds) if (s.startsWith(KIND_NAMES[kind]!, start)) return kind;
  return Kind.Other;
}

/** The cell types a worksheet names, so that eleven million cells' `t` are not as many new strings. */
const CELL_TYPES = ['s', 'n', 'str', 'b', 'e', 'd', 'inlineStr'];

/** The `t` attribute's value `s[start, end)`: one of `CELL_TYPES` when it is one. */
function cellTypeAt(s: string, start: number, end: number): string {
  for (const type of CELL_TYPES) if (type.length === end - start && s.startsWith(type, start)) return type;
  return s.slice(start, end);
}

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

/** True when `s[start, end)` holds the character `code` (a bounded search: `indexOf` would look past `end`). */
function holds(s: string, code: number, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === code) return true;
  return false;
}

/** XML's white space: space, tab, line feed, carriage return. */
const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** The end of a name: white space, `/`, `>` or `=`. */
const endsName = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 47 || c === 62 || c === 61;

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** A character XML may carry (its `Char` production). */
const isXmlChar = (c: number) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/** Text with its entity and character references replaced; an unknown or malformed one is an error. */
function decodeReferences(text: string): string {
  return text.replace(/&([^;&<]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`"${whole.slice(0, 12)}" is not a complete character reference`);
    const named = NAMED_ENTITIES[name];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(name) ? Number.parseInt(name.slice(2), 16) : /^#[0-9]{1,7}$/.test(name) ? Number.parseInt(name.slice(1), 10) : NaN;
    if (!isXmlChar(code)) throw new Error(`the reference ${whole} is not a character XML allows`);
    return String.fromCodePoint(code);
  });
}

/**
 * Character data as the XML parser hands it on: line ends made `\n`, then references replaced (in that
 * order, as XML has it: `&#13;` is a carriage return the text keeps).
 */
function textOf(s: string, start: number, end: number): string {
  const text = lineEndsOf(s.slice(start, end));
  return text.indexOf('&') >= 0 ? decodeReferences(text) : text;
}

/** Text with XML's line ends (`\r\n`, a lone `\r`) made `\n`, as a parser hands text on (CDATA too). */
function lineEndsOf(text: string): string {
  return text.indexOf('\r') >= 0 ? text.replace(/\r\n?/g, '\n') : text;
}

/** The error for a malformed tag: the tag as far as `end`, and why when it helps. */
function malformedTag(s: string, lt: number, end: number, why = ''): Error {
  return new Error(`"${s.slice(lt, Math.min(s.length, end))}" is not a well-formed tag${why ? ` (${why})` : ''}`);
}

/** `s` without the byte-order mark a UTF-8 part may begin with. */
const withoutBom = (s: string) => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);

/**
 * The rows of one worksheet part, scanned straight from its text into plain cell values, with no
 * object per element: a worksheet is a few element kinds repeated millions of times, and a general
 * XML parser's tag objects and attribute maps were most of the cost of reading a million-row sheet.
 *
 * The scan is an XML parser for what a worksheet part may hold: elements (any prefix), attributes in
 * either quote, character and entity references, CDATA, comments and processing instructions. It
 * refuses what would make the part not well-formed: a tag left open or closed out of order, a second
 * root, text outside the root, a malformed tag or reference. A document type declaration is refused
 * too (a worksheet never has one, and entity definitions are how XML is made to explode).
 *
 * Cell types follow the part's `t` attribute: shared (`s`) and inline (`inlineStr`: every run's text,
 * phonetic runs left out) strings, formula text (`str`), booleans, errors, ISO dates (`d`), and
 * numbers, which are dates when their style's number format is a date's. A formula cell is its cached
 * value; a cell without one is empty.
 */
export async function* readSheetXmlRows(part: Readable, context: SheetXmlContext): AsyncGenerator<SheetXmlRow> {
  let ready: SheetXmlRow[] = [];
  // The open elements: their qualified names (to match end tags) and kinds.
  const names: string[] = [];
  const kinds: Kind[] = [];
  let rootSeen = false;
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

  /** A start tag of `kind`, with the raw texts of its `r`, `s` and `t` attributes (undefined when absent). */
  const open = (kind: Kind, r: string | undefined, s: string | undefined, t: string | undefined) => {
    if (!inSheetData) {
      if (kind === Kind.SheetData) inSheetData = true;
      return;
    }
    switch (kind) {
      case Kind.Row: {
        const number = r === undefined ? lastRowNumber + 1 : Number.parseInt(r, 10);
        // Excel writes each row once, in order: anything else is a damaged (or forged) part.
        if (!(number > lastRowNumber)) throw new Error(`row ${r ?? number} comes after row ${lastRowNumber}: the rows are out of order`);
        lastRowNumber = number;
        lastColumn = 0;
        row = { number, cells: [] };
        break;
      }
      case Kind.Cell: {
        column = (r === undefined ? 0 : columnOfRef(r)) || lastColumn + 1;
        if (column > MAX_COLUMNS) throw new Error(`cell ${r ?? column} is beyond column XFD, the last a worksheet has`);
        lastColumn = column;
        type = t ?? 'n';
        style = s === undefined ? 0 : Number.parseInt(s, 10);
        text = undefined;
        break;
      }
      case Kind.Value:
        text = '';
        collecting = true;
        break;
      case Kind.InlineString:
        text = '';
        break;
      case Kind.Text:
        // Inline string runs; a phonetic guide's text (rPh) is not part of the value.
        if (type === 'inlineStr' && phonetic === 0) {
          text ??= '';
          collecting = true;
        }
        break;
      case Kind.Phonetic:
        phonetic++;
        break;
      default:
        break;
    }
  };

  const close = (kind: Kind) => {
    if (!inSheetData) return;
    switch (kind) {
      case Kind.Value:
      case Kind.Text:
        collecting = false;
        break;
      case Kind.Phonetic:
        phonetic--;
        break;
      case Kind.Cell:
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
      case Kind.Row:
        if (row) ready.push(row);
        row = undefined;
        break;
      case Kind.SheetData:
        inSheetData = false;
        break;
      default:
        break;
    }
  };

  /** Character data `s[start, end)` (complete: it ends at a tag or at the end of the part). */
  const characters = (s: string, start: number, end: number) => {
    if (collecting) text += textOf(s, start, end);
    else if (names.length === 0) {
      for (let i = start; i < end; i++) if (!isSpace(s.charCodeAt(i))) throw new Error(`text "${s.slice(i, Math.min(end, i + 20))}" is outside the worksheet's root element`);
    } else if (holds(s, 38, start, end)) textOf(s, start, end); // a bad reference is an error anywhere
  };

  /**
   * The start tag at `s[lt]` ('<' then a name): acted on and its end's position returned, or -1 when
   * `s` ends inside it (nothing is done: the tag is scanned again with the next chunk).
   */
  const startTag = (s: string, lt: number): number => {
    const n = s.length;
    let i = lt + 1;
    let colon = -1;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (endsName(c)) break;
      if (c === 58) colon = i;
      else if (c === 60 || c === 38 || c === 34 || c === 39) throw malformedTag(s, lt, lt + 20);
      i++;
    }
    if (i >= n) return -1;
    const nameEnd = i;
    if (nameEnd === lt + 1) throw malformedTag(s, lt, lt + 20);
    const kind = kindAt(s, colon < 0 ? lt + 1 : colon + 1, nameEnd);
    const wanted = kind === Kind.Cell || kind === Kind.Row;
    let r: string | undefined;
    let st: string | undefined;
    let t: string | undefined;
    let selfClosing = false;
    for (;;) {
      let spaced = false;
      while (i < n && isSpace(s.charCodeAt(i))) {
        i++;
        spaced = true;
      }
      if (i >= n) return -1;
      const c = s.charCodeAt(i);
      if (c === 62) {
        i++;
        break;
      }
      if (c === 47) {
        if (i + 1 >= n) return -1;
        if (s.charCodeAt(i + 1) !== 62) throw malformedTag(s, lt, i + 2);
        selfClosing = true;
        i += 2;
        break;
      }
      // An attribute: name, '=', a quoted value; white space before each.
      if (!spaced) throw malformedTag(s, lt, i + 1);
      const attributeStart = i;
      while (i < n && !endsName(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const attributeEnd = i;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      if (attributeEnd === attributeStart || s.charCodeAt(i) !== 61) throw malformedTag(s, lt, i + 1);
      i++;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const quote = s.charCodeAt(i);
      if (quote !== 34 && quote !== 39) throw malformedTag(s, lt, i + 1, "an attribute's value is not quoted");
      // The value, up to its closing quote; a '<' in it is an error, a '&' a reference.
      const valueStart = i + 1;
      let valueEnd = valueStart;
      let referenced = false;
      for (; valueEnd < n; valueEnd++) {
        const v = s.charCodeAt(valueEnd);
        if (v === quote) break;
        if (v === 38) referenced = true;
        else if (v === 60) throw malformedTag(s, lt, valueEnd + 1, 'a "<" in an attribute\'s value');
      }
      if (valueEnd >= n) return -1;
      i = valueEnd + 1;
      if (wanted && attributeEnd - attributeStart === 1) {
        const a = s.charCodeAt(attributeStart);
        if (a === 114 || (kind === Kind.Cell && (a === 115 || a === 116))) {
          const value = referenced ? decodeReferences(s.slice(valueStart, valueEnd)) : a === 116 ? cellTypeAt(s, valueStart, valueEnd) : s.slice(valueStart, valueEnd);
          if (a === 114) r = value;
          else if (a === 115) st = value;
          else t = value;
        }
      } else if (referenced) decodeReferences(s.slice(valueStart, valueEnd));
    }
    if (names.length === 0) {
      if (rootSeen) throw new Error('the part has a second root element');
      rootSeen = true;
    }
    open(kind, r, st, t);
    if (selfClosing) close(kind);
    else {
      names.push(colon < 0 && kind !== Kind.Other ? KIND_NAMES[kind] : s.slice(lt + 1, nameEnd));
      kinds.push(kind);
    }
    return i;
  };

  /** The end tag at `s[lt]` ('</'): its end's position, or -1 when `s` ends inside it. */
  const endTag = (s: string, lt: number): number => {
    const gt = s.indexOf('>', lt + 2);
    if (gt < 0) return -1;
    const name = names[names.length - 1];
    let i = lt + 2 + (name?.length ?? 0);
    while (i < gt && isSpace(s.charCodeAt(i))) i++;
    if (name === undefined || !s.startsWith(name, lt + 2) || i !== gt) {
      throw new Error(`the end tag "${s.slice(lt, Math.min(gt + 1, lt + 40))}" does not close ${name === undefined ? 'any element' : `<${name}>`}`);
    }
    names.pop();
    close(kinds.pop()!);
    return gt + 1;
  };

  /** What `<!…` or `<?…` at `s[lt]` holds: its end's position, or -1 when `s` ends inside it. */
  const markup = (s: string, lt: number): number => {
    if (s.startsWith('<?', lt)) {
      const end = s.indexOf('?>', lt + 2);
      return end < 0 ? -1 : end + 2;
    }
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      return end < 0 ? -1 : end + 3;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      const end = s.indexOf(']]>', lt + 9);
      if (end < 0) return -1;
      if (names.length === 0) throw new Error('CDATA is outside the worksheet\'s root element');
      if (collecting) text += lineEndsOf(s.slice(lt + 9, end));
      return end + 3;
    }
    // Not yet enough of it to tell what it is.
    if (s.length - lt < 9 && ['<![CDATA[', '<!--', '<!DOCTYPE'].some((start) => start.startsWith(s.slice(lt)))) return -1;
    throw new Error(s.startsWith('<!DOCTYPE', lt) ? 'the part has a document type declaration, which a worksheet never has' : `"${s.slice(lt, lt + 20)}" is not well-formed XML`);
  };

  /** Everything complete in `s` acted on; the position where an incomplete construct starts (or `s.length`). */
  const scan = (s: string, final: boolean): number => {
    const n = s.length;
    let pos = 0;
    while (pos < n) {
      const lt = s.indexOf('<', pos);
      if (lt < 0) {
        if (!final) return pos;
        characters(s, pos, n);
        return n;
      }
      if (lt > pos) characters(s, pos, lt);
      if (lt + 1 >= n) {
        if (final) break;
        return lt;
      }
      const next = s.charCodeAt(lt + 1);
      const end = next === 47 ? endTag(s, lt) : next === 33 || next === 63 ? markup(s, lt) : startTag(s, lt);
      if (end < 0) {
        if (final) break;
        return lt;
      }
      pos = end;
    }
    if (final && pos < n) throw new Error(`the part ends inside "${s.slice(pos, pos + 20)}"`);
    return n;
  };

  const decoder = new StringDecoder('utf8');
  const take = function* (): Generator<SheetXmlRow> {
    const rows = ready;
    ready = [];
    yield* rows;
  };
  // What is left of the text after the last complete construct, and the chunks since: the text is
  // scanned again once they are as long as what is left, so a long tag is scanned a few times, not
  // once per chunk.
  let carry = '';
  let waiting: string[] = [];
  let waitingChars = 0;
  let started = false;
  for await (const chunk of part) {
    const decoded = decoder.write(chunk as Buffer);
    waitingChars += decoded.length;
    if (carry.length > 0 && waitingChars < carry.length && carry.length + waitingChars <= MAX_CONSTRUCT_CHARS) {
      waiting.push(decoded);
      continue;
    }
    let s = carry + waiting.join('') + decoded;
    waiting = [];
    waitingChars = 0;
    if (!started && s.length > 0) {
      started = true;
      s = withoutBom(s);
    }
    const used = scan(s, false);
    carry = used < s.length ? s.slice(used) : '';
    if (carry.length > MAX_CONSTRUCT_CHARS) throw new Error(`the part has a tag or text of more than ${MAX_CONSTRUCT_CHARS} characters`);
    yield* take();
  }
  const rest = carry + waiting.join('') + decoder.end();
  scan(started ? rest : withoutBom(rest), true);
  if (!rootSeen) throw new Error('the part has no root element');
  if (names.length > 0) throw new Error(`the part ends before <${names[names.length - 1]}> is closed`);
  yield* take();
}
