import { guessSheetKind, sheetKindOf } from '../normalize/headers.js';
import { startSheet, type InputSheet } from '../normalize/normalize-sheet.js';
import { REPORT_SHEETS, type SheetKind } from '../normalize/columns.js';
import { InputFileError } from '../core/errors.js';
import type { PlanBatch } from '../plan/assemble-sync-plan.js';
import { inspectInputFile, readInputSheets } from '../read/read-input.js';
import type { InputFile } from '../read/raw-sheet.js';
import { memoryFields, type Logger } from '../log/logger.js';
import type { Terminal } from '../report/terminal.js';

/** Excel's column limit (XFD): the results echo every input column, so no sheet may be wider. */
export const MAX_SHEET_COLUMNS = 16_384;

export interface IngestOptions {
  sheetName?: string;
  maxInputMb: number;
  /** Sheets this command reads; others are ignored with a warning (e.g. `catalog import` reads Offers only). */
  kinds: readonly SheetKind[];
  terminal: Terminal;
  log: Logger;
}

export interface Ingested extends PlanBatch {
  files: InputFile[];
  rowCount: number;
}

/**
 * Read every input file and validate its rows as they stream in. Every file is inspected (size,
 * format, hash) before any is parsed, so a broken file is refused before anything else happens.
 */
export async function ingestInputs(paths: readonly string[], options: IngestOptions): Promise<Ingested> {
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    options.terminal.warn(message);
  };
  const readOptions = { maxInputMb: options.maxInputMb, onWarning, ...(options.sheetName ? { sheetName: options.sheetName } : {}) };
  const files: InputFile[] = [];
  for (const path of paths) files.push(await inspectInputFile(path, readOptions));

  const sheets: InputSheet[] = [];
  let rowCount = 0;
  const started = Date.now();
  for (const [index, file] of files.entries()) {
    options.log.info('reading input', { event: 'read.start', file: file.name, bytes: file.bytes, sha256: file.sha256 });
    for await (const raw of readInputSheets(file, readOptions)) {
      const kind = sheetKindOf(raw.name) ?? (file.format === 'csv' ? guessSheetKind(raw.headers) : undefined);
      if (!kind && REPORT_SHEETS.includes(raw.name)) {
        options.log.debug('report sheet skipped', { event: 'read.skip', file: file.name, sheet: raw.name });
        for await (const _ of raw.rows) void _;
        continue;
      }
      if (!kind || !options.kinds.includes(kind)) {
        onWarning(`${file.name}: sheet "${raw.name}" is not ${kind ? 'read by this command' : 'a tiersync sheet'} (${options.kinds.join(', ')}); it was ignored`);
        for await (const _ of raw.rows) void _;
        continue;
      }
      if (raw.headerRow === 0) {
        onWarning(`${file.name}: sheet "${raw.name}" is empty`);
        continue;
      }
      const widest = raw.headers.reduce((m, h) => Math.max(m, h.column), 0);
      if (widest > MAX_SHEET_COLUMNS) {
        throw new InputFileError(`${file.name}: sheet "${raw.name}" has ${widest.toLocaleString('en-US')} columns; a worksheet holds at most ${MAX_SHEET_COLUMNS.toLocaleString('en-US')}: remove the extra columns and upload again`);
      }
      const normalizer = startSheet(kind, raw, index);
      for await (const row of raw.rows) {
        normalizer.add(row.row, row.cells, row.problems);
        if (++rowCount % 1000 === 0) options.terminal.progress('Reading rows', rowCount, undefined, started);
      }
      sheets.push(normalizer.sheet);
      options.log.info('sheet read', { event: 'read.sheet', file: file.name, sheet: raw.name, kind, rows: normalizer.sheet.rows.length, memory: memoryFields() });
    }
  }
  options.terminal.clearProgress();
  return { files, inputs: files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes })), sheets, warnings, rowCount };
}
