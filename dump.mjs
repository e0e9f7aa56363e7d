import ExcelJS from 'exceljs';
const wb = new ExcelJS.Workbook();
await wb.xlsx.readFile(process.argv[2]);
const only = process.argv[3];
wb.eachSheet((ws) => {
  if (only && ws.name !== only) return;
  console.log(`== ${ws.name}`);
  ws.eachRow((row, n) => console.log(n, JSON.stringify(row.values.slice(1))));
});
