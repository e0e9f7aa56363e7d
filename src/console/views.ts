import { canonicalJson, type AuditRecord, type ChainVerdict } from '../core/audit-chain.js';
import { cellAddress, columnLetter } from '../core/diagnostics.js';
import { adviceFor } from '../core/error-codes.js';
import type { ProviderRecord, ResellerRecord, UserRecord } from '../core/entities.js';
import { ENTITIES } from '../core/entities.js';
import { SHEET_KINDS } from '../normalize/columns.js';
import { countResults, ROW_RESULTS, type PlannedRow, type PlannedSheet, type RowResult, type SyncPlan } from '../plan/sync-plan.js';
import { unpackCells } from '../read/packed-cells.js';
import { codeOfRow, messageOfRow } from '../report/row-messages.js';
import type { BatchRecord } from '../store/sync-store.js';
import { rolesAllowing, uploadableSheets, type Refusal } from './access.js';
import type { ApplyJob, BatchJob, ChosenOptions, PlanJob } from './batch-jobs.js';
import { html, query, raw, type Markup } from './html.js';

/** Who is looking at a page, for its header. Absent on public pages (sign-in, acceptance). */
export interface Viewer {
  user: UserRecord;
  csrf: string;
}

export interface PageFrame {
  title: string;
  provider?: ProviderRecord | undefined;
  viewer?: Viewer | undefined;
  /** The navigation entry to mark as the current page. */
  active?: 'home' | 'upload' | 'runs' | 'audit' | 'users';
  /** Without script, a page showing a job in progress reloads itself. */
  refreshSeconds?: number;
}

const NAV: Array<[NonNullable<PageFrame['active']>, string, string]> = [
  ['home', '/', 'Home'],
  ['upload', '/upload', 'Upload'],
  ['runs', '/runs', 'Runs'],
  ['audit', '/audit', 'Audit trail'],
  ['users', '/users', 'Users'],
];

