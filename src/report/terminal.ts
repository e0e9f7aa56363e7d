import { ROW_RESULTS, type ResultCounts } from '../plan/sync-plan.js';

/** A stage shorter than this draws no bar. */
const PROGRESS_AFTER_MS = 1000;

/**
 * What the operator sees: messages on stderr, the summary on stdout, progress bars only on a TTY
 * and never with --quiet. Nothing here ever prints a secret.
 */
export class Terminal {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly quiet: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return !this.quiet && this.err.isTTY === true;
  }

  info(message: string): void {
    if (this.quiet) return;
    this.clearProgress();
    this.err.write(`${message}\n`);
  }

  warn(message: string): void {
    this.clearProgress();
    this.err.write(`warning: ${message}\n`);
  }

  error(message: string): void {
    this.clearProgress();
    this.err.write(`error: ${message}\n`);
  }

  /** Print on stdout (summaries, JSON for scripts): shown even with --quiet only when `always`. */
  print(text: string, always = false): void {
    if (this.quiet && !always) return;
    this.clearProgress();
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * A progress line for a stage, redrawn at most ten times a second; only for long inputs: nothing
   * is drawn until the stage has run for a second.
   */
  progress(stage: string, done: number, total?: number, startedAt?: number): void {
    if (!this.interactive) return;
    const now = Date.now();
    if (startedAt === undefined || now - startedAt < PROGRESS_AFTER_MS) return;
    if (now - this.lastDraw < 100 && (total === undefined || done < total)) return;
    this.lastDraw = now;
    const rate = startedAt && now > startedAt ? Math.round((done * 1000) / (now - startedAt)) : 0;
    let line = `${stage}: ${done.toLocaleString('en-US')}`;
    if (total) {
      const width = 24;
      const filled = Math.min(width, Math.round((done / total) * width));
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      line = `${stage} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${eta ? `, ETA ${eta}s` : ''}`;
    }
    if (rate) line += ` (${rate.toLocaleString('en-US')} rows/s)`;
    this.err.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** A stage without a count (e.g. one store transaction): shown on a TTY until the next line. */
  status(text: string): void {
    if (!this.interactive) return;
    this.err.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  clearProgress(): void {
    if (this.drawn) {
      this.err.write('\r\x1b[2K');
      this.drawn = false;
    }
  }
}

/** The per sheet × result table printed at the end of a run. */
export function formatCounts(counts: ResultCounts): string {
  const kinds = Object.keys(counts);
  if (!kinds.length) return '(no rows)';
  const used = ROW_RESULTS.filter((r) => kinds.some((k) => counts[k]![r]));
  const header = ['sheet', ...used];
  const rows = kinds.map((k) => [k, ...used.map((r) => String(counts[k]![r] ?? 0))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
