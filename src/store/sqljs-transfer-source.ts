import { promises as fs } from 'node:fs';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { StoreError } from '../core/errors.js';
import { FileLock } from './file-lock.js';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.js';
import { migrationSql, SQL_DIALECTS } from './sql-dialect.js';
import type { StoreTransferSource, TableChunk, TransferOptions, TransferValue } from './store-transfer.js';

const CHUNK_ROWS = 5000;

function scalar(db: Database, sql: string): SqlValue | undefined {
  const stmt = db.prepare(sql);
  try {
    return stmt.step() ? stmt.get()[0] : undefined;
  } finally {
    stmt.free();
  }
}

/**
 * A store file as a transfer source. It holds the file's writer lock until closed, so no run changes
 * the store while it is being copied.
 */
export async function openSqlJsTransferSource(path: string, options: TransferOptions): Promise<StoreTransferSource> {
  const lock = await FileLock.acquire(path, { timeoutSeconds: options.lockTimeoutSeconds, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  let db: Database | undefined;
  try {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError(`There is no store at ${path}`, { cause });
      throw new StoreError(`The store ${path} cannot be read (${(cause as Error).message})`, { cause });
    }
    const SQL = await initSqlJs();
    db = new SQL.Database(bytes);
    const opened = db;
    let current: number;
    try {
      opened.run(MIGRATIONS_TABLE);
      current = Number(scalar(opened, 'SELECT COALESCE(MAX(version), 0) FROM schema_migrations') ?? 0);
    } catch (cause) {
      throw new StoreError(`${path} is not a tiersync store (${(cause as Error).message})`, { cause });
    }
    if (current > SCHEMA_VERSION) throw new StoreError(`The store ${path} was written by a newer tiersync (schema ${current}; this one knows ${SCHEMA_VERSION}); upgrade tiersync`);
    if (current === 0 || scalar(opened, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'") !== 1 || scalar(opened, 'SELECT COUNT(*) FROM store_meta') !== 1) {
      throw new StoreError(`${path} is not a tiersync store (no store record)`);
    }
    // An older store is brought up to date in memory, as opening it would; the file itself is not touched.
    for (const m of MIGRATIONS) if (m.version > current) opened.exec(migrationSql(m, SQL_DIALECTS.sqlite));
    const tables = (opened.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' AND name NOT LIKE 'sqlite_%' ORDER BY name")[0]?.values ?? []).map((v) => String(v[0]));
    return {
      location: path,
      schemaVersion: SCHEMA_VERSION,
      async *chunks(): AsyncIterable<TableChunk> {
        for (const table of tables) {
          const columns = (opened.exec(`PRAGMA table_info(${table})`)[0]?.values ?? []).map((v) => String(v[1]));
          const stmt = opened.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${SQL_DIALECTS.sqlite.rowOrderColumn}`);
          try {
            let rows: TransferValue[][] = [];
            while (stmt.step()) {
              rows.push(stmt.get() as TransferValue[]);
              if (rows.length === CHUNK_ROWS) {
                yield { table, columns, rows };
                rows = [];
              }
            }
            yield { table, columns, rows };
          } finally {
            stmt.free();
          }
        }
      },
      async close() {
        opened.close();
        await lock.release();
      },
    };
  } catch (error) {
    db?.close();
    await lock.release();
    throw error;
  }
}
