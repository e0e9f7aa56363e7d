import type { AuditRecord } from '../core/audit-chain.js';
import type { JournalLog } from '../core/journal.js';
import type {
  CustomerRecord,
  Entity,
  InvitationRecord,
  PartnerCenterConnection,
  PendingOrderRecord,
  OfferRecord,
  ProviderRecord,
  RecordOf,
  ResellerRecord,
  SubscriptionRecord,
  UserRecord,
} from '../core/entities.js';

/**
 * The store contract every backend implements (sql.js file, PostgreSQL). The engine never sees SQL:
 * it asks for a snapshot, plans in memory, and hands back one batch of writes to commit atomically.
 */

export interface StoreInfo {
  storeId: string;
  /** Incremented by every commit. A saved plan records it; applying a stale plan is refused. */
  revision: number;
  schemaVersion: number;
  provider: ProviderRecord;
  createdAt: string;
  /** `simulated`: made with `init --simulated-clock`, so runs may set their clock with --now (SPEC §1.5). */
  clock: 'system' | 'simulated';
  /** When the last commit's run finished (its clock); time never goes backwards in a simulated store. */
  lastRunAt: string | null;
  /** A connected store's Partner Center (SPEC §7); absent for a local store. */
  partnerCenter?: PartnerCenterConnection;
  /** A connected store: when a refresh last read Partner Center. */
  lastRefreshAt: string | null;
  /** The earliest term end a subscription of the store can renew or expire at (null: none); never later than the true one. */
  nextRenewalAt: string | null;
}

/** Which records the planner needs. Small entities (users, offers, resellers, invitations) always come whole. */
export interface SnapshotRequest {
  /** Customers by domain prefix, or every customer. */
  customers: readonly string[] | 'all';
  /** Subscriptions of these customers (by domain prefix), or every subscription. */
  subscriptionsOfCustomers: readonly string[] | 'all';
  /** Subscriptions by Subscription ID (lower-case UUID), in addition to the above. */
  subscriptionIds: readonly string[];
  /** Also the active and suspended subscriptions whose term ends by this time: renewals due (a local store's clock). */
  dueBy?: string;
}

export interface StoreSnapshot {
  info: StoreInfo;
  users: UserRecord[];
  offers: OfferRecord[];
  resellers: ResellerRecord[];
  /** Invitations whose status is `open`. */
  openInvitations: InvitationRecord[];
  /** A connected store's orders still provisioning. */
  pendingOrders: PendingOrderRecord[];
  customers: CustomerRecord[];
  subscriptions: SubscriptionRecord[];
}

/** Insert the record, or replace the stored one with the same key. */
export type WriteOp =
  | { [E in Entity]: { kind: 'upsert'; entity: E; record: RecordOf[E] } }[Entity]
  | { kind: 'upsert-invitation'; record: InvitationRecord }
  | { kind: 'upsert-pending-order'; record: PendingOrderRecord };

/** An audit entry before the store numbers and chains it. */
export type AuditEntry = Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'>;

/** One run, as recorded for auditors and for regenerating its report. */
export interface BatchRecord {
  batchId: string;
  mode: 'apply' | 'reconcile' | 'accept' | 'catalog-import' | 'init' | 'migrate' | 'refresh' | 'recover';
  operator: string;
  startedAt: string;
  finishedAt: string;
  /** Input files with their SHA-256. */
  inputs: Array<{ name: string; sha256: string }>;
  /** Counts per sheet and result, e.g. `{ Resellers: { created: 3 } }`. */
  counts: Record<string, Record<string, number>>;
  revisionBefore: number;
  revisionAfter: number;
  /** Anything else the report generator needs (JSON). Never a secret. */
  details: unknown;
}

/**
 * A list read by position: an array, or items made when asked for, so that a commit of a million
 * records never holds every record (and every audit entry) at once. `at` may make a new object at
 * each call; a store takes what it needs of it and lets it go.
 */
