import { cellAddress, columnLetter } from '../core/diagnostics.js';
import { adviceFor } from '../core/error-codes.js';
import { RESULT_COLUMNS, SHEETS, writtenColumns, type ColumnDef } from '../normalize/columns.js';
import { countDrift, countResults, ROW_RESULTS, type PlannedSheet, type RowResult, type SyncPlan, type WrittenValues } from '../plan/sync-plan.js';
import { keptWritten, writtenOfChange } from '../plan/written-values.js';
import { scheduledText } from '../plan/plan-subscription-row.js';
import { displayTime, TERM_LABELS } from '../core/new-commerce.js';
import type { ConnectedReport } from '../run/connected-run.js';
import type { ApplyResult } from '../apply/apply-sync-plan.js';
import { unpackCells } from '../read/packed-cells.js';
import { codeOfRow, messageOfRow } from './row-messages.js';
import { createWorkbookWriter, fitWidths, streamTable, type CellMark, type Workbook } from './xlsx-table.js';

export type RunMode = 'plan' | 'apply' | 'reconcile';

export interface RunInfo {
  mode: RunMode;
  batchId: string;
  operator: string;
  startedAt: string;
  finishedAt: string;
  storeLocation: string;
  storeId: string;
  revisionBefore: number;
  revisionAfter: number;
  /** `changed`: result sheets leave out `unchanged` rows (the Summary still counts them). */
  resultsFilter?: 'all' | 'changed';
  /** Paths (relative to the output folder) of invitation drafts, by reseller MPN ID. */
  invitationDrafts?: ReadonlyMap<string, string>;
  /** A connected store: how old the state planned against is, the calls made, what was recovered. */
  partnerCenter?: ConnectedReport;
}

const RESULT_FILL: Record<RowResult, string> = {
  created: 'FFC6EFCE',
  updated: 'FFC6EFCE',
  removed: 'FFC6EFCE',
  suspended: 'FFC6EFCE',
  scheduled: 'FFC6EFCE',
  unchanged: 'FFE7E6E6',
  pending: 'FFFFEB9C',
  skipped: 'FFFFEB9C',
  rejected: 'FFFFC7CE',
};

const RESULT_HEADERS: readonly string[] = RESULT_COLUMNS;

/** What the results need of an apply: the IDs it assigned, when, and invitation expiries. */
export type AppliedIds = Pick<ApplyResult, 'assignedIds' | 'invitations' | 'appliedAt'>;

/**
 * Columns of one result sheet: the input's as read (minus old result columns), then results, then the
 * written-back columns the input lacks. A written-back column the input has is filled in where it is.
 */
function resultLayout(sheet: PlannedSheet) {
  const echoed = sheet.mapping.filter((m) => m.match !== 'result column (ignored)');
  const written: readonly ColumnDef[] = writtenColumns(sheet.kind);
  const writtenAt = written.map((c) => echoed.findIndex((m) => m.def?.field === c.field));
  const headers = [...echoed.map((m) => m.text), ...RESULT_HEADERS, ...written.filter((_, i) => writtenAt[i]! < 0).map((c) => c.header)];
  return { echoed, written, writtenAt, headers, kind: sheet.kind };
}

/**
 * The result rows of a sheet, made one at a time as the writer pulls them: `count` rows, the `k`th
 * being row `indexAt(k)` of the sheet.
 */
function* resultRows(sheet: PlannedSheet, count: number, indexAt: (k: number) => number, layout: ReturnType<typeof resultLayout>, plan: SyncPlan, applied: AppliedIds | undefined): Generator<unknown[]> {
  const { echoed, written, writtenAt, kind } = layout;
  const width = written.length;
  const at = applied?.appliedAt ?? plan.createdAt;
  for (let k = 0; k < count; k++) {
    const index = indexAt(k);
    const row = sheet.rows[index]!;
    const cells = unpackCells(row.cells);
    const values: unknown[] = echoed.map((m) => cells[m.column - 1] ?? null);
    // A row whose change is applied (or, planned, changes a record that exists) writes back from the change.
    const change = row.change === undefined ? undefined : plan.changes[row.change]!;
    const fromChange = width > 0 && change !== undefined && (applied !== undefined || change.action !== 'create');
    const changed: WrittenValues | undefined = fromChange ? writtenOfChange(kind, change, applied?.assignedIds[row.change!], at) : undefined;
    const extra: unknown[] = [];
    for (let i = 0; i < width; i++) {
      const back = fromChange ? changed?.[i] : keptWritten(sheet, index, i);
      const value = back === undefined || back === '' ? null : back;
      const column = writtenAt[i]!;
      if (column < 0) extra.push(value);
      else if (value !== null) values[column] = value;
    }
    values.push(row.result, codeOfRow(row), messageOfRow(row), row.changesText, ...extra);
    yield values;
  }
}

