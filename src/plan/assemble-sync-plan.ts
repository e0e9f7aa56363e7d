import { errorDiag, type Diagnostic } from '../core/diagnostics.js';
import type { ErrorCode } from '../core/error-codes.js';
import { offerKey, subscriptionNaturalKey, userKey, type Entity } from '../core/entities.js';
import { isAllowed, PERMISSION_LABELS, type Permission } from '../core/roles.js';
import { SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import type { InputRow, InputSheet } from '../normalize/normalize-sheet.js';
import type { StoreSnapshot } from '../store/sync-store.js';
import { diffRecords } from './diff-records.js';
import { planCustomerRow } from './plan-customer-row.js';
import { planOfferRow } from './plan-offer-row.js';
import { planResellerRow } from './plan-reseller-row.js';
import { planSubscriptionRow } from './plan-subscription-row.js';
import { planUserRow } from './plan-user-row.js';
import { RowScope, type PlanContext, type RowDecision } from './row-context.js';
import {
  PLAN_FORMAT_VERSION,
  type Change,
  type DriftItem,
  type PlanInput,
  type PlannedRow,
  type PlannedSheet,
  type PlanOptions,
  type SyncPlan,
} from './sync-plan.js';
import { WorkingState } from './working-state.js';
import { keepWritten } from './written-values.js';
import { renewDueSubscriptions } from './renewals.js';
import { providerDomainsOf } from './customer-rules.js';
import type { CountryRuleTable } from '../core/country-rules.js';
import type { ConnectedPlanning } from './row-context.js';

export interface PlanBatch {
  inputs: PlanInput[];
  /** Every recognized input sheet, in input order. */
  sheets: InputSheet[];
  warnings: string[];
}

export interface AssembleOptions extends PlanOptions {
  now: string;
  /** The operator's email (`--as`). */
  operator: string;
  /** Partner Center's per-country address rules (templates/country-rules.json, or refreshed). */
  countryRules?: CountryRuleTable;
  /** Renew and expire the subscriptions due by `now` (a local store: it is its own system of record). */
  applyRenewals?: boolean;
  /** `now` comes from --now on a store made with --simulated-clock: outputs say so. */
  simulatedClock?: boolean;
  /** A connected store (SPEC §7): Partner Center judges the time rules and records removals. */
  connected?: ConnectedPlanning;
  /** Told every `PROGRESS_ROWS` rows planned, of the batch's rows (display, and the caller's housekeeping). */
  onProgress?: (planned: number, total: number) => void;
}

/** Rows planned between two `onProgress` calls. */
const PROGRESS_ROWS = 10_000;

interface Slot {
  sheet: InputSheet;
  planned: PlannedSheet;
  index: number;
}

const ENTITY_OF: Record<SheetKind, Entity> = { Users: 'user', Offers: 'offer', Resellers: 'reseller', Customers: 'customer', Subscriptions: 'subscription' };

function rowKey(input: InputRow): string | undefined {
  const v = input.value;
  if (!v) return undefined;
  switch (input.kind) {
    case 'Users':
      return userKey((v as InputRow<'Users'>['value'])!.email);
    case 'Offers':
      return offerKey((v as InputRow<'Offers'>['value'])!.offerId);
    case 'Resellers':
      return (v as InputRow<'Resellers'>['value'])!.mpnId;
    case 'Customers':
      return (v as InputRow<'Customers'>['value'])!.domain;
    case 'Subscriptions': {
      const s = (v as InputRow<'Subscriptions'>['value'])!;
      return s.subscriptionId ?? `natural:${subscriptionNaturalKey(s.customerDomain, s.offerId, s.nickname ?? '')}`;
    }
  }
}

function where(slot: Slot, multiFile: boolean, fileNames: readonly string[]): string {
  const file = multiFile ? `${fileNames[slot.sheet.file]} ` : '';
  return `${file}${slot.sheet.name} row ${slot.planned.rows[slot.index]!.row}`;
}

/** Add to a planned row's diagnostics: the list is replaced, since a clean row's is the shared, frozen `NO_DIAGS`. */
function addDiags(row: PlannedRow, diags: readonly Diagnostic[]): void {
  if (diags.length) row.diags = [...row.diags, ...diags];
}

/** Drop a planned row's input from its sheet (its cells live on in the planned row). */
function releaseInput(slot: Slot): void {
  (slot.sheet.rows as (InputRow | undefined)[])[slot.index] = undefined;
}

/**
 * Diff the batch's desired rows against the store snapshot. Rows are planned in dependency order
 * (Users, Offers, Resellers, Customers, Subscriptions), each seeing what earlier rows create; then
 * orders that lost a row are cancelled whole, then --atomic. The batch is consumed: each input row is
 * dropped from its sheet once planned (see `releaseInput`), so a batch is planned once.
 */
export function assembleSyncPlan(batch: PlanBatch, snapshot: StoreSnapshot, options: AssembleOptions): SyncPlan {
  const state = new WorkingState(snapshot);
  const operatorRecord = state.users.get(userKey(options.operator));
  const ctx: PlanContext = {
    now: options.now,
    options,
    operator: operatorRecord?.status === 'active' ? operatorRecord : undefined,
    state,
    countryRules: options.countryRules,
    connected: options.connected,
    providerDomains: providerDomainsOf(snapshot.users.map((u) => u.email)),
  };
  const fileNames = batch.inputs.map((i) => i.name);
  const multiFile = batch.inputs.length > 1;

  const planned: PlannedSheet[] = batch.sheets.map((s) => ({
    kind: s.kind,
    name: s.name,
    file: s.file,
    headerRow: s.headerRow,
    headers: s.headers,
    mapping: s.mapping,
    diags: s.diags,
    // Every field a row may get is set here, so a million rows share one shape with no extra property store.
    rows: s.rows.map((r) => ({ row: r.row, cells: r.cells, result: 'rejected', diags: r.diags, note: '', changesText: '', change: undefined })),
    written: undefined,
  }));
  // A kind's rows, sheet by sheet, each slot made as it is reached: the few kept (a customer's row and
  // order) are kept where they are needed, a duplicate key is marked on its planned row, and the rest
  // die young rather than a million of them living through planning (60 MB at full scale).
  const kinds = [...new Set(batch.sheets.map((s) => s.kind))];
  function* slotsOf(kind: SheetKind): Generator<Slot> {
    for (let si = 0; si < batch.sheets.length; si++) {
      const sheet = batch.sheets[si]!;
      if (sheet.kind !== kind) continue;
      for (let index = 0; index < sheet.rows.length; index++) yield { sheet, planned: planned[si]!, index };
    }
  }
  const rowOf = (slot: Slot): PlannedRow => slot.planned.rows[slot.index]!;
  const inputOf = (slot: Slot): InputRow => slot.sheet.rows[slot.index]!;
  const refuse = (slot: Slot, code: ErrorCode, note: string, result: 'rejected' | 'skipped' = 'rejected') => {
    const row = rowOf(slot);
    row.result = result;
    row.code = code;
    row.note = note;
  };

  // Duplicate keys reject every row that shares the key (SPEC §2.3).
  const duplicates = new Set<PlannedRow>();
  for (const kind of kinds) {
    // One slot per key; a list only for the (rare) keys that repeat: no array per row. The keys die
    // with this map (a sheet without Subscription IDs: a million `natural:` strings, ~60 MB) rather
    // than being kept on the slots through planning; --prune makes them again for its drift.
    const byKey = new Map<string, Slot | Slot[]>();
    for (const slot of slotsOf(kind)) {
      const key = rowKey(inputOf(slot));
      if (key === undefined) continue;
      const found = byKey.get(key);
      if (found === undefined) byKey.set(key, slot);
      else if (Array.isArray(found)) found.push(slot);
      else byKey.set(key, [found, slot]);
    }
    for (const group of byKey.values()) {
      if (!Array.isArray(group)) continue;
      for (const slot of group) {
        const others = group.filter((g) => g !== slot).map((g) => where(g, multiFile, fileNames)).join(', ');
        addDiags(rowOf(slot), [errorDiag('row.duplicate-key', `The same record appears again on ${others}`, { sheet: slot.sheet.name, row: inputOf(slot).row })]);
        duplicates.add(rowOf(slot));
      }
    }
  }

  // The batch's customer rows by domain and, for a customer the batch creates, its order: the rows of
  // the customer and of its subscriptions, applied whole or not at all. One lookup per subscription row.
  const customerRows = new Map<string, { slot: Slot; order: Slot[] | undefined }>();
  const seen = new Map<SheetKind, Set<string>>();
  const unreadable = new Map<SheetKind, number>();
  const batchOfferKeys = new Set([...slotsOf('Offers')].map((s) => rowKey(inputOf(s))).filter((k): k is string => !!k));
  const changes: Change[] = [];

  // Time first: rows see the subscriptions as renewed (or expired) by the run's clock.
  const renewals: number[] = [];
  if (options.applyRenewals) {
    const due = snapshot.subscriptions.filter((s) => s.termEnd !== '' && s.termEnd <= options.now && (s.status === 'active' || s.status === 'suspended'));
    for (const change of renewDueSubscriptions(state, due, options.now)) {
      renewals.push(changes.length);
      changes.push({ ...change, sourceFile: null } as Change);
    }
  }

  const totalRows = batch.sheets.reduce((n, s) => n + s.rows.length, 0);
  let plannedRows = 0;
  for (const kind of SHEET_KINDS) {
    const seenKeys = new Set<string>();
    seen.set(kind, seenKeys);
    // Notes repeat (`Ordered 12 × Microsoft 365 E3`): kept once each, flat. Each is built from parts,
    // and a million rows would otherwise keep a million chains of them until the results are written.
    const notes = new Map<string, string>();
    const noteOnce = (note: string): string => {
      let kept = notes.get(note);
      if (kept === undefined) notes.set(note, (kept = note));
      return kept;
    };
    for (const slot of slotsOf(kind)) {
      if (++plannedRows % PROGRESS_ROWS === 0) options.onProgress?.(plannedRows, totalRows);
      const input = inputOf(slot);
      const row = rowOf(slot);
      if (slot.sheet.diags.length) {
        refuse(slot, slot.sheet.diags[0]!.code, slot.sheet.diags[0]!.message);
        unreadable.set(kind, (unreadable.get(kind) ?? 0) + 1);
        continue;
      }
      if (!input.value) {
        unreadable.set(kind, (unreadable.get(kind) ?? 0) + 1);
        continue;
      }
      // Keys seen feed only the drift of --prune.
      if (options.prune) seenKeys.add(rowKey(input)!);
      if (!ctx.operator) {
        refuse(slot, 'role.unknown-user', `${options.operator} is not an active user of this store; nothing can be changed as this operator`);
        continue;
      }
      if (duplicates.has(row)) continue;

      const scope = new RowScope(ctx, slot.sheet, input);
      let decision: RowDecision;
      switch (kind) {
        case 'Users':
          decision = planUserRow(scope as RowScope<'Users'>);
          break;
        case 'Offers':
          decision = planOfferRow(scope as RowScope<'Offers'>, batchOfferKeys);
          break;
        case 'Resellers':
          decision = planResellerRow(scope as RowScope<'Resellers'>);
          break;
        case 'Customers': {
          const domain = (input.value as InputRow<'Customers'>['value'])!.domain;
          const customer = { slot, order: undefined as Slot[] | undefined };
          customerRows.set(domain, customer);
          decision = planCustomerRow(scope as RowScope<'Customers'>);
          if (decision.change?.action === 'create') customer.order = [slot];
          break;
        }
        case 'Subscriptions': {
          const sub = (input.value as InputRow<'Subscriptions'>['value'])!;
          const customer = customerRows.get(sub.customerDomain);
          if (customer && rowOf(customer.slot).result === 'rejected' && !state.customers.has(sub.customerDomain)) {
            refuse(slot, 'order.cancelled', `Order cancelled: the customer's row (${where(customer.slot, multiFile, fileNames)}) was rejected`, 'skipped');
            continue;
          }
          if (options.prune && sub.subscriptionId === undefined) {
            const id = state.subscriptionsByNaturalKey.get(subscriptionNaturalKey(sub.customerDomain, sub.offerId, sub.nickname ?? ''));
            if (id && state.subscriptions.get(id)?.subscriptionId) seenKeys.add(state.subscriptions.get(id)!.subscriptionId);
          }
          decision = planSubscriptionRow(scope as RowScope<'Subscriptions'>, `new:${slot.sheet.file}:${slot.sheet.name}:${input.row}`);
          customer?.order?.push(slot);
          break;
        }
      }
      row.result = decision.result;
      // A rejected row's diagnostics are its decision's; a row that goes ahead may carry warnings.
      addDiags(row, decision.diags.length ? decision.diags : scope.diags);
      row.note = noteOnce(decision.note);
      if (decision.written) keepWritten(slot.planned, slot.index, decision.written);
      if (decision.change) {
        // Written out field by field: an object spread here made every change a slow-mode object with
        // a hidden class of its own (freezing it then copied that class): at a million rows, hundreds
        // of megabytes and millions more objects for every garbage collection to walk.
        const d = decision.change;
        const change = { entity: d.entity, key: d.key, action: d.action, before: d.before, after: d.after, fields: d.fields, sourceFile: slot.sheet.file } as Change;
        if (d.invite) change.invite = true;
        row.changesText = change.before ? diffRecords(kind, change.before, change.after).text : '';
        row.change = changes.length;
        changes.push(change);
      }
      // Nothing reads a planned row's input again: let it go now rather than with the batch, so a
      // million validated rows are not all alive on top of the finished plan.
      releaseInput(slot);
    }
  }

  // An order (a new customer and its subscriptions) is applied whole or not at all (SPEC §1.4, §2.7).
  const dropped = new Set<number>();
  for (const { order: slots } of customerRows.values()) {
    if (!slots) continue;
    const culprit = slots.find((s) => rowOf(s).result === 'rejected');
    if (!culprit) continue;
    const code = rowOf(culprit).diags[0]?.code ?? rowOf(culprit).code ?? 'row.invalid-value';
    for (const slot of slots) {
      const row = rowOf(slot);
      if (row.result === 'rejected' || row.change === undefined) continue;
      dropped.add(row.change);
      row.change = undefined;
      row.changesText = '';
      refuse(slot, 'order.cancelled', `Order cancelled: ${where(culprit, multiFile, fileNames)} was rejected (${code})`, 'skipped');
    }
  }

  const drift = options.prune ? findDrift(batch, state, snapshot, seen, unreadable, ctx, changes) : [];

  const rejected = planned.some((s) => s.rows.some((r) => r.result === 'rejected'));
  if (options.atomic && rejected) {
    for (const sheet of planned) {
      for (const row of sheet.rows) {
        if (row.result === 'rejected' || row.change === undefined) continue;
        dropped.add(row.change);
        row.change = undefined;
        row.changesText = '';
        row.result = 'skipped';
        row.code = 'batch.atomic-cancelled';
        row.note = 'Not applied: --atomic, and rows of this batch were rejected';
      }
    }
    for (const item of drift) {
      if (item.change !== undefined) dropped.add(item.change);
      delete item.change;
      item.note = `Not applied: --atomic, and rows of this batch were rejected. ${item.note}`;
    }
    // Nothing is applied: the renewals wait for the next run that writes.
    for (const i of renewals.splice(0)) dropped.add(i);
  }

  // Renumber the surviving changes; rows and drift items point to them by index.
  const kept: Change[] = [];
  const renumber = new Int32Array(changes.length);
  for (let i = 0; i < changes.length; i++) {
    if (dropped.has(i)) renumber[i] = -1;
    else renumber[i] = kept.push(Object.freeze(changes[i]!) as Change) - 1;
  }
  if (dropped.size) {
    for (const sheet of planned) for (const row of sheet.rows) if (row.change !== undefined) row.change = renumber[row.change]!;
    for (const item of drift) if (item.change !== undefined) item.change = renumber[item.change]!;
  }
  const keptRenewals = renewals.map((i) => renumber[i]!);

  return {
    formatVersion: PLAN_FORMAT_VERSION,
    storeId: snapshot.info.storeId,
    revision: snapshot.info.revision,
    operator: options.operator,
    createdAt: options.now,
    options: { atomic: options.atomic, allowRemovals: options.allowRemovals, prune: options.prune, resendExpired: options.resendExpired, invitationDays: options.invitationDays },
    inputs: batch.inputs,
    sheets: planned,
    changes: Object.freeze(kept) as Change[],
    drift,
    prunedSheets: options.prune ? [...new Set(batch.sheets.map((s) => s.kind))] : [],
    pruneStats: options.prune ? pruneStats(batch, snapshot, drift) : {},
    renewals: keptRenewals,
    simulatedClock: options.simulatedClock ?? false,
    warnings: batch.warnings,
  };
}

function pruneStats(batch: PlanBatch, snapshot: StoreSnapshot, drift: readonly DriftItem[]): SyncPlan['pruneStats'] {
  const stats: SyncPlan['pruneStats'] = {};
  const kinds = new Set(batch.sheets.map((s) => s.kind));
  if (kinds.has('Resellers')) stats.Resellers = { records: snapshot.resellers.filter((r) => r.partnership !== 'removed').length, pruned: drift.filter((d) => d.entity === 'reseller' && d.change !== undefined).length };
  if (kinds.has('Subscriptions')) stats.Subscriptions = { records: snapshot.subscriptions.filter((s) => s.status === 'active').length, pruned: drift.filter((d) => d.entity === 'subscription' && d.change !== undefined).length };
  return stats;
}

/** Records in the store that a pruned sheet does not mention (SPEC §2.6). */
function findDrift(
  batch: PlanBatch,
  state: WorkingState,
  snapshot: StoreSnapshot,
  seen: ReadonlyMap<SheetKind, Set<string>>,
  unreadable: ReadonlyMap<SheetKind, number>,
  ctx: PlanContext,
  changes: Change[],
): DriftItem[] {
  const kinds = new Set(batch.sheets.map((s) => s.kind));
  const items: DriftItem[] = [];
  const may = (permission: Permission) => !!ctx.operator && isAllowed(ctx.operator.roles, permission);
  const holdBack = (kind: SheetKind) => {
    const n = unreadable.get(kind) ?? 0;
    return n ? `Not acted on: ${n} row${n > 1 ? 's' : ''} of the ${kind} sheet could not be read, so the sheet may not be complete` : '';
  };
  const report = (entity: Entity, key: string, description: string, note: string) => items.push({ entity, key, description, action: 'report', note });

  if (kinds.has('Users')) {
    for (const u of snapshot.users) if (u.status === 'active' && !seen.get('Users')!.has(userKey(u.email))) report('user', u.email, `${u.displayName} (${u.roles.join(', ')})`, 'Reported only: users are never removed by reconciliation');
  }
  if (kinds.has('Offers')) {
    for (const o of snapshot.offers) if (!seen.get('Offers')!.has(offerKey(o.offerId))) report('offer', o.offerId, o.name, 'Reported only: offers are never removed');
  }
  if (kinds.has('Customers')) {
    for (const c of snapshot.customers) if (!seen.get('Customers')!.has(c.domain)) report('customer', c.domain, c.companyName, 'Reported only: customers are never deleted');
  }
  if (kinds.has('Resellers')) {
    const held = holdBack('Resellers');
    for (const r of snapshot.resellers) {
      if (r.partnership === 'removed' || seen.get('Resellers')!.has(r.mpnId)) continue;
      const current = state.resellers.get(r.mpnId) ?? r;
      const description = `${r.name} (${r.partnership})`;
      if (held) report('reseller', r.mpnId, description, held);
      else if (!ctx.options.allowRemovals) report('reseller', r.mpnId, description, 'Would be removed with --allow-removals');
      else if (!may('partnership.remove')) report('reseller', r.mpnId, description, `Not removed: your roles may not ${PERMISSION_LABELS['partnership.remove']}`);
      else {
        const after = { ...current, partnership: 'removed' as const, stateSince: ctx.now };
        state.putReseller(after);
        items.push({ entity: 'reseller', key: r.mpnId, description, action: 'remove', note: 'Partnership removed: absent from the input', change: changes.length });
        changes.push({ entity: 'reseller', key: r.mpnId, action: 'remove', before: current, after, fields: ['Partnership'], sourceFile: null });
      }
    }
  }
  if (kinds.has('Subscriptions')) {
    const held = holdBack('Subscriptions');
    for (const s of snapshot.subscriptions) {
      if (s.status !== 'active' || seen.get('Subscriptions')!.has(s.subscriptionId)) continue;
      const description = `${s.customerDomain} ${s.offerId}${s.nickname ? ` "${s.nickname}"` : ''} × ${s.quantity}`;
      if (held) report('subscription', s.subscriptionId, description, held);
      else if (!may('subscription.status')) report('subscription', s.subscriptionId, description, `Not suspended: your roles may not ${PERMISSION_LABELS['subscription.status']}`);
      else {
        const current = state.subscriptions.get(s.subscriptionId) ?? s;
        if (current.status !== 'active') continue;
        // Partner Center turns auto-renew off on suspension, which drops any change scheduled for the renewal.
        const after = { ...current, status: 'suspended' as const, autoRenew: false, scheduled: null };
        items.push({ entity: 'subscription', key: s.subscriptionId, description, action: 'suspend', note: 'Subscription suspended: absent from the input (billing continues; auto-renew turned off)', change: changes.length });
        changes.push({ entity: 'subscription', key: s.subscriptionId, action: 'suspend', before: current, after, fields: current.autoRenew ? ['Auto Renew', 'Status'] : ['Status'], sourceFile: null });
      }
    }
  }
  return items;
}
