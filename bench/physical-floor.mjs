// The physical floor of SPEC §6: what a run's bytes cost with no library object per cell
// and no engine work, measured in parts so that bench/run.js composes each case's floor from them.
//
//   node bench/physical-floor.mjs --xlsx L.xlsx --csv L-subs.csv --base base.db --lstore L.db \
//        --customers N --subscriptions M --work DIR [--pg postgres://…/fresh-db]
//
// Parts (each timed on its own; printed as one JSON line on stdout):
//   start          Node's start-up to the first part (the engine's wall includes its own)
//   xlsxRead       every sheet XML (and shared strings) of --xlsx inflated (zlib inflateRaw, streamed from
//                  the zip's own central directory) and byte-scanned: `<row` counted, nothing parsed but
//                  the first 1,000 rows of each sheet (kept as raw cell XML, to write back)
//   xlsxWrite      as many result rows written as raw sheet XML (the input's columns, then Result with one
//                  fill style, Code, Message, Changes; `t="str"` text as src/report/xlsx-table.ts writes
//                  it, empty cells left out) and deflated into an .xlsx zip at the writer's level (zlib
//                  level 1, 1 MB chunks, the same as createWorkbookWriter)
//   csvRead        csv-parse's bare read of --csv (arrays as csv-parse gives them, rows counted)
//   csvWrite       the CSV's rows written back as result rows, as xlsxWrite
//   sqljsInit      initSqlJs (the WebAssembly module), as the file store loads it
//   storeOpen      --base read and opened with sql.js (journal in memory, as the store tunes it)
//   storeInsert    the records and audit rows of an import of --customers customers and --subscriptions
//                  subscriptions inserted, one prepared statement per table, in one transaction, against
//                  the schema read from the file (PRAGMA table_info: a column's declared type decides,
//                  e.g. a BLOB hash is 32 bytes, a TEXT one 64 hex characters). The rows' values are made
//                  in batches of 2,000 off the clock (storeValues says how long that took)
//   storeSave      db.export() saved by the file store's own saveDurably (tmp, fsync, .bak link, rename, fsync the folder)
//   uploadRead     --lstore (the L store) read and loaded into sql.js
//   uploadWrite    the same database exported and saved once, the same way
//   pgCopy         (with --pg) the same records and audit rows COPYed FROM STDIN into a fresh store
//                  database (made by `tiersync init`), in one transaction; pgCommit: its COMMIT. The
//                  COPY text is made while the server takes the previous chunk (pgValues: how long)
//   pgConnectTxn   (with --pg) a new connection, one empty transaction, closed: the least a run on
//                  PostgreSQL does with its store when it has nothing to load or save
import { closeSync, createReadStream, openSync, promises as fsp, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { readZipDirectory } from '../dist/read/zip-guard.js';
import { saveDurably } from '../dist/store/sqljs-store.js';
import { customerDomain, customerRows, OFFERS, resellerMpn } from './generate.mjs';

const START_MS = performance.now();

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[flag.slice(2)] = inline ?? argv[++i];
  }
  for (const k of ['customers', 'subscriptions', 'resellers']) if (k in args) args[k] = Number(args[k]);
  return args;
}

const seconds = (t0) => (performance.now() - t0) / 1000;

// ---------------------------------------------------------------------------------------------
// Zip: the central directory read by hand, entries inflated as streams.

/** The entries of a zip file from its central directory (the engine's own reader), with where each one's data starts. */
async function zipEntries(path) {
  const handle = await fsp.open(path, 'r');
  try {
    const directory = await readZipDirectory(handle);
    if ('unreadable' in directory) throw new Error(`${path}: zip directory ${directory.unreadable}`);
    const entries = [];
    for (const entry of directory.entries) {
      if (entry === 'corrupt') throw new Error(`${path}: bad central directory`);
      entries.push({ ...entry });
    }
    // Where each entry's data starts: after its local header (whose name and extra lengths may differ).
    const local = Buffer.alloc(30);
    for (const e of entries) {
      await handle.read(local, 0, 30, e.localOffset);
      e.dataOffset = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** An entry's inflated bytes, as a stream of chunks. */
function entryStream(path, entry) {
  const raw = createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressed - 1, highWaterMark: 1024 * 1024 });
  if (entry.method === 0) return raw;
  if (entry.method !== 8) throw new Error(`${entry.name}: compression method ${entry.method}`);
  return raw.pipe(zlib.createInflateRaw({ chunkSize: 256 * 1024 }));
}

const ROW_TAG = Buffer.from('<row');
const SAMPLE_ROWS = 1000;
const SAMPLE_BYTES = 4 * 1024 * 1024;

/** Occurrences of `<row` in a stream of chunks (also across chunk boundaries); the first bytes kept for a sample. */
async function scanRows(stream) {
  let rows = 0;
  let bytes = 0;
  let tail = Buffer.alloc(0);
  const head = [];
  let headBytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    if (headBytes < SAMPLE_BYTES) {
      head.push(chunk);
      headBytes += chunk.length;
    }
    for (let at = chunk.indexOf(ROW_TAG); at >= 0; at = chunk.indexOf(ROW_TAG, at + 4)) rows++;
    if (tail.length) {
      // A tag split between the chunks: the last 3 bytes before, the first 3 after.
      const seam = Buffer.concat([tail, chunk.subarray(0, 3)]);
      if (seam.indexOf(ROW_TAG) >= 0) rows++;
    }
    tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 3)));
  }
  return { rows, bytes, head: Buffer.concat(head).toString('utf8') };
}