/** The indexes of the items `keep` keeps. */
function indexesWhere<T>(items: readonly T[], keep: (item: T) => boolean): number[] {
  const indexes: number[] = [];
  for (let k = 0; k < items.length; k++) if (keep(items[k]!)) indexes.push(k);
  return indexes;
}

/**
 * Let go of what only the results workbook reads, once it is written: each row's echoed cells, note and
 * changes text, and the sheets' written-back values. The rows' results (the counts), the changes, the
 * drift and the renewals stay.
 */
export function releaseResultsOnly(plan: SyncPlan): void {
  for (const sheet of plan.sheets) {
    delete sheet.written;
    for (const row of sheet.rows) {
      row.cells = '';
      row.note = '';
      row.changesText = '';
    }
  }
}

/** Called as result rows are written: rows so far, of `total`. */
export type ProgressCallback = (done: number, total: number) => void;

/** The results workbook of SPEC §5.1, written with exceljs's streaming writer. */
export async function writeResultsWorkbook(path: string, plan: SyncPlan, run: RunInfo, applied?: AppliedIds, onProgress?: ProgressCallback): Promise<void> {
  const workbook: Workbook = createWorkbookWriter(path);
  workbook.creator = 'tiersync';
  writeSummary(workbook, plan, run);

  const usedNames = new Set(['summary', 'errors', 'mapping', 'drift', 'invitations', 'recovered']);
  const names = plan.sheets.map((sheet) => {
    let name = sheet.name.slice(0, 31);
    for (let n = 2; usedNames.has(name.toLowerCase()); n++) name = `${sheet.name.slice(0, 27)} (${n})`;
    usedNames.add(name.toLowerCase());
    return name;
  });
  const sheetNameOf = new Map(plan.sheets.map((sheet, i) => [sheet, names[i]!]));
  const shownRow = (r: PlannedSheet['rows'][number]) => run.resultsFilter !== 'changed' || r.result !== 'unchanged';
  const total = plan.sheets.reduce((n, sheet) => n + (run.resultsFilter === 'changed' ? sheet.rows.filter(shownRow).length : sheet.rows.length), 0);
  let written = 0;
  for (const [i, sheet] of plan.sheets.entries()) {
    const layout = resultLayout(sheet);
    const { headers, echoed } = layout;
    const outputColumn = new Map(echoed.map((m, k) => [m.column, k + 1]));
    // Indexes of the rows shown, when not all of them are (--results changed).
    const shown = run.resultsFilter === 'changed' ? indexesWhere(sheet.rows, shownRow) : undefined;
    const count = shown?.length ?? sheet.rows.length;
    const indexAt = shown ? (k: number) => shown[k]! : (k: number) => k;
    const resultColumn = headers.indexOf('Result') + 1;
    const before = written;
    // Row n of the input is row n of the results, so an auditor can cross-reference.
    await streamTable(workbook, names[i]!, headers, resultRows(sheet, count, indexAt, layout, plan, applied), {
      headerRow: Math.max(1, sheet.headerRow),
      rowNumber: (k) => sheet.rows[indexAt(k)]!.row,
      widths: fitWidths(headers, resultRows(sheet, Math.min(count, 200), indexAt, layout, plan, applied)),
      marks: (k) => {
        const planned = sheet.rows[indexAt(k)]!;
        const marks: CellMark[] = [{ column: resultColumn, argb: RESULT_FILL[planned.result] }];
        // The offending cells: highlighted, with the problem as a note.
        for (const d of planned.diags) {
          const column = d.at?.column ? outputColumn.get(d.at.column) : undefined;
          if (column) marks.push({ column, argb: RESULT_FILL.rejected, note: `${d.code}: ${d.message}` });
        }
        return marks;
      },
      onRow: (n) => onProgress?.((written = before + n), total),
    });
  }

  const errorHeaders = ['Sheet', 'Row', 'Column', 'Cell', 'Value', 'Code', 'Message'];
  const errorRows: unknown[][] = [];
  for (const sheet of plan.sheets) {
    const target = sheetNameOf.get(sheet)!;
    const { echoed } = resultLayout(sheet);
    const outputColumn = new Map(echoed.map((m, k) => [m.column, k + 1]));
    // The Cell column links to the offending cell of the result sheet: same row, and the same column
    // unless old result columns of a fed-back results workbook were dropped before it.
    const link = (row: number, column: number | undefined) => {
      const out = column ? outputColumn.get(column) : undefined;
      const address = cellAddress({ sheet: target, row, ...(column ? { column } : {}) });
      if (!address) return '';
      const at = out ? `${columnLetter(out)}${row}` : `A${row}`;
      return { text: address, hyperlink: `#'${target.replace(/'/g, "''")}'!${at}` };
    };
    for (const d of sheet.diags) errorRows.push([sheet.name, d.at?.row ?? null, d.at?.header ?? '', d.at ? link(d.at.row, d.at.column) : '', d.value ?? '', d.code, `${d.message}. ${adviceFor(d.code)}`]);
    for (const row of sheet.rows) {
      for (const d of row.diags) {
        errorRows.push([sheet.name, row.row, d.at?.header ?? '', link(row.row, d.at?.column), d.value ?? '', d.code, `${d.message}. ${adviceFor(d.code)}`]);
      }
    }
  }
  await streamTable(workbook, 'Errors', errorHeaders, errorRows, { widths: fitWidths(errorHeaders, errorRows, 90) });

  const invitationRows = plan.changes
    .filter((c) => c.entity === 'reseller' && c.invite)
    .map((c) => {
      const r = c.after as { mpnId: string; name: string; contactEmail: string };
      const issued = applied?.invitations.find((i) => i.resellerMpnId === r.mpnId);
      return [r.mpnId, r.name, r.contactEmail, issued ? issued.expiresAt.slice(0, 10) : '', run.invitationDrafts?.get(r.mpnId) ?? (run.mode === 'plan' ? '(plan: not sent)' : '')];
    });
  if (invitationRows.length) {
    const headers = ['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Expires', 'Email Draft'];
    await streamTable(workbook, 'Invitations', headers, invitationRows, { widths: fitWidths(headers, invitationRows) });
  }

  const recovered = run.partnerCenter?.recovered ?? [];
  if (recovered.length) {
    const headers = ['Operation', 'Target', 'MS-RequestId', 'Started', 'What Partner Center showed', 'What tiersync recorded'];
    const rows = recovered.map((r) => [r.operation, r.target, r.requestId, r.startedAt, r.found, r.recorded]);
    await streamTable(workbook, 'Recovered', headers, rows, { widths: fitWidths(headers, rows, 90) });
  }

  if (plan.options.prune) {
    const headers = ['Entity', 'Key', 'Record', 'Action', 'Note'];
    const rows = plan.drift.map((d) => [d.entity, d.key, d.description, d.change === undefined && d.action !== 'report' ? 'report' : d.action, d.note]);
    await streamTable(workbook, 'Drift', headers, rows, { widths: fitWidths(headers, rows, 90) });
  }

  const mappingHeaders = ['Sheet', 'Column', 'Header as written', 'Read as', 'How'];
  const mappingRows = plan.sheets.flatMap((sheet) => sheet.mapping.map((m) => [sheet.name, m.column, m.text, m.def?.header ?? '', m.match]));
  await streamTable(workbook, 'Mapping', mappingHeaders, mappingRows, { widths: fitWidths(mappingHeaders, mappingRows) });
  await workbook.commit();
}

