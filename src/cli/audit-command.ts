import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson, verifyAuditChain, type AuditRecord } from '../core/audit-chain.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { ENTITIES } from '../core/entities.js';
import { createWorkbookWriter, streamTable } from '../report/xlsx-table.js';
import type { RunContext } from '../run/run-context.js';
import { openStore } from '../run/store-factory.js';
import { runClock } from '../run/run-clock.js';

/** `tiersync audit verify`: recompute the hash chain; exit 1 naming the first broken record. */
export async function runAuditVerify(ctx: RunContext): Promise<ExitCode> {
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    // A read takes --now only where a write would: a store made with --simulated-clock.
    runClock(ctx, await store.info(), store.location);
    const verdict = await verifyAuditChain(store.readAudit());
    ctx.log.info('audit verified', { event: 'audit.verify', records: verdict.records, broken: verdict.broken?.seq ?? null });
    if (verdict.broken) {
      ctx.terminal.error(`The audit trail is broken at record ${verdict.broken.seq}: ${verdict.broken.reason}.`);
      return EXIT.fatal;
    }
    ctx.terminal.print(`Audit trail intact: ${verdict.records} record(s), every hash verified.`, true);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export interface AuditExportFilter {
  batch?: string;
  since?: string;
  entity?: string;
}

/** `tiersync audit export --out FILE.xlsx`: the trail as a filterable workbook for auditors. */
export async function runAuditExport(ctx: RunContext, outFile: string, filter: AuditExportFilter): Promise<ExitCode> {
  if (!/\.xlsx$/i.test(outFile)) throw new UsageError(`--out ${outFile}: the audit export is an .xlsx workbook`);
  if (filter.entity && !(ENTITIES as readonly string[]).includes(filter.entity) && filter.entity !== 'invitation') {
    throw new UsageError(`--entity ${filter.entity}: use one of ${[...ENTITIES, 'invitation'].join(', ')}`);
  }
  let since: string | undefined;
  if (filter.since) {
    const t = Date.parse(filter.since);
    if (Number.isNaN(t)) throw new UsageError(`--since ${filter.since} is not a date (use YYYY-MM-DD)`);
    since = new Date(t).toISOString();
  }
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    // A read takes --now only where a write would: a store made with --simulated-clock.
    runClock(ctx, await store.info(), store.location);
    const keep = (r: AuditRecord) => (!filter.batch || r.batchId === filter.batch) && (!since || r.at >= since) && (!filter.entity || r.entity === filter.entity);
    const rows: unknown[][] = [];
    for await (const r of store.readAudit()) {
      if (keep(r)) rows.push([r.seq, r.batchId, r.at, r.operator, r.entity, r.key, r.action, r.before === null ? '' : canonicalJson(r.before), r.after === null ? '' : canonicalJson(r.after), r.inputName, r.inputSha256, r.prevHash, r.hash]);
    }
    const batches = (await store.listBatches()).filter((b) => !filter.batch || b.batchId === filter.batch);
    await fs.mkdir(dirname(outFile), { recursive: true });
    const workbook = createWorkbookWriter(outFile);
    await streamTable(workbook, 'Audit', ['Seq', 'Batch ID', 'Time', 'Operator', 'Entity', 'Key', 'Action', 'Before', 'After', 'Input', 'Input SHA-256', 'Previous Hash', 'Hash'], rows, { widths: [8, 38, 26, 30, 14, 38, 10, 60, 60, 24, 66, 66, 66] });
    await streamTable(
      workbook,
      'Batches',
      ['Batch ID', 'Mode', 'Operator', 'Started', 'Finished', 'Inputs', 'Counts', 'Revision Before', 'Revision After'],
      batches.map((b) => [b.batchId, b.mode, b.operator, b.startedAt, b.finishedAt, b.inputs.map((i) => `${i.name} (${i.sha256})`).join('\n'), canonicalJson(b.counts), b.revisionBefore, b.revisionAfter]),
      { widths: [38, 14, 30, 26, 26, 60, 60, 16, 16] },
    );
    await workbook.commit();
    ctx.terminal.print(`Exported ${rows.length} audit record(s) and ${batches.length} batch(es) to ${outFile}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
