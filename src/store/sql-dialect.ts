import type { Migration } from './migrations.js';

/**
 * The few ways the SQL engines differ, as one table: every backend runs the same migrations and the
 * same statements, adjusted only by these entries (never `if (postgres)` around the code).
 */
export interface SqlDialect {
  /**
   * The column that keeps rows in the order they were first inserted (an update keeps its place).
   * SQLite has it built in (`rowid`); elsewhere the migrations add it to every table.
   */
  readonly rowOrderColumn: string;
  /** Column definition added first to every table by the migrations, when the engine has no built-in one. */
  readonly rowOrderDefinition: string | null;
  /**
   * Bulk writes: rows per multi-row statement (1: one prepared statement run per row). PostgreSQL's are
   * a thousand: each column's values go as one text, and at five thousand those texts were large enough
   * for V8 to keep them with the long-lived objects, where a million rows' worth piled up until the next
   * full collection (L-import's peak: 2.13 GB at 5,000 rows, 1.83 GB at 1,000, 1.82 GB at 500).
   */
  readonly rowsPerStatement: number;
  /** An ISO 8601 UTC timestamp column plus one year, as the same ISO text (used by migrations). */
  plusOneYear(column: string): string;
  /** A 64-bit integer key that is the table's row order: a table keyed so gets no row-order column. */
  readonly rowIdKey: string;
  /** The column type of raw bytes. */
  readonly bytesType: string;
  /** A hex text column as its bytes. */
  hexToBytes(column: string): string;
  /** Gives the pages of dropped tables back (`{{RECLAIM}}`, outside any transaction), when the engine does not. */
  readonly reclaim: string;
  /** An ISO 8601 UTC time text column ('' for none) as its milliseconds since 1970 (NULL for none), used by migrations. */
  msOf(column: string): string;
}

export const SQL_DIALECTS = {
  sqlite: {
    rowOrderColumn: 'rowid',
    rowOrderDefinition: null,
    rowsPerStatement: 1,
    plusOneYear: (c) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${c}, '+1 year')`,
    rowIdKey: 'INTEGER PRIMARY KEY',
    bytesType: 'BLOB',
    hexToBytes: (c) => `unhex(${c})`,
    reclaim: 'VACUUM;',
    msOf: (c) => `CAST(round((julianday(NULLIF(${c}, '')) - 2440587.5) * 86400000) AS INTEGER)`,
  },
  postgres: {
    rowOrderColumn: 'row_order',
    rowOrderDefinition: 'row_order BIGSERIAL NOT NULL',
    rowsPerStatement: 1000,
    plusOneYear: (c) => `to_char((${c}::timestamptz + interval '1 year') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    rowIdKey: 'BIGINT PRIMARY KEY',
    bytesType: 'BYTEA',
    hexToBytes: (c) => `decode(${c}, 'hex')`,
    reclaim: '',
    msOf: (c) => `round(EXTRACT(EPOCH FROM NULLIF(${c}, '')::timestamptz) * 1000)::bigint`,
  },
} as const satisfies Record<string, SqlDialect>;

/** The filter of the invitations an apply may replace or withdraw, in both dialects. */
export const OPEN_INVITATIONS = "WHERE status = 'open'";

/**
 * The earliest term end of the subscriptions that can renew or expire (active or suspended), as stored
 * (record-mapping's `time` codec): the store keeps it as text (`store_meta.next_renewal_at`) so that a
 * run looks for due renewals only when one can be due, without an index over every subscription's term end.
 */
export const RENEWAL_FLOOR_SQL = "SELECT MIN(term_end) FROM subscriptions WHERE term_end IS NOT NULL AND status IN ('active', 'suspended')";

/**
 * A migration's text for an engine: the shared SQL with the dialect's row-order column added to each
 * table but those whose first column is `{{ROW_ID}}` (their key is their order), and its placeholders
 * filled: `{{ROW_ORDER}}` (the row-order column), `{{ROW_ID}}`, `{{BYTES}}`, `{{HEX_TO_BYTES col}}`, `{{MS_OF col}}`,
 * `{{RECLAIM}}` and `{{PLUS_ONE_YEAR col}}`.
 */
export function migrationSql(migration: Migration, dialect: SqlDialect): string {
  let sql = migration.sql;
  if (dialect.rowOrderDefinition) sql = sql.replace(/CREATE TABLE (\w+) \(\n(?!\s*\w+ \{\{ROW_ID\}\})/g, (_, table: string) => `CREATE TABLE ${table} (\n  ${dialect.rowOrderDefinition},\n`);
  return sql
    .replace(/\{\{ROW_ORDER\}\}/g, dialect.rowOrderColumn)
    .replace(/\{\{ROW_ID\}\}/g, dialect.rowIdKey)
    .replace(/\{\{BYTES\}\}/g, dialect.bytesType)
    .replace(/\{\{RECLAIM\}\}/g, dialect.reclaim)
    .replace(/\{\{HEX_TO_BYTES (\w+)\}\}/g, (_, column: string) => dialect.hexToBytes(column))
    .replace(/\{\{MS_OF (\w+)\}\}/g, (_, column: string) => dialect.msOf(column))
    .replace(/\{\{PLUS_ONE_YEAR (\w+)\}\}/g, (_, column: string) => dialect.plusOneYear(column));
}
