import { closeSync, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { AUDIT_GENESIS_HASH, type AuditRecord } from '../core/audit-chain.js';
import type { Entity, InvitationRecord } from '../core/entities.js';
import { StalePlanError, StoreError, TiersyncError } from '../core/errors.js';
import { FileLock } from './file-lock.js';
import { initialBatch } from './initial-batch.js';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.js';
import { migrationSql, OPEN_INVITATIONS, RENEWAL_FLOOR_SQL, SQL_DIALECTS } from './sql-dialect.js';
import { FileJournal } from './file-journal.js';
import { readOnlyJournal, type JournalLog } from '../core/journal.js';
import type { StoreTransferSource, TableChunk, TransferValue } from './store-transfer.js';
import { AUDIT_CHAIN_END_SQL, AUDIT_COLUMNS, auditBlockStart, AUDIT_CONTEXT_COLUMNS, AUDIT_SHAPE_COLUMNS, AUDIT_SHAPES_SQL, auditRecordsOf, auditSelectSql, auditShapesOf, continueAuditChain, hashHexOf, BATCH_COLUMNS, batchRecordOf, batchRowOf, columnsOf, recordOf, rowOf, STORE_META_COLUMNS, storeInfoOf, renewalFloorText, storedTime, TABLES, writeOrder, type StoredKind } from './record-mapping.js';
import type { BatchRecord, CommitBatch, WriteOp, InitStoreOptions, OpenStoreOptions, SnapshotRequest, StoreCapabilities, StoreInfo, StoreSnapshot, SyncStore } from './sync-store.js';

/**
 * Past this size sql.js (the whole database in JS memory, a full copy per export) stalls rather
 * than fails: refuse to grow further and point to the PostgreSQL store.
 */
export const MAX_SQLJS_BYTES = 1.5 * 1024 ** 3;

/** The bound in force: `TIERSYNC_MAX_STORE_MB` sets another one (lower, to keep headroom on a small machine). */
function maxStoreBytes(): number {
  const mb = Number(process.env.TIERSYNC_MAX_STORE_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 ** 2 : MAX_SQLJS_BYTES;
}
const IN_CHUNK = 500;
/** Rows per chunk handed to `migrate-store`. */
const TRANSFER_CHUNK_ROWS = 5000;

let sqlJs: Promise<SqlJsStatic> | undefined;
function loadSqlJs(): Promise<SqlJsStatic> {
  return (sqlJs ??= initSqlJs());
}

/**
 * The rows of a query, each mapped as SQLite steps to it (no array of every row's values first);
 * a row the map makes nothing of (undefined) is left out.
 */
function rows(db: Database, sql: string, params?: SqlValue[]): SqlValue[][];
function rows<T>(db: Database, sql: string, params: SqlValue[], map: (values: SqlValue[]) => T | undefined): T[];
function rows<T>(db: Database, sql: string, params: SqlValue[] = [], map?: (values: SqlValue[]) => T | undefined): (T | SqlValue[])[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: (T | SqlValue[])[] = [];
    while (stmt.step()) {
      const row = map ? map(stmt.get()) : stmt.get();
      if (row !== undefined) out.push(row);
    }
    return out;
  } finally {
    stmt.free();
  }
}

/** The database's size in bytes: its pages, not the spare room after them. */
function databaseBytes(db: Database): number {
  return Number(rows(db, 'PRAGMA page_count')[0]?.[0]) * Number(rows(db, 'PRAGMA page_size')[0]?.[0]);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

/**
 * Text parameters of the bulk writes are bound as UTF-8 bytes and cast back to TEXT by SQLite (a BLOB
 * cast to TEXT is read in the database encoding): sql.js encodes a bound JS string character by
 * character in JavaScript, twice, which at a million rows costs more than SQLite's own work, while
 * Buffer.from encodes natively and sql.js copies the bytes in one go.
 */
const TEXT_PARAM = 'CAST(? AS TEXT)';

/** Which values of a row are text, by position: those are bound through `utf8`. */
type TextColumns = readonly boolean[];

function upsertSql(kind: StoredKind): { sql: string; text: TextColumns } {
  const map = TABLES[kind];
  const columns = columnsOf(kind);
  const text = [true, ...map.fields.map(([, , codec]) => codec === 'text' || codec === 'json')];
  const updates = columns.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');
  return { sql: `INSERT INTO ${map.table} (${columns.join(', ')}) VALUES (${text.map((t) => (t ? TEXT_PARAM : '?')).join(', ')}) ON CONFLICT (${map.key}) DO UPDATE SET ${updates}`, text };
}

/** The audit columns bound as text: all but the numbers and the hash (its bytes). */
const AUDIT_TEXT: TextColumns = AUDIT_COLUMNS.map((c) => c !== 'seq' && c !== 'context_id' && c !== 'hash');

/**
 * Binds a statement's text values as UTF-8 bytes (sql.js encodes a bound string in JavaScript, a
 * character at a time; Buffer encodes natively). Each column encodes into a scratch buffer of its own,
 * reused from row to row: sql.js copies a bound array into its own memory at once, and a new Buffer
 * per value would allocate gigabytes of short-lived memory at a million rows. An empty string stays
 * '' (a 0-byte blob would bind NULL).
 */
class TextBinder {
  private readonly scratch: Buffer[] = [];

  constructor(private readonly text: TextColumns) {}

  /** `values` with its text columns replaced by their bytes (views of scratch buffers: bind before the next call). */
  bindable(values: SqlValue[]): SqlValue[] {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!this.text[i] || typeof value !== 'string' || value === '') continue;
      let buffer = this.scratch[i];
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (!buffer || buffer.length < value.length * 3) this.scratch[i] = buffer = Buffer.allocUnsafe(Math.max(256, value.length * 3));
      values[i] = buffer.subarray(0, buffer.write(value, 0, 'utf8'));
    }
    return values;
  }
}

