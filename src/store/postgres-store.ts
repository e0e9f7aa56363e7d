import { randomUUID } from 'node:crypto';
import { AUDIT_GENESIS_HASH, type AuditRecord } from '../core/audit-chain.js';
import type { Entity, InvitationRecord } from '../core/entities.js';
import { StalePlanError, StoreError, StoreLockedError, TiersyncError } from '../core/errors.js';
import { initialBatch } from './initial-batch.js';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.js';
import { connectPostgres, displayUrl, redacted, type PgClient } from './postgres-connection.js';
import { AUDIT_CHAIN_END_SQL, AUDIT_COLUMNS, auditBlockStart, type AuditPrevious, AUDIT_CONTEXT_COLUMNS, AUDIT_SHAPE_COLUMNS, AUDIT_SHAPES_SQL, auditRecordsOf, auditSelectSql, auditShapesOf, continueAuditChain, hashHexOf, BATCH_COLUMNS, batchRecordOf, batchRowOf, columnsOf, recordOf, rowOf, STORE_META_COLUMNS, storeInfoOf, renewalFloorText, storedTime, TABLES, writeOrder, type StoredKind } from './record-mapping.js';
import { migrationSql, OPEN_INVITATIONS, RENEWAL_FLOOR_SQL, SQL_DIALECTS } from './sql-dialect.js';
import { readOnlyJournal, type JournalLog } from '../core/journal.js';
import type { StoreTransferSource, TransferOptions, TransferSummary, TransferValue } from './store-transfer.js';
import type { BatchRecord, CommitBatch, InitStoreOptions, OpenStoreOptions, Sequence, SnapshotRequest, StoreCapabilities, StoreInfo, StoreSnapshot, SyncStore } from './sync-store.js';

const DIALECT = SQL_DIALECTS.postgres;
const ORDER = DIALECT.rowOrderColumn;
/** The advisory lock keys: ('tier', 'sync') is the writer lock, ('tier', 'migr') serializes schema migrations. */
const LOCK_CLASS = 0x74696572;
const WRITER_LOCK = 0x73796e63;
const MIGRATION_LOCK = 0x6d696772;
const POLL_MS = 150;
const AUDIT_PAGE = 5000;
/** When a commit analyzes a table it wrote to: autovacuum's defaults (autovacuum_analyze_threshold, _scale_factor). */
const ANALYZE_AFTER = { rows: 50, fraction: 0.1 };
/** How long the ANALYZE after a commit waits for a table's lock (held by a VACUUM, say) before it gives up. */
const ANALYZE_LOCK_TIMEOUT = '2s';


type Kind = StoredKind;
type Row = TransferValue[];

