import { NO_FIELDS } from './sync-plan.js';
import { BILLING_CYCLES, offerKey, TERMS, type BillingCycle, type OfferRecord, type Term } from '../core/entities.js';
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
    const unknown = row.billingCycles.filter((c) => !(BILLING_CYCLES as readonly string[]).includes(c.toLowerCase()));
    if (unknown.length) scope.error('row.invalid-value', `Billing Frequencies: ${unknown.map((u) => `"${u}"`).join(', ')} is not a billing frequency (${BILLING_CYCLES.join(', ')})`, 'billingCycles', row.billingCycles.join('; '));
    else if (!row.billingCycles.length) scope.error('row.required', 'Billing Frequencies names no frequency', 'billingCycles');
    cycles = BILLING_CYCLES.filter((c) => row.billingCycles!.some((x) => x.toLowerCase() === c));
  }
  // Terms keep the order written: the first is a new subscription's default.
  let terms: Term[] | undefined;
  if (row.terms) {
    const unknown = row.terms.filter((t) => !(TERMS as readonly string[]).includes(t.toUpperCase()));
    if (unknown.length) scope.error('row.invalid-value', `Terms: ${unknown.map((u) => `"${u}"`).join(', ')} is not a term (${TERMS.join(', ')})`, 'terms', row.terms.join('; '));
    else if (!row.terms.length) scope.error('row.required', 'Terms names no term', 'terms');
    terms = row.terms.map((t) => t.toUpperCase() as Term);
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
    terms: terms ?? before?.terms ?? (columnDef('Offers', 'terms').default!.split('; ') as Term[]),
    billingCycles: cycles ?? before?.billingCycles ?? (columnDef('Offers', 'billingCycles').default!.split('; ') as BillingCycle[]),
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
