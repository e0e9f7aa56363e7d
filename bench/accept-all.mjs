// Bench setup: every open partnership invitation of a store is accepted, as if each reseller had
// followed its link (the same writes and audit records as `tiersync accept`, one batch for all).
//   node bench/accept-all.mjs STORE
import { randomUUID } from 'node:crypto';
import { openStore } from '../dist/run/store-factory.js';

export async function acceptAll(location) {
  const store = await openStore(location, { write: true, lockTimeoutSeconds: 60 });
  try {
    const snapshot = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
    const now = new Date().toISOString();
    const batchId = randomUUID();
    const resellers = new Map(snapshot.resellers.map((r) => [r.mpnId, r]));
    const ops = [];
    const audit = [];
    for (const invitation of snapshot.openInvitations) {
      const before = resellers.get(invitation.resellerMpnId);
      if (!before || before.partnership !== 'invited') continue;
      const after = { ...before, partnership: 'active', stateSince: now };
      const operator = `reseller ${before.mpnId} (invitation link)`;
      const entry = { batchId, at: now, operator, inputName: '', inputSha256: '' };
      ops.push({ kind: 'upsert', entity: 'reseller', record: after }, { kind: 'upsert-invitation', record: { ...invitation, status: 'accepted', acceptedAt: now } });
      audit.push(
        { ...entry, entity: 'reseller', key: before.mpnId, action: 'accept', before, after },
        { ...entry, entity: 'invitation', key: before.mpnId, action: 'accept', before: { invitationId: invitation.id, status: 'open' }, after: { invitationId: invitation.id, status: 'accepted' } },
      );
    }
    if (!ops.length) return 0;
    await store.commit({
      expectedRevision: snapshot.info.revision,
      ops,
      audit,
      batch: { batchId, mode: 'accept', operator: 'bench (invitation links)', startedAt: now, finishedAt: now, inputs: [], counts: { Resellers: { updated: ops.length / 2 } }, revisionBefore: snapshot.info.revision, details: null },
    });
    return ops.length / 2;
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = await acceptAll(process.argv[2]);
  console.log(`${n} invitation(s) accepted`);
}
