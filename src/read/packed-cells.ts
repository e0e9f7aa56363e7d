import type { CellValue } from './raw-sheet.js';

/**
 * A row's cells as one string, kept from reading to the results echo. A million rows of arrays of
 * short strings take ~360 bytes a row; the same cells as one flat string ~110. JSON values, a date as
 * `{"date": ms}` (an error cell stays `{"error": …}`), so every cell comes back as it was read.
 */
export type PackedCells = string;

function toJson(cell: CellValue): unknown {
  return cell instanceof Date ? { date: cell.getTime() } : cell;
}

/**
 * The cells' JSON values, comma-separated, without the brackets. Joined, not `JSON.stringify`d whole:
 * V8 builds a longer stringify result as a concatenation of parts, kept as a tree of strings, while
 * `join` writes one flat string.
 */
export function packCells(cells: readonly CellValue[]): PackedCells {
  const parts: string[] = new Array(cells.length);
  for (let i = 0; i < cells.length; i++) parts[i] = JSON.stringify(toJson(cells[i] ?? null));
  return parts.join(',');
}

/**
 * The cells of a packed row. The run reports kept with batches applied by earlier versions (for
 * `tiersync report --batch`) hold the array itself (dates as ISO text, as JSON wrote them): it is
 * returned as it is.
 */
export function unpackCells(packed: PackedCells | readonly CellValue[]): CellValue[] {
  if (typeof packed !== 'string') return packed as CellValue[];
  const cells = JSON.parse(`[${packed}]`) as (CellValue | { date: number })[];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell !== null && typeof cell === 'object' && 'date' in cell) cells[i] = new Date(cell.date);
  }
  return cells as CellValue[];
}
