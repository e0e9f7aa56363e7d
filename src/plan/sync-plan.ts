import type { Diagnostic } from '../core/diagnostics.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { Entity, RecordOf } from '../core/entities.js';
import type { PackedCells } from '../read/packed-cells.js';
import type { RawHeader } from '../read/raw-sheet.js';
import type { SheetKind } from '../normalize/columns.js';
import type { HeaderMatch } from '../normalize/headers.js';

/** The closed set of results a row can have (SPEC §2.4). */
export const ROW_RESULTS = ['created', 'updated', 'unchanged', 'removed', 'suspended', 'pending', 'rejected', 'skipped'] as const;
export type RowResult = (typeof ROW_RESULTS)[number];

/**
 * One change to one record. `before` is null for `create`; `after` is the whole record as it will be.
 * Records created by the plan lack what only apply may invent (tenant ID, subscription ID, creation
 * time): those fields hold '' until apply fills them.
 */
export type Change = {
  [E in Entity]: {
    entity: E;
    /** The record's key in the store (domain, MPN ID, subscription ID or '' for a new subscription). */
    key: string;
    action: 'create' | 'update' | 'remove' | 'suspend';
    before: RecordOf[E] | null;
    after: RecordOf[E];
    /** Fields whose value changes (display names), in column order. */
    fields: string[];
    /** Resellers: a new invitation is to be issued (and any open one replaced). */
    invite?: boolean;
    /** The row asking for the change; null for drift found by --prune. */
    source: RowRef | null;
  };
}[Entity];

/** The `fields` of every created record: one shared, frozen empty list (a million creates, one array). */
export const NO_FIELDS: string[] = Object.freeze([]) as unknown as string[];

export interface RowRef {
  file: number;
  sheet: string;
  row: number;
}

export interface PlannedRow {
  row: number;
  /** The input row's cells, packed (see `packCells`). */
  cells: PackedCells;
  result: RowResult;
  /** Errors first; the first one's code is the row's `Code` unless `code` is set. */
  diags: Diagnostic[];
  /** The row's code when its reason is not one of its own cells (order cancelled, sheet unreadable, --atomic). */
  code?: ErrorCode;
  /** Display only: what happened or will happen, for the Message column. Apply must not branch on it. */
  note: string;
  /** `field: old → new; …` for updates. */
  changesText: string;
  /** Index into `SyncPlan.changes` of this row's change, if any. */
  change?: number;
  /** Tenant ID / Subscription ID of an existing record, echoed in results. */
  assignedId?: string;
}

export interface PlannedSheet {
  kind: SheetKind;
  name: string;
  file: number;
  headerRow: number;
  headers: RawHeader[];
  mapping: HeaderMatch[];
  diags: Diagnostic[];
  rows: PlannedRow[];
}

export interface DriftItem {
  entity: Entity;
  key: string;
  description: string;
  /** What the run does about it. */
  action: 'remove' | 'suspend' | 'report';
  note: string;
  change?: number;
}

export interface PlanInput {
  name: string;
  sha256: string;
  bytes: number;
}

export interface PlanOptions {
  atomic: boolean;
  allowRemovals: boolean;
  prune: boolean;
  resendExpired: boolean;
  /** Days before a new invitation expires. */
  invitationDays: number;
}

/**
 * A plan is a contract: apply carries out exactly `changes`, against exactly `revision` of store `storeId`.
 * Saved as JSON by `plan --save-plan`; a file of another `formatVersion` is refused.
 */
export interface SyncPlan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  storeId: string;
  revision: number;
  operator: string;
  createdAt: string;
  options: PlanOptions;
  inputs: PlanInput[];
  /** Sheets in input order (file, then sheet order within the file). */
  sheets: PlannedSheet[];
  changes: Change[];
  drift: DriftItem[];
  /** Entities whose sheet was pruned. */
  prunedSheets: SheetKind[];
  /** Per pruned sheet: records of that kind in the store, and how many the drift removes or suspends. */
  pruneStats: Partial<Record<SheetKind, { records: number; pruned: number }>>;
  warnings: string[];
}

/** 2: a row's cells are packed into one string (`packCells`). */
export const PLAN_FORMAT_VERSION = 2;

export type ResultCounts = Record<string, Partial<Record<RowResult, number>>>;

export function countResults(plan: Pick<SyncPlan, 'sheets'>): ResultCounts {
  const counts: ResultCounts = {};
  for (const sheet of plan.sheets) {
    const c = (counts[sheet.kind] ??= {});
    for (const row of sheet.rows) c[row.result] = (c[row.result] ?? 0) + 1;
  }
  return counts;
}

export function hasRejections(plan: Pick<SyncPlan, 'sheets'>): boolean {
  return plan.sheets.some((s) => s.rows.some((r) => r.result === 'rejected'));
}
