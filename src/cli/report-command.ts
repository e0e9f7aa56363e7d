import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { unpackRunReport } from '../report/run-record.js';
import type { RunContext } from '../run/run-context.js';
import { report } from '../run/run-batch.js';
import { openStore } from '../run/store-factory.js';
import { runClock } from '../run/run-clock.js';

/** `tiersync report --batch ID --out DIR`: write an applied run's results workbook again, from the store. */
export async function runReport(ctx: RunContext, batchId: string): Promise<ExitCode> {
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    // A read takes --now only where a write would: a store made with --simulated-clock.
    runClock(ctx, await store.info(), store.location);
    const batches = await store.listBatches();
    const batch = batches.find((b) => b.batchId === batchId || (batchId.length >= 8 && b.batchId.startsWith(batchId)));
    if (!batch) throw new UsageError(`No batch ${batchId} in ${store.location}; the Batch ID is on the Summary sheet of a results workbook and in tiersync audit export`);
    const details = batch.details as { report?: string; reportOmitted?: string; files?: string[] } | null;
    if (!details?.report) throw new UsageError(`Batch ${batch.batchId} (${batch.mode}) has no kept report${details?.reportOmitted ? ` (${details.reportOmitted})` : ''}`);
    const { plan, run, applied } = unpackRunReport(details.report);
    const path = await report(ctx, plan, run, details.files ?? plan.inputs.map((i) => i.name), applied);
    ctx.log.info('report regenerated', { event: 'report.regenerated', batchId: batch.batchId, path });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
