import type { ProviderRecord, UserRecord } from '../core/entities.js';
import { userKey } from '../core/entities.js';
import { openStore } from '../run/store-factory.js';
import type { StoreInfo, SyncStore } from '../store/sync-store.js';

/** What nearly every page needs: who the users are and whose store it is. */
export interface StoreDirectory {
  info: StoreInfo;
  provider: ProviderRecord;
  users: UserRecord[];
}

/**
 * The console's reads of the store. Each opens the store for reading and closes it, so the console
 * sees what any other run (a CLI apply, the nightly reconciliation) committed, and never holds the
 * writer lock. The users and the provider are cached for a few seconds: every request checks its
 * user's roles, and the file store reads its whole file on open.
 */
export class StoreReader {
  private cached: { at: number; directory: StoreDirectory } | undefined;

  constructor(
    readonly location: string,
    private readonly cacheMs = 3000,
    private readonly now: () => number = Date.now,
  ) {}

  async read<T>(fn: (store: SyncStore) => Promise<T>): Promise<T> {
    const store = await openStore(this.location, { write: false, lockTimeoutSeconds: 0 });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  async directory(): Promise<StoreDirectory> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return this.cached.directory;
    const directory = await this.read(async (store) => {
      const snapshot = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
      return { info: snapshot.info, provider: snapshot.info.provider, users: snapshot.users };
    });
    this.cached = { at: this.now(), directory };
    return directory;
  }

  /** The active user with this email, if any (an unknown or removed user can do nothing, SPEC §1.7). */
  async activeUser(email: string): Promise<UserRecord | undefined> {
    const key = userKey(email.trim());
    return (await this.directory()).users.find((u) => u.email === key && u.status === 'active');
  }

  /** After a change the console made itself (an apply, an acceptance): the next read goes to the store. */
  invalidate(): void {
    this.cached = undefined;
  }
}