export function layout(frame: PageFrame, body: Markup): string {
  const { viewer, provider } = frame;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${frame.title} · tiersync</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
${frame.refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${frame.refreshSeconds}"></noscript>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <div class="brand"><a href="/">tiersync</a>${provider ? html` <span class="provider">${provider.name} · PartnerID ${provider.mpnId}</span>` : ''}</div>
  ${viewer
    ? html`<nav aria-label="Main"><ul>${NAV.map(([key, href, label]) => html`<li><a href="${href}"${key === frame.active ? raw(' aria-current="page"') : ''}>${label}</a></li>`)}</ul></nav>
  <form class="who" method="post" action="/sign-out"><span>${viewer.user.displayName} <small>(${viewer.user.roles.join(', ')})</small></span><input type="hidden" name="_csrf" value="${viewer.csrf}"><button type="submit" class="link">Sign out</button></form>`
    : ''}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.text;
}

function when(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC') : '';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function resultBadge(result: string): Markup {
  return html`<span class="badge r-${result}">${result}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Errors, refusals

export function errorPage(frame: PageFrame, heading: string, message: string, next?: { href: string; label: string }): string {
  return layout(frame, html`<h1>${heading}</h1><p class="notice error" role="alert">${message}</p>${next ? html`<p><a class="button" href="${next.href}">${next.label}</a></p>` : ''}`);
}

/** The 403 page: what was refused and which roles would allow it (SPEC §8). */
export function forbiddenPage(frame: PageFrame, refusals: readonly Refusal[]): string {
  const roles = frame.viewer?.user.roles ?? [];
  return layout(
    { ...frame, title: 'Not allowed' },
    html`<h1>Not allowed</h1>
<div class="notice error" role="alert">
<p>Your roles (${roles.length ? roles.join(', ') : 'none'}) do not allow this. Nothing was changed.</p>
<ul>${refusals.map((r) => html`<li>${r.action} needs one of these roles: <strong>${rolesAllowing(r.needed).join(', ')}</strong>.</li>`)}</ul>
</div>
<p>Ask a user who manages users (a Global admin, for one) to give you one of these roles, or ask someone who has one to do it.</p>
<p><a class="button" href="/">Back to the start page</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Sign-in

export function signInPage(frame: PageFrame, options: { csrf: string; oidc: boolean; email?: string; problem?: string; next?: string }): string {
  return layout(
    { ...frame, title: 'Sign in' },
    html`<h1>Sign in</h1>
${options.problem ? html`<p class="notice error" role="alert">${options.problem}</p>` : ''}
<div class="columns">
<form method="post" action="/sign-in" class="card">
  <h2>With your password</h2>
  <input type="hidden" name="_csrf" value="${options.csrf}">
  ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
  <p><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}"></p>
  <p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
  <p class="hint">No password yet? An administrator sets one with <code>tiersync users set-password EMAIL</code>.</p>
</form>
${options.oidc
  ? html`<div class="card"><h2>With your organization</h2><p>Sign in with your work account (single sign-on).</p><p><a class="button" href="/sign-in/oidc${options.next ? query({ next: options.next }) : ''}">Sign in with single sign-on</a></p></div>`
  : ''}
</div>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Home

export function homePage(frame: PageFrame & { viewer: Viewer }, info: { revision: number; storeLocation: string }, recent: BatchRecord[]): string {
  const may = uploadableSheets(frame.viewer.user.roles);
  return layout(
    { ...frame, title: 'Home', active: 'home' },
    html`<h1>Hello, ${frame.viewer.user.displayName}</h1>
<p>This console works on the store at revision <strong>${info.revision}</strong>. Every change goes through the same checks as the command line, and is recorded in the audit trail.</p>
<div class="columns">
  <section class="card"><h2>Change the store</h2><p>Upload a workbook or CSV file, read the plan of what it would change, then apply it.</p>
  <p>${may.length ? html`With your roles you can upload: ${may.join(', ')}.` : 'Your roles let you read plans, runs and the audit trail, but not change anything.'}</p>
  <p><a class="button" href="/upload">Upload a file</a></p></section>
  <section class="card"><h2>Look back</h2><ul><li><a href="/runs">Runs</a>: every change to the store, with its results workbook</li><li><a href="/audit">Audit trail</a>: who changed what, when, from which file; verified</li><li><a href="/users">Users</a> and their roles</li></ul></section>
</div>
<h2>Latest runs</h2>
${recent.length ? batchTable(recent) : html`<p>No runs yet.</p>`}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Upload

const OPTION_TEXT: Array<[keyof Omit<ChosenOptions, 'sheet'>, string, string]> = [
  ['atomic', 'All or nothing', 'Apply nothing if any row is rejected (--atomic).'],
  ['allowRemovals', 'Allow removals', 'Rows (and a complete input) may remove partnerships (--allow-removals).'],
  ['prune', 'The file is complete', 'Records missing from a sheet of this file are drift: partnerships removed (with removals allowed), subscriptions suspended (--prune).'],
  ['resendExpired', 'Resend expired invitations', 'Replace expired invitations with new ones (--resend-expired).'],
  ['splitCredentials', 'One credential report per reseller', 'Each reseller receives only its own customers’ credentials (--split-credentials).'],
];

export function uploadPage(frame: PageFrame & { viewer: Viewer }, maxInputMb: number): string {
  const may = uploadableSheets(frame.viewer.user.roles);
  return layout(
    { ...frame, title: 'Upload', active: 'upload' },
    html`<h1>Upload a file</h1>
<p>Nothing changes yet: the file is read and checked, and you see the plan of what it would change. You apply it from the plan.</p>
<p class="hint">${may.length ? html`With your roles you can upload these sheets: <strong>${may.join(', ')}</strong>.` : 'Your roles do not allow changing any sheet: an upload will be refused.'}</p>
<form method="post" action="/upload" enctype="multipart/form-data" class="card upload">
  <input type="hidden" name="_csrf" value="${frame.viewer.csrf}">
  <div class="drop" data-drop>
    <label for="file">Workbook (.xlsx) or CSV file, at most ${maxInputMb} MB</label>
    <input id="file" name="file" type="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" required>
    <p class="hint">Drop the file here, or choose it.</p>
  </div>
  <fieldset><legend>Options</legend>
  ${OPTION_TEXT.map(([name, label, hint]) => html`<p class="check"><input type="checkbox" id="${name}" name="${name}" value="yes"><label for="${name}">${label}</label> <span class="hint">${hint}</span></p>`)}
  <p><label for="sheet">For a CSV file, the sheet it holds</label>
  <select id="sheet" name="sheet"><option value="">Found from its name or headers</option>${SHEET_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select></p>
  </fieldset>
  <p><button type="submit">Read the file and show the plan</button></p>
</form>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Jobs: progress, failure

export function progressPage(frame: PageFrame, job: BatchJob): string {
  const what = job.kind === 'plan' ? `Reading and planning ${job.fileName}` : 'Applying the plan';
  const p = job.terminal.progressNow;
  return layout(
    { ...frame, title: job.kind === 'plan' ? 'Planning' : 'Applying', refreshSeconds: 2 },
    html`<h1>${what}</h1>
<div class="card" data-progress-url="/jobs/${job.id}/progress" role="status" aria-live="polite">
  <p data-progress-text>${p.stage}${p.done !== undefined ? `: ${p.done.toLocaleString('en-US')}${p.total ? ` of ${p.total.toLocaleString('en-US')}` : ''}` : ''}</p>
  <progress${p.total ? html` max="${p.total}" value="${p.done ?? 0}"` : ''}>working</progress>
  <p class="hint">This page follows the run and shows its report when it ends. You may leave it: the run goes on.</p>
</div>`,
  );
}

export function jobFailedPage(frame: PageFrame, job: BatchJob): string {
  const heading = job.kind === 'plan' ? `${job.fileName} was not planned` : 'The plan was not applied';
  return layout(
    { ...frame, title: heading },
    html`<h1>${heading}</h1>
<p class="notice error" role="alert">${job.failure?.message.replace(/\.?$/, '.')} Nothing was changed.</p>
${warnings(job)}
<p><a class="button" href="/upload">Upload a file</a></p>`,
  );
}

function warnings(job: BatchJob): Markup {
  const list = job.terminal.warnings;
  return list.length ? html`<section><h2>Warnings</h2><ul class="warnings">${list.map((w) => html`<li>${w}</li>`)}</ul></section>` : html``;
}

// ---------------------------------------------------------------------------------------------
// The plan

export const ROWS_PER_PAGE = 200;
const ERRORS_SHOWN = 500;

export interface PlanFilter {
  sheet?: number;
  result?: RowResult;
  page: number;
}

function countsTable(plan: Pick<SyncPlan, 'sheets'>, link?: (sheet: number | undefined, result: RowResult) => string): Markup {
  const counts = countResults(plan);
  const kinds = Object.keys(counts);
  if (!kinds.length) return html`<p>No rows.</p>`;
  const used = ROW_RESULTS.filter((r) => kinds.some((k) => counts[k]![r]));
  const sheetOf = (kind: string) => plan.sheets.findIndex((s) => s.kind === kind);
  return html`<table class="counts"><caption>Rows per sheet and result</caption>
<thead><tr><th scope="col">Sheet</th>${used.map((r) => html`<th scope="col">${resultBadge(r)}</th>`)}</tr></thead>
<tbody>${kinds.map(
    (k) =>
      html`<tr><th scope="row">${k}</th>${used.map((r) => {
        const n = counts[k]![r] ?? 0;
        return html`<td class="num">${n && link ? html`<a href="${link(sheetOf(k), r)}">${n}</a>` : n}</td>`;
      })}</tr>`,
  )}</tbody></table>`;
}

function optionsList(options: ChosenOptions): Markup {
  const on = OPTION_TEXT.filter(([name]) => options[name]).map(([, label]) => label);
  return html`<p class="hint">Options: ${on.length ? on.join(', ') : 'none (every valid row is applied, rejected rows are not)'}${options.sheet ? `; CSV sheet: ${options.sheet}` : ''}.</p>`;
}

/** The row's key cells (domain, PartnerID, email, …), to name the record in the table. */
function recordOf(sheet: PlannedSheet, row: PlannedRow): string {
  const cells = unpackCells(row.cells);
  return sheet.mapping
    .filter((m) => m.def?.key)
    .map((m) => cells[m.column - 1])
    .filter((v) => v !== null && v !== undefined && v !== '')
    .map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'object' ? '' : String(v)))
    .join(' · ');
}

/** The input cells of a row, each addressable (`#cell-S-R-C`), the offending ones marked. */
function rowCells(sheetIndex: number, sheet: PlannedSheet, row: PlannedRow): Markup {
  const cells = unpackCells(row.cells);
  const bad = new Map(row.diags.filter((d) => d.at?.column).map((d) => [d.at!.column!, d]));
  // Closed until asked for: following a link from the Errors list to one of its cells opens it.
  return html`<details><summary>Cells of row ${row.row}${bad.size ? ` (${[...bad.keys()].map((c) => `${columnLetter(c)}${row.row}`).join(', ')} to fix)` : ''}</summary><table class="cells"><tbody>${sheet.headers.map((h) => {
    const diag = bad.get(h.column);
    const v = cells[h.column - 1];
    const text = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? v.error : String(v);
    return html`<tr id="cell-${sheetIndex}-${row.row}-${h.column}"${diag ? raw(' class="bad"') : ''}><th scope="row">${columnLetter(h.column)}${row.row} · ${h.text}</th><td>${text}${diag ? html` <strong class="why">${diag.code}: ${diag.message}</strong>` : ''}</td></tr>`;
  })}</tbody></table></details>`;
}

export function planPage(frame: PageFrame & { viewer: Viewer }, job: PlanJob & { report: NonNullable<PlanJob['report']> }, filter: PlanFilter): string {
  const { plan } = job.report;
  const changes = plan.changes.length;
  const rejected = plan.sheets.some((s) => s.rows.some((r) => r.result === 'rejected'));
  const base = `/plans/${job.id}`;
  const link = (sheet: number | undefined, result?: RowResult, page?: number) => `${base}${query({ sheet, result, page: page && page > 1 ? page : undefined })}`;

  // Every row of the chosen sheet(s) and result, a page at a time.
  const shown: Array<{ s: number; sheet: PlannedSheet; row: PlannedRow }> = [];
  plan.sheets.forEach((sheet, s) => {
    if (filter.sheet !== undefined && filter.sheet !== s) return;
    for (const row of sheet.rows) if (!filter.result || row.result === filter.result) shown.push({ s, sheet, row });
  });
  const pages = Math.max(1, Math.ceil(shown.length / ROWS_PER_PAGE));
  const page = Math.min(Math.max(1, filter.page), pages);
  const pageRows = shown.slice((page - 1) * ROWS_PER_PAGE, page * ROWS_PER_PAGE);

  // The Errors list, each linked to its cell in the rows below (the page of its sheet that holds it).
  const errors: Array<{ s: number; sheet: PlannedSheet; d: PlannedRow['diags'][number]; row: number }> = [];
  plan.sheets.forEach((sheet, s) => {
    for (const d of sheet.diags) if (d.severity === 'error') errors.push({ s, sheet, d, row: d.at?.row ?? 0 });
    for (const row of sheet.rows) for (const d of row.diags) if (d.severity === 'error') errors.push({ s, sheet, d, row: row.row });
  });
  const positionInSheet = (s: number, rowNumber: number) => plan.sheets[s]!.rows.findIndex((r) => r.row === rowNumber);
  const errorLink = (e: (typeof errors)[number]) => {
    const at = positionInSheet(e.s, e.row);
    const anchor = e.d.at?.column ? `#cell-${e.s}-${e.row}-${e.d.at.column}` : `#row-${e.s}-${e.row}`;
    return `${link(e.s, undefined, at < 0 ? 1 : Math.floor(at / ROWS_PER_PAGE) + 1)}${anchor}`;
  };

  const applyBlock = job.applyId
    ? html`<p class="notice">This plan was applied: <a href="/applies/${job.applyId}">see the results</a>.</p>`
    : changes === 0
      ? html`<p class="notice">Nothing to apply: ${rejected ? 'every row is rejected, unchanged or waiting' : 'the store already matches this file'}.</p>`
      : html`<form method="post" action="${base}/apply" class="card apply">
  <input type="hidden" name="_csrf" value="${frame.viewer.csrf}">
  <p><strong>${plural(changes, 'change')}</strong> will be applied in one transaction${rejected ? (job.options.atomic ? ', but rows are rejected and “all or nothing” is on: nothing would be applied' : '; the rejected rows are not applied') : ''}.</p>
  ${optionsList(job.options)}
  <p><button type="submit">Apply this plan</button></p>
  <p class="hint">If the store changes before you apply (another run), the plan is refused as stale and you upload the file again.</p>
</form>`;

  return layout(
    { ...frame, title: `Plan of ${job.fileName}`, active: 'upload' },
    html`<h1>Plan of ${job.fileName}</h1>
<p class="lede">Nothing has been changed yet. Planned against store revision ${plan.revision} by ${plan.operator} at ${when(plan.createdAt)}.</p>
${countsTable(plan, (sheet, result) => link(sheet, result))}
${applyBlock}
<p><a href="/downloads/${job.resultsDownload ?? ''}" download>Download the plan’s results workbook</a> (the same workbook as <code>tiersync plan</code> writes).</p>
${warnings(job)}
${errors.length
  ? html`<section aria-labelledby="errors"><h2 id="errors">Errors (${errors.length.toLocaleString('en-US')})</h2>
<table class="errors"><thead><tr><th scope="col">Sheet</th><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Cell</th><th scope="col">Value</th><th scope="col">Code</th><th scope="col">Message</th></tr></thead>
<tbody>${errors.slice(0, ERRORS_SHOWN).map(
      (e) =>
        html`<tr><td>${e.sheet.name}</td><td class="num">${e.row || ''}</td><td>${e.d.at?.header ?? (e.d.at?.column ? columnLetter(e.d.at.column) : '')}</td><td>${e.row ? html`<a href="${errorLink(e)}">${e.d.at ? cellAddress(e.d.at) || `row ${e.row}` : `row ${e.row}`}</a>` : ''}</td><td>${e.d.value ?? ''}</td><td><code>${e.d.code}</code></td><td>${e.d.message}. ${adviceFor(e.d.code)}</td></tr>`,
    )}</tbody></table>
${errors.length > ERRORS_SHOWN ? html`<p class="hint">The first ${ERRORS_SHOWN} are shown; the results workbook’s Errors sheet has them all.</p>` : ''}</section>`
  : ''}
<section aria-labelledby="rows"><h2 id="rows">Rows</h2>
<form method="get" action="${base}" class="filters">
  <label for="f-sheet">Sheet</label><select id="f-sheet" name="sheet"><option value="">All sheets</option>${plan.sheets.map((s, i) => html`<option value="${i}"${filter.sheet === i ? raw(' selected') : ''}>${s.name}</option>`)}</select>
  <label for="f-result">Result</label><select id="f-result" name="result"><option value="">All results</option>${ROW_RESULTS.map((r) => html`<option value="${r}"${filter.result === r ? raw(' selected') : ''}>${r}</option>`)}</select>
  <button type="submit">Show</button>
</form>
<p class="hint">${plural(shown.length, 'row')}${pages > 1 ? `, page ${page} of ${pages}` : ''}.</p>
<table class="rows"><thead><tr><th scope="col">Sheet</th><th scope="col">Row</th><th scope="col">Record</th><th scope="col">Result</th><th scope="col">Code</th><th scope="col">Message</th><th scope="col">Changes</th></tr></thead>
<tbody>${pageRows.map(
      ({ s, sheet, row }) =>
        html`<tr id="row-${s}-${row.row}" class="res-${row.result}"><td>${sheet.name}</td><td class="num">${row.row}</td><td>${recordOf(sheet, row)}</td><td>${resultBadge(row.result)}</td><td>${codeOfRow(row) ? html`<code>${codeOfRow(row)}</code>` : ''}</td><td>${messageOfRow(row)}${row.diags.some((d) => d.severity === 'error') ? rowCells(s, sheet, row) : ''}</td><td>${row.changesText}</td></tr>`,
    )}</tbody></table>
${pages > 1 ? html`<nav aria-label="Pages" class="pages">${page > 1 ? html`<a href="${link(filter.sheet, filter.result, page - 1)}">Previous page</a>` : ''} ${page < pages ? html`<a href="${link(filter.sheet, filter.result, page + 1)}">Next page</a>` : ''}</nav>` : ''}
</section>`,
  );
}

// ---------------------------------------------------------------------------------------------
// An apply's outcome

export function appliedPage(frame: PageFrame & { viewer: Viewer }, job: ApplyJob & { report: NonNullable<ApplyJob['report']> }, available: (id: string | undefined) => boolean, secretMinutes: number): string {
  const { plan, run } = job.report;
  const credentials = job.credentialDownloads.filter(available);
  const drafts = job.invitationDownloads.filter((d) => available(d.id));
  return layout(
    { ...frame, title: 'Applied', active: 'upload' },
    html`<h1>Applied</h1>
<p class="lede">Store revision ${run.revisionBefore} → ${run.revisionAfter}. Batch <code>${run.batchId}</code>, by ${run.operator}, ${when(run.finishedAt)}.</p>
${countsTable(plan)}
<section><h2>Downloads</h2><ul class="downloads">
<li><a href="/downloads/${job.resultsDownload ?? ''}" download>Results workbook</a>: every row’s result, code and message, the assigned IDs, the Errors sheet. <a href="/runs/${run.batchId}">This run</a> keeps it.</li>
${credentials.map((id, i) => html`<li class="secret"><a href="/downloads/${id}" download>Credential report${credentials.length > 1 ? ` ${i + 1}` : ''}</a>: the new customers’ admin accounts and temporary passwords. <strong>It can be downloaded once, by you only</strong>, and is deleted from the server after that or in ${secretMinutes} minutes; it is stored nowhere else. Hand it over securely, then delete your copy.</li>`)}
${job.credentialDownloads.length && !credentials.length ? html`<li>The credential report was downloaded or has expired: it is no longer on the server.</li>` : ''}
</ul>
${drafts.length
  ? html`<h3>Invitation drafts</h3><p>One email draft per partnership request, with the reseller’s personal acceptance link. Send each to its reseller. They are deleted from the server in ${secretMinutes} minutes.</p><ul>${drafts.map((d) => html`<li><a href="/downloads/${d.id}" download>${d.mpnId}.eml</a></li>`)}</ul>`
  : job.invitationDownloads.length
    ? html`<p>The invitation drafts have expired and are no longer on the server.</p>`
    : ''}
</section>
${warnings(job)}
<p><a class="button" href="/upload">Upload another file</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Runs

function countsText(counts: BatchRecord['counts']): string {
  return Object.entries(counts)
    .map(([sheet, c]) => `${sheet}: ${Object.entries(c).map(([r, n]) => `${n} ${r}`).join(', ')}`)
    .join('; ');
}

function batchTable(batches: readonly BatchRecord[]): Markup {
  return html`<table class="runs"><thead><tr><th scope="col">Finished</th><th scope="col">Kind</th><th scope="col">Operator</th><th scope="col">Input</th><th scope="col">Rows</th><th scope="col">Revision</th></tr></thead>
<tbody>${batches.map(
    (b) =>
      html`<tr><td><a href="/runs/${b.batchId}">${when(b.finishedAt)}</a></td><td>${b.mode}</td><td>${b.operator}</td><td>${b.inputs.map((i) => i.name).join(', ')}</td><td>${countsText(b.counts)}</td><td class="num">${b.revisionBefore} → ${b.revisionAfter}</td></tr>`,
  )}</tbody></table>`;
}

export function runsPage(frame: PageFrame, batches: readonly BatchRecord[]): string {
  return layout({ ...frame, title: 'Runs', active: 'runs' }, html`<h1>Runs</h1><p>Every run that changed the store, newest first. Each keeps its report: its results workbook is written again from the store.</p>${batches.length ? batchTable(batches) : html`<p>No runs yet.</p>`}`);
}

export function runPage(frame: PageFrame, batch: BatchRecord, reportKept: boolean, omitted: string | undefined): string {
  return layout(
    { ...frame, title: `Run ${batch.batchId.slice(0, 8)}`, active: 'runs' },
    html`<h1>Run <code>${batch.batchId}</code></h1>
<dl class="facts"><dt>Kind</dt><dd>${batch.mode}</dd><dt>Operator</dt><dd>${batch.operator}</dd><dt>Started</dt><dd>${when(batch.startedAt)}</dd><dt>Finished</dt><dd>${when(batch.finishedAt)}</dd><dt>Store revision</dt><dd>${batch.revisionBefore} → ${batch.revisionAfter}</dd>
<dt>Input</dt><dd>${batch.inputs.length ? html`<ul>${batch.inputs.map((i) => html`<li>${i.name} <small>SHA-256 <code>${i.sha256}</code></small></li>`)}</ul>` : 'none'}</dd>
<dt>Rows</dt><dd>${countsText(batch.counts) || 'none'}</dd></dl>
<p>${reportKept ? html`<a class="button" href="/runs/${batch.batchId}/results.xlsx" download>Download its results workbook</a> <span class="hint">written again from the store, as <code>tiersync report --batch</code> does</span>` : html`<span class="hint">No report is kept for this run${omitted ? ` (${omitted})` : ''}.</span>`}</p>
<p><a href="/audit${query({ batch: batch.batchId })}">Its audit records</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Audit trail

export interface AuditFilter {
  batch?: string;
  entity?: string;
  from?: string;
  to?: string;
}

export const AUDIT_SHOWN = 500;

function shown(value: unknown): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : canonicalJson(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** What an audit record changed, field by field: `quantity: 5 → 8` (the export has the whole records). */
function auditChange(before: unknown, after: unknown): Markup {
  const fields = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const b = fields(before);
  const a = fields(after);
  let lines: string[];
  if (b && a) lines = Object.keys({ ...b, ...a }).filter((k) => canonicalJson(b[k]) !== canonicalJson(a[k])).map((k) => `${k}: ${shown(b[k])} → ${shown(a[k])}`);
  else if (a) lines = Object.entries(a).filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}: ${shown(v)}`);
  else if (b) lines = ['(removed)'];
  else lines = [`${shown(before)} → ${shown(after)}`];
  const first = lines.slice(0, 4);
  const rest = lines.slice(4);
  return html`<ul class="diff">${first.map((l) => html`<li>${l}</li>`)}</ul>${rest.length ? html`<details><summary>${rest.length} more</summary><ul class="diff">${rest.map((l) => html`<li>${l}</li>`)}</ul></details>` : ''}`;
}

export function auditPage(frame: PageFrame, verdict: ChainVerdict, records: readonly AuditRecord[], matched: number, filter: AuditFilter): string {
  return layout(
    { ...frame, title: 'Audit trail', active: 'audit' },
    html`<h1>Audit trail</h1>
${verdict.broken
  ? html`<p class="notice error" role="alert">The audit trail is <strong>broken</strong> at record ${verdict.broken.seq}: ${verdict.broken.reason}.</p>`
  : html`<p class="notice ok" role="status">Audit trail intact: ${plural(verdict.records, 'record')}, every hash verified.</p>`}
<form method="get" action="/audit" class="filters">
  <label for="a-batch">Batch ID</label><input id="a-batch" name="batch" value="${filter.batch ?? ''}" size="38" pattern="[0-9a-fA-F-]*">
  <label for="a-entity">Entity</label><select id="a-entity" name="entity"><option value="">All</option>${[...ENTITIES, 'invitation'].map((e) => html`<option${filter.entity === e ? raw(' selected') : ''}>${e}</option>`)}</select>
  <label for="a-from">From</label><input id="a-from" name="from" type="date" value="${filter.from ?? ''}">
  <label for="a-to">To</label><input id="a-to" name="to" type="date" value="${filter.to ?? ''}">
  <button type="submit">Show</button>
  <a class="button secondary" href="/audit/export.xlsx${query({ batch: filter.batch, entity: filter.entity, from: filter.from, to: filter.to })}" download>Export these records (.xlsx)</a>
</form>
<p class="hint">${plural(matched, 'record')} match${matched === 1 ? 'es' : ''}${matched > records.length ? `; the first ${records.length} are shown, the export has them all` : ''}.</p>
<table class="audit"><thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Operator</th><th scope="col">Entity</th><th scope="col">Key</th><th scope="col">Action</th><th scope="col">Change</th><th scope="col">Input</th><th scope="col">Batch</th></tr></thead>
<tbody>${records.map(
      (r) =>
        html`<tr><td class="num">${r.seq}</td><td>${when(r.at)}</td><td>${r.operator}</td><td>${r.entity}</td><td>${r.key}</td><td>${r.action}</td><td class="change">${auditChange(r.before, r.after)}</td><td>${r.inputName}</td><td><a href="/runs/${r.batchId}" title="${r.batchId}">${r.batchId.slice(0, 8)}</a></td></tr>`,
    )}</tbody></table>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Users

export function usersPage(frame: PageFrame, users: ReadonlyArray<UserRecord & { password: boolean }>, sso: boolean): string {
  return layout(
    { ...frame, title: 'Users', active: 'users' },
    html`<h1>Users</h1>
<p>The provider’s users and their roles. They are changed with a Users sheet (by a role that manages users); a password is set with <code>tiersync users set-password EMAIL</code>.</p>
<table class="users"><thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Console sign-in</th></tr></thead>
<tbody>${users.map(
      (u) =>
        html`<tr><td>${u.email}</td><td>${u.displayName}</td><td>${u.roles.join(', ')}</td><td>${u.status}</td><td>${u.status !== 'active' ? 'none' : [u.password ? 'password' : '', sso ? 'single sign-on' : ''].filter(Boolean).join(', ') || 'none yet'}</td></tr>`,
    )}</tbody></table>`,
  );
}

// ---------------------------------------------------------------------------------------------
// The public acceptance page (SPEC §1.3.1)

export function acceptPage(frame: PageFrame, csrf: string, shown: { provider: ProviderRecord; reseller: ResellerRecord; expiresAt: string }): string {
  const { provider, reseller } = shown;
  return layout(
    { ...frame, title: 'Partnership invitation' },
    html`<h1>Partnership invitation</h1>
<p><strong>${provider.name}</strong> (PartnerID ${provider.mpnId}), an indirect provider in the Microsoft Cloud Solution Provider program, invites <strong>${reseller.name}</strong> (Location PartnerID ${reseller.mpnId}) to become its indirect reseller.</p>
<p>Once you accept, you can serve common customers together: customers can be associated with you, and you can be their partner of record.</p>
<form method="post" action="/accept" class="card">
  <input type="hidden" name="_csrf" value="${csrf}">
  <p><button type="submit">Accept the partnership</button></p>
  <p class="hint">The invitation expires on ${shown.expiresAt.slice(0, 10)}.</p>
</form>`,
  );
}

export function acceptedPage(frame: PageFrame, provider: ProviderRecord, reseller: ResellerRecord): string {
  return layout({ ...frame, title: 'Partnership accepted' }, html`<h1>Partnership accepted</h1><p class="notice ok" role="status">The partnership between ${provider.name} and ${reseller.name} (${reseller.mpnId}) is now active.</p><p>You may close this page.</p>`);
}

export function acceptProblemPage(frame: PageFrame, reason: string): string {
  return layout({ ...frame, title: 'Invitation not accepted' }, html`<h1>This invitation cannot be accepted</h1><p class="notice error" role="alert">${reason.replace(/\.?$/, '.')}</p><p>Nothing was changed.</p>`);
}
