import { gunzipSync, gzipSync } from 'node:zlib';
import type { ApplyResult } from '../apply/apply-sync-plan.js';
import { PLAN_FORMAT_VERSION, type Change, type SyncPlan, type WrittenValues } from '../plan/sync-plan.js';
import { keepWritten } from '../plan/written-values.js';
import type { RunInfo } from './results-workbook.js';

/** Past this much JSON a run's report is not kept in the store (the results workbook remains the record). */
export const MAX_KEPT_REPORT_BYTES = 64 * 1024 * 1024;

/** What a batch record keeps so `tiersync report --batch` can write the run's results workbook again. */
export interface KeptRunReport {
  plan: SyncPlan;
  run: Omit<RunInfo, 'invitationDrafts'> & { invitationDrafts: Array<[string, string]> };
  /** Tenant or subscription ID assigned to each change, by change index. */
  assignedIds: Array<string | null>;
  invitations: Array<{ resellerMpnId: string; expiresAt: string }>;
}

/** Compressed for the batch record; undefined when too large to keep. Holds no secret: plans never do. */
export function packRunReport(report: KeptRunReport): string | undefined {
  const json = JSON.stringify(report);
  if (json.length > MAX_KEPT_REPORT_BYTES) return undefined;
  return gzipSync(json).toString('base64');
}

export function unpackRunReport(packed: string): { plan: SyncPlan; run: RunInfo; applied: Pick<ApplyResult, 'assignedIds' | 'invitations' | 'revisionAfter' | 'appliedAt'> } {
  const kept = JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as KeptRunReport;
  return {
    plan: upgradeKeptPlan(kept.plan),
    run: { ...kept.run, invitationDrafts: new Map(kept.run.invitationDrafts) },
    applied: {
      revisionAfter: kept.run.revisionAfter,
      // An apply is dated at its run's start.
      appliedAt: kept.run.startedAt,
      assignedIds: kept.assignedIds,
      invitations: kept.invitations.map((i) => ({ ...i, resellerName: '', contactEmail: '', token: '' })),
    },
  };
}

/**
 * A plan kept by an older tiersync, as this one reads plans: format 2 had no renewals and wrote back
 * only the record's ID (`assignedId`); formats 2 and 3 kept what a row writes back on the row itself,
 * and a change's whole row reference (`source`), not just its file.
 */
function upgradeKeptPlan(plan: SyncPlan): SyncPlan {
  const format = plan.formatVersion as number;
  if (format >= 4) return plan;
  for (const sheet of plan.sheets) {
    sheet.rows.forEach((row: SyncPlan['sheets'][number]['rows'][number] & { assignedId?: string; written?: WrittenValues }, index) => {
      const written = format < 3 ? (row.assignedId !== undefined ? [row.assignedId] : undefined) : row.written;
      if (written) keepWritten(sheet, index, written);
      delete row.assignedId;
      delete row.written;
    });
  }
  const changes = plan.changes.map(({ source, ...change }: Change & { source?: { file: number } | null }) => ({ ...change, sourceFile: source?.file ?? null }) as Change);
  return { ...plan, formatVersion: PLAN_FORMAT_VERSION, changes, renewals: plan.renewals ?? [], simulatedClock: plan.simulatedClock ?? false };
}
