import { UsageError } from '../core/errors.js';
import { SqlJsStore } from '../store/sqljs-store.js';
import type { InitStoreOptions, OpenStoreOptions, SyncStore } from '../store/sync-store.js';

/** The composition root's one decision: which backend a `--store` location means. */
function isServerUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openStore(location: string, options: OpenStoreOptions): Promise<SyncStore> {
  if (isServerUrl(location)) throw new UsageError('The PostgreSQL store is not available in this version; use a store file path with --store');
  return SqlJsStore.open(location, options);
}

export async function initStore(location: string, options: InitStoreOptions): Promise<void> {
  if (isServerUrl(location)) throw new UsageError('The PostgreSQL store is not available in this version; use a store file path with --store');
  await SqlJsStore.init(location, options);
}
