import { createHash } from 'node:crypto';

/** The genesis value the first audit record chains to. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** An audit record as the store keeps it (SPEC §3.3). `before`/`after` never hold a secret. */
export interface AuditRecord {
  seq: number;
  batchId: string;
  at: string;
  operator: string;
  entity: string;
  key: string;
  action: string;
  before: unknown;
  after: unknown;
  inputName: string;
  inputSha256: string;
  /** `simulated` when the run's clock came from --now (a store made with --simulated-clock); absent otherwise. */
  clock?: 'simulated';
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level: the same record always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 over the previous hash and the canonical JSON of the record without its own hash. */
export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(record.prevHash).update(canonicalJson(record)).digest('hex');
}

export interface ChainVerdict {
  records: number;
  /** The first record that does not link or does not match its hash. */
  broken?: { seq: number; reason: string };
}

/** Recompute the chain from the genesis hash; stops at the first broken link. */
export async function verifyAuditChain(records: AsyncIterable<AuditRecord>): Promise<ChainVerdict> {
  let prev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for await (const record of records) {
    count++;
    if (record.seq !== expectedSeq) return { records: count, broken: { seq: record.seq, reason: `expected record ${expectedSeq} here: a record was deleted or inserted` } };
    if (record.prevHash !== prev) return { records: count, broken: { seq: record.seq, reason: 'it does not link to the record before it' } };
    const { hash, ...rest } = record;
    if (auditHash(rest) !== hash) return { records: count, broken: { seq: record.seq, reason: 'its content does not match its hash: it was changed after it was written' } };
    prev = hash;
    expectedSeq++;
  }
  return { records: count };
}
