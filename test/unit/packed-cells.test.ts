import { describe, expect, it } from '@jest/globals';
import { packCells, unpackCells } from '../../src/read/packed-cells.js';
import type { CellValue } from '../../src/read/raw-sheet.js';

describe('packed cells', () => {
  it('gives back every cell as it was read: text, numbers, booleans, dates, error cells and blanks', () => {
    const cells: CellValue[] = ['Contoso "Café" \\ Co', '', '\u0000\n\t€ ’ 𝄞', 1234567, 2.5, 0, true, false, new Date('2025-01-31T12:30:00.000Z'), { error: '#N/A' }, null, '{"date":1}', '-'];
    const back = unpackCells(packCells(cells));
    expect(back).toEqual(cells);
    expect(back[8]).toBeInstanceOf(Date);
    expect(typeof back[11]).toBe('string');
  });

  it('reads the missing cells of a short or sparse row as blanks', () => {
    const sparse: CellValue[] = [];
    sparse[3] = 'x';
    expect(unpackCells(packCells(sparse))).toEqual([null, null, null, 'x']);
  });

  it('takes the cell arrays of run reports kept by earlier versions as they are', () => {
    const legacy: CellValue[] = ['a', 1, null];
    expect(unpackCells(legacy)).toBe(legacy);
  });
});
