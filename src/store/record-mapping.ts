import type { AuditRecord } from '../core/audit-chain.js';
import { offerKey, userKey, type Entity, type InvitationRecord, type RecordOf } from '../core/entities.js';

/** How a record field is stored. */
type Codec = 'text' | 'int' | 'bool' | 'json';
type SqlValue = string | number | null;

interface TableMap {
  table: string;
  /** Primary-key column, and how to compute its value from a record. */
  key: string;
  keyOf: (record: Record<string, unknown>) => string;
  /** field → [column, codec]; the key column may be derived (offer_key) or a field (mpn_id). */
  fields: ReadonlyArray<readonly [field: string, column: string, codec: Codec]>;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
const cols = (spec: Record<string, Codec>): TableMap['fields'] => Object.entries(spec).map(([f, c]) => [f, snake(f), c] as const);

/** The one mapping between records and tables, for every backend. */
export const TABLES: Readonly<Record<Entity | 'invitation', TableMap>> = {
  user: { table: 'users', key: 'email', keyOf: (r) => userKey(String(r.email)), fields: cols({ displayName: 'text', roles: 'json', status: 'text' }) },
  offer: { table: 'offers', key: 'offer_key', keyOf: (r) => offerKey(String(r.offerId)), fields: cols({ offerId: 'text', name: 'text', minQuantity: 'int', maxQuantity: 'int', billingCycles: 'json', upgradeTargets: 'json' }) },
  reseller: { table: 'resellers', key: 'mpn_id', keyOf: (r) => String(r.mpnId), fields: cols({ name: 'text', contactEmail: 'text', globalMpnId: 'text', country: 'text', partnership: 'text', stateSince: 'text' }) },
  customer: {
    table: 'customers',
    key: 'domain',
    keyOf: (r) => String(r.domain),
    fields: cols({ tenantId: 'text', companyName: 'text', contactFirstName: 'text', contactLastName: 'text', contactEmail: 'text', phone: 'text', addressLine1: 'text', addressLine2: 'text', city: 'text', stateRegion: 'text', postalCode: 'text', country: 'text', language: 'text', resellerMpnId: 'text', resellerAdmin: 'bool', createdAt: 'text' }),
  },
  subscription: {
    table: 'subscriptions',
    key: 'subscription_id',
    keyOf: (r) => String(r.subscriptionId),
    fields: cols({ customerDomain: 'text', offerId: 'text', nickname: 'text', quantity: 'int', billingCycle: 'text', autoRenew: 'bool', partnerOfRecordMpnId: 'text', supportContactMpnId: 'text', status: 'text', createdAt: 'text' }),
  },
  invitation: { table: 'invitations', key: 'id', keyOf: (r) => String(r.id), fields: cols({ resellerMpnId: 'text', tokenHash: 'text', createdAt: 'text', expiresAt: 'text', status: 'text', acceptedAt: 'text' }) },
};

/** The key field of each table when it is also a record field (offer_key is derived; the others are fields). */
const KEY_FIELD: Readonly<Record<Entity | 'invitation', string | undefined>> = { user: 'email', offer: undefined, reseller: 'mpnId', customer: 'domain', subscription: 'subscriptionId', invitation: 'id' };

function encode(value: unknown, codec: Codec): SqlValue {
  if (value === null || value === undefined) return null;
  switch (codec) {
    case 'text':
      return String(value);
    case 'int':
      return Number(value);
    case 'bool':
      return value ? 1 : 0;
    case 'json':
      return JSON.stringify(value);
  }
}

function decode(value: unknown, codec: Codec): unknown {
  if (value === null || value === undefined) return null;
  switch (codec) {
    case 'text':
      return String(value);
    case 'int':
      return Number(value);
    case 'bool':
      return Number(value) !== 0;
    case 'json':
      return JSON.parse(String(value));
  }
}

/** Column names of a table, key first: the order of `rowOf` and of SELECT lists. */
export function columnsOf(kind: Entity | 'invitation'): string[] {
  const map = TABLES[kind];
  return [map.key, ...map.fields.map(([, column]) => column)];
}

/** A record as the values of `columnsOf(kind)`. */
export function rowOf(kind: Entity | 'invitation', record: object): SqlValue[] {
  const map = TABLES[kind];
  const r = record as Record<string, unknown>;
  return [map.keyOf(r), ...map.fields.map(([field, , codec]) => encode(r[field], codec))];
}

/** The values of `columnsOf(kind)` back as a record. */
export function recordOf<K extends Entity | 'invitation'>(kind: K, values: readonly unknown[]): K extends Entity ? RecordOf[K] : InvitationRecord {
  const map = TABLES[kind];
  const out: Record<string, unknown> = {};
  const keyField = KEY_FIELD[kind];
  if (keyField) out[keyField] = String(values[0]);
  map.fields.forEach(([field, , codec], i) => (out[field] = decode(values[i + 1], codec)));
  return out as never;
}

export const AUDIT_COLUMNS = ['seq', 'batch_id', 'at', 'operator', 'entity', 'record_key', 'action', 'before_json', 'after_json', 'input_name', 'input_sha256', 'prev_hash', 'hash'] as const;

export function auditRowOf(r: AuditRecord): SqlValue[] {
  return [r.seq, r.batchId, r.at, r.operator, r.entity, r.key, r.action, r.before === null || r.before === undefined ? null : JSON.stringify(r.before), r.after === null || r.after === undefined ? null : JSON.stringify(r.after), r.inputName, r.inputSha256, r.prevHash, r.hash];
}

export function auditRecordOf(v: readonly unknown[]): AuditRecord {
  return {
    seq: Number(v[0]),
    batchId: String(v[1]),
    at: String(v[2]),
    operator: String(v[3]),
    entity: String(v[4]),
    key: String(v[5]),
    action: String(v[6]),
    before: v[7] === null ? null : JSON.parse(String(v[7])),
    after: v[8] === null ? null : JSON.parse(String(v[8])),
    inputName: String(v[9]),
    inputSha256: String(v[10]),
    prevHash: String(v[11]),
    hash: String(v[12]),
  };
}
