import { canonicalJson, type AuditRecord } from '../core/audit-chain.js';
import type { SyncStore } from '../store/sync-store.js';
import { createWorkbookWriter, streamTable } from './xlsx-table.js';

/** Which audit records an export keeps: a batch, records from a time on, an entity. */
export interface AuditFilter {
  keep: (record: AuditRecord) => boolean;
  batch: (batchId: string) => boolean;
}

/**
 * The audit trail for auditors (SPEC §3.3): its records and the batches, as `tiersync audit export`
 * and the console both write it. Returns how many records and batches it wrote.
 */
export async function writeAuditWorkbook(path: string, store: SyncStore, filter: AuditFilter): Promise<{ records: number; batches: number }> {
  const rows: unknown[][] = [];
  for await (const r of store.readAudit()) {
    if (filter.keep(r)) rows.push([r.seq, r.batchId, r.at, r.operator, r.entity, r.key, r.action, r.before === null ? '' : canonicalJson(r.before), r.after === null ? '' : canonicalJson(r.after), r.inputName, r.inputSha256, r.prevHash, r.hash]);
  }
  const batches = (await store.listBatches()).filter((b) => filter.batch(b.batchId));
  const workbook = createWorkbookWriter(path);
  await streamTable(workbook, 'Audit', ['Seq', 'Batch ID', 'Time', 'Operator', 'Entity', 'Key', 'Action', 'Before', 'After', 'Input', 'Input SHA-256', 'Previous Hash', 'Hash'], rows, { widths: [8, 38, 26, 30, 14, 38, 10, 60, 60, 24, 66, 66, 66] });
  await streamTable(
    workbook,
    'Batches',
    ['Batch ID', 'Mode', 'Operator', 'Started', 'Finished', 'Inputs', 'Counts', 'Revision Before', 'Revision After'],
    batches.map((b) => [b.batchId, b.mode, b.operator, b.startedAt, b.finishedAt, b.inputs.map((i) => `${i.name} (${i.sha256})`).join('\n'), canonicalJson(b.counts), b.revisionBefore, b.revisionAfter]),
    { widths: [38, 14, 30, 26, 26, 60, 60, 16, 16] },
  );
  await workbook.commit();
  return { records: rows.length, batches: batches.length };
}