/** Who holds the writer lock, as the waiting run tells its operator. */
async function lockHolder(client: PgClient): Promise<string> {
  const { rows } = await client.query(
    `SELECT a.application_name, a.backend_start, l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [String(LOCK_CLASS), String(WRITER_LOCK)],
  );
  const row = rows[0];
  if (!row) return 'another run';
  const since = row.backend_start instanceof Date ? `, since ${row.backend_start.toISOString()}` : '';
  const named = /^tiersync pid (\d+) on (.+)$/.exec(String(row.application_name ?? ''));
  return named ? `pid ${named[1]} on host ${named[2]}${since}` : `server session ${String(row.pid)}${since}`;
}

/** The session-level advisory lock: released by COMMIT of nothing, only by unlock or the end of the session (a killed run's too). */
async function acquireWriterLock(client: PgClient, location: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, WRITER_LOCK]);
    if (rows[0]?.ok === true) return;
    if (Date.now() >= deadline) {
      throw new StoreLockedError(`The store ${location} is locked by another run (${await lockHolder(client)}); wait for it to finish, or use --lock-timeout SECONDS to wait`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function schemaVersionOf(client: PgClient): Promise<number | undefined> {
  const { rows } = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (rows[0]?.present !== true) return undefined;
  const v = await client.query('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations');
  return Number(v.rows[0]?.version ?? 0);
}

function newerSchema(location: string, version: number): StoreError {
  return new StoreError(`The store ${location} was written by a newer tiersync (schema ${version}; this one knows ${SCHEMA_VERSION}); upgrade tiersync`);
}

/** Bring the schema up to date, in one transaction, one migrating session at a time. */
async function migrate(client: PgClient, location: string): Promise<void> {
  const seen = await schemaVersionOf(client);
  if (seen !== undefined && seen > SCHEMA_VERSION) throw newerSchema(location, seen);
  if (seen === SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
    await client.query(MIGRATIONS_TABLE);
    const current = (await schemaVersionOf(client)) ?? 0;
    if (current > SCHEMA_VERSION) throw newerSchema(location, current);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(migrationSql(m, DIALECT));
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** `items` a statement's worth at a time; a `Sequence` makes its items only as each chunk is taken. */
function* chunked<T>(items: Sequence<T>, size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) {
    const chunk: T[] = [];
    for (let i = start; i < Math.min(items.length, start + size); i++) chunk.push(items.at(i)!);
    yield chunk;
  }
}

/**
 * Column `i` of `rows` as a PostgreSQL array literal (`{a,"b c",NULL}`), sent as the text of an
 * array parameter: one string per column instead of the driver's element-by-element escaping.
 * Plain values (IDs, domains, dates, numbers) go in as they are, without a copy.
 */
function arrayLiteral(rows: readonly Row[], i: number): string {
  const parts = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]![i];
    if (v === null || v === undefined) parts[r] = 'NULL';
    else if (typeof v === 'number') parts[r] = String(v);
    // Bytes as bytea's hex input (`\x…`), its backslash escaped for the array literal.
    else if (v instanceof Uint8Array) parts[r] = `"\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}"`;
    else if (v !== '' && !NEEDS_QUOTES.test(v) && !(v.length === 4 && v.toUpperCase() === 'NULL')) parts[r] = v;
    else parts[r] = `"${ESCAPED.test(v) ? v.replace(ESCAPED_ALL, '\\$&') : v}"`;
  }
  return `{${parts.join(',')}}`;
}
const NEEDS_QUOTES = /[{}",\\\s]/;
const ESCAPED = /["\\]/;
const ESCAPED_ALL = /["\\]/g;

/** The PostgreSQL store: the same tables as the file store, one server shared by several operators and machines. */
export class PostgresStore implements SyncStore {
  readonly capabilities: StoreCapabilities = { serverSide: true };
  private closed = false;
  /** table → column → array type (`text[]`, `int4[]`…) for bulk writes through unnest. */
  private arrayTypes = new Map<string, Map<string, string>>();

  private constructor(
    readonly location: string,
    private readonly url: string,
    private readonly client: PgClient,
    private readonly holdsLock: boolean,
    private readonly onWarning: OpenStoreOptions['onWarning'],
  ) {}

  private static async connect(url: string, options: Pick<OpenStoreOptions, 'lockTimeoutSeconds' | 'onWarning'> & { lock: boolean }): Promise<PostgresStore> {
    const location = displayUrl(url);
    const client = await connectPostgres(url);
    try {
      if (options.lock) await acquireWriterLock(client, location, options.lockTimeoutSeconds);
      return new PostgresStore(location, url, client, options.lock, options.onWarning);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw PostgresStore.wrap(error, url, `The store ${location} cannot be opened`);
    }
  }

  private static wrap(error: unknown, url: string, what: string): TiersyncError {
    if (error instanceof TiersyncError) return error;
    return new StoreError(`${what} (${redacted((error as Error).message, url)})`, { cause: error });
  }

  static async open(url: string, options: OpenStoreOptions): Promise<PostgresStore> {
    const store = await PostgresStore.connect(url, { lock: options.write, lockTimeoutSeconds: options.lockTimeoutSeconds, onWarning: options.onWarning });
    try {
      const version = await schemaVersionOf(store.client);
      if (version === undefined || (await store.client.query("SELECT to_regclass('store_meta') IS NOT NULL AS present")).rows[0]?.present !== true) {
        throw new StoreError(`There is no store at ${store.location}; create one with tiersync init`);
      }
      await migrate(store.client, store.location);
      await store.loadColumnTypes();
      return store;
    } catch (error) {
      await store.close();
      throw PostgresStore.wrap(error, url, `The store ${store.location} cannot be opened`);
    }
  }

  /** Create the store in an existing (empty) database: schema, meta (new store ID), then the admin and catalog as its first batch. */
  static async init(url: string, options: InitStoreOptions): Promise<void> {
    const store = await PostgresStore.connect(url, { lock: true, lockTimeoutSeconds: 0 });
    try {
      await migrate(store.client, store.location);
      await store.loadColumnTypes();
      if ((await store.client.query('SELECT 1 FROM store_meta WHERE id = 1')).rows.length) {
        throw new StoreError(`A store already exists at ${store.location}; choose another --store database`);
      }
      await store.commitWith(
        initialBatch(options),
        async () => {
          await store.client.query('INSERT INTO store_meta (id, store_id, revision, created_at, provider_mpn, provider_name, portal_url, clock, partner_center) VALUES (1, $1, 0, $2, $3, $4, $5, $6, $7)', [randomUUID(), options.now, options.provider.mpnId, options.provider.name, options.provider.portalUrl, options.clock, options.partnerCenter ? JSON.stringify(options.partnerCenter) : null]);
        },
      );
    } catch (error) {
      throw PostgresStore.wrap(error, url, `The store ${store.location} could not be created`);
    } finally {
      await store.close();
    }
  }

  /**
   * Copy every table of another store into this EMPTY database, in one transaction under the writer
   * lock: the store ID, revision, audit chain and batches arrive as they were.
   */
  static async importFrom(url: string, source: StoreTransferSource, options: TransferOptions): Promise<TransferSummary> {
    const store = await PostgresStore.connect(url, { lock: true, lockTimeoutSeconds: options.lockTimeoutSeconds, onWarning: options.onWarning });
    try {
      if (source.schemaVersion !== SCHEMA_VERSION) throw new StoreError(`${source.location} has schema ${source.schemaVersion}; this tiersync copies schema ${SCHEMA_VERSION}`);
      await migrate(store.client, store.location);
      await store.loadColumnTypes();
      const nonEmpty: string[] = [];
      for (const table of store.arrayTypes.keys()) {
        if (table === 'schema_migrations') continue;
        if ((await store.client.query(`SELECT 1 FROM ${table} LIMIT 1`)).rows.length) nonEmpty.push(table);
      }
      if (nonEmpty.length) throw new StoreError(`The target ${store.location} is not empty (${nonEmpty.join(', ')} hold rows); migrate-store copies only into an empty database`);
      const copied: Record<string, number> = {};
      await store.client.query('BEGIN');
      try {
        for await (const chunk of source.chunks()) {
          const known = store.arrayTypes.get(chunk.table);
          if (!known) throw new StoreError(`${source.location} has a table ${chunk.table} that the target's schema does not have`);
          const missing = chunk.columns.filter((c) => !known.has(c));
          if (missing.length) throw new StoreError(`The target's table ${chunk.table} has no column ${missing.join(', ')}`);
          await store.insertRows(chunk.table, chunk.columns, chunk.rows);
          copied[chunk.table] = (copied[chunk.table] ?? 0) + chunk.rows.length;
          options.onProgress?.(chunk.table, copied[chunk.table]!);
        }
        for (const [table, count] of Object.entries(copied)) {
          const { rows } = await store.client.query(`SELECT COUNT(*)::int8 AS n FROM ${table}`);
          if (Number(rows[0]?.n) !== count) throw new StoreError(`Copying ${table} wrote ${String(rows[0]?.n)} rows instead of ${count}`);
        }
        const meta = (await store.client.query('SELECT store_id, revision FROM store_meta WHERE id = 1')).rows[0];
        if (!meta) throw new StoreError(`${source.location} has no store record`);
        await store.client.query('COMMIT');
        await store.refreshStatistics(new Map(Object.entries(copied)));
        return { storeId: String(meta.store_id), revision: Number(meta.revision), rows: copied };
      } catch (error) {
        await store.client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw PostgresStore.wrap(error, url, `The store could not be copied to ${store.location}; nothing was written`);
    } finally {
      await store.close();
    }
  }

  private async loadColumnTypes(): Promise<void> {
    const { rows } = await this.client.query("SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position");
    this.arrayTypes = new Map();
    for (const r of rows) {
      const table = String(r.table_name);
      let columns = this.arrayTypes.get(table);
      if (!columns) this.arrayTypes.set(table, (columns = new Map()));
      columns.set(String(r.column_name), `${String(r.udt_name)}[]`);
    }
  }

  private usable(): PgClient {
    if (this.closed) throw new StoreError(`The store ${this.location} is closed`);
    return this.client;
  }

  private async rows(text: string, values: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      return (await this.usable().query({ text, values, rowMode: 'array' })).rows;
    } catch (error) {
      throw PostgresStore.wrap(error, this.url, `The store ${this.location} cannot be read`);
    }
  }

  /**
   * Multi-row writes: one statement per `rowsPerStatement` rows, each column sent as one array
   * parameter and spread by unnest, so a million rows take a few hundred statements.
   */
  private async insertRows(table: string, columns: readonly string[], rows: readonly Row[], conflictKey?: string): Promise<void> {
    const writer = this.rowWriter(table, columns, conflictKey);
    for (const chunk of chunked(rows, DIALECT.rowsPerStatement)) await writer.write(chunk);
    await writer.end();
  }

  /**
   * A multi-row statement sender that keeps one statement in flight: the next rows are prepared
   * while the server writes the previous ones.
   */
  private rowWriter(table: string, columns: readonly string[], conflictKey?: string) {
    const types = this.arrayTypes.get(table);
    const casts = columns.map((c, i) => `$${i + 1}::${types?.get(c) ?? 'text[]'}`);
    const upsert = conflictKey ? ` ON CONFLICT (${conflictKey}) DO UPDATE SET ${columns.filter((c) => c !== conflictKey).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : '';
    const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${casts.join(', ')})${upsert}`;
    let inflight: Promise<unknown> | undefined;
    return {
      write: async (rows: readonly Row[]) => {
        if (!rows.length) return;
        const values = columns.map((_, i) => arrayLiteral(rows, i));
        await inflight;
        inflight = this.client.query(text, values);
        // Settled by the next write or by end(); never left unobserved.
        inflight.catch(() => undefined);
      },
      end: async () => {
        const last = inflight;
        inflight = undefined;
        await last;
      },
    };
  }

  async info(): Promise<StoreInfo> {
    const meta = (await this.rows(`SELECT ${STORE_META_COLUMNS.join(', ')} FROM store_meta WHERE id = 1`))[0];
    if (!meta) throw new StoreError(`${this.location} is not a tiersync store (no store record); create one with tiersync init`);
    return storeInfoOf(meta, SCHEMA_VERSION);
  }

  private async select<K extends Kind>(kind: K, where = '', values: readonly unknown[] = []) {
    const rows = await this.rows(`SELECT ${columnsOf(kind).join(', ')} FROM ${TABLES[kind].table} ${where} ORDER BY ${ORDER}`, values);
    return rows.map((v) => recordOf(kind, v));
  }

  async loadSnapshot(request: SnapshotRequest): Promise<StoreSnapshot> {
    // One consistent view of the store while other sessions may be writing.
    await this.rows('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const info = await this.info();
      const customers = request.customers === 'all' ? await this.select('customer') : await this.select('customer', 'WHERE domain = ANY($1::text[])', [[...new Set(request.customers)]]);
      const subscriptions =
        request.subscriptionsOfCustomers === 'all'
          ? await this.select('subscription')
          : await this.select('subscription', "WHERE customer_domain = ANY($1::text[]) OR subscription_id = ANY($2::text[]) OR (term_end <= $3::bigint AND status IN ('active', 'suspended'))", [[...new Set(request.subscriptionsOfCustomers)], [...new Set(request.subscriptionIds)], request.dueBy && info.nextRenewalAt && info.nextRenewalAt <= request.dueBy ? storedTime(request.dueBy) : null]);
      const snapshot: StoreSnapshot = {
        info,
        users: await this.select('user'),
        offers: await this.select('offer'),
        resellers: await this.select('reseller'),
        openInvitations: await this.openInvitations(),
        pendingOrders: await this.select('pendingOrder', "WHERE status = 'open'"),
        customers,
        subscriptions,
      };
      await this.rows('COMMIT');
      return snapshot;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async findInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | undefined> {
    return (await this.select('invitation', 'WHERE token_hash = $1', [tokenHash]))[0];
  }

  async openInvitations(): Promise<InvitationRecord[]> {
    return this.select('invitation', OPEN_INVITATIONS);
  }

  async commit(batch: CommitBatch): Promise<number> {
    const { revisionAfter, rowsByTable } = await this.commitWith(batch);
    // Durable on COMMIT: nothing is left to do while the work runs.
    batch.onCommitted?.(revisionAfter);
    await this.refreshStatistics(rowsByTable);
    return revisionAfter;
  }

  /**
   * ANALYZE the tables a commit changed a good part of, by autovacuum's own default rule
   * (`ANALYZE_AFTER`: 50 rows plus a tenth of the table, against its last estimate), so that the next
   * run's snapshot queries are planned on statistics that include them: after a first import of a
   * million subscriptions, a table never analyzed is estimated at ~40% of its rows for any filter, and
   * the next small upload scans it whole instead of using its indexes, until autovacuum comes round to
   * it. The changes are committed already: a failure here, or a lock held by a VACUUM
   * (`ANALYZE_LOCK_TIMEOUT`), costs a run nothing but the statistics, and is a warning.
   */
  private async refreshStatistics(rowsByTable: ReadonlyMap<string, number>): Promise<void> {
    if (!rowsByTable.size) return;
    const client = this.usable();
    let tables = [...rowsByTable.keys()].sort();
    try {
      const { rows } = await client.query('SELECT relname, reltuples::float8 AS reltuples FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = current_schema()::regnamespace', [tables]);
      // reltuples is -1 for a table never analyzed (or vacuumed): counted as empty.
      const stale = rows.filter((r) => rowsByTable.get(String(r.relname))! >= ANALYZE_AFTER.rows + ANALYZE_AFTER.fraction * Math.max(0, Number(r.reltuples))).map((r) => String(r.relname));
      if (!stale.length) return;
      tables = stale.sort();
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${ANALYZE_LOCK_TIMEOUT}'`);
      await client.query(`ANALYZE ${tables.join(', ')}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.onWarning?.(`The changes are committed, but the statistics of ${tables.join(', ')} were not refreshed (${redacted((error as Error).message, this.url)}); the next runs may plan on old estimates until PostgreSQL's autovacuum analyzes them`);
    }
  }

  /** The commit, with `prelude` run first inside the same transaction (init writes the store record there). */
  private async commitWith(batch: CommitBatch, prelude?: () => Promise<void>): Promise<{ revisionAfter: number; rowsByTable: Map<string, number> }> {
    if (!this.holdsLock) throw new StoreError('The store was opened for reading; a commit needs the writer lock');
    const client = this.usable();
    try {
      await client.query('BEGIN');
    } catch (error) {
      throw PostgresStore.wrap(error, this.url, `The changes could not be written to the store ${this.location}; nothing was applied`);
    }
    try {
      await prelude?.();
      const { rows } = await client.query('SELECT revision FROM store_meta WHERE id = 1 FOR UPDATE');
      if (!rows[0]) throw new StoreError(`${this.location} is not a tiersync store (no store record)`);
      const revision = Number(rows[0].revision);
      if (revision !== batch.expectedRevision) {
        throw new StalePlanError(`The plan is stale: it was made against revision ${batch.expectedRevision} of the store, which is now at revision ${revision}; plan again`);
      }
      const total = batch.ops.length + batch.audit.length;
      let written = 0;
      const progress = (n: number) => batch.onProgress?.((written += n), total);
      const rowsByTable = await this.writeOps(batch.ops, progress);

      const arrays = async (text: string) => (await client.query({ text, rowMode: 'array' })).rows as unknown[][];
      const chain = continueAuditChain((await arrays(AUDIT_CHAIN_END_SQL))[0], await arrays(AUDIT_SHAPES_SQL));
      const audit = this.rowWriter('audit', AUDIT_COLUMNS);
      for (const entries of chunked(batch.audit, DIALECT.rowsPerStatement)) {
        await audit.write(entries.map((entry) => chain.encode(entry)));
        progress(entries.length);
      }
      await audit.end();
      await this.insertRows('audit_context', AUDIT_CONTEXT_COLUMNS, chain.contexts);
      await this.insertRows('audit_shape', AUDIT_SHAPE_COLUMNS, chain.shapes);

      const revisionAfter = revision + 1;
      const b = batch.batch;
      await client.query(`INSERT INTO batches (${BATCH_COLUMNS.join(', ')}) VALUES (${BATCH_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, batchRowOf({ ...b, revisionAfter }));
      await client.query('UPDATE store_meta SET revision = $1, last_run_at = $2, last_refresh_at = COALESCE($3, last_refresh_at) WHERE id = 1', [revisionAfter, b.finishedAt, batch.refreshedAt ?? null]);
      if (batch.renewalFloor?.recompute) await client.query('UPDATE store_meta SET next_renewal_at = $1 WHERE id = 1', [renewalFloorText((await client.query({ text: RENEWAL_FLOOR_SQL, rowMode: 'array' })).rows[0]?.[0])]);
      else if (batch.renewalFloor?.earliest) await client.query('UPDATE store_meta SET next_renewal_at = $1 WHERE id = 1 AND (next_renewal_at IS NULL OR next_renewal_at > $1)', [batch.renewalFloor.earliest]);
      await client.query('COMMIT');
      return { revisionAfter, rowsByTable };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw PostgresStore.wrap(error, this.url, `The changes could not be written to the store ${this.location}; nothing was applied`);
    }
  }

  /**
   * The upserts, table by table, in primary-key order within a table (as the file store writes them:
   * index inserts in order, and the same row order on both backends). Tables have no foreign keys, so
   * only the order of one key's ops matters, and it is kept: the last op for a key wins. A key met
   * twice goes into the next statement, since one statement cannot update a row twice. Returns the
   * rows written, by table.
   */
  private async writeOps(ops: CommitBatch['ops'], progress: (n: number) => void): Promise<Map<string, number>> {
    // Positions are sorted, not rows: a million rows are made and encoded a statement's worth at a time.
    const { order, kinds, keys } = writeOrder(ops);
    let bucket: { kind: Kind; rows: Row[]; keys: Set<string> } | undefined;
    let writer: ReturnType<PostgresStore['rowWriter']> | undefined;
    let writerKind: Kind | undefined;
    const rowsByTable = new Map<string, number>();
    const flush = async () => {
      if (!bucket?.rows.length) return;
      if (writerKind !== bucket.kind) {
        await writer?.end();
        writer = this.rowWriter(TABLES[bucket.kind].table, columnsOf(bucket.kind), TABLES[bucket.kind].key);
        writerKind = bucket.kind;
      }
      await writer!.write(bucket.rows);
      const table = TABLES[bucket.kind].table;
      rowsByTable.set(table, (rowsByTable.get(table) ?? 0) + bucket.rows.length);
      progress(bucket.rows.length);
      bucket = undefined;
    };
    for (const i of order) {
      const kind = kinds[i]!;
      const key = keys[i]!;
      if (bucket && (bucket.kind !== kind || bucket.keys.has(key) || bucket.rows.length >= DIALECT.rowsPerStatement)) await flush();
      bucket ??= { kind, rows: [], keys: new Set() };
      bucket.rows.push(rowOf(kind, ops.at(i)!.record));
      bucket.keys.add(key);
    }
    await flush();
    await writer?.end();
    return rowsByTable;
  }

  async *readAudit(fromSeq = 1): AsyncIterable<AuditRecord> {
    // Decoded from the start of fromSeq's block: a row may refer to the rows before it in its block.
    let next = auditBlockStart(fromSeq);
    let prevHash = next <= 1 ? AUDIT_GENESIS_HASH : hashHexOf((await this.rows('SELECT hash FROM audit WHERE seq = $1', [next - 1]))[0]?.[0]);
    const previous: AuditPrevious = new Map();
    for (;;) {
      const page = await this.rows(auditSelectSql('$1', AUDIT_PAGE), [next]);
      // Read after the page: a shape is committed with the first record that uses it, and a run may
      // have committed both since the previous page.
      const shapes = auditShapesOf(await this.rows(AUDIT_SHAPES_SQL));
      for (const record of auditRecordsOf(page, prevHash, shapes, previous)) {
        prevHash = record.hash;
        if (record.seq >= fromSeq) yield record;
      }
      if (page.length < AUDIT_PAGE) return;
      next = Number(page[page.length - 1]![0]) + 1;
    }
  }

  async listBatches(): Promise<BatchRecord[]> {
    return (await this.rows(`SELECT ${BATCH_COLUMNS.join(', ')} FROM batches ORDER BY revision_after`)).map(batchRecordOf);
  }

  /**
   * PostgreSQL's journal: rows of `pc_journal`, each committed by itself (outside any transaction)
   * before the connector goes on, so it survives the run's process.
   */
  journal(): JournalLog {
    const log: JournalLog = {
      append: async (line) => {
        await this.rows('INSERT INTO pc_journal (seq, entry) SELECT COALESCE(MAX(seq), 0) + 1, $1 FROM pc_journal', [line]);
      },
      read: async () => (await this.rows('SELECT entry FROM pc_journal ORDER BY seq')).map((r) => String(r[0])),
      clear: async () => {
        await this.rows('DELETE FROM pc_journal');
      },
      close: async () => undefined,
    };
    return this.holdsLock ? log : readOnlyJournal(log);
  }

  async readPasswordHash(email: string): Promise<string | undefined> {
    const value = (await this.rows('SELECT password_hash FROM user_passwords WHERE email = $1', [email]))[0]?.[0];
    return typeof value === 'string' ? value : undefined;
  }

  async writePasswordHash(email: string, hash: string | null, at: string): Promise<void> {
    if (!this.holdsLock) throw new StoreError('The store was opened for reading; setting a password needs the writer lock');
    if (hash === null) await this.rows('DELETE FROM user_passwords WHERE email = $1', [email]);
    else await this.rows('INSERT INTO user_passwords (email, password_hash, updated_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at', [email, hash, at]);
  }

  /** Ending the session also releases the advisory lock, as the server does for a run that died. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }
}
