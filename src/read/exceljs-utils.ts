import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';

const require = createRequire(import.meta.url);

/**
 * exceljs's own cell helpers (lib/utils/utils.js), for the sheet rows tiersync reads and writes as XML
 * itself: the same date arithmetic, date-format test and XML escaping as exceljs's reader and writer.
 */
export const exceljsUtils = require('exceljs/lib/utils/utils.js') as {
  /** Excel's serial day number as a date. */
  excelToDate(serial: number, date1904?: boolean): Date;
  /** A date as Excel's serial day number. */
  dateToExcel(date: Date, date1904?: boolean): number;
  /** True for a number format that shows a date or time (`[ymdhMsb]` outside quotes and brackets). */
  isDateFmt(format: string | undefined): boolean;
  /** Text with `< > & ' "` escaped and the characters XML cannot carry removed. */
  xmlEncode(text: string): string;
};

/** exceljs's cell note (doc/note.js): its `model` is the comment exceljs's writer takes, in exceljs's default box. */
export const ExcelNote = require('exceljs/lib/doc/note.js') as new (text: string) => { model: object };

/**
 * exceljs's streaming workbook reader and writer, loaded on their own: all of exceljs (its document
 * model, CSV and buffered xlsx support) takes about twice as long to load, on every command's start.
 */
export const exceljsStream = {
  get WorkbookReader(): typeof ExcelJS.stream.xlsx.WorkbookReader {
    return require('exceljs/lib/stream/xlsx/workbook-reader.js') as typeof ExcelJS.stream.xlsx.WorkbookReader;
  },
  get WorkbookWriter(): typeof ExcelJS.stream.xlsx.WorkbookWriter {
    return require('exceljs/lib/stream/xlsx/workbook-writer.js') as typeof ExcelJS.stream.xlsx.WorkbookWriter;
  },
};
