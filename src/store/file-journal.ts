import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { JournalLog } from '../core/journal.js';

/**
 * The file store's journal: `STORE.journal`, one JSON line per entry, appended and fsynced line by
 * line. The database file itself is written once, at the end of the run; this file is what survives
 * a crash in between. A torn last line (a crash mid-append) is ignored on reading.
 */
export class FileJournal implements JournalLog {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  async append(line: string): Promise<void> {
    this.fd ??= openSync(this.path, 'a', 0o600);
    writeSync(this.fd, `${line}\n`);
    fsyncSync(this.fd);
  }

  async read(): Promise<string[]> {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    // The last element is '' after a complete line; anything else there is a line cut short by a crash.
    lines.pop();
    return lines.filter((l) => l.length > 0);
  }

  async clear(): Promise<void> {
    if (!existsSync(this.path)) return;
    truncateSync(this.path, 0);
    const fd = openSync(this.path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
