import { randomUUID } from 'node:crypto';
import { hashToken } from '../apply/secrets.js';
import { UsageError } from '../core/errors.js';
import type { InvitationRecord, ProviderRecord, ResellerRecord } from '../core/entities.js';
import type { SyncStore, WriteOp } from '../store/sync-store.js';
import type { RunContext } from './run-context.js';
import { openStore } from './store-factory.js';
import { runClock } from './run-clock.js';

/** Why a token cannot be accepted: no such invitation, or one that can no longer be used. */
export type InvitationProblem = { kind: 'unknown' | 'used' | 'expired' | 'replaced' | 'not-invited'; reason: string };

/** An invitation that can be accepted now, with what the acceptance page shows of it. */
export interface AcceptableInvitation {
  invitation: InvitationRecord;
  reseller: ResellerRecord;
  provider: ProviderRecord;
  revision: number;
}

/**
 * SPEC §1.3.1: the invitation a token names, if it can be accepted at `now`; otherwise why not, in
 * words for the reseller. Reads only.
 */
export async function findAcceptableInvitation(store: SyncStore, token: string, now: string): Promise<AcceptableInvitation | InvitationProblem> {
  const invitation = await store.findInvitationByTokenHash(hashToken(token));
  if (!invitation) return { kind: 'unknown', reason: 'No invitation matches this token; check that the whole link was copied, or ask the provider for a new invitation' };
  if (invitation.status === 'accepted') return { kind: 'used', reason: `This invitation was already accepted on ${invitation.acceptedAt?.slice(0, 10)}` };
  if (invitation.status !== 'open') return { kind: 'replaced', reason: `This invitation was ${invitation.status === 'replaced' ? 'replaced by a newer one' : 'withdrawn'}; use the latest invitation, or ask the provider for a new one` };
  if (invitation.expiresAt <= now) return { kind: 'expired', reason: `This invitation expired on ${invitation.expiresAt.slice(0, 10)}; ask the provider to send a new one` };
  const snapshot = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
  const reseller = snapshot.resellers.find((r) => r.mpnId === invitation.resellerMpnId);
  if (!reseller || reseller.partnership !== 'invited') return { kind: 'not-invited', reason: `The partnership with ${invitation.resellerMpnId} is not awaiting acceptance` };
  return { invitation, reseller, provider: snapshot.info.provider, revision: snapshot.info.revision };
}

export function isInvitationProblem(found: AcceptableInvitation | InvitationProblem): found is InvitationProblem {
  return 'reason' in found;
}

/**
 * Accept a partnership invitation (local stores): the `invited` reseller becomes `active`, the
 * invitation `accepted`, in one audited batch. A wrong or expired token changes nothing and throws a
 * UsageError saying why. The token itself is never logged nor stored.
 */
export async function acceptInvitation(ctx: RunContext, token: string): Promise<ResellerRecord> {
  const store = await openStore(ctx.storeLocation, { write: true, lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
  try {
    const clock = runClock(ctx, await store.info(), store.location);
    const now = clock.now;
    const found = await findAcceptableInvitation(store, token, now);
    if (isInvitationProblem(found)) throw new UsageError(found.reason);
    const { invitation, reseller: before, revision: revisionBefore } = found;
    const after: ResellerRecord = { ...before, partnership: 'active', stateSince: now };
    const batchId = randomUUID();
    const operator = `reseller ${before.mpnId} (invitation link)`;
    const audit = { batchId, at: now, operator, inputName: '', inputSha256: '', ...(clock.simulated ? { clock: 'simulated' as const } : {}) };
    const revision = await store.commit({
      expectedRevision: revisionBefore,
      ops: [
        { kind: 'upsert', entity: 'reseller', record: after },
        { kind: 'upsert-invitation', record: { ...invitation, status: 'accepted', acceptedAt: now } },
      ] satisfies WriteOp[],
      audit: [
        { ...audit, entity: 'reseller', key: before.mpnId, action: 'accept', before, after },
        { ...audit, entity: 'invitation', key: before.mpnId, action: 'accept', before: { invitationId: invitation.id, status: 'open' }, after: { invitationId: invitation.id, status: 'accepted' } },
      ],
      batch: { batchId, mode: 'accept', operator, startedAt: now, finishedAt: now, inputs: [], counts: { Resellers: { updated: 1 } }, revisionBefore, details: null },
    });
    ctx.log.info('invitation accepted', { event: 'partnership.accepted', reseller: before.mpnId, revision });
    return after;
  } finally {
    await store.close();
  }
}
