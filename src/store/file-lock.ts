import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { StoreLockedError } from '../core/errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

const POLL_MS = 150;
/** An unreadable lock file older than this is a crashed writer's, not one being written. */
const UNREADABLE_STALE_MS = 5_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<{ holder?: LockHolder; ageMs: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
    const ageMs = Date.now() - stat.mtimeMs;
    try {
      const holder = JSON.parse(text) as LockHolder;
      return typeof holder.pid === 'number' ? { holder, ageMs } : { ageMs };
    } catch {
      return { ageMs };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The store's exclusive writer lock: `PATH.lock` holding pid, host and start time, created with O_EXCL.
 * A lock whose process is gone (same host) is stale and taken over with a warning.
 */
export class FileLock {
  private held = false;

  private constructor(
    readonly path: string,
    private readonly me: LockHolder,
  ) {}

  static async acquire(storePath: string, options: { timeoutSeconds: number; onWarning?: (message: string) => void }): Promise<FileLock> {
    const path = `${storePath}.lock`;
    const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    const lock = new FileLock(path, me);
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      try {
        await fs.writeFile(path, JSON.stringify(me), { flag: 'wx' });
        lock.held = true;
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readHolder(path);
      if (!current) continue;
      const { holder, ageMs } = current;
      const stale = holder ? holder.host === me.host && !alive(holder.pid) : ageMs > UNREADABLE_STALE_MS;
      if (stale) {
        // Move the stale lock aside first: of two runs taking it over, only one rename succeeds.
        const aside = `${path}.stale-${process.pid}`;
        try {
          await fs.rename(path, aside);
          await fs.rm(aside, { force: true });
          options.onWarning?.(holder ? `took over a stale lock left by pid ${holder.pid} on ${holder.host} (started ${holder.startedAt})` : 'took over an unreadable stale lock');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        continue;
      }
      if (Date.now() >= deadline) {
        const who = holder ? `pid ${holder.pid} on host ${holder.host}, since ${holder.startedAt}` : 'another run';
        throw new StoreLockedError(`The store ${storePath} is locked by another run (${who}); wait for it to finish, or use --lock-timeout SECONDS to wait`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    const current = await readHolder(this.path);
    if (current?.holder && current.holder.pid === this.me.pid && current.holder.startedAt === this.me.startedAt) await fs.rm(this.path, { force: true });
  }
}
