import { randomUUID } from 'node:crypto';
import type { CommitBatch, InitStoreOptions, WriteOp } from './sync-store.js';

/** A new store's first batch, the same on every backend: the provider's Global admin and its catalog, audited. */
export function initialBatch(options: InitStoreOptions): CommitBatch {
  const batchId = randomUUID();
  const entry = { batchId, at: options.now, operator: options.operator, inputName: '', inputSha256: '', action: 'create', before: null };
  return {
    expectedRevision: 0,
    ops: [{ kind: 'upsert', entity: 'user', record: options.admin }, ...options.offers.map((record) => ({ kind: 'upsert' as const, entity: 'offer' as const, record }))] satisfies WriteOp[],
    audit: [
      { ...entry, entity: 'provider', key: options.provider.mpnId, after: options.provider },
      { ...entry, entity: 'user', key: options.admin.email, after: options.admin },
      ...options.offers.map((o) => ({ ...entry, entity: 'offer', key: o.offerId, after: o })),
    ],
    batch: { batchId, mode: 'init', operator: options.operator, startedAt: options.now, finishedAt: options.now, inputs: [], counts: { Offers: { created: options.offers.length }, Users: { created: 1 } }, revisionBefore: 0, details: null },
  };
}