/** A connected run's Partner Center lines of the Summary (SPEC §5.1): state age, calls by kind, retries, throttling. */
function partnerCenterLines(run: RunInfo): unknown[][] {
  const pc = run.partnerCenter;
  if (!pc) return [];
  const age = pc.stateAsOf ? `${pc.stateAsOf} (${Math.max(0, Math.round((Date.parse(run.startedAt) - Date.parse(pc.stateAsOf)) / 60_000))} min before the run)` : 'never read from Partner Center: run tiersync refresh';
  const byKind = Object.entries(pc.stats.byOperation).map(([op, s]) => `${op} ${s.calls}`).join(', ');
  return [
    ['Partner Center state', age],
    ['Partner Center calls', `${pc.stats.calls} (${pc.stats.reads} reads, ${pc.stats.writes} writes)${byKind ? `: ${byKind}` : ''}`],
    ['Retries', `${pc.stats.retries.total} (throttled ${pc.stats.retries.throttled}, server ${pc.stats.retries.server}, timeouts ${pc.stats.retries.timeout})`],
    ['Throttling waits', `${(pc.stats.throttling.waitMs / 1000).toFixed(1)} s over ${pc.stats.throttling.responses} answer(s) 429`],
    ...(pc.recovered.length ? [['Recovered', `${pc.recovered.length} unfinished write(s) of an earlier run: see the Recovered sheet`]] : []),
    ...pc.recoveredCredentialReports.map((p) => ['Credentials recovered', `an earlier run's passwords: ${p}`]),
  ];
}

