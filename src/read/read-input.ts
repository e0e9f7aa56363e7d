import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputFileError } from '../core/errors.js';
import type { InputFile, RawSheet, ReadOptions } from './raw-sheet.js';
import { checkZipBounds } from './zip-guard.js';

const OTHER_FORMATS: Record<string, string> = {
  '.xls': 'a legacy Excel 97-2003 workbook',
  '.xlsm': 'a macro-enabled workbook',
  '.xlsb': 'a binary Excel workbook',
  '.ods': 'an OpenDocument spreadsheet',
  '.numbers': 'a Numbers document',
  '.json': 'a JSON file',
  '.txt': 'a text file',
};
const ACCEPTED = 'save it as .xlsx (Excel Workbook) or .csv and upload again';

/** Check a file before parsing anything: exists, format, size, magic bytes, zip bounds; hash its bytes. */
export async function inspectInputFile(path: string, options: Pick<ReadOptions, 'maxInputMb'>): Promise<InputFile> {
  const name = basename(path);
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (cause) {
    throw new InputFileError(`${path} does not exist or cannot be read; check the path`, { cause });
  }
  if (!stat.isFile()) throw new InputFileError(`${path} is not a file`);
  const ext = extname(name).toLowerCase();
  if (ext !== '.xlsx' && ext !== '.csv') {
    const what = OTHER_FORMATS[ext] ?? (ext ? `a ${ext} file` : 'a file without an extension');
    throw new InputFileError(`${name} is ${what}; tiersync reads .xlsx and .csv: ${ACCEPTED}`);
  }
  if (stat.size === 0) throw new InputFileError(`${name} is empty; upload the file again`);
  const limit = options.maxInputMb * 1024 * 1024;
  if (stat.size > limit) throw new InputFileError(`${name} is ${(stat.size / 1048576).toFixed(1)} MB, over the ${options.maxInputMb} MB limit; split it, or raise --max-input-mb`);

  const format = ext === '.xlsx' ? 'xlsx' : 'csv';
  if (format === 'xlsx') {
    const head = Buffer.alloc(8);
    const handle = await fs.open(path, 'r');
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
    if (head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) {
      throw new InputFileError(`${name} is a password-protected (encrypted) workbook or a legacy .xls file renamed .xlsx; remove the password (or save as .xlsx) and upload again`);
    }
    if (!head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
      throw new InputFileError(`${name} is not an Excel workbook (an .xlsx file is a zip archive); ${ACCEPTED}`);
    }
    await checkZipBounds(path, name);
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, name, sha256: hash.digest('hex'), bytes: stat.size, format };
}

/**
 * Each reader is loaded when a file of its format comes: a command that reads only CSV never loads the
 * zip library, one that reads only workbooks never loads the CSV parser and its decoders.
 */
export async function* readInputSheets(file: InputFile, options: ReadOptions): AsyncGenerator<RawSheet> {
  if (file.format === 'csv') {
    const { readCsvSheet } = await import('./csv-reader.js');
    yield await readCsvSheet(file, options);
    return;
  }
  const { readXlsxSheets } = await import('./xlsx-reader.js');
  yield* readXlsxSheets(file, options);
}
