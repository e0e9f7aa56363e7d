import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Files that hold secrets (credential reports, invitation drafts) are created 0600 from their first
 * byte, written under a temporary name before the store commit and renamed into place after it:
 * a failed commit leaves none behind, a committed run never loses the passwords it issued.
 */
export class StagedSecretFiles {
  private readonly staged: Array<{ tmp: string; path: string }> = [];

  /** A path not yet taken: `name.xlsx`, else `name-2.xlsx`, …: a report shown once is never overwritten. */
  static async freePath(path: string, taken: ReadonlySet<string> = new Set()): Promise<string> {
    const dot = path.lastIndexOf('.');
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? path : `${path.slice(0, dot)}-${n}${path.slice(dot)}`;
      if (taken.has(candidate)) continue;
      try {
        await fs.access(candidate);
      } catch {
        return candidate;
      }
    }
  }

  /** Create `path`'s temporary twin with mode 0600 and let `write` fill it. */
  async stage(path: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
    await fs.mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    const handle = await fs.open(tmp, 'wx', 0o600);
    await handle.close();
    this.staged.push({ tmp, path });
    await write(tmp);
    await fs.chmod(tmp, 0o600);
  }

  get paths(): string[] {
    return this.staged.map((s) => s.path);
  }

  async publish(): Promise<void> {
    for (const { tmp, path } of this.staged) await fs.rename(tmp, path);
  }

  async discard(): Promise<void> {
    for (const { tmp } of this.staged) await fs.rm(tmp, { force: true });
  }
}
