import type { Diagnostic } from '../core/diagnostics.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { Entity, RecordOf } from '../core/entities.js';
import type { PackedCells } from '../read/packed-cells.js';
import type { RawHeader } from '../read/raw-sheet.js';
import type { SheetKind } from '../normalize/columns.js';
import type { HeaderMatch } from '../normalize/headers.js';

/** The closed set of results a row can have (SPEC §2.4). */
export const ROW_RESULTS = ['created', 'updated', 'unchanged', 'removed', 'suspended', 'scheduled', 'pending', 'rejected', 'skipped'] as const;
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
    /** `renew` / `expire`: a subscription reached its term end (a local store's clock); see `at`. */
    action: 'create' | 'update' | 'remove' | 'suspend' | 'renew' | 'expire';
    before: RecordOf[E] | null;
    after: RecordOf[E];
    /** Fields whose value changes (display names), in column order. */
    fields: string[];
    /** Resellers: a new invitation is to be issued (and any open one replaced). */
    invite?: boolean;
    /**
     * The input file (an index into `SyncPlan.inputs`) of the row asking for the change; null for drift
     * found by --prune and for renewals. The row itself names its change (`PlannedRow.change`): a
     * reference back from each of a million changes would be a million more objects (53 MB).
     */
    sourceFile: number | null;
    /** When the change took effect, if not at the run's time: a renewal is dated at its term end. */
    at?: string;
  };
}[Entity];

/** The `fields` of every created record: one shared, frozen empty list (a million creates, one array). */
export const NO_FIELDS: string[] = Object.freeze([]) as unknown as string[];

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
}

export type WrittenValues = readonly (string | number)[];

export interface PlannedSheet {
  kind: SheetKind;
  name: string;
  file: number;
  headerRow: number;
  headers: RawHeader[];
  mapping: HeaderMatch[];
  diags: Diagnostic[];
  rows: PlannedRow[];
  /**
   * What the existing records of its rows write back (Tenant ID and Admin Access; Subscription ID,
   * Term Start, Term End and Refundable Seats): `writtenColumns(kind).length` values a row, row after
   * row, in the order of `rows`; nothing (a hole, `null` once saved) for a row with none. The records'
   * own strings, shared, not copied. Flat rather than an array on each row: a million unchanged rows of
   * a re-run would otherwise keep a million small arrays (80 MB) through planning and the apply. A row
   * with a change writes back from the change instead (see `keptWritten`, `writtenOfChange`).
   */
  written?: (string | number | null)[];
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
  /** Indexes into `changes` of the renewals and expiries due by the run's clock (local stores). */
  renewals: number[];
  /** The run's clock was set with --now on a store made with --simulated-clock. */
  simulatedClock: boolean;
  warnings: string[];
}

/**
 * 2: a row's cells are packed into one string (`packCells`). 3: new commerce (terms, renewals, written-back
 * values). 4: the written-back values are kept by sheet (`PlannedSheet.written`), not on each row, and a
 * change names only its row's file (`sourceFile`).
 */
export const PLAN_FORMAT_VERSION = 4;

export type ResultCounts = Record<string, Partial<Record<RowResult, number>>>;

export function countResults(plan: Pick<SyncPlan, 'sheets'>): ResultCounts {
  const counts: ResultCounts = {};
  for (const sheet of plan.sheets) {
    const c = (counts[sheet.kind] ??= {});
    for (const row of sheet.rows) c[row.result] = (c[row.result] ?? 0) + 1;
  }
  return counts;
}

/** What a prune did to records absent from the input, by sheet: `{ Subscriptions: { suspended: 30 } }`. */
export function countDrift(plan: Pick<SyncPlan, 'drift'>): ResultCounts {
  const counts: ResultCounts = {};
  const SHEET_OF: Record<string, string> = { user: 'Users', offer: 'Offers', reseller: 'Resellers', customer: 'Customers', subscription: 'Subscriptions' };
  for (const item of plan.drift) {
    const c = (counts[SHEET_OF[item.entity]!] ??= {});
    const result: RowResult = item.change === undefined ? 'unchanged' : item.action === 'remove' ? 'removed' : 'suspended';
    c[result] = (c[result] ?? 0) + 1;
  }
  return counts;
}

/** Renewals and expiries the run applies (or, planned, would apply). */
export function countRenewals(plan: Pick<SyncPlan, 'renewals' | 'changes'>): { renewed: number; expired: number } {
  let renewed = 0;
  let expired = 0;
  for (const i of plan.renewals) plan.changes[i]!.action === 'renew' ? renewed++ : expired++;
  return { renewed, expired };
}

export function hasRejections(plan: Pick<SyncPlan, 'sheets'>): boolean {
  return plan.sheets.some((s) => s.rows.some((r) => r.result === 'rejected'));
}
