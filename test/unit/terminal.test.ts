import { describe, expect, it } from '@jest/globals';
import { Terminal, formatCounts } from '../../src/report/terminal.js';

/** A stand-in for stderr/stdout that records what was written and says whether it is a TTY. */
function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, s: { isTTY, write: (c: string) => chunks.push(c) > 0 } as unknown as NodeJS.WriteStream };
}

describe('terminal', () => {
  it('draws a progress bar with rows/s and an ETA on a TTY, and clears it before the next message', () => {
    const out = stream(true);
    const err = stream(true);
    const t = new Terminal(false, out.s, err.s);
    t.progress('Writing results', 500, 1000, Date.now() - 1000);
    const line = err.chunks.join('');
    expect(line).toMatch(/Writing results \[#{12}\.{12}\] 500\/1,000, ETA 1s \(\d{3} rows\/s\)/);
    t.info('done');
    expect(err.chunks.slice(-2)).toEqual(['\r\x1b[2K', 'done\n']);
  });

  it('draws no bar for a short stage (under a second)', () => {
    const err = stream(true);
    new Terminal(false, stream(true).s, err.s).progress('Writing results', 8, 8, Date.now());
    expect(err.chunks).toEqual([]);
  });

  it('draws nothing on a non-TTY or with --quiet, but errors still show', () => {
    for (const [quiet, tty] of [[false, false], [true, true]] as const) {
      const err = stream(tty);
      const t = new Terminal(quiet, stream(tty).s, err.s);
      t.progress('Reading rows', 1000, undefined, Date.now() - 500);
      t.status('Applying 3 change(s)…');
      expect(err.chunks).toEqual([]);
      t.error('broken');
      expect(err.chunks).toEqual(['error: broken\n']);
    }
  });

  it('prints the per sheet × result table with only the results that occurred', () => {
    expect(formatCounts({ Resellers: { created: 3, rejected: 1 }, Customers: { created: 12 } })).toBe(
      ['sheet      created  rejected', 'Resellers        3         1', 'Customers       12         0'].join('\n'),
    );
  });
});