export interface Sequence<T> {
  readonly length: number;
  at(index: number): T | undefined;
}

export interface CommitBatch {
  /** The revision the changes were planned against: a different current revision fails with StalePlanError. */
  expectedRevision: number;
  ops: Sequence<WriteOp>;
  /** In chain order. */
  audit: Sequence<AuditEntry>;
  /** Written with `revisionAfter` filled in by the store. */
  batch: Omit<BatchRecord, 'revisionAfter'>;
  /** Optional: told now and then how many of the ops and audit entries are written (display only). */
  onProgress?: (written: number, total: number) => void;
  /** A refresh of a connected store: when it read Partner Center (recorded with the commit). */
  refreshedAt?: string;
  /**
   * The earliest term end among the subscriptions written (active or suspended): the store's
   * `nextRenewalAt` becomes the earlier of the two. `recompute`: read it again from every subscription
   * (after renewals moved term ends on, or when the kept one was found too early).
   */
  renewalFloor?: { earliest: string | null; recompute: boolean };
  /**
   * Called once, as soon as the commit can no longer fail but in making itself durable, with the
   * revision it makes: the file store calls it when its database has committed and the save of its
   * file begins, so that work which does not touch the store (the results workbook) runs while the
   * file is written and synced. The commit still resolves only once it is durable, and still rejects
   * if the save fails: what the work made must then be thrown away. It must start work, not do it,
   * and must not throw.
   */
  onCommitted?: (revisionAfter: number) => void;
}

export interface StoreCapabilities {
  /** Durable on commit by itself (PostgreSQL), rather than by saving a file after commit (sql.js). */
  readonly serverSide: boolean;
}

export interface SyncStore {
  readonly capabilities: StoreCapabilities;
  /** Where the store is, for messages (a file path, or a URL without its password). */
  readonly location: string;
  info(): Promise<StoreInfo>;
  loadSnapshot(request: SnapshotRequest): Promise<StoreSnapshot>;
  findInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** The invitations whose status is `open` (what an apply replaces or withdraws), without the rest of a snapshot. */
  openInvitations(): Promise<InvitationRecord[]>;
  /**
   * Apply every op, append the audit entries to the chain and record the batch, in one transaction,
   * then make it durable. Either all of it is in the store afterwards, or none of it.
   * Returns the new revision. Requires the writer lock (opened with `write: true`).
   */
  commit(batch: CommitBatch): Promise<number>;
  /** Audit records in sequence order, from `fromSeq` on. */
  readAudit(fromSeq?: number): AsyncIterable<AuditRecord>;
  listBatches(): Promise<BatchRecord[]>;
  /** The console password hash of a user (by stored, lower-case email), if one was set. */
  readPasswordHash(email: string): Promise<string | undefined>;
  /**
   * Set a user's console password hash, or clear it with null. Not a change any plan reads: the
   * revision does not move and no batch is recorded. Durable on return; requires the writer lock.
   */
  writePasswordHash(email: string, hash: string | null, at: string): Promise<void>;
  /**
   * Optional: drop what the store holds in memory until it is next used (the file store: its whole
   * database, read from the file again then). Called between loading a snapshot and applying.
   */
  releaseMemory?(): void;
  /**
   * The journal of a connected run's Partner Center writes (SPEC §7.4). Requires the writer lock:
   * only the run that holds it writes or resolves the journal.
   */
  journal(): JournalLog;
  /** Release the writer lock (if held) and free resources. Idempotent. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Take the exclusive writer lock before reading anything. */
  write: boolean;
  /** Seconds to wait for another run's lock before failing with StoreLockedError (exit 4). */
  lockTimeoutSeconds: number;
  onWarning?: (message: string) => void;
}

export interface InitStoreOptions {
  provider: ProviderRecord;
  clock: 'system' | 'simulated';
  /** A connected store (SPEC §7.1). */
  partnerCenter?: PartnerCenterConnection;
  admin: UserRecord;
  offers: OfferRecord[];
  now: string;
  operator: string;
}