/**
 * The first rows of a sheet's XML as raw cells (`{ col, value, number }`, value still XML-escaped, as
 * it is written back). Only a sample: the floor parses nothing else.
 */
function sampleCells(xml, limit = SAMPLE_ROWS + 1) {
  const rows = [];
  const rowRe = /<row\b[^>]*>([\s\S]*?)<\/row>/g;
  const cellRe = /<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g;
  for (let m; rows.length < limit && (m = rowRe.exec(xml)); ) {
    const cells = [];
    for (let c; (c = cellRe.exec(m[1])); ) {
      const attrs = c[1];
      const col = columnNumber(/\br="([A-Z]+)/.exec(attrs)?.[1] ?? 'A');
      const type = /\bt="([^"]*)"/.exec(attrs)?.[1];
      const inner = c[2] ?? '';
      const value = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1] ?? /<t[^>]*>([\s\S]*?)<\/t>/.exec(inner)?.[1] ?? '';
      if (value === '') continue;
      cells.push({ col, value, number: type === undefined || type === 'n' });
    }
    rows.push(cells);
  }
  return rows;
}

function columnNumber(letters) {
  let n = 0;
  for (const ch of letters) n = n * 26 + ch.charCodeAt(0) - 64;
  return n;
}

const letterCache = [];
function columnLetter(n) {
  if (letterCache[n]) return letterCache[n];
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return (letterCache[n] = s);
}

const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The sheet names of a workbook in order, with the part of each (xl/workbook.xml and its relationships). */
async function sheetParts(path, entries) {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const text = async (name) => {
    const e = byName.get(name);
    if (!e) return '';
    const chunks = [];
    for await (const c of entryStream(path, e)) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  };
  const workbook = await text('xl/workbook.xml');
  const rels = await text('xl/_rels/workbook.xml.rels');
  const targets = new Map();
  for (const m of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = /\bId="([^"]+)"/.exec(m[0])?.[1];
    const target = /\bTarget="([^"]+)"/.exec(m[0])?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  const sheets = [];
  for (const m of workbook.matchAll(/<sheet\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[0])?.[1] ?? `Sheet${sheets.length + 1}`;
    const id = /\br:id="([^"]+)"/.exec(m[0])?.[1];
    const part = targets.get(id);
    if (part && byName.has(part)) sheets.push({ name, entry: byName.get(part) });
  }
  // No workbook.xml to go by: every worksheet part, in name order.
  if (!sheets.length) for (const e of entries) if (/^xl\/worksheets\/sheet\d+\.xml$/.test(e.name)) sheets.push({ name: e.name, entry: e });
  return sheets;
}

/** xlsxRead: inflate + byte scan of every sheet (and the shared strings); a sample of each sheet kept. */
async function readXlsx(path) {
  const entries = await zipEntries(path);
  const sheets = await sheetParts(path, entries);
  const shared = entries.find((e) => e.name === 'xl/sharedStrings.xml');
  let inflated = 0;
  if (shared) inflated += (await scanRows(entryStream(path, shared))).bytes;
  const out = [];
  for (const sheet of sheets) {
    const scan = await scanRows(entryStream(path, sheet.entry));
    inflated += scan.bytes;
    const sample = sampleCells(scan.head);
    const header = sample.shift() ?? [];
    out.push({ name: sheet.name, columns: header.reduce((n, c) => Math.max(n, c.col), 0), header: header.map((c) => c.value), rows: Math.max(0, scan.rows - 1), sample });
  }
  return { sheets: out, inflatedBytes: inflated };
}

// ---------------------------------------------------------------------------------------------
// Zip writing: local headers with data descriptors, deflateRaw streamed, CRC-32 native.

const ZIP_CHUNK_BYTES = 1024 * 1024; // src/report/xlsx-table.ts's ZIP_CHUNK_BYTES
const ZIP_LEVEL = 1; // and its zlib level
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1; // 1980-01-01

