/**
 * Moving a whole store from one backend to another (`tiersync migrate-store`): the source hands over
 * every row of every table, in storage order; the target writes them unchanged. Store ID, revision,
 * audit chain and batches are rows like any other, so they arrive intact.
 */

/** A column value; bytes (an audit hash) are a Uint8Array. */
export type TransferValue = string | number | Uint8Array | null;

/** Some rows of one table, values in the order of `columns`. */
export interface TableChunk {
  table: string;
  columns: readonly string[];
  rows: TransferValue[][];
}

export interface StoreTransferSource {
  /** Where the rows come from, for messages. */
  readonly location: string;
  /** The schema version the rows follow (the program's own: an older store is migrated first). */
  readonly schemaVersion: number;
  chunks(): AsyncIterable<TableChunk>;
  close(): Promise<void>;
}

export interface TransferSummary {
  storeId: string;
  revision: number;
  /** Rows copied per table. */
  rows: Record<string, number>;
}

export interface TransferOptions {
  lockTimeoutSeconds: number;
  onWarning?: (message: string) => void;
  onProgress?: (table: string, rowsCopied: number) => void;
}
