import type { Migration } from './migrations.js';

/**
 * The few ways the SQL engines differ, as one table: every backend runs the same migrations and the
 * same statements, adjusted only by these entries (never `if (postgres)` around the code).
 */
export interface SqlDialect {
  /** The n-th (1-based) bind parameter. */
  readonly param: (n: number) => string;
  /**
   * The column that keeps rows in the order they were first inserted (an update keeps its place).
   * SQLite has it built in (`rowid`); elsewhere the migrations add it to every table.
   */
  readonly rowOrderColumn: string;
  /** Column definition added first to every table by the migrations, when the engine has no built-in one. */
  readonly rowOrderDefinition: string | null;
  /** Set parameters: a whole list as one parameter (`= ANY($1)`) instead of one parameter per element. */
  readonly arrayParams: boolean;
  /** Bulk writes: rows per multi-row statement. */
  readonly rowsPerStatement: number;
}

export const SQL_DIALECTS = {
  sqlite: { param: () => '?', rowOrderColumn: 'rowid', rowOrderDefinition: null, arrayParams: false, rowsPerStatement: 1 },
  postgres: { param: (n: number) => `$${n}`, rowOrderColumn: 'row_order', rowOrderDefinition: 'row_order BIGSERIAL NOT NULL', arrayParams: true, rowsPerStatement: 5000 },
} as const satisfies Record<string, SqlDialect>;

/** A migration's text for an engine: the shared SQL with the dialect's row-order column added to each table. */
export function migrationSql(migration: Migration, dialect: SqlDialect): string {
  if (!dialect.rowOrderDefinition) return migration.sql;
  return migration.sql.replace(/CREATE TABLE (\w+) \(\n/g, (_, table: string) => `CREATE TABLE ${table} (\n  ${dialect.rowOrderDefinition},\n`);
}
