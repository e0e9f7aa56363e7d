import { promises as fs } from 'node:fs';
import { opaqueId } from './sessions.js';

export type DownloadKind = 'results' | 'credentials' | 'invitation' | 'report' | 'audit';

/**
 * A file the console offers, known only by an opaque ID: a request names the ID, never a path, and
 * only the registry knows where the file is.
 */
export interface Download {
  id: string;
  kind: DownloadKind;
  /** The user it is offered to; anyone else gets 404. */
  owner: string;
  path: string;
  /** The name the browser saves it as. */
  fileName: string;
  contentType: string;
  /** Taken once: the file is deleted after its first download. */
  once: boolean;
  /** Deleted from the server at this time, downloaded or not. */
  expiresAt: number;
}

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const EML = 'message/rfc822';

export class DownloadRegistry {
  private readonly entries = new Map<string, Download>();

  constructor(private readonly now: () => number = Date.now) {}

  add(entry: Omit<Download, 'id'>): Download {
    const download = { ...entry, id: opaqueId() };
    this.entries.set(download.id, download);
    return download;
  }

  /** The download with this ID, if it exists, has not expired and is offered to `user`. */
  find(id: string, user: string): Download | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.owner !== user) return undefined;
    if (entry.expiresAt <= this.now()) {
      void this.remove(entry);
      return undefined;
    }
    return entry;
  }

  /** Still offered (for a page listing what can be downloaded). */
  available(id: string | undefined): boolean {
    const entry = id ? this.entries.get(id) : undefined;
    return !!entry && entry.expiresAt > this.now();
  }

  /** Forget a download and delete its file (a once-only file after its download, an expired one). */
  async remove(entry: Download): Promise<void> {
    this.entries.delete(entry.id);
    await fs.rm(entry.path, { force: true });
  }

  /** A once-only download is withdrawn as soon as it starts, so a second request finds nothing. */
  claim(entry: Download): void {
    if (entry.once) this.entries.delete(entry.id);
  }

  async sweep(): Promise<void> {
    const at = this.now();
    for (const entry of [...this.entries.values()]) if (entry.expiresAt <= at) await this.remove(entry);
  }

  async removeAll(): Promise<void> {
    for (const entry of [...this.entries.values()]) await this.remove(entry);
  }
}
