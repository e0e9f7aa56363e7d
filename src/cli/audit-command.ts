import { writeAuditWorkbook } from '../report/audit-workbook.js';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { verifyAuditChain, type AuditRecord } from '../core/audit-chain.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { ENTITIES } from '../core/entities.js';
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
    await fs.mkdir(dirname(outFile), { recursive: true });
    const written = await writeAuditWorkbook(outFile, store, { keep, batch: (id) => !filter.batch || id === filter.batch });
    ctx.terminal.print(`Exported ${written.records} audit record(s) and ${written.batches} batch(es) to ${outFile}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
