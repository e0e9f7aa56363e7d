import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { AUDIT_GENESIS_HASH, auditHash, type AuditRecord } from '../core/audit-chain.js';
import type { Entity, InvitationRecord } from '../core/entities.js';
import { StalePlanError, StoreError, TiersyncError } from '../core/errors.js';
import { FileLock } from './file-lock.js';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.js';
import { AUDIT_COLUMNS, auditRecordOf, auditRowOf, chainedAuditRow, columnsOf, recordOf, rowOf, TABLES } from './record-mapping.js';
import type { BatchRecord, CommitBatch, WriteOp, InitStoreOptions, OpenStoreOptions, SnapshotRequest, StoreCapabilities, StoreInfo, StoreSnapshot, SyncStore } from './sync-store.js';

/**
 * Past this size sql.js (the whole database in JS memory, a full copy per export) stalls rather
 * than fails: refuse to grow further and point to the PostgreSQL store.
 */
export const MAX_SQLJS_BYTES = 1.5 * 1024 ** 3;
const IN_CHUNK = 500;

let sqlJs: Promise<SqlJsStatic> | undefined;
function loadSqlJs(): Promise<SqlJsStatic> {
  return (sqlJs ??= initSqlJs());
}

function rows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: SqlValue[][] = [];
    while (stmt.step()) out.push(stmt.get());
    return out;
  } finally {
    stmt.free();
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

function upsertSql(kind: Entity | 'invitation'): string {
  const map = TABLES[kind];
  const columns = columnsOf(kind);
  const updates = columns.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO ${map.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${map.key}) DO UPDATE SET ${updates}`;
}

/**
 * The database file lives in memory and reaches the disk only through `saveDurably`, so SQLite's own
 * rollback journal need not be a file: kept in memory it still serves ROLLBACK, and a commit no longer
 * copies every changed page into an in-memory journal file. The page cache is raised from 2 MB so
 * that a commit of a million rows does not page B-tree nodes in and out of the in-memory file.
 */
function tune(db: Database): void {
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536');
}

/** Upserts grouped by table and ordered by primary key: B-tree inserts then walk the index in order. */
function orderedOps(ops: readonly WriteOp[]): WriteOp[] {
  const kindOf = (op: WriteOp) => (op.kind === 'upsert' ? op.entity : 'invitation');
  const keyed = ops.map((op, index) => ({ op, index, table: kindOf(op), key: TABLES[kindOf(op)].keyOf(op.record as unknown as Record<string, unknown>) }));
  // Stable on equal keys, so the last upsert of a record still wins.
  keyed.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  return keyed.map((k) => k.op);
}

/**
 * Write `data` so that `path` is always either the old or the new file: tmp → fsync → keep the
 * current file as `.bak` (a hard link: no copy) → rename over `path` → fsync the folder.
 */
async function saveDurably(path: string, data: Uint8Array): Promise<void> {
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

/** The embedded default store: a SQLite database in one file, through sql.js. */
export class SqlJsStore implements SyncStore {
  readonly capabilities: StoreCapabilities = { serverSide: false };
  private poisoned = false;
  private closed = false;

  private constructor(
    readonly location: string,
    private db: Database,
    private readonly lock: FileLock | undefined,
  ) {}

  static async open(path: string, options: OpenStoreOptions): Promise<SqlJsStore> {
    const lock = options.write ? await FileLock.acquire(path, { timeoutSeconds: options.lockTimeoutSeconds, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }) : undefined;
    try {
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(path);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError(`There is no store at ${path}; create one with tiersync init`, { cause });
        throw new StoreError(`The store ${path} cannot be read (${(cause as Error).message})`, { cause });
      }
      const SQL = await loadSqlJs();
      const db = new SQL.Database(bytes);
      tune(db);
      const store = new SqlJsStore(path, db, lock);
      store.migrate();
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
      tune(db);
      const store = new SqlJsStore(path, db, lock);
      store.migrate();
      store.db.run('INSERT INTO store_meta (id, store_id, revision, created_at, provider_mpn, provider_name, portal_url) VALUES (1, ?, 0, ?, ?, ?, ?)', [randomUUID(), options.now, options.provider.mpnId, options.provider.name, options.provider.portalUrl]);
      const batchId = randomUUID();
      const entry = { batchId, at: options.now, operator: options.operator, inputName: '', inputSha256: '', action: 'create', before: null };
      await store.commit({
        expectedRevision: 0,
        ops: [{ kind: 'upsert', entity: 'user', record: options.admin }, ...options.offers.map((record) => ({ kind: 'upsert' as const, entity: 'offer' as const, record }))],
        audit: [
          { ...entry, entity: 'provider', key: options.provider.mpnId, after: options.provider },
          { ...entry, entity: 'user', key: options.admin.email, after: options.admin },
          ...options.offers.map((o) => ({ ...entry, entity: 'offer', key: o.offerId, after: o })),
        ],
        batch: { batchId, mode: 'init', operator: options.operator, startedAt: options.now, finishedAt: options.now, inputs: [], counts: { Offers: { created: options.offers.length }, Users: { created: 1 } }, revisionBefore: 0, details: null },
      });
    } finally {
      await lock.release();
    }
  }

  /** Bring the schema up to date in memory; it reaches the file with the next commit. */
  private migrate(): void {
    this.db.run(MIGRATIONS_TABLE);
    const current = Number(rows(this.db, 'SELECT COALESCE(MAX(version), 0) FROM schema_migrations')[0]?.[0] ?? 0);
    if (current > SCHEMA_VERSION) throw new StoreError(`The store ${this.location} was written by a newer tiersync (schema ${current}; this one knows ${SCHEMA_VERSION}); upgrade tiersync`);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      this.db.exec(m.sql);
      this.db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
    }
  }

  private usable(): Database {
    if (this.poisoned) throw new StoreError(`The store ${this.location} could not be saved earlier in this run; nothing more is written`);
    return this.db;
  }

  async info(): Promise<StoreInfo> {
    const meta = rows(this.usable(), 'SELECT store_id, revision, created_at, provider_mpn, provider_name, portal_url FROM store_meta WHERE id = 1')[0];
    if (!meta) throw new StoreError(`${this.location} is not a tiersync store (no store record); create one with tiersync init`);
    return {
      storeId: String(meta[0]),
      revision: Number(meta[1]),
      createdAt: String(meta[2]),
      schemaVersion: SCHEMA_VERSION,
      provider: { mpnId: String(meta[3]), name: String(meta[4]), portalUrl: String(meta[5]) },
    };
  }

  private select<K extends Entity | 'invitation'>(kind: K, where = '', params: SqlValue[] = []) {
    return rows(this.usable(), `SELECT ${columnsOf(kind).join(', ')} FROM ${TABLES[kind].table} ${where}`, params).map((v) => recordOf(kind, v));
  }

  private selectIn<K extends Entity>(kind: K, column: string, keys: readonly string[]) {
    return chunks(keys).flatMap((chunk) => this.select(kind, `WHERE ${column} IN (${chunk.map(() => '?').join(', ')})`, chunk));
  }

  async loadSnapshot(request: SnapshotRequest): Promise<StoreSnapshot> {
    const info = await this.info();
    const customers = request.customers === 'all' ? this.select('customer') : this.selectIn('customer', 'domain', [...new Set(request.customers)]);
    let subscriptions;
    if (request.subscriptionsOfCustomers === 'all') subscriptions = this.select('subscription');
    else {
      const byId = new Map<string, ReturnType<typeof recordOf<'subscription'>>>();
      for (const s of this.selectIn('subscription', 'customer_domain', [...new Set(request.subscriptionsOfCustomers)])) byId.set(s.subscriptionId, s);
      for (const s of this.selectIn('subscription', 'subscription_id', [...new Set(request.subscriptionIds)])) byId.set(s.subscriptionId, s);
      subscriptions = [...byId.values()];
    }
    return {
      info,
      users: this.select('user'),
      offers: this.select('offer'),
      resellers: this.select('reseller'),
      openInvitations: this.select('invitation', "WHERE status = 'open'"),
      customers,
      subscriptions,
    };
  }

  async findInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | undefined> {
    return this.select('invitation', 'WHERE token_hash = ?', [tokenHash])[0];
  }

  async commit(batch: CommitBatch): Promise<number> {
    if (!this.lock) throw new StoreError('The store was opened for reading; a commit needs the writer lock');
    const db = this.usable();
    const pages = Number(rows(db, 'PRAGMA page_count')[0]?.[0]) * Number(rows(db, 'PRAGMA page_size')[0]?.[0]);
    if (pages > MAX_SQLJS_BYTES) {
      throw new StoreError(`The store ${this.location} has grown past ${(MAX_SQLJS_BYTES / 1024 ** 3).toFixed(1)} GB, more than the embedded store handles; move it to PostgreSQL (--store postgres://…)`);
    }
    let revisionAfter: number;
    db.exec('BEGIN');
    try {
      const revision = Number(rows(db, 'SELECT revision FROM store_meta WHERE id = 1')[0]?.[0]);
      if (revision !== batch.expectedRevision) {
        throw new StalePlanError(`The plan is stale: it was made against revision ${batch.expectedRevision} of the store, which is now at revision ${revision}; plan again`);
      }
      const statements = new Map<string, ReturnType<Database['prepare']>>();
      try {
        for (const op of orderedOps(batch.ops)) {
          const kind = op.kind === 'upsert' ? op.entity : 'invitation';
          let stmt = statements.get(kind);
          if (!stmt) statements.set(kind, (stmt = db.prepare(upsertSql(kind))));
          stmt.run(rowOf(kind, op.record));
        }
        const last = rows(db, 'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')[0];
        let seq = last ? Number(last[0]) : 0;
        let prevHash = last ? String(last[1]) : AUDIT_GENESIS_HASH;
        const insertAudit = db.prepare(`INSERT INTO audit (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`);
        statements.set('audit', insertAudit);
        for (const entry of batch.audit) {
          const chained = chainedAuditRow(entry, ++seq, prevHash);
          if (chained) {
            insertAudit.run(chained.row);
            prevHash = chained.hash;
            continue;
          }
          const unsigned = { seq, ...entry, before: entry.before ?? null, after: entry.after ?? null, prevHash };
          const record: AuditRecord = { ...unsigned, hash: auditHash(unsigned) };
          insertAudit.run(auditRowOf(record));
          prevHash = record.hash;
        }
      } finally {
        for (const stmt of statements.values()) stmt.free();
      }
      revisionAfter = revision + 1;
      const b = batch.batch;
      db.run('INSERT INTO batches (batch_id, mode, operator, started_at, finished_at, inputs_json, counts_json, revision_before, revision_after, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        b.batchId,
        b.mode,
        b.operator,
        b.startedAt,
        b.finishedAt,
        JSON.stringify(b.inputs),
        JSON.stringify(b.counts),
        b.revisionBefore,
        revisionAfter,
        b.details === undefined || b.details === null ? null : JSON.stringify(b.details),
      ]);
      db.run('UPDATE store_meta SET revision = ? WHERE id = 1', [revisionAfter]);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      if (error instanceof TiersyncError) throw error;
      throw new StoreError(`The changes could not be written to the store (${(error as Error).message}); nothing was applied`, { cause: error });
    }
    try {
      await saveDurably(this.location, db.export());
    } catch (error) {
      this.poisoned = true;
      throw new StoreError(`The store file ${this.location} could not be saved (${(error as Error).message}); the previous version is intact and nothing was applied`, { cause: error });
    }
    return revisionAfter;
  }

  async *readAudit(fromSeq = 1): AsyncIterable<AuditRecord> {
    const stmt = this.usable().prepare(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit WHERE seq >= ? ORDER BY seq`);
    try {
      stmt.bind([fromSeq]);
      while (stmt.step()) yield auditRecordOf(stmt.get());
    } finally {
      stmt.free();
    }
  }

  async listBatches(): Promise<BatchRecord[]> {
    return rows(this.usable(), 'SELECT batch_id, mode, operator, started_at, finished_at, inputs_json, counts_json, revision_before, revision_after, details_json FROM batches ORDER BY revision_after').map((v) => ({
      batchId: String(v[0]),
      mode: String(v[1]) as BatchRecord['mode'],
      operator: String(v[2]),
      startedAt: String(v[3]),
      finishedAt: String(v[4]),
      inputs: JSON.parse(String(v[5])),
      counts: JSON.parse(String(v[6])),
      revisionBefore: Number(v[7]),
      revisionAfter: Number(v[8]),
      details: v[9] === null ? null : JSON.parse(String(v[9])),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    await this.lock?.release();
  }
}

