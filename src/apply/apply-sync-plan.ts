import { randomUUID } from 'node:crypto';
import { adminUserName } from '../core/customer-domain.js';
import type { InvitationRecord, PendingOrderRecord, ResellerRecord, SubscriptionRecord } from '../core/entities.js';
import { countResults, type Change, type SyncPlan } from '../plan/sync-plan.js';
import type { AuditEntry, BatchRecord, Sequence, SyncStore, WriteOp } from '../store/sync-store.js';
import { termEndOf } from '../core/new-commerce.js';
import { generateInvitationToken, generateTemporaryPassword, hashToken } from './secrets.js';

/** A new customer's sign-in, shown once in the credential report and nowhere else. */
export interface IssuedCredential {
  domain: string;
  companyName: string;
  tenantId: string;
  adminUserName: string;
  temporaryPassword: string;
  resellerMpnId: string | null;
  createdAt: string;
}

/** A partnership request to send. `token` lives only in memory and in the email draft. */
export interface IssuedInvitation {
  resellerMpnId: string;
  resellerName: string;
  contactEmail: string;
  token: string;
  expiresAt: string;
  /** A connected store: the provider's Partner Center partnership link, in place of an acceptance link with a token. */
  link?: string;
}

/**
 * A connected apply (SPEC §7): what Partner Center did, change by change, recorded instead of the
 * plan's own values. A change missing from `outcomes`, or not `done`, writes nothing.
 */
export interface RemoteOutcomes {
  outcomes: ReadonlyMap<number, { status: 'done'; record?: object } | { status: 'failed' | 'pending' }>;
  /** Partner Center's credentials of the customers it created (never the store's). */
  credentials: IssuedCredential[];
  pendingOrders: PendingOrderRecord[];
  /** The partnership link the invitation drafts carry. */
  partnershipLink: string | null;
}

export interface ApplyResult {
  batchId: string;
  /** The apply's time: a created subscription's term starts then. */
  appliedAt: string;
  revisionBefore: number;
  revisionAfter: number;
  /**
   * By change index: the customer's tenant ID or the subscription's ID as committed (assigned by this
   * run for a new record), null for other entities. Only the IDs are kept: a million-row run's
   * records are garbage once committed.
   */
  assignedIds: (string | null)[];
  credentials: IssuedCredential[];
  invitations: IssuedInvitation[];
}

export interface ApplyOptions {
  batchId: string;
  mode: BatchRecord['mode'];
  startedAt: string;
  now: string;
  /**
   * Called with what the apply issued (IDs, and the secrets, once they exist) before the store
   * commits, so that the files that carry the secrets can be staged: a committed run must never lose
   * a password it issued. Resolves to the report details stored with the batch record (never a secret).
   */
  beforeCommit?: (issued: Omit<ApplyResult, 'revisionAfter'>) => Promise<unknown>;
  /** Progress of the store's writes (records and audit entries written, of the total), for display. */
  onProgress?: (written: number, total: number) => void;
  /** A connected store: Partner Center's outcomes, already carried out there. */
  remote?: RemoteOutcomes;
  /**
   * Told, with what the apply did, as soon as the commit can fail only in making itself durable (see
   * `CommitBatch.onCommitted`): work started here runs while the file store saves its file. The apply
   * still resolves only once the commit is durable, and rejects if it is not.
   */
  onCommitted?: (applied: ApplyResult) => void;
  /** Writes and audit entries committed ahead of the plan's (a connected store's targeted refresh: what Partner Center showed). */
  leading?: { ops: WriteOp[]; audit: AuditEntry[] };
}

/**
 * What the store's earliest renewal becomes (see `CommitBatch.renewalFloor`): the earliest term end the
 * run writes, or, when a renewal could have been due (the kept one has passed), read again from all.
 */
function renewalFloorOf(plan: SyncPlan, kept: string | null, now: string, written: (index: number) => SubscriptionRecord, remote: boolean, applied: (index: number) => boolean): { earliest: string | null; recompute: boolean } {
  if (kept !== null && kept <= now) return { earliest: null, recompute: true };
  let earliest: string | null = null;
  plan.changes.forEach((change, i) => {
    if (change.entity !== 'subscription' || !applied(i)) return;
    const status = change.after.status;
    if (status !== 'active' && status !== 'suspended') return;
    // A local store's created subscriptions all start now (their term end is not in the plan yet).
    const end = change.action === 'create' && !change.after.termEnd && !remote ? termEndOf(now, change.after.term) : written(i).termEnd;
    if (end && (earliest === null || end < earliest)) earliest = end;
  });
  return { earliest, recompute: false };
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}

