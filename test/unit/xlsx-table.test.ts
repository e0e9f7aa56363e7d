import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readXlsxSheets } from '../../src/read/xlsx-reader.js';
import { createWorkbookWriter, streamTable } from '../../src/report/xlsx-table.js';

/** Text of every length and width: ASCII, accents (2 bytes), CJK (3 bytes), emoji (4 bytes, a surrogate pair), XML's own characters. */
function textOf(i: number): string {
  const parts = ['plain', 'Café Größe', '東京都渋谷区', '🎉🚀', '<a href="x">&amp;</a>', "it's"];
  return `${i}: ${parts[i % parts.length]!.repeat(1 + (i % 7))}`;
}

describe('a streamed table sheet', () => {
  it('reads back cell for cell over many turns of the writer, with fills and notes where they were marked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiersync-table-'));
    try {
      const path = join(dir, 'table.xlsx');
      const rows = 2_345;
      const made = Array.from({ length: rows }, (_, i) => [textOf(i), i * 1.5, i % 3 === 0, i % 5 === 0 ? null : `row ${i}`]);
      const workbook = createWorkbookWriter(path);
      await streamTable(workbook, 'Table', ['Text', 'Number', 'Flag', 'Other'], made, {
        marks: (i) => (i % 97 === 0 ? [{ column: 2, argb: 'FFFFC7CE', note: `note of row ${i}` }, { column: 6, argb: 'FFC6EFCE' }] : []),
      });
      // A second sheet at once, while the zip may still be compressing the first.
      const second = made.map((row) => [...row].reverse());
      await streamTable(workbook, 'Second', ['Other', 'Flag', 'Number', 'Text'], second);
      await workbook.commit();

      // The values as tiersync reads a workbook (exceljs's own reader decodes a `t="str"` cell's text twice).
      const sheets: Array<{ name: string; headers: string[]; values: unknown[][] }> = [];
      for await (const sheet of readXlsxSheets({ path, name: 'table.xlsx' } as Parameters<typeof readXlsxSheets>[0], { maxInputMb: 100 })) {
        const values: unknown[][] = [];
        for await (const row of sheet.rows) values.push(Array.from({ length: 4 }, (_, k) => row.cells[k] ?? null));
        sheets.push({ name: sheet.name, headers: sheet.headers.map((h) => h.text), values });
      }
      expect(sheets.map((t) => [t.name, t.headers])).toEqual([
        ['Table', ['Text', 'Number', 'Flag', 'Other']],
        ['Second', ['Other', 'Flag', 'Number', 'Text']],
      ]);
      expect(sheets[0]!.values).toEqual(made);
      expect(sheets[1]!.values).toEqual(second);

      // Fills and notes as Excel shows them.
      const read = new ExcelJS.Workbook();
      await read.xlsx.readFile(path);
      const sheet = read.getWorksheet('Table')!;
      for (let i = 0; i < rows; i++) {
        const row = sheet.getRow(i + 2);
        if (i % 97 === 0) {
          expect(String(row.getCell(2).note)).toContain(`note of row ${i}`);
          expect((row.getCell(2).fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
          // A mark past the row's values colours an empty cell of its own.
          expect((row.getCell(6).fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFC6EFCE');
        } else {
          expect(row.getCell(2).note).toBeUndefined();
        }
      }
      expect(sheet.rowCount).toBe(rows + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
