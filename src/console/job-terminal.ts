import { Terminal } from '../report/terminal.js';

/** Where a console job is: its stage, and rows done of how many (when known). */
export interface JobProgress {
  stage: string;
  done?: number;
  total?: number;
}

/**
 * The engine tells its operator how a run goes through a Terminal; in the console that operator is
 * a browser, so this one writes nothing to the server's streams and keeps the latest progress and the
 * warnings for the job's page instead. (The CLI's other lines, such as where files went, are the
 * console's to word: it shows downloads, never server paths.)
 */
export class JobTerminal extends Terminal {
  progressNow: JobProgress = { stage: 'Starting' };
  readonly warnings: string[] = [];

  constructor() {
    super(true);
  }

  override get interactive(): boolean {
    return false;
  }

  override info(): void {}

  override print(): void {}

  override warn(message: string): void {
    if (this.warnings.length < 200) this.warnings.push(message);
  }

  override error(message: string): void {
    this.warn(message);
  }

  override progress(stage: string, done: number, total?: number): void {
    this.progressNow = { stage, done, ...(total ? { total } : {}) };
  }

  override status(text: string): void {
    this.progressNow = { stage: text };
  }

  override clearProgress(): void {}
}
