/**
 * Partner Center's activity log (`GET /v1/auditrecords`): every change, whoever made it, kept
 * 90 days ("activity log data availability is limited to the previous 90 days",
 * get-a-record-of-partner-center-activity-by-user.md).
 *
 * Records are kept in (time, seq) order; a renewal applied late is dated at its term end, so an
 * append may land before the last record and the order is restored before the next read.
 * Continuation tokens are cursors on (time, seq), so a page boundary survives later appends.
 */
import type { Actor, ActivityRecord } from './records.js';

export const ACTIVITY_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

export interface ActivityQuery {
  startMs: number;
  endMs: number;
  /** Exclusive cursor: records after this (time, seq). */
  after?: { at: number; seq: number };
  customerId?: string;
  companyNameSubstring?: string;
  resourceType?: string;
  size: number;
}

export class ActivityLog {
  private readonly records: ActivityRecord[] = [];
  private nextSeq = 1;
  private sorted = true;

  add(entry: Omit<ActivityRecord, 'seq'> & { actor: Actor }): ActivityRecord {
    const record: ActivityRecord = { ...entry, seq: this.nextSeq++ };
    const last = this.records[this.records.length - 1];
    if (last && record.at < last.at) this.sorted = false;
    this.records.push(record);
    return record;
  }

  /** Every record, in time order (tests inspect this). */
  all(): readonly ActivityRecord[] {
    this.sort();
    return this.records;
  }

  query(q: ActivityQuery): { items: ActivityRecord[]; next?: { at: number; seq: number } } {
    this.sort();
    const from = q.after ?? { at: q.startMs, seq: 0 };
    let i = lowerBound(this.records, from.at, q.after ? from.seq + 1 : 0);
    const items: ActivityRecord[] = [];
    const substring = q.companyNameSubstring?.toLowerCase();
    const resourceType = q.resourceType?.toLowerCase();
    for (; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.at >= q.endMs) break;
      if (q.customerId && r.customerId?.toLowerCase() !== q.customerId.toLowerCase()) continue;
      if (substring && !(r.customerName ?? '').toLowerCase().includes(substring)) continue;
      if (resourceType && r.resourceType.toLowerCase() !== resourceType) continue;
      items.push(r);
      if (items.length === q.size) {
        // A filtered next page may turn out empty; a scan for the next match would make a page O(n).
        const following = this.records[i + 1];
        return following && following.at < q.endMs ? { items, next: { at: r.at, seq: r.seq } } : { items };
      }
    }
    return { items };
  }

  private sort(): void {
    if (this.sorted) return;
    this.records.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.sorted = true;
  }
}

/** First index whose (at, seq) is ≥ (at, seq). */
function lowerBound(records: ActivityRecord[], at: number, seq: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = records[mid]!;
    if (r.at < at || (r.at === at && r.seq < seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