/**
 * Carry out exactly the plan's changes in one store commit: assign IDs, issue credentials and
 * invitation tokens, and append an audit entry per change. Nothing is written when the plan has no change.
 */
export async function applySyncPlan(plan: SyncPlan, store: SyncStore, options: ApplyOptions): Promise<ApplyResult> {
  const { now } = options;
  const info = await store.info();
  const openInvitation = new Map((await store.openInvitations()).map((i) => [i.resellerMpnId, i]));
  // The writes and audit entries, by position: a number is the index of the change whose record it
  // writes (made when the store asks for it, see `writtenRecord`), an object is written as it is
  // (invitations). A million-change commit then holds its IDs, not a second copy of every record.
  const ops: (number | WriteOp)[] = [...(options.leading?.ops ?? [])];
  const audit: (number | AuditEntry)[] = [...(options.leading?.audit ?? [])];
  const assignedIds: (string | null)[] = [];
  const credentials: IssuedCredential[] = [];
  const invitations: IssuedInvitation[] = [];
  const inputOf = (change: Change) => plan.inputs[change.sourceFile ?? 0] ?? { name: '', sha256: '' };
  const entryOf = (change: Change, key: string, action: string, before: unknown, after: unknown, entity: string = change.entity): AuditEntry => {
    const input = inputOf(change);
    // A renewal is dated at its term end; everything else at the run's time.
    const entry: AuditEntry = { batchId: options.batchId, at: change.at ?? now, operator: plan.operator, entity, key, action, before, after, inputName: input.name, inputSha256: input.sha256 };
    if (plan.simulatedClock) entry.clock = 'simulated';
    return entry;
  };
  const remote = options.remote;
  const outcomeOf = (index: number) => remote?.outcomes.get(index);
  /** The record a change writes: as planned, with the ID and creation time of a new customer or subscription (connected: as Partner Center has it). */
  const writtenRecord = (index: number): Change['after'] => {
    const change = plan.changes[index]!;
    const outcome = outcomeOf(index);
    if (outcome?.status === 'done' && outcome.record) return outcome.record as Change['after'];
    if (change.action !== 'create') return change.after;
    if (change.entity === 'customer') return { ...change.after, tenantId: assignedIds[index]!, createdAt: now };
    if (change.entity === 'subscription') return { ...change.after, subscriptionId: assignedIds[index]!, createdAt: now, termStart: now, termEnd: termEndOf(now, change.after.term) };
    return change.after;
  };
  const keyOf = (change: Change, index: number): string => {
    switch (change.entity) {
      case 'customer':
        return change.after.domain;
      case 'subscription':
        return assignedIds[index]!;
      case 'reseller':
        return change.after.mpnId;
      default:
        return change.key;
    }
  };

  for (const [index, change] of plan.changes.entries()) {
    if (remote) {
      // Connected: Partner Center already did (or refused) the change; the store records what it did.
      const outcome = outcomeOf(index);
      if (outcome?.status !== 'done') {
        assignedIds.push(null);
        continue;
      }
      const record = writtenRecord(index) as unknown as Record<string, unknown>;
      assignedIds.push(change.entity === 'customer' ? String(record.tenantId) : change.entity === 'subscription' ? String(record.subscriptionId) : null);
      if (change.entity === 'reseller' && change.invite) {
        const after: ResellerRecord = change.after;
        invitations.push({ resellerMpnId: after.mpnId, resellerName: after.name, contactEmail: after.contactEmail, token: '', expiresAt: '', link: remote.partnershipLink ?? '' });
        audit.push(entryOf(change, after.mpnId, 'invite', null, { contactEmail: after.contactEmail, link: 'partnership link' }, 'invitation'));
      }
      ops.push(index);
      audit.push(index);
      continue;
    }
    switch (change.entity) {
      case 'customer': {
        const tenantId = change.action === 'create' ? randomUUID() : change.after.tenantId;
        if (change.action === 'create') {
          credentials.push({
            domain: change.after.domain,
            companyName: change.after.companyName,
            tenantId,
            adminUserName: adminUserName(change.after.domain),
            temporaryPassword: generateTemporaryPassword(),
            resellerMpnId: change.after.resellerMpnId,
            createdAt: now,
          });
        }
        assignedIds.push(tenantId);
        break;
      }
      case 'subscription':
        assignedIds.push(change.action === 'create' ? randomUUID() : change.after.subscriptionId);
        break;
      case 'reseller': {
        const after: ResellerRecord = change.after;
        const open = openInvitation.get(after.mpnId);
        if (open && (change.invite || after.partnership === 'removed')) {
          const closed: InvitationRecord = { ...open, status: change.invite ? 'replaced' : 'withdrawn' };
          ops.push({ kind: 'upsert-invitation', record: closed });
          openInvitation.delete(after.mpnId);
        }
        ops.push(index);
        audit.push(index);
        if (change.invite) {
          const token = generateInvitationToken();
          const invitation: InvitationRecord = {
            id: randomUUID(),
            resellerMpnId: after.mpnId,
            tokenHash: hashToken(token),
            createdAt: now,
            expiresAt: addDays(now, plan.options.invitationDays),
            status: 'open',
            acceptedAt: null,
          };
          ops.push({ kind: 'upsert-invitation', record: invitation });
          audit.push(entryOf(change, after.mpnId, 'invite', null, { invitationId: invitation.id, contactEmail: after.contactEmail, expiresAt: invitation.expiresAt }, 'invitation'));
          invitations.push({ resellerMpnId: after.mpnId, resellerName: after.name, contactEmail: after.contactEmail, token, expiresAt: invitation.expiresAt });
        }
        assignedIds.push(null);
        continue;
      }
      case 'user':
      case 'offer':
        assignedIds.push(null);
        break;
    }
    ops.push(index);
    audit.push(index);
  }

  if (remote) {
    credentials.push(...remote.credentials);
    for (const order of remote.pendingOrders) {
      ops.push({ kind: 'upsert-pending-order', record: order });
      audit.push({ batchId: options.batchId, at: now, operator: plan.operator, entity: 'order', key: order.orderId, action: 'pending', before: null, after: { customerDomain: order.customerDomain, lines: order.lines.length }, inputName: plan.inputs[0]?.name ?? '', inputSha256: plan.inputs[0]?.sha256 ?? '' });
    }
  }
  const writes: Sequence<WriteOp> = {
    length: ops.length,
    at: (i) => {
      const op = ops[i]!;
      return typeof op === 'number' ? ({ kind: 'upsert', entity: plan.changes[op]!.entity, record: writtenRecord(op) } as WriteOp) : op;
    },
  };
  const entries: Sequence<AuditEntry> = {
    length: audit.length,
    at: (i) => {
      const entry = audit[i]!;
      if (typeof entry !== 'number') return entry;
      const change = plan.changes[entry]!;
      return entryOf(change, keyOf(change, entry), change.action, change.before, writtenRecord(entry));
    },
  };
  const issued: Omit<ApplyResult, 'revisionAfter'> = { batchId: options.batchId, appliedAt: now, revisionBefore: plan.revision, assignedIds, credentials, invitations };
  if (!ops.length) return { ...issued, revisionAfter: plan.revision };
  const details = (await options.beforeCommit?.(issued)) ?? null;
  const counts = countResults(plan) as BatchRecord['counts'];
  const revisionAfter = await store.commit({
    expectedRevision: plan.revision,
    ops: writes,
    audit: entries,
    ...(options.onCommitted ? { onCommitted: (revisionAfter: number) => options.onCommitted!({ ...issued, revisionAfter }) } : {}),
    renewalFloor: renewalFloorOf(plan, info.nextRenewalAt, now, (i) => writtenRecord(i) as SubscriptionRecord, !!remote, (i) => !remote || remote.outcomes.get(i)?.status === 'done'),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    batch: {
      batchId: options.batchId,
      mode: options.mode,
      operator: plan.operator,
      startedAt: options.startedAt,
      finishedAt: now,
      inputs: plan.inputs.map(({ name, sha256 }) => ({ name, sha256 })),
      counts,
      revisionBefore: plan.revision,
      details,
    },
  });
  return { ...issued, revisionAfter };
}
