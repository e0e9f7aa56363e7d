// The floor of SPEC §6: what the xlsx library alone costs for a run's input and output, with no
// engine work. exceljs's streaming reader reads every sheet of the input (cells converted to plain
// values, nothing kept), then exceljs's streaming writer (useSharedStrings: false) writes as many
// result rows: the input's columns, then Result (coloured), Code, Message, Changes — the shape of a
// results workbook.
//   node bench/floor.mjs INPUT.xlsx OUTPUT.xlsx
import ExcelJS from 'exceljs';

const [input, output] = process.argv.slice(2);
const sheets = [];
const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'emit' });
for await (const worksheet of reader) {
  const sheet = { name: worksheet.name ?? `Sheet${sheets.length + 1}`, header: [], sample: [], rows: 0 };
  for await (const row of worksheet) {
    const values = row.values.slice(1).map((v) => (v && typeof v === 'object' && 'result' in v ? v.result : v ?? null));
    if (!sheet.header.length) sheet.header = values;
    else {
      sheet.rows++;
      if (sheet.sample.length < 1000) sheet.sample.push(values);
    }
  }
  sheets.push(sheet);
}

const fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC6EFCE' } };
const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: output, useStyles: true, useSharedStrings: false });
let written = 0;
for (const sheet of sheets) {
  const ws = writer.addWorksheet(sheet.name);
  const header = [...sheet.header, 'Result', 'Code', 'Message', 'Changes'];
  const result = sheet.header.length + 1;
  ws.addRow(header).commit();
  for (let i = 0; i < sheet.rows; i++) {
    // The same input values cycled (the reader kept none): same width and text sizes.
    const row = ws.addRow([...sheet.sample[i % sheet.sample.length], 'created', '', 'Ordered 12 × Microsoft 365 Business Standard', '']);
    row.getCell(result).fill = fill;
    row.commit();
    written++;
  }
  ws.commit();
}
await writer.commit();
console.log(JSON.stringify({ sheets: sheets.map((s) => ({ name: s.name, rows: s.rows })), written }));
