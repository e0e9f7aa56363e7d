import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvSheet } from '../../src/read/csv-reader.js';

async function rowsOf(text: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'tiersync-csv-')), 'input.csv');
  writeFileSync(path, text);
  const sheet = await readCsvSheet({ path, name: 'input.csv', sha256: '', bytes: Buffer.byteLength(text), format: 'csv' }, {});
  const rows = [];
  for await (const row of sheet.rows) rows.push([row.row, row.cells]);
  return { headerRow: sheet.headerRow, headers: sheet.headers.map((h) => h.text), rows };
}

describe('CSV rows', () => {
  test('are numbered one per record, counting the header and a sep= line; a quoted line break stays in its record, a blank line is no record', async () => {
    expect(await rowsOf('sep=;\nName;Note\nalpha;"two\nlines"\n\nbeta;one line\n')).toEqual({
      headerRow: 2,
      headers: ['Name', 'Note'],
      rows: [
        [3, ['alpha', 'two\nlines']],
        [4, ['beta', 'one line']],
      ],
    });
    expect(await rowsOf('Name,Note\n\nalpha,x\nbeta,y\n')).toEqual({ headerRow: 1, headers: ['Name', 'Note'], rows: [[2, ['alpha', 'x']], [3, ['beta', 'y']]] });
  });
});
