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
  /** Bulk writes: rows per multi-row statement (1: one prepared statement run per row). */
  readonly rowsPerStatement: number;
}

export const SQL_DIALECTS = {
  sqlite: { rowOrderColumn: 'rowid', rowOrderDefinition: null, rowsPerStatement: 1 },
  postgres: { rowOrderColumn: 'row_order', rowOrderDefinition: 'row_order BIGSERIAL NOT NULL', rowsPerStatement: 5000 },
} as const satisfies Record<string, SqlDialect>;

/** A migration's text for an engine: the shared SQL with the dialect's row-order column added to each table. */
export function migrationSql(migration: Migration, dialect: SqlDialect): string {
  if (!dialect.rowOrderDefinition) return migration.sql;
  return migration.sql.replace(/CREATE TABLE (\w+) \(\n/g, (_, table: string) => `CREATE TABLE ${table} (\n  ${dialect.rowOrderDefinition},\n`);
}
