import { NO_FIELDS } from './sync-plan.js';
import { BILLING_CYCLES, offerKey, type BillingCycle, type OfferRecord } from '../core/entities.js';
import { columnDef } from '../normalize/columns.js';
import { diffRecords } from './diff-records.js';
import type { RowDecision, RowScope } from './row-context.js';

/**
 * @param batchOfferKeys offer keys of every valid row on the batch's Offers sheets, so an offer may
 * name as upgrade target one that a later row of the same batch adds.
 */
export function planOfferRow(scope: RowScope<'Offers'>, batchOfferKeys: ReadonlySet<string>): RowDecision {
  const row = scope.input.value!;
  const { state } = scope.ctx;
  const key = offerKey(row.offerId);
  const before = state.offers.get(key);
  if (!scope.permit('catalog.import')) return scope.rejected();
  if (!before) scope.requireOnCreate(['name']);

  let cycles: BillingCycle[] | undefined;
  if (row.billingCycles) {
    const unknown = row.billingCycles.filter((c) => !BILLING_CYCLES.includes(c.toLowerCase() as BillingCycle));
    if (unknown.length) scope.error('row.invalid-value', `Billing Cycles: ${unknown.map((u) => `"${u}"`).join(', ')} is not a billing cycle (monthly, annual)`, 'billingCycles', row.billingCycles.join('; '));
    else if (!row.billingCycles.length) scope.error('row.required', 'Billing Cycles names no cycle', 'billingCycles');
    cycles = BILLING_CYCLES.filter((c) => row.billingCycles!.some((x) => x.toLowerCase() === c));
  }
  const targets = row.upgradeTargets === null ? [] : row.upgradeTargets;
  for (const target of targets ?? []) {
    const t = offerKey(target);
    if (t === key) scope.error('offer.invalid-reference', `Upgrade Targets: an offer cannot be upgraded to itself (${target})`, 'upgradeTargets', target);
    else if (!state.offers.has(t) && !batchOfferKeys.has(t)) scope.error('offer.invalid-reference', `Upgrade Targets: ${target} is not in the catalog or on this sheet`, 'upgradeTargets', target);
  }
  const min = row.minQuantity ?? before?.minQuantity ?? Number(columnDef('Offers', 'minQuantity').default);
  const max = row.maxQuantity ?? before?.maxQuantity ?? Number(columnDef('Offers', 'maxQuantity').default);
  if (min > max) scope.error('row.invalid-value', `Min Quantity ${min} is greater than Max Quantity ${max}`, row.minQuantity !== undefined ? 'minQuantity' : 'maxQuantity', min);
  if (scope.failed) return scope.rejected();

  const after: OfferRecord = {
    offerId: before?.offerId ?? row.offerId,
    name: row.name ?? before!.name,
    minQuantity: min,
    maxQuantity: max,
    billingCycles: cycles ?? before?.billingCycles ?? [...BILLING_CYCLES],
    upgradeTargets: targets ?? before?.upgradeTargets ?? [],
  };
  if (!before) {
    state.offers.set(key, after);
    return { result: 'created', diags: [], note: 'Offer added to the catalog', change: { entity: 'offer', key, action: 'create', before: null, after, fields: NO_FIELDS } };
  }
  const diff = diffRecords('Offers', before, after);
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '' };
  state.offers.set(key, after);
  return { result: 'updated', diags: [], note: '', change: { entity: 'offer', key, action: 'update', before, after, fields: diff.fields } };
}
