import ExcelJS from 'exceljs';
import { columnLetter } from '../core/diagnostics.js';
import { SHEETS, SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import { choicesOf, noteOf } from './column-docs.js';

/** Rows of a template that carry drop-downs. */
export const TEMPLATE_ROWS = 5000;
const FIXED_DATE = new Date('2026-01-01T00:00:00Z');
const REQUIRED_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFCE4D6' } };
const OPTIONAL_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE4EE' } };

/** exceljs keeps range validations on `worksheet.dataValidations`, which its typings leave out. */
function validations(sheet: ExcelJS.Worksheet): { add(range: string, validation: ExcelJS.DataValidation): void } {
  return (sheet as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations;
}

export interface TemplateOptions {
  sheets: readonly SheetKind[];
  /** Offer IDs of the catalog, for the Offer ID drop-down. */
  offerIds: readonly string[];
}

/**
 * An empty input workbook (SPEC §4 `template`): canonical headers in order, required ones marked,
 * a note on every header, drop-downs for closed sets and for Offer ID, frozen header, an Examples sheet.
 */
export function buildTemplateWorkbook(options: TemplateOptions): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'tiersync';
  workbook.created = FIXED_DATE;
  workbook.modified = FIXED_DATE;
  const kinds = SHEET_KINDS.filter((k) => options.sheets.includes(k));
  const offerList = options.offerIds.join(',');
  let listsSheet: ExcelJS.Worksheet | undefined;

  for (const kind of kinds) {
    const columns = SHEETS[kind].columns;
    const sheet = workbook.addWorksheet(kind, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = columns.map((c) => ({ header: c.header, key: c.field, width: Math.min(40, Math.max(c.header.length, c.example.length) + 4) }));
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
    columns.forEach((column, i) => {
      const cell = sheet.getRow(1).getCell(i + 1);
      cell.font = { bold: true, ...(column.required ? { color: { argb: 'FF9C0006' } } : {}) };
      cell.fill = column.required ? REQUIRED_FILL : OPTIONAL_FILL;
      cell.note = noteOf(column);
      const range = `${columnLetter(i + 1)}2:${columnLetter(i + 1)}${TEMPLATE_ROWS}`;
      const choices = choicesOf(column);
      if (choices) {
        validations(sheet).add(range, { type: 'list', allowBlank: true, formulae: [`"${choices.join(',')}"`], showErrorMessage: column.kind.type !== 'roles', errorTitle: column.header, error: `Choose one of: ${choices.join(', ')}` });
      } else if (column.field === 'offerId' && kind === 'Subscriptions' && options.offerIds.length) {
        let formula: string;
        if (offerList.length <= 250) formula = `"${offerList}"`;
        else {
          // Excel caps an inline list at 255 characters: longer catalogs live on a hidden sheet.
          listsSheet ??= workbook.addWorksheet('Lists', { state: 'veryHidden' });
          options.offerIds.forEach((id, r) => (listsSheet!.getCell(r + 1, 1).value = id));
          formula = `Lists!$A$1:$A$${options.offerIds.length}`;
        }
        validations(sheet).add(range, { type: 'list', allowBlank: true, formulae: [formula], showErrorMessage: true, errorTitle: 'Offer ID', error: 'Choose an offer of the catalog' });
      }
    });
  }

  const examples = workbook.addWorksheet('Examples');
  examples.getColumn(1).width = 16;
  let row = 1;
  for (const kind of kinds) {
    const columns = SHEETS[kind].columns;
    const header = examples.getRow(row++);
    header.values = [kind, ...columns.map((c) => c.header)];
    header.font = { bold: true };
    examples.getRow(row++).values = ['example', ...columns.map((c) => c.example)];
    row++;
  }
  examples.columns.slice(1).forEach((c) => (c.width = 22));
  return workbook;
}

export async function writeTemplateWorkbook(path: string, options: TemplateOptions): Promise<void> {
  await buildTemplateWorkbook(options).xlsx.writeFile(path);
}