/** Renewals listed one per line on the Summary; the rest are counted (the audit trail has them all). */
const MAX_RENEWALS_LISTED = 1000;

function writeSummary(workbook: Workbook, plan: SyncPlan, run: RunInfo): void {
  const counts = countResults(plan);
  const title = run.mode === 'plan' ? 'tiersync plan: nothing was changed; results say what apply would do' : run.mode === 'reconcile' ? 'tiersync reconcile' : 'tiersync apply';
  const lines: unknown[][] = [
    ['Run', title],
    ['Mode', run.mode],
    ['Batch ID', run.batchId],
    ['Operator', run.operator],
    ['Started', run.startedAt],
    ['Finished', run.finishedAt],
    ['Store', run.storeLocation],
    ['Store ID', run.storeId],
    ['Revision before', run.revisionBefore],
    ['Revision after', run.revisionAfter],
    ['Rows shown', run.resultsFilter === 'changed' ? 'changed rows only (--results changed); the counts below include every row' : 'every input row'],
    ['Options', Object.entries(plan.options).filter(([, v]) => v === true).map(([k]) => k).join(', ') || '(none)'],
    ...partnerCenterLines(run),
    ['Clock', plan.simulatedClock ? `simulated (--now ${plan.createdAt}): a store made with --simulated-clock, for tests, demos and training` : 'system clock'],
  ];
  plan.inputs.forEach((input, i) => lines.push([`Input ${i + 1}`, input.name], [`Input ${i + 1} SHA-256`, input.sha256]));
  for (const warning of plan.warnings) lines.push(['Warning', warning]);
  if (plan.changes.some((c) => c.action === 'remove' && c.entity === 'reseller')) {
    lines.push(['Reminder', 'Removing a partnership does not notify the customer or the partner; their customers keep their reseller association and the access already granted to them (GDAP relationships are ended in Partner Center, not by tiersync).']);
  }
  lines.push([]);
  const kinds = Object.keys(SHEETS).filter((k) => counts[k]);
  lines.push(['Sheet', ...ROW_RESULTS, 'Total']);
  const totals = ROW_RESULTS.map(() => 0);
  for (const kind of kinds) {
    const c = counts[kind]!;
    const values = ROW_RESULTS.map((r, i) => {
      totals[i]! += c[r] ?? 0;
      return c[r] ?? 0;
    });
    lines.push([kind, ...values, values.reduce((a, b) => a + b, 0)]);
  }
  lines.push(['Total', ...totals, totals.reduce((a, b) => a + b, 0)]);
  const drift = countDrift(plan);
  for (const [kind, c] of Object.entries(drift)) {
    lines.push([`${kind} absent from the input (--prune)`, ...ROW_RESULTS.map((r) => c[r] ?? 0), Object.values(c).reduce((a, b) => a + (b ?? 0), 0)]);
  }
  if (plan.renewals.length) {
    lines.push([]);
    lines.push([run.mode === 'plan' ? 'Renewals due (would be applied)' : 'Renewals applied', `${plan.renewals.length} by the run's clock: Subscription ID, customer, offer, result, term end, what changed`]);
    const shown = plan.renewals.slice(0, MAX_RENEWALS_LISTED);
    for (const i of shown) {
      const change = plan.changes[i]!;
      if (change.entity !== 'subscription') continue;
      const b = change.before!;
      const a = change.after;
      const what = change.action === 'renew' ? `renewed: ${TERM_LABELS[a.term]} to ${displayTime(a.termEnd)}${b.scheduled ? `; scheduled change applied (${scheduledText(b.scheduled)})` : ''}` : 'expired (auto-renew off)';
      lines.push([b.subscriptionId, `${b.customerDomain} · ${b.offerId} · ${displayTime(change.at ?? b.termEnd)} · ${what}`]);
    }
    if (plan.renewals.length > shown.length) lines.push(['…', `${plan.renewals.length - shown.length} more (see the audit trail)`]);
  }

  const sheet = workbook.addWorksheet('Summary');
  sheet.columns = [{ width: 22 }, { width: 70 }, ...ROW_RESULTS.slice(1).map(() => ({ width: 11 })), { width: 11 }];
  const countsHeader = lines.findIndex((l) => l[0] === 'Sheet');
  lines.forEach((values, i) => {
    const row = sheet.addRow(values);
    if (i < countsHeader) row.getCell(1).font = { bold: true };
    if (i === countsHeader || values[0] === 'Total') row.font = { bold: true };
    row.commit();
  });
  sheet.commit();
}
