import { UsageError } from '../core/errors.js';
import type { TransferOptions, TransferSummary } from '../store/store-transfer.js';
import type { InitStoreOptions, OpenStoreOptions, SyncStore } from '../store/sync-store.js';

/** The composition root's one decision: which backend a `--store` location means. */
export function isServerUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The PostgreSQL backend and its driver are loaded only when a postgres:// URL is given: the file
 * store never pays for them.
 */
function loadPostgres() {
  return import('../store/postgres-store.js');
}

/** The file store and sql.js, likewise loaded only for a store file. */
function loadSqlJs() {
  return import('../store/sqljs-store.js');
}

/** A store location as it may be printed or logged: a URL loses its password. */
export async function displayLocation(location: string): Promise<string> {
  if (!isServerUrl(location)) return location;
  const { displayUrl } = await import('../store/postgres-connection.js');
  return displayUrl(location);
}

export async function openStore(location: string, options: OpenStoreOptions): Promise<SyncStore> {
  if (isServerUrl(location)) return (await loadPostgres()).PostgresStore.open(location, options);
  return (await loadSqlJs()).SqlJsStore.open(location, options);
}

export async function initStore(location: string, options: InitStoreOptions): Promise<void> {
  if (isServerUrl(location)) return (await loadPostgres()).PostgresStore.init(location, options);
  await (await loadSqlJs()).SqlJsStore.init(location, options);
}

/** `migrate-store`: copy a store file, whole, into an empty PostgreSQL database. */
export async function migrateStore(from: string, to: string, options: TransferOptions): Promise<TransferSummary> {
  if (isServerUrl(from)) throw new UsageError('--from names a store file (the PostgreSQL store is the target, --to)');
  if (!isServerUrl(to)) throw new UsageError('--to takes a PostgreSQL URL: postgres://USER@HOST:PORT/DATABASE');
  const { PostgresStore } = await loadPostgres();
  const { SqlJsStore } = await loadSqlJs();
  const source = await SqlJsStore.open(from, { write: true, lockTimeoutSeconds: options.lockTimeoutSeconds, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  try {
    await source.info(); // a file without a store record is refused before anything is copied
    return await PostgresStore.importFrom(to, source, options);
  } finally {
    await source.close();
  }
}