class ZipWriter {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, 'w');
    this.offset = 0;
    this.entries = [];
  }

  write(buffer) {
    writeSync(this.fd, buffer);
    this.offset += buffer.length;
  }

  localHeader(name) {
    const nameBytes = Buffer.from(name, 'utf8');
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0808, 6); // sizes in a data descriptor, UTF-8 names
    h.writeUInt16LE(8, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt16LE(nameBytes.length, 26);
    const entry = { name: nameBytes, offset: this.offset, crc: 0, compressed: 0, uncompressed: 0 };
    this.write(h);
    this.write(nameBytes);
    return entry;
  }

  finishEntry(entry) {
    if (entry.compressed > 0xfffffffe || entry.uncompressed > 0xfffffffe) throw new Error('an entry over 4 GB needs zip64');
    const d = Buffer.alloc(16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(entry.crc >>> 0, 4);
    d.writeUInt32LE(entry.compressed, 8);
    d.writeUInt32LE(entry.uncompressed, 12);
    this.write(d);
    this.entries.push(entry);
  }

  /** A small entry, deflated in one go. */
  addSmall(name, text) {
    const data = Buffer.from(text, 'utf8');
    const entry = this.localHeader(name);
    const deflated = zlib.deflateRawSync(data, { level: ZIP_LEVEL });
    this.write(deflated);
    Object.assign(entry, { crc: zlib.crc32(data), compressed: deflated.length, uncompressed: data.length });
    this.finishEntry(entry);
  }

  /**
   * A streamed entry: `pieces` yields strings (a few dozen KB each); each is encoded, added to the CRC and
   * handed to zlib's thread, which compresses while the next is made (with back-pressure).
   */
  async addStreamed(name, pieces) {
    const entry = this.localHeader(name);
    const deflate = zlib.createDeflateRaw({ level: ZIP_LEVEL, chunkSize: ZIP_CHUNK_BYTES });
    deflate.on('data', (chunk) => {
      entry.compressed += chunk.length;
      this.write(chunk);
    });
    const ended = once(deflate, 'end');
    let crc = 0;
    for (const piece of pieces) {
      const data = Buffer.from(piece, 'utf8');
      crc = zlib.crc32(data, crc);
      entry.uncompressed += data.length;
      if (!deflate.write(data)) await once(deflate, 'drain');
    }
    deflate.end();
    await ended;
    entry.crc = crc;
    this.finishEntry(entry);
  }

  close() {
    const start = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0808, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt16LE(DOS_TIME, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(e.crc >>> 0, 16);
      c.writeUInt32LE(e.compressed, 20);
      c.writeUInt32LE(e.uncompressed, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      this.write(c);
      this.write(e.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    this.write(end);
    closeSync(this.fd);
    return this.offset;
  }
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const RESULT_COLUMNS = ['Result', 'Code', 'Message', 'Changes'];
/** What a created row's Message says (as the exceljs floor writes it); Code and Changes are empty, so left out. */
const MESSAGE = 'Ordered 12 × Microsoft 365 Business Standard, 1 year, billed monthly';
const ROWS_PER_PIECE = 100; // src/report/xlsx-table.ts's ROWS_PER_TURN

/** The XML pieces of one result sheet: header, then `rows` data rows cycling through the sample. */
function* sheetXml(sheet) {
  const width = sheet.columns;
  const headers = [...sheet.header, ...RESULT_COLUMNS.map(xmlEscape)];
  const resultAt = width + 1;
  const resultLetter = columnLetter(resultAt);
  const messageLetter = columnLetter(resultAt + 2);
  const message = xmlEscape(MESSAGE);
  let piece = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ${NS}><sheetData><row r="1">${headers.map((h, i) => `<c r="${columnLetter(i + 1)}1" t="str"><v>${h}</v></c>`).join('')}</row>`;
  const sample = sheet.sample.length ? sheet.sample : [[]];
  const parts = [piece];
  for (let i = 0; i < sheet.rows; i++) {
    const r = i + 2;
    const cells = sample[i % sample.length];
    let xml = `<row r="${r}">`;
    for (const c of cells) xml += c.number ? `<c r="${columnLetter(c.col)}${r}"><v>${c.value}</v></c>` : `<c r="${columnLetter(c.col)}${r}" t="str"><v>${c.value}</v></c>`;
    xml += `<c r="${resultLetter}${r}" s="1" t="str"><v>created</v></c><c r="${messageLetter}${r}" t="str"><v>${message}</v></c></row>`;
    parts.push(xml);
    if (parts.length >= ROWS_PER_PIECE) {
      yield parts.join('');
      parts.length = 0;
    }
  }
  parts.push('</sheetData></worksheet>');
  yield parts.join('');
}

/** xlsxWrite / csvWrite: a results workbook of raw sheet XML, deflated at the writer's level. */
async function writeResults(path, sheets) {
  const zip = new ZipWriter(path);
  const names = sheets.map((s, i) => xmlEscape(String(s.name).slice(0, 31)) || `Sheet${i + 1}`);
  zip.addSmall('[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('')}</Types>`);
  zip.addSmall('_rels/.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
  zip.addSmall('xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ${NS}><sheets>${names.map((n, i) => `<sheet name="${n}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`);
  zip.addSmall('xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}<Relationship Id="rId${sheets.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`);
  zip.addSmall('xl/styles.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFC6EFCE"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`);
  let rows = 0;
  for (const [i, sheet] of sheets.entries()) {
    await zip.addStreamed(`xl/worksheets/sheet${i + 1}.xml`, sheetXml(sheet));
    rows += sheet.rows;
  }
  return { rows, bytes: zip.close() };
}

// ---------------------------------------------------------------------------------------------
// CSV

async function readCsv(path) {
  const { parse } = await import('csv-parse');
  const parser = createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }));
  let header;
  const sample = [];
  let rows = 0;
  for await (const record of parser) {
    if (!header) {
      header = record;
      continue;
    }
    rows++;
    if (sample.length < SAMPLE_ROWS) sample.push(record.map((value, i) => ({ col: i + 1, value: xmlEscape(value), number: value !== '' && Number.isFinite(Number(value)) })).filter((c) => c.value !== ''));
  }
  return { name: 'Subscriptions', columns: header?.length ?? 0, header: (header ?? []).map(xmlEscape), rows, sample };
}

// ---------------------------------------------------------------------------------------------
// The store: representative records and audit rows for the schema the file (or database) has.

const NOW = '2026-12-01T09:59:45.554Z';
const YEAR_LATER = '2027-12-01T09:59:45.554Z';
const hex = (n, width) => n.toString(16).padStart(width, '0');
/** A UUID-shaped ID in ascending order of `k` (the engine writes each table in key order). */
const orderedId = (k, salt) => `${hex(k, 8)}-${hex((k * 2654435761) >>> 16 & 0xffff, 4)}-4${hex((k * 40503 + salt) & 0xfff, 3)}-8${hex((k * 7) & 0xfff, 3)}-${hex(k * 97 + salt * 1000003, 12).slice(-12)}`;

/** A customer's columns by name, from the generator's row for customer `i`. */
function customerValues(i, row) {
  return {
    domain: row[0],
    tenant_id: orderedId(i, 1),
    company_name: row[1],
    contact_first_name: row[2],
    contact_last_name: row[3],
    contact_email: row[4],
    phone: row[5] || null,
    address_line1: row[6],
    address_line2: row[7] || null,
    city: row[8],
    state_region: row[9] || null,
    postal_code: row[10] || null,
    country: row[11],
    language: row[12],
    registration_number: null,
    reseller_mpn_id: row[13],
    admin_access: 'default GDAP',
    created_at: NOW,
  };
}

const domains = [];
const mpns = [];

/** Subscription `k` (of customer k mod nCustomers), as the generator makes it. */
function subscriptionValues(k, nCustomers, nResellers) {
  const c = k % nCustomers;
  const slot = Math.floor(k / nCustomers);
  return {
    subscription_id: orderedId(k, 2),
    customer_domain: (domains[c] ??= customerDomain(c)),
    offer_id: OFFERS[(c + slot) % OFFERS.length],
    nickname: `seat-${slot}`,
    quantity: 1 + ((k * 31) % 150),
    term: 'P1Y',
    billing_cycle: 'monthly',
    auto_renew: 1,
    partner_of_record_mpn_id: (mpns[c % nResellers] ??= resellerMpn(c % nResellers)),
    support_contact_mpn_id: null,
    status: 'active',
    term_start: NOW,
    term_end: YEAR_LATER,
    seat_additions: null,
    scheduled: null,
    created_at: NOW,
  };
}

const isBlob = (type) => /BLOB|BYTEA/i.test(type);
const isInteger = (type) => /INT|BOOL|SERIAL/i.test(type);
const isNumeric = (type) => /INT|REAL|FLOA|DOUB|NUM|DEC|BOOL|SERIAL/i.test(type);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A record's value as its column's type stores it: a time in an integer column as its milliseconds (the engine's own encoding). */
function columnValue(column, row) {
  if (!(column.name in row)) return fallback(column);
  const v = row[column.name];
  return typeof v === 'string' && isInteger(column.type) && ISO_TIME.test(v) ? Date.parse(v) : v;
}

/** A value for a column the mapping does not know (a column added since): NULL when allowed, else one of its type. */
function fallback(column) {
  if (!column.notnull) return null;
  if (isBlob(column.type)) return randomBytes(8);
  if (isNumeric(column.type)) return 0;
  return '';
}

/** The columns to write of a table: all but those with a default that the mapping has no value for (and PostgreSQL's row_order). */
function writtenColumns(columns, known) {
  return columns.filter((c) => c.name in known || !c.hasDefault);
}

/**
 * Hashes for the audit rows, in the type the schema declares: 32 random bytes for a BLOB (bytea) column,
 * 64 hex characters otherwise. A pool, cycled: random bytes per row would be more work than the hash's own.
 */
function hashPool(type) {
  const pool = [];
  for (let i = 0; i < 4096; i++) {
    const b = randomBytes(32);
    pool.push(isBlob(type) ? b : b.toString('hex'));
  }
  return pool;
}

/**
 * Every record and audit row of the import, in the order the engine writes them (customers, then
 * subscriptions, each in key order; audit in sequence), as `{ table, values }` by column name, handed to
 * `sink(table, values)`. `auditColumns` tells the hash column's type.
 */
function makeWorkload({ customers, subscriptions, resellers, auditColumns, firstSeq, contextIds, shapeIds }) {
  const hashColumn = auditColumns.find((c) => /hash/i.test(c.name));
  const hashes = hashPool(hashColumn?.type ?? 'TEXT');
  // Customers in domain order (the engine sorts a table's writes by key).
  const rows = [...customerRows(customers, resellers, 0)];
  const order = rows.map((_, i) => i).sort((a, b) => (rows[a][0] < rows[b][0] ? -1 : rows[a][0] > rows[b][0] ? 1 : 0));
  return {
    sampleCustomer: customerValues(0, rows[0]),
    sampleSubscription: subscriptionValues(0, customers, resellers),
    *customers() {
      for (const i of order) yield customerValues(i, rows[i]);
    },
    *subscriptions() {
      for (let k = 0; k < subscriptions; k++) yield subscriptionValues(k, customers, resellers);
    },
    /**
     * Each record with its audit row, made once: [table, record, audit row]. The after value is in the
     * store's compact form (src/store/record-mapping.ts, auditValueOf), so the floor writes as many
     * bytes as the engine: members equal to the record key or the run's time left out, and, but in the
     * first row of each block of 64, those equal to the previous row's of the same entity.
     */
    *recordsWithAudit() {
      let seq = firstSeq;
      const previous = {};
      const entry = (entity, key, values, shape) => {
        const s = seq++;
        const members = Object.values(values);
        const last = (s - 1) % 64 === 0 ? undefined : previous[entity];
        previous[entity] = members;
        let keyMask = 0;
        let atMask = 0;
        let prevMask = 0;
        const kept = [];
        members.forEach((v, i) => {
          if (v === key) keyMask += 2 ** i;
          else if (v === NOW) atMask += 2 ** i;
          else if (last && last[i] === v) prevMask += 2 ** i;
          else kept.push(v);
        });
        const head = prevMask ? [-shape, -1 - keyMask, atMask, prevMask] : [-shape, keyMask, atMask];
        const after = JSON.stringify([...head, ...kept]);
        return { seq: s, context_id: contextIds[entity], entity, record_key: key, action: 'create', before_json: null, after_json: after, hash: hashes[s % hashes.length] };
      };
      for (const v of this.customers()) yield ['customers', v, entry('customer', v.domain, v, shapeIds.customer)];
      for (const v of this.subscriptions()) yield ['subscriptions', v, entry('subscription', v.subscription_id, v, shapeIds.subscription)];
    },
    *audit() {
      for (const [, , row] of this.recordsWithAudit()) yield row;
    },
  };
}

/**
 * The import's audit contexts from `firstId` on, as rows by column name, and the context of each
 * entity's rows: one for the run, or one per entity where the schema keeps entity and action there.
 */
function auditContexts(contextColumns, firstId) {
  const run = { batch_id: orderedId(firstId, 9), at: NOW, operator: 'admin@provider.example', input_name: 'L.xlsx', input_sha256: randomBytes(32).toString('hex') };
  if (!contextColumns.some((c) => c.name === 'entity')) return { ids: { customer: firstId, subscription: firstId }, rows: [{ id: firstId, ...run }] };
  const entities = ['customer', 'subscription'];
  return { ids: Object.fromEntries(entities.map((e, i) => [e, firstId + i])), rows: entities.map((entity, i) => ({ id: firstId + i, ...run, entity, action: 'create' })) };
}

/** `INSERT INTO table` of a row given by column name, with the placeholder style of the driver. */
const insertOf = (table, row, placeholder) => [`INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((_, i) => placeholder(i)).join(', ')})`, Object.values(row)];

/** An audit column's value by what its name says (the schema may rename or add some). */
function auditValue(column, row) {
  if (column.name in row) return row[column.name];
  const n = column.name.toLowerCase();
  if (n.includes('hash')) return row.hash;
  if (n === 'id' || n.includes('seq')) return row.seq;
  if (n.includes('context')) return row.context_id;
  if (n.includes('entity')) return row.entity;
  if (n.includes('key')) return row.record_key;
  if (n.includes('action')) return row.action;
  if (n.includes('before')) return row.before_json;
  if (n.includes('after')) return row.after_json;
  return fallback(column);
}

const SHAPE_KEYS = {
  customer: ['addressLine1', 'addressLine2', 'adminAccess', 'city', 'companyName', 'contactEmail', 'contactFirstName', 'contactLastName', 'country', 'createdAt', 'domain', 'language', 'phone', 'postalCode', 'registrationNumber', 'resellerMpnId', 'stateRegion', 'tenantId'],
  subscription: ['autoRenew', 'billingCycle', 'createdAt', 'customerDomain', 'nickname', 'offerId', 'partnerOfRecordMpnId', 'quantity', 'scheduled', 'seatAdditions', 'status', 'subscriptionId', 'supportContactMpnId', 'term', 'termEnd', 'termStart'],
};

// ---------------------------------------------------------------------------------------------
// sql.js

/** A table's columns (PRAGMA table_info): name, declared type, NOT NULL, whether it has a default. */
function sqliteColumns(db, table) {
  const r = db.exec(`PRAGMA table_info(${table})`)[0];
  if (!r) return [];
  return r.values.map(([, name, type, notnull, dflt, pk]) => ({ name: String(name), type: String(type ?? ''), notnull: !!notnull || !!pk, hasDefault: dflt !== null || (!!pk && /^INTEGER$/i.test(String(type))) }));
}

/**
 * Binds text as UTF-8 bytes cast back to TEXT (the file store's own way: sql.js encodes a bound JS string
 * in JavaScript, Buffer natively), each column through a scratch buffer reused from row to row.
 */
function binderFor(columns) {
  const text = columns.map((c) => !isBlob(c.type) && !isNumeric(c.type));
  const scratch = [];
  return {
    placeholders: text.map((t) => (t ? 'CAST(? AS TEXT)' : '?')).join(', '),
    bind(values) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!text[i] || typeof v !== 'string' || v === '') continue;
        let b = scratch[i];
        if (!b || b.length < v.length * 3) scratch[i] = b = Buffer.allocUnsafe(Math.max(256, v.length * 3));
        values[i] = b.subarray(0, b.write(v, 0, 'utf8'));
      }
      return values;
    },
  };
}

/** The database exported and saved as the file store saves it (its own `saveDurably`), then removed unless kept. */
async function exportAndSave(db, target, keep = false) {
  const bytes = db.export();
  db.close();
  await saveDurably(target, bytes);
  if (!keep) for (const suffix of ['', '.bak']) rmSync(target + suffix, { force: true });
  return bytes.length;
}

const one = (db, sql) => db.exec(sql)[0]?.values?.[0]?.[0];

async function storeFloor(SQL, args, parts) {
  let t = performance.now();
  const db = new SQL.Database(readFileSync(args.base));
  db.exec('PRAGMA journal_mode = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536');
  parts.storeOpen = seconds(t);

  const auditColumns = sqliteColumns(db, 'audit');
  const resellers = args.resellers ? Number(args.resellers) : Number(one(db, 'SELECT count(*) FROM resellers')) || 1;
  const firstSeq = Number(one(db, 'SELECT COALESCE(MAX(seq), 0) FROM audit')) + 1;
  const contexts = auditContexts(sqliteColumns(db, 'audit_context'), Number(one(db, 'SELECT COALESCE(MAX(id), 0) FROM audit_context')) + 1);
  const hasShapes = sqliteColumns(db, 'audit_shape').length > 0;
  const lastShape = hasShapes ? Number(one(db, 'SELECT COALESCE(MAX(id), 0) FROM audit_shape')) : 0;
  const shapeIds = { customer: lastShape + 1, subscription: lastShape + 2 };
  const work = makeWorkload({ customers: args.customers, subscriptions: args.subscriptions, resellers, auditColumns, firstSeq, contextIds: contexts.ids, shapeIds });

  t = performance.now();
  db.exec('BEGIN');
  // One prepared statement per table; the columns' values found by name once, not per row.
  const statements = new Map();
  const statementFor = (table, knownRow, valueOf) => {
    let s = statements.get(table);
    if (!s) {
      const columns = writtenColumns(sqliteColumns(db, table), knownRow);
      const binder = binderFor(columns);
      const getters = columns.map((c) => valueOf(c));
      s = { binder, values: (row) => getters.map((get) => get(row)), stmt: db.prepare(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES (${binder.placeholders})`) };
      statements.set(table, s);
    }
    return s;
  };
  const recordValue = (c) => (row) => columnValue(c, row);
  const auditGetter = (c) => (row) => auditValue(c, row);
  // Each record, then its audit row: the engine writes every record, then every audit row, but the
  // pages written are the same, and each record's values are made once. The values are made in
  // batches outside the clock (making them is the engine's work, not the store's: 2 µs a row); the
  // clock runs while they are bound and inserted.
  let records = 0;
  let audit = 0;
  let valuesS = 0;
  const batch = [];
  const rows = work.recordsWithAudit();
  for (let done = false; !done; ) {
    const m = performance.now();
    batch.length = 0;
    while (batch.length < 2000) {
      const next = rows.next();
      if (next.done) {
        done = true;
        break;
      }
      const [table, record, auditRow] = next.value;
      const s = statementFor(table, record, recordValue);
      const a = statementFor('audit', auditRow, auditGetter);
      batch.push(s, s.values(record), a, a.values(auditRow));
    }
    valuesS += seconds(m);
    for (let i = 0; i < batch.length; i += 4) {
      batch[i].stmt.run(batch[i].binder.bind(batch[i + 1]));
      batch[i + 2].stmt.run(batch[i + 2].binder.bind(batch[i + 3]));
    }
    records += batch.length / 4;
    audit += batch.length / 4;
  }
  for (const s of statements.values()) s.stmt.free();
  for (const row of contexts.rows) db.run(...insertOf('audit_context', row, () => '?'));
  if (hasShapes) for (const [entity, id] of Object.entries(shapeIds)) db.run('INSERT INTO audit_shape (id, keys_json) VALUES (?, ?)', [id, JSON.stringify(SHAPE_KEYS[entity])]);
  db.run('UPDATE store_meta SET revision = revision + 1, last_run_at = ? WHERE id = 1', [NOW]);
  db.exec('COMMIT');
  parts.storeInsert = seconds(t) - valuesS;
  parts.storeValues = valuesS;
  parts.storeRecords = records;
  parts.storeAuditRows = audit;

  t = performance.now();
  const size = await exportAndSave(db, join(args.work, 'physical-store.db'), !!args.keep);
  parts.storeSave = seconds(t);
  parts.storeFileMb = size / 1048576;
}

async function uploadFloor(SQL, args, parts) {
  let t = performance.now();
  const db = new SQL.Database(readFileSync(args.lstore));
  one(db, 'SELECT count(*) FROM store_meta'); // the file is a database (SQLite reads its header)
  parts.uploadRead = seconds(t);
  parts.uploadFileMb = statSync(args.lstore).size / 1048576;
  t = performance.now();
  await exportAndSave(db, join(args.work, 'physical-upload.db'));
  parts.uploadWrite = seconds(t);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: COPY FROM STDIN through pg alone (pg-copy-streams is not a dependency): a query object
// of pg's Submittable protocol (the one pg-cursor and pg-query-stream use) that sends the COPY, then
// its data as CopyData messages once the server asks (CopyInResponse), waiting for the socket to drain.

class CopyFrom {
  constructor(text, chunks) {
    this.text = text;
    this.chunks = chunks;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection) {
    connection.query(this.text);
  }

  async handleCopyInResponse(connection) {
    try {
      for (const chunk of this.chunks) {
        if (this.error) return; // the server refused the data: it has left copy mode
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      connection.endCopyFrom();
    } catch (error) {
      connection.sendCopyFail(String(error?.message ?? error));
    }
  }

  handleCommandComplete(msg) {
    this.rowCount = msg?.text ? Number(String(msg.text).split(' ').pop()) : undefined;
  }

  /** The server's error ends the query (pg calls no handleReadyForQuery on a query that failed). */
  handleError(error) {
    this.error = error;
    this.reject(error);
    this.callback?.(error);
  }

  handleReadyForQuery() {
    if (this.error) return;
    this.resolve(this.rowCount);
    this.callback?.(null, this.rowCount);
  }
}

/** A value in COPY's text format. */
function copyText(value, column) {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString('hex')}`;
  if (isBlob(column.type) && typeof value === 'string') return `\\\\x${Buffer.from(value, 'utf8').toString('hex')}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value === true ? 1 : value === false ? 0 : value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

/**
 * The COPY data of one table's rows, in buffers of about 256 KB. `clock.s` adds up the time spent
 * making them (the rows' values and their COPY text), which overlaps with the server's work.
 */
function* copyChunks(rows, columns, valueOf, clock) {
  let lines = [];
  let size = 0;
  let t = performance.now();
  for (const row of rows) {
    const line = columns.map((c) => copyText(valueOf(c, row), c)).join('\t') + '\n';
    lines.push(line);
    size += line.length;
    if (size >= 256 * 1024) {
      const chunk = Buffer.from(lines.join(''), 'utf8');
      clock.s += seconds(t);
      yield chunk;
      t = performance.now();
      lines = [];
      size = 0;
    }
  }
  if (lines.length) {
    const chunk = Buffer.from(lines.join(''), 'utf8');
    clock.s += seconds(t);
    yield chunk;
  }
}

async function pgColumns(client, table) {
  const { rows } = await client.query('SELECT column_name, udt_name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position', [table]);
  return rows.map((r) => ({ name: r.column_name, type: r.udt_name, notnull: r.is_nullable === 'NO', hasDefault: r.column_default !== null }));
}

async function pgFloor(args, parts) {
  const { default: pg } = await import('pg');
  let t = performance.now();
  const client = new pg.Client({ connectionString: args.pg });
  await client.connect();
  parts.pgConnect = seconds(t);
  try {
    const one = async (sql) => Object.values((await client.query(sql)).rows[0] ?? {})[0];
    const auditColumns = await pgColumns(client, 'audit');
    const resellers = args.resellers ? Number(args.resellers) : Number(await one('SELECT count(*) FROM resellers')) || 1;
    const firstSeq = Number(await one('SELECT COALESCE(MAX(seq), 0) FROM audit')) + 1;
    const contexts = auditContexts(await pgColumns(client, 'audit_context'), Number(await one('SELECT COALESCE(MAX(id), 0) FROM audit_context')) + 1);
    const hasShapes = (await pgColumns(client, 'audit_shape')).length > 0;
    const lastShape = hasShapes ? Number(await one('SELECT COALESCE(MAX(id), 0) FROM audit_shape')) : 0;
    const shapeIds = { customer: lastShape + 1, subscription: lastShape + 2 };
    const work = makeWorkload({ customers: args.customers, subscriptions: args.subscriptions, resellers, auditColumns, firstSeq, contextIds: contexts.ids, shapeIds });
    const tables = { customers: await pgColumns(client, 'customers'), subscriptions: await pgColumns(client, 'subscriptions'), audit: auditColumns };

    t = performance.now();
    const clock = { s: 0 };
    await client.query('BEGIN');
    let records = 0;
    let audit = 0;
    // One COPY per table, in the order the engine writes them.
    for (const [table, rows, known] of [['customers', work.customers(), work.sampleCustomer], ['subscriptions', work.subscriptions(), work.sampleSubscription]]) {
      const cols = writtenColumns(tables[table], known);
      const copy = new CopyFrom(`COPY ${table} (${cols.map((c) => c.name).join(', ')}) FROM STDIN`, copyChunks(rows, cols, columnValue, clock));
      client.query(copy);
      records += await copy.done;
    }
    const auditCols = auditColumns.filter((c) => !c.hasDefault || /seq|hash|context|entity|key|action|before|after/i.test(c.name));
    const copy = new CopyFrom(`COPY audit (${auditCols.map((c) => c.name).join(', ')}) FROM STDIN`, copyChunks(work.audit(), auditCols, auditValue, clock));
    client.query(copy);
    audit += await copy.done;
    for (const row of contexts.rows) await client.query(...insertOf('audit_context', row, (i) => `$${i + 1}`));
    if (hasShapes) for (const [entity, id] of Object.entries(shapeIds)) await client.query('INSERT INTO audit_shape (id, keys_json) VALUES ($1, $2)', [id, JSON.stringify(SHAPE_KEYS[entity])]);
    await client.query('UPDATE store_meta SET revision = revision + 1, last_run_at = $1 WHERE id = 1', [NOW]);
    parts.pgCopy = seconds(t);
    parts.pgValues = clock.s;
    parts.pgRecords = records;
    parts.pgAuditRows = audit;
    t = performance.now();
    await client.query('COMMIT');
    parts.pgCommit = seconds(t);
    parts.pgDatabaseMb = Number(await one('SELECT pg_database_size(current_database())')) / 1048576;
  } finally {
    await client.end();
  }
  // The least a run does with a server store: connect, one transaction, close.
  t = performance.now();
  const c2 = new pg.Client({ connectionString: args.pg });
  await c2.connect();
  await c2.query('BEGIN');
  await c2.query('SELECT revision FROM store_meta WHERE id = 1');
  await c2.query('COMMIT');
  await c2.end();
  parts.pgConnectTxn = seconds(t);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.work) throw new Error('--work DIR is required');
  const parts = { start: START_MS / 1000 };
  const only = args.parts ? new Set(args.parts.split(',')) : undefined;
  const want = (p) => !only || only.has(p);

  if (args.xlsx && want('xlsx')) {
    let t = performance.now();
    const input = await readXlsx(args.xlsx);
    parts.xlsxRead = seconds(t);
    parts.xlsxRows = input.sheets.reduce((n, s) => n + s.rows, 0);
    parts.xlsxInflatedMb = input.inflatedBytes / 1048576;
    t = performance.now();
    const out = await writeResults(join(args.work, 'physical-results.xlsx'), input.sheets);
    parts.xlsxWrite = seconds(t);
    parts.xlsxWrittenRows = out.rows;
    parts.xlsxWrittenMb = out.bytes / 1048576;
  }
  if (args.csv && want('csv')) {
    let t = performance.now();
    const sheet = await readCsv(args.csv);
    parts.csvRead = seconds(t);
    parts.csvRows = sheet.rows;
    t = performance.now();
    const out = await writeResults(join(args.work, 'physical-csv-results.xlsx'), [sheet]);
    parts.csvWrite = seconds(t);
    parts.csvWrittenMb = out.bytes / 1048576;
  }
  if (args.pg && want('pg')) await pgFloor(args, parts);
  if ((args.base || args.lstore) && (want('store') || want('upload'))) {
    const t = performance.now();
    const { default: initSqlJs } = await import('sql.js');
    const SQL = await initSqlJs();
    parts.sqljsInit = seconds(t);
    if (args.base && want('store')) await storeFloor(SQL, args, parts);
    if (args.lstore && want('upload')) await uploadFloor(SQL, args, parts);
  }
  console.log(JSON.stringify({ parts }));
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  process.exit(1);
});
