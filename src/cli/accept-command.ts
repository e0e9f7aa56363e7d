import { randomUUID } from 'node:crypto';
import { hashToken } from '../apply/secrets.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import type { ResellerRecord } from '../core/entities.js';
import type { WriteOp } from '../store/sync-store.js';
import type { RunContext } from '../run/run-context.js';
import { openStore } from '../run/store-factory.js';
import { runClock } from '../run/run-clock.js';

/** The token of `--token T` or of the whole link `--link URL`. */
export function tokenFrom(args: { token?: string; link?: string }): string {
  if (args.token && args.link) throw new UsageError('Give either --token or --link, not both');
  if (args.token) return args.token.trim();
  if (!args.link) throw new UsageError('Give the invitation with --token TOKEN or --link URL');
  let url: URL;
  try {
    url = new URL(args.link.trim());
  } catch (cause) {
    throw new UsageError('The --link value is not a URL; paste the whole acceptance link from the invitation', { cause });
  }
  const token = url.searchParams.get('token');
  if (!token) throw new UsageError('The link carries no invitation token; paste the whole acceptance link from the invitation');
  return token;
}

/** SPEC §1.3.1: an `invited` partnership becomes `active` when its current token is presented in time. */
export async function runAccept(ctx: RunContext, args: { token?: string; link?: string }): Promise<ExitCode> {
  const token = tokenFrom(args);
  const store = await openStore(ctx.storeLocation, { write: true, lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
  try {
    const clock = runClock(ctx, await store.info(), store.location);
    const now = clock.now;
    const invitation = await store.findInvitationByTokenHash(hashToken(token));
    if (!invitation) throw new UsageError('No invitation matches this token; check that the whole link was copied, or ask the provider for a new invitation');
    if (invitation.status === 'accepted') throw new UsageError(`This invitation was already accepted on ${invitation.acceptedAt?.slice(0, 10)}`);
    if (invitation.status !== 'open') throw new UsageError(`This invitation was ${invitation.status === 'replaced' ? 'replaced by a newer one' : 'withdrawn'}; use the latest invitation, or ask the provider for a new one`);
    if (invitation.expiresAt <= now) throw new UsageError(`This invitation expired on ${invitation.expiresAt.slice(0, 10)}; ask the provider to send a new one`);
    const snapshot = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
    const before = snapshot.resellers.find((r) => r.mpnId === invitation.resellerMpnId);
    if (!before || before.partnership !== 'invited') throw new UsageError(`The partnership with ${invitation.resellerMpnId} is not awaiting acceptance`);
    const after: ResellerRecord = { ...before, partnership: 'active', stateSince: now };
    const batchId = randomUUID();
    const operator = `reseller ${before.mpnId} (invitation link)`;
    const audit = { batchId, at: now, operator, inputName: '', inputSha256: '', ...(clock.simulated ? { clock: 'simulated' as const } : {}) };
    const revision = await store.commit({
      expectedRevision: snapshot.info.revision,
      ops: [
        { kind: 'upsert', entity: 'reseller', record: after },
        { kind: 'upsert-invitation', record: { ...invitation, status: 'accepted', acceptedAt: now } },
      ] satisfies WriteOp[],
      audit: [
        { ...audit, entity: 'reseller', key: before.mpnId, action: 'accept', before, after },
        { ...audit, entity: 'invitation', key: before.mpnId, action: 'accept', before: { invitationId: invitation.id, status: 'open' }, after: { invitationId: invitation.id, status: 'accepted' } },
      ],
      batch: { batchId, mode: 'accept', operator, startedAt: now, finishedAt: now, inputs: [], counts: { Resellers: { updated: 1 } }, revisionBefore: snapshot.info.revision, details: null },
    });
    ctx.log.info('invitation accepted', { event: 'partnership.accepted', reseller: before.mpnId, revision });
    ctx.terminal.print(`Partnership with ${before.name} (${before.mpnId}) is now active.`, true);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
