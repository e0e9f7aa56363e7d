import { createHash, randomUUID } from 'node:crypto';
import type { JournalLog } from '../core/journal.js';
import { PartnerCenterClient } from './pc-client.js';

/**
 * The meaning of the journal's lines (SPEC §7.4). Before a write is sent: an `intent` line (operation,
 * target, MS-RequestId, a digest of the request, and what tiersync will record if it succeeds, never
 * a secret). After the answer: an `outcome` line. A run that dies between the two leaves an intent
 * without an outcome: the next writing command resolves it with the same MS-RequestId, or by reading.
 * Until the run's commit folds them into the store, finished entries stay too, so a crash after an
 * answer and before the commit loses nothing.
 */

/** What a journaled write is, in the words of the Recovered sheet. */
export type JournaledOperation = 'customers.create' | 'agreements.create' | 'carts.create' | 'carts.checkout' | 'subscriptions.patch' | 'transitions.create' | 'supportContacts.update';

export interface JournalIntent {
  id: string;
  batchId: string;
  operation: JournaledOperation;
  /** `customer:contoso`, `subscription:<id>`, `order:contoso`. */
  target: string;
  requestId: string;
  /** SHA-256 of the request body: a re-send must be the same request. */
  digest: string;
  /** The request as sent, without secrets: what a re-send needs. */
  request: unknown;
  /** What the run expects to record when the write succeeds (the planned record, a change index…). */
  context: unknown;
  at: string;
}

export interface JournalOutcome {
  id: string;
  status: 'done' | 'failed';
  /** Partner Center's answer as far as tiersync keeps it (IDs, statuses), never a password. */
  result?: unknown;
  /** A refusal: tiersync code, Partner Center code and message. */
  error?: { code: string; pcCode?: string; message: string };
  at: string;
}

/** How a later run resolved an entry an earlier run left: kept until a run completes, so a resolution is reported even if the resolving run dies too. */
export interface JournalResolution {
  id: string;
  found: string;
  recorded: string;
  at: string;
}

export interface JournalEntry {
  intent: JournalIntent;
  outcome?: JournalOutcome;
  resolution?: JournalResolution;
}

type Line = ({ type: 'intent' } & JournalIntent) | ({ type: 'outcome' } & JournalOutcome) | ({ type: 'resolved' } & JournalResolution);

export function digestOf(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request ?? null)).digest('hex');
}

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();

  private constructor(private readonly log: JournalLog) {}

  /** The journal as the store holds it: entries of runs that did not finish are there. */
  static async open(log: JournalLog): Promise<Journal> {
    const journal = new Journal(log);
    for (const text of await log.read()) {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue;
      }
      if (line.type === 'intent') {
        const { type: _t, ...intent } = line;
        journal.entries.set(intent.id, { intent });
      } else if (line.type === 'outcome') {
        const { type: _t, ...outcome } = line;
        const entry = journal.entries.get(outcome.id);
        if (entry) entry.outcome = outcome;
      } else {
        const { type: _t, ...resolution } = line;
        const entry = journal.entries.get(resolution.id);
        if (entry) entry.resolution = resolution;
      }
    }
    return journal;
  }

  /** Entries left by an earlier run (before this run writes anything). */
  leftOver(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** Record the intent, durably, before the write is sent. Returns it with its MS-RequestId. */
  async intend(fields: Omit<JournalIntent, 'id' | 'requestId' | 'digest' | 'at'> & { at: string; requestId?: string }): Promise<JournalIntent> {
    const intent: JournalIntent = { id: randomUUID(), requestId: fields.requestId ?? PartnerCenterClient.newRequestId(), digest: digestOf(fields.request), ...fields };
    await this.log.append(JSON.stringify({ type: 'intent', ...intent }));
    this.entries.set(intent.id, { intent });
    return intent;
  }

  /** Record the outcome, durably, once Partner Center answered. */
  async record(outcome: JournalOutcome): Promise<void> {
    await this.log.append(JSON.stringify({ type: 'outcome', ...outcome }));
    const entry = this.entries.get(outcome.id);
    if (entry) entry.outcome = outcome;
  }

  /** Record how an earlier run's entry was resolved (its records are committed). */
  async resolve(resolution: JournalResolution): Promise<void> {
    await this.log.append(JSON.stringify({ type: 'resolved', ...resolution }));
    const entry = this.entries.get(resolution.id);
    if (entry) entry.resolution = resolution;
  }

  /** Every entry is in the store now, and the run's results say so: start afresh. */
  async clear(): Promise<void> {
    await this.log.clear();
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