/**
 * The database file lives in memory and reaches the disk only through `saveDurably`, so SQLite's own
 * rollback journal need not be a file: kept in memory it still serves ROLLBACK, and a commit no longer
 * copies every changed page into an in-memory journal file.
 */
function tune(db: Database): void {
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY');
}

/**
 * A commit's page cache, in KiB (SQLite's default is 2 MB), so that a commit of a million rows does
 * not page B-tree nodes in and out of the in-memory file. Only commits get it: the cache lives in
 * sql.js's WebAssembly memory, which never shrinks, and a snapshot that scans the whole database
 * would fill it for nothing (64 MB more at the peak of a full-scale run, when the database, the
 * validated rows and the snapshot are all in memory).
 */
const COMMIT_CACHE_KIB = 65_536;

/**
 * Write `data` so that `path` is always either the old or the new file: tmp → fsync → keep the
 * current file as `.bak` (a hard link: no copy) → rename over `path` → fsync the folder.
 */
export async function saveDurably(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o640);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const bak = `${path}.bak`;
  try {
    await fs.rm(bak, { force: true });
    await fs.link(path, bak);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await fs.copyFile(path, bak);
  }
  await fs.rename(tmp, path);
  const dir = await fs.open(dirname(path) || '.', 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Room for growth, in zero bytes after the database image.
 *
 * sql.js keeps the database file in one typed array that grows by 12.5% each time a write passes its
 * end, copying the whole file each time: a commit that adds a gigabyte copies ~9 GB and leaves each
 * old copy to the garbage collector (it dominated the memory of a large import), and a small commit
 * to a large store copies the whole store once. With spare zero bytes after the image the writes land
 * in place. SQLite sizes the database by the page count in its header when that count is valid
 * (change counter = version-valid-for, and the count matches the file), so the spare bytes are not
 * part of the database, and `export()` copies only the header's pages: the saved file has no padding.
 * Files whose header count is not valid are loaded as they are.
 *
 * The room is a quarter of the store: a commit that updates rows all over a store written in key
 * order (its pages full) splits a page for nearly every row it updates, several times what the rows
 * themselves add (1% of a full-scale store's rows updated: 40 MB). The zero bytes cost no memory
 * until written: a large zeroed array is fresh pages from the system, and sql.js takes this very
 * array as its file (see `HandedOverBytes`).
 */
function headroomFor(size: number): number {
  return Math.max(4 * 1024 * 1024, Math.ceil(size * 0.25));
}

function headerPagesValid(image: Uint8Array, size: number): boolean {
  if (size < 100) return false;
  const view = new DataView(image.buffer, image.byteOffset, 100);
  const pageSize = view.getUint16(16) === 1 ? 65536 : view.getUint16(16);
  const pages = view.getUint32(28);
  return pages > 0 && view.getUint32(24) === view.getUint32(92) && pages * pageSize === size;
}

/** The database image followed by zero bytes of headroom (when its header allows it). */
function withHeadroom(image: Uint8Array, headroom: number): Uint8Array {
  if (!headerPagesValid(image, image.length)) return image;
  const padded = new Uint8Array(image.length + headroom);
  padded.set(image, 0);
  return padded;
}

/** The file, read synchronously (a store reloads its database inside calls that cannot wait). */
function readWithHeadroom(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    const bytes = new Uint8Array(size + headroomFor(size));
    for (let done = 0; done < size; ) {
      const bytesRead = readSync(fd, bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return headerPagesValid(bytes, size) ? bytes : bytes.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * The database file sql.js works on, handed over rather than copied.
 *
 * sql.js keeps the database as a file of its in-memory file system, one typed array, and its API
 * copies it twice more: `new Database(bytes)` stores `bytes.slice()` as the file, and `export()`
 * copies the file out again. At a full-size store that is 600 MB each, and both copies are alive
 * at once with the file. A `HandedOverBytes` answers the whole-range `slice()` with itself, so the
 * file system takes the array we read from disk as the file, and writes land in it in place
 * (while they fit: past its end the file system moves the file to a larger array). A save then
 * writes the database's pages straight from that array.
 */
class HandedOverBytes extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return (start ?? 0) === 0 && (end === undefined || end >= this.length) ? this : super.slice(start, end);
  }
}

/** The file's change counter (header offset 24), which SQLite increments with every write transaction. */
function changeCounter(bytes: Uint8Array): number {
  return bytes.length < 100 ? -1 : new DataView(bytes.buffer, bytes.byteOffset, 100).getUint32(24);
}

/** The array handed to sql.js as its database file, and its change counter when last saved. */
interface LiveFile {
  bytes: Uint8Array;
  savedCounter: number;
}

/** Open `bytes` as a database whose file is `bytes` itself (see `HandedOverBytes`). */
function openHandedOver(SQL: SqlJsStatic, bytes: Uint8Array): { db: Database; file: LiveFile } {
  const handed = new HandedOverBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
  const file = { bytes: handed, savedCounter: changeCounter(handed) };
  return { db: new SQL.Database(handed), file };
}

/**
 * The bytes to save after a commit: the pages of the handed-over array when it is still the file
 * sql.js writes (its counter moved since the last save, so writes reached it; the database fits in
 * it, so the file system never moved the file; a rollback journal header, not WAL), else `export()`.
 * A ROLLBACK may truncate the file, which moves it: the store forgets the array before that.
 */
function bytesToSave(db: Database, file: LiveFile | undefined): { bytes: Uint8Array; inPlace: boolean } {
  if (file) {
    const size = databaseBytes(db);
    const counter = changeCounter(file.bytes);
    if (size >= 100 && size <= file.bytes.length && counter !== file.savedCounter && file.bytes[18] === 1 && file.bytes[19] === 1) {
      file.savedCounter = counter;
      return { bytes: file.bytes.subarray(0, size), inPlace: true };
    }
  }
  return { bytes: db.export(), inPlace: false };
}

/** What a commit adds to the file, generously: a record and its audit entry (with before/after JSON). */
function expectedGrowth(batch: CommitBatch): number {
  return batch.ops.length * 300 + batch.audit.length * 600;
}

/** The embedded default store: a SQLite database in one file, through sql.js. */
export class SqlJsStore implements SyncStore, StoreTransferSource {
  /** The schema its rows follow once open: an older store is migrated in memory by `open`. */
  readonly schemaVersion = SCHEMA_VERSION;
  readonly capabilities: StoreCapabilities = { serverSide: false };
  private poisoned = false;
  private closed = false;
  /** How the last commit reached the disk: from sql.js's file in place, or through a copy (`export()`). */
  lastSave: 'in place' | 'exported' | undefined;

  private constructor(
    readonly location: string,
    private readonly SQL: SqlJsStatic,
    /** The database in memory; undefined after `releaseMemory` until next used. */
    private db: Database | undefined,
    private readonly lock: FileLock | undefined,
    /** sql.js's database file, when it is the array this store handed over; forgotten when it may have moved. */
    private file: LiveFile | undefined,
  ) {}

  static async open(path: string, options: OpenStoreOptions): Promise<SqlJsStore> {
    const lock = options.write ? await FileLock.acquire(path, { timeoutSeconds: options.lockTimeoutSeconds, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }) : undefined;
    try {
      const store = new SqlJsStore(path, await loadSqlJs(), undefined, lock, undefined);
      store.load();
      return store;
    } catch (error) {
      await lock?.release();
      if (error instanceof TiersyncError) throw error;
      throw new StoreError(`${path} is not a tiersync store (${(error as Error).message})`, { cause: error });
    }
  }

  /** Create a new store file: schema, meta (new store ID), then the provider's admin and catalog as its first batch. */
  static async init(path: string, options: InitStoreOptions): Promise<void> {
    try {
      await fs.access(path);
      throw new StoreError(`A store already exists at ${path}; choose another --store path`);
    } catch (error) {
      if (error instanceof StoreError) throw error;
    }
    await fs.mkdir(dirname(path) || '.', { recursive: true });
    const lock = await FileLock.acquire(path, { timeoutSeconds: 0 });
    try {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      const store = new SqlJsStore(path, SQL, db, lock, undefined);
      store.migrate(db);
      tune(db);
      db.run('INSERT INTO store_meta (id, store_id, revision, created_at, provider_mpn, provider_name, portal_url, clock, partner_center) VALUES (1, ?, 0, ?, ?, ?, ?, ?, ?)', [randomUUID(), options.now, options.provider.mpnId, options.provider.name, options.provider.portalUrl, options.clock, options.partnerCenter ? JSON.stringify(options.partnerCenter) : null]);
      await store.commit(initialBatch(options));
    } finally {
      await lock.release();
    }
  }

  /**
   * Read the file into memory as the database (see `HandedOverBytes`) and bring its schema up to
   * date there; a migration reaches the file with the next commit.
   */
  private load(): Database {
    let bytes: Uint8Array;
    try {
      bytes = readWithHeadroom(this.location);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError(`There is no store at ${this.location}; create one with tiersync init`, { cause });
      throw new StoreError(`The store ${this.location} cannot be read (${(cause as Error).message})`, { cause });
    }
    const { db, file } = openHandedOver(this.SQL, bytes);
    let migrated: number;
    try {
      migrated = this.migrate(db);
    } catch (error) {
      // Half migrated in memory only: the file is as it was.
      db.close();
      throw error;
    }
    tune(db);
    this.db = db;
    // A migration may rewrite the whole file (one that gives pages back runs VACUUM, which moves it to
    // a new array): the commit after one saves through export().
    this.file = migrated ? undefined : file;
    return db;
  }

  /** Bring the schema up to date in memory; it reaches the file with the next commit. Returns how many migrations ran. */
  private migrate(db: Database): number {
    db.run(MIGRATIONS_TABLE);
    const current = Number(rows(db, 'SELECT COALESCE(MAX(version), 0) FROM schema_migrations')[0]?.[0] ?? 0);
    if (current > SCHEMA_VERSION) throw new StoreError(`The store ${this.location} was written by a newer tiersync (schema ${current}; this one knows ${SCHEMA_VERSION}); upgrade tiersync`);
    let applied = 0;
    // A migration runs on the database in memory, which reaches the file only with the next commit: it
    // needs no rollback journal (which would hold a copy of every page a rebuilt table had), and a
    // VACUUM's copy goes to a temporary file of sql.js's file system, given back once done, rather
    // than into its WebAssembly memory, which never shrinks.
    if (current < SCHEMA_VERSION) db.exec('PRAGMA journal_mode = OFF; PRAGMA temp_store = FILE');
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(migrationSql(m, SQL_DIALECTS.sqlite));
      db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
      applied++;
    }
    return applied;
  }

  private usable(): Database {
    if (this.poisoned) throw new StoreError(`The store ${this.location} could not be saved earlier in this run; nothing more is written`);
    if (this.closed) throw new StoreError(`The store ${this.location} is closed`);
    return this.db ?? this.load();
  }

  /**
   * Drop the database from memory until the store is next used, when it is read from the file again.
   * Everything committed is in the file, so nothing is lost; with the writer lock held nothing else
   * changes the file meanwhile (a store opened for reading may come back at a later revision). A
   * large run calls this once it has its snapshot, so the file store's database (600 MB at full
   * scale) is not in memory while the run plans.
   */
  releaseMemory(): void {
    if (this.closed || this.poisoned || !this.db) return;
    this.db.close();
    this.db = undefined;
    this.file = undefined;
  }

  async info(): Promise<StoreInfo> {
    const meta = rows(this.usable(), `SELECT ${STORE_META_COLUMNS.join(', ')} FROM store_meta WHERE id = 1`)[0];
    if (!meta) throw new StoreError(`${this.location} is not a tiersync store (no store record); create one with tiersync init`);
    return storeInfoOf(meta, SCHEMA_VERSION);
  }

  /** The records of a table (`where` them), or only those whose column values `keep` accepts. */
  private select<K extends StoredKind>(kind: K, where = '', params: SqlValue[] = [], keep?: (values: SqlValue[]) => boolean) {
    return rows(this.usable(), `SELECT ${columnsOf(kind).join(', ')} FROM ${TABLES[kind].table} ${where}`, params, (values) => (!keep || keep(values) ? recordOf(kind, values) : undefined));
  }

  /**
   * The records whose `column` is one of `keys`: looked up through the column's index, or, when
   * `scan` (the keys name most of the table), by reading the table once and keeping the rows
   * asked for (a million subscriptions of a hundred thousand customers: 10–15% faster than the
   * lookups, which visit the table's pages in index order rather than once each).
   */
  private selectIn<K extends Entity>(kind: K, column: string, keys: readonly string[], scan = false) {
    if (!scan) return chunks(keys).flatMap((chunk) => this.select(kind, `WHERE ${column} IN (${chunk.map(() => '?').join(', ')})`, chunk));
    const wanted = new Set(keys);
    const at = columnsOf(kind).indexOf(column);
    return this.select(kind, '', [], (values) => wanted.has(values[at] as string));
  }

  async loadSnapshot(request: SnapshotRequest): Promise<StoreSnapshot> {
    const info = await this.info();
    // A batch that names at least half the stored customers (a full re-upload) reads them, and
    // their subscriptions, by scanning.
    const customerCount = Number(rows(this.usable(), 'SELECT count(*) FROM customers')[0]?.[0]);
    const mostCustomers = (domains: readonly string[]) => domains.length * 2 >= customerCount;
    const named = request.customers === 'all' ? [] : [...new Set(request.customers)];
    const customers = request.customers === 'all' ? this.select('customer') : this.selectIn('customer', 'domain', named, mostCustomers(named));
    let subscriptions;
    if (request.subscriptionsOfCustomers === 'all') subscriptions = this.select('subscription');
    else {
      const owners = [...new Set(request.subscriptionsOfCustomers)];
      subscriptions = this.selectIn('subscription', 'customer_domain', owners, mostCustomers(owners));
      if (request.subscriptionIds.length) {
        // Only the IDs not loaded with their customer: a re-upload names a million subscriptions by ID,
        // nearly all of customers it also names.
        const loaded = new Set(subscriptions.map((s) => s.subscriptionId));
        const missing = [...new Set(request.subscriptionIds)].filter((id) => !loaded.has(id));
        for (const s of this.selectIn('subscription', 'subscription_id', missing)) subscriptions.push(s);
      }
      // Looked for only when one can be due: the store keeps the earliest term end that can renew.
      if (request.dueBy && info.nextRenewalAt && info.nextRenewalAt <= request.dueBy) {
        const loaded = new Set(subscriptions.map((s) => s.subscriptionId));
        for (const s of this.select('subscription', "WHERE term_end <= ? AND status IN ('active', 'suspended')", [storedTime(request.dueBy)])) if (!loaded.has(s.subscriptionId)) subscriptions.push(s);
      }
    }
    return {
      info,
      users: this.select('user'),
      offers: this.select('offer'),
      resellers: this.select('reseller'),
      openInvitations: await this.openInvitations(),
      pendingOrders: this.select('pendingOrder', "WHERE status = 'open'"),
      customers,
      subscriptions,
    };
  }

  async findInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | undefined> {
    return this.select('invitation', 'WHERE token_hash = ?', [tokenHash])[0];
  }

  async openInvitations(): Promise<InvitationRecord[]> {
    return this.select('invitation', OPEN_INVITATIONS);
  }

  async commit(batch: CommitBatch): Promise<number> {
    if (!this.lock) throw new StoreError('The store was opened for reading; a commit needs the writer lock');
    let db = this.usable();
    // Checked before the commit grows the database, since past the bound sql.js stalls instead of failing.
    const size = databaseBytes(db);
    const limit = maxStoreBytes();
    if (size + expectedGrowth(batch) > limit) {
      const mb = (bytes: number) => `${(bytes / 1024 ** 2).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
      throw new StoreError(`The store ${this.location} (${mb(size)}) would grow past ${mb(limit)} with these ${batch.ops.length.toLocaleString('en-US')} record writes, more than the embedded store handles; nothing was applied. Move the store to PostgreSQL (tiersync migrate-store --from ${this.location} --to postgres://…) and run again there`);
    }
    this.makeRoom(expectedGrowth(batch));
    db = this.db!;
    // No rollback journal: the database is in memory, and the file holds the store as it was before
    // this commit until the commit is saved, so a failed commit lets the database go and reads the file
    // again when next used. A journal would hold a copy of every page the commit changes, in sql.js's
    // WebAssembly memory, which never shrinks (an update of 1% of a million subscriptions: a page each).
    db.exec(`PRAGMA cache_size = -${COMMIT_CACHE_KIB}; PRAGMA journal_mode = OFF`);
    let revisionAfter: number;
    db.exec('BEGIN');
    try {
      const revision = Number(rows(db, 'SELECT revision FROM store_meta WHERE id = 1')[0]?.[0]);
      if (revision !== batch.expectedRevision) {
        throw new StalePlanError(`The plan is stale: it was made against revision ${batch.expectedRevision} of the store, which is now at revision ${revision}; plan again`);
      }
      const statements = new Map<string, ReturnType<Database['prepare']>>();
      const binders = new Map<string, TextBinder>();
      try {
        const total = batch.ops.length + batch.audit.length;
        let written = 0;
        const tick = () => {
          if (++written % 10_000 === 0) batch.onProgress?.(written, total);
        };
        const { order, kinds } = writeOrder(batch.ops);
        for (const position of order) {
          tick();
          const op = batch.ops.at(position)!;
          const kind = kinds[position]!;
          let stmt = statements.get(kind);
          if (!stmt) {
            const upsert = upsertSql(kind);
            statements.set(kind, (stmt = db.prepare(upsert.sql)));
            binders.set(kind, new TextBinder(upsert.text));
          }
          stmt.run(binders.get(kind)!.bindable(rowOf(kind, op.record)));
        }
        const chain = continueAuditChain(rows(db, AUDIT_CHAIN_END_SQL)[0], rows(db, AUDIT_SHAPES_SQL));
        const insertAudit = db.prepare(`INSERT INTO audit (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_TEXT.map((t) => (t ? TEXT_PARAM : '?')).join(', ')})`);
        statements.set('audit', insertAudit);
        const auditBinder = new TextBinder(AUDIT_TEXT);
        for (let i = 0; i < batch.audit.length; i++) {
          tick();
          insertAudit.run(auditBinder.bindable(chain.encode(batch.audit.at(i)!)));
        }
        for (const [table, columns, added] of [['audit_context', AUDIT_CONTEXT_COLUMNS, chain.contexts], ['audit_shape', AUDIT_SHAPE_COLUMNS, chain.shapes]] as const) {
          const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
          statements.set(table, insert);
          for (const row of added) insert.run(row);
        }
      } finally {
        for (const stmt of statements.values()) stmt.free();
      }
      revisionAfter = revision + 1;
      const b = batch.batch;
      db.run(`INSERT INTO batches (${BATCH_COLUMNS.join(', ')}) VALUES (${BATCH_COLUMNS.map(() => '?').join(', ')})`, batchRowOf({ ...b, revisionAfter }));
      db.run('UPDATE store_meta SET revision = ?, last_run_at = ?, last_refresh_at = COALESCE(?, last_refresh_at) WHERE id = 1', [revisionAfter, b.finishedAt, batch.refreshedAt ?? null]);
      if (batch.renewalFloor?.recompute) db.run('UPDATE store_meta SET next_renewal_at = ? WHERE id = 1', [renewalFloorText(rows(db, RENEWAL_FLOOR_SQL)[0]?.[0])]);
      else if (batch.renewalFloor?.earliest) db.run('UPDATE store_meta SET next_renewal_at = ? WHERE id = 1 AND (next_renewal_at IS NULL OR next_renewal_at > ?)', [batch.renewalFloor.earliest, batch.renewalFloor.earliest]);
      db.exec('COMMIT');
      db.exec('PRAGMA journal_mode = MEMORY');
    } catch (error) {
      // Without a journal there is no ROLLBACK: the file, read again when next used, is the store before this commit.
      this.releaseMemory();
      if (error instanceof TiersyncError) throw error;
      throw new StoreError(`The changes could not be written to the store (${(error as Error).message}); nothing was applied`, { cause: error });
    }
    // The save begins now (an async function runs up to its first wait); what the caller does
    // meanwhile never cuts it short.
    const failure = this.save(db).then(
      () => undefined,
      (error: unknown) => {
        this.poisoned = true;
        return new StoreError(`The store file ${this.location} could not be saved (${(error as Error).message}); the previous version is intact and nothing was applied`, { cause: error });
      },
    );
    try {
      batch.onCommitted?.(revisionAfter);
    } catch (error) {
      await failure;
      throw error;
    }
    const error = await failure;
    if (error) throw error;
    return revisionAfter;
  }

  /** The committed database to the file, durably: from sql.js's file in place when it can be, else through `export()`. */
  private async save(db: Database): Promise<void> {
    const { bytes, inPlace } = bytesToSave(db, this.file);
    if (!inPlace) this.file = undefined;
    this.lastSave = inPlace ? 'in place' : 'exported';
    await saveDurably(this.location, bytes);
  }

  /**
   * Before a commit that grows the store by much more than its headroom: reload the image with room
   * for the growth (see `headroomFor`), so a large import writes its pages in place.
   */
  private makeRoom(growth: number): void {
    const current = this.usable();
    const size = databaseBytes(current);
    if (growth < headroomFor(size) * 2) return;
    const image = current.export();
    if (!headerPagesValid(image, image.length)) return;
    const { db: next, file } = openHandedOver(this.SQL, withHeadroom(image, growth + headroomFor(size)));
    tune(next);
    current.close();
    this.db = next;
    this.file = file;
  }

  async *readAudit(fromSeq = 1): AsyncIterable<AuditRecord> {
    const db = this.usable();
    // Decoded from the start of fromSeq's block: a row may refer to the rows before it in its block.
    const start = auditBlockStart(fromSeq);
    const prevHash = start <= 1 ? AUDIT_GENESIS_HASH : hashHexOf(rows(db, 'SELECT hash FROM audit WHERE seq = ?', [start - 1])[0]?.[0]);
    const shapes = auditShapesOf(rows(db, AUDIT_SHAPES_SQL));
    const stmt = db.prepare(auditSelectSql('?'));
    try {
      stmt.bind([start]);
      const stepped = function* () {
        while (stmt.step()) yield stmt.get();
      };
      for (const record of auditRecordsOf(stepped(), prevHash, shapes)) if (record.seq >= fromSeq) yield record;
    } finally {
      stmt.free();
    }
  }

  async listBatches(): Promise<BatchRecord[]> {
    return rows(this.usable(), `SELECT ${BATCH_COLUMNS.join(', ')} FROM batches ORDER BY revision_after`).map(batchRecordOf);
  }

  async readPasswordHash(email: string): Promise<string | undefined> {
    const value = rows(this.usable(), 'SELECT password_hash FROM user_passwords WHERE email = ?', [email])[0]?.[0];
    return typeof value === 'string' ? value : undefined;
  }

  async writePasswordHash(email: string, hash: string | null, at: string): Promise<void> {
    if (!this.lock) throw new StoreError('The store was opened for reading; setting a password needs the writer lock');
    const db = this.usable();
    db.exec('BEGIN');
    try {
      if (hash === null) db.run('DELETE FROM user_passwords WHERE email = ?', [email]);
      else db.run('INSERT INTO user_passwords (email, password_hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at', [email, hash, at]);
      db.exec('COMMIT');
    } catch (error) {
      this.file = undefined;
      db.exec('ROLLBACK');
      throw new StoreError(`The password could not be written to the store (${(error as Error).message})`, { cause: error });
    }
    try {
      const { bytes, inPlace } = bytesToSave(db, this.file);
      if (!inPlace) this.file = undefined;
      await saveDurably(this.location, bytes);
    } catch (error) {
      this.poisoned = true;
      throw new StoreError(`The store file ${this.location} could not be saved (${(error as Error).message}); the previous version is intact`, { cause: error });
    }
  }

  /**
   * Every table but the migration record, in storage order and in chunks, for `migrate-store`. Opened
   * with the writer lock, the store cannot change while it is copied.
   */
  async *chunks(): AsyncIterable<TableChunk> {
    const db = this.usable();
    const tables = rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((v) => String(v[0]));
    for (const table of tables) {
      const columns = rows(db, `PRAGMA table_info(${table})`).map((v) => String(v[1]));
      const stmt = db.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${SQL_DIALECTS.sqlite.rowOrderColumn}`);
      try {
        let chunk: TransferValue[][] = [];
        while (stmt.step()) {
          chunk.push(stmt.get() as TransferValue[]);
          if (chunk.length === TRANSFER_CHUNK_ROWS) {
            yield { table, columns, rows: chunk };
            chunk = [];
          }
        }
        yield { table, columns, rows: chunk };
      } finally {
        stmt.free();
      }
    }
  }

  private fileJournal: FileJournal | undefined;

  journal(): JournalLog {
    const journal = (this.fileJournal ??= new FileJournal(`${this.location}.journal`));
    return this.lock ? journal : readOnlyJournal(journal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fileJournal?.close();
    this.db?.close();
    this.db = undefined;
    // The database file is the array this store handed over: let it go with the store.
    this.file = undefined;
    await this.lock?.release();
  }
}

