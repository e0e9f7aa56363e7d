import { createHash } from 'node:crypto';
import { internString, remembered } from '../core/intern.js';
import { AUDIT_GENESIS_HASH, type AuditRecord } from '../core/audit-chain.js';
import type { BatchRecord, Sequence, StoreInfo, WriteOp } from './sync-store.js';
import { offerKey, userKey, type Entity, type InvitationRecord, type PendingOrderRecord, type RecordOf } from '../core/entities.js';

/** Every kind of stored record: the entities, and the invitations and pending orders beside them. */
export type StoredKind = Entity | 'invitation' | 'pendingOrder';

/**
 * How a record field is stored. A `time` (an ISO 8601 UTC time as `toISOString` writes it, or '' for
 * none) is stored as its milliseconds since 1970 (NULL for none): 6 bytes instead of 24.
 */
type Codec = 'text' | 'int' | 'bool' | 'json' | 'time';
type SqlValue = string | number | Uint8Array | null;

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
export const TABLES: Readonly<Record<StoredKind, TableMap>> = {
  user: { table: 'users', key: 'email', keyOf: (r) => userKey(String(r.email)), fields: cols({ displayName: 'text', roles: 'json', status: 'text' }) },
  offer: { table: 'offers', key: 'offer_key', keyOf: (r) => offerKey(String(r.offerId)), fields: cols({ offerId: 'text', name: 'text', minQuantity: 'int', maxQuantity: 'int', terms: 'json', billingCycles: 'json', upgradeTargets: 'json' }) },
  reseller: { table: 'resellers', key: 'mpn_id', keyOf: (r) => String(r.mpnId), fields: cols({ name: 'text', contactEmail: 'text', globalMpnId: 'text', tenantId: 'text', country: 'text', partnership: 'text', stateSince: 'text' }) },
  customer: {
    table: 'customers',
    key: 'domain',
    keyOf: (r) => String(r.domain),
    fields: cols({ tenantId: 'text', companyName: 'text', contactFirstName: 'text', contactLastName: 'text', contactEmail: 'text', phone: 'text', addressLine1: 'text', addressLine2: 'text', city: 'text', stateRegion: 'text', postalCode: 'text', country: 'text', language: 'text', registrationNumber: 'text', resellerMpnId: 'text', adminAccess: 'text', createdAt: 'text' }),
  },
  subscription: {
    table: 'subscriptions',
    key: 'subscription_id',
    keyOf: (r) => String(r.subscriptionId),
    fields: cols({ customerDomain: 'text', offerId: 'text', nickname: 'text', quantity: 'int', term: 'text', billingCycle: 'text', autoRenew: 'bool', partnerOfRecordMpnId: 'text', supportContactMpnId: 'text', status: 'text', termStart: 'time', termEnd: 'time', seatAdditions: 'json', scheduled: 'json', createdAt: 'time' }),
  },
  invitation: { table: 'invitations', key: 'id', keyOf: (r) => String(r.id), fields: cols({ resellerMpnId: 'text', tokenHash: 'text', createdAt: 'text', expiresAt: 'text', status: 'text', acceptedAt: 'text' }) },
  pendingOrder: { table: 'pending_orders', key: 'order_id', keyOf: (r) => String(r.orderId), fields: cols({ customerDomain: 'text', lines: 'json', createdAt: 'text', status: 'text' }) },
};

/** The stored kind an op writes. */
export function kindOfOp(op: WriteOp): StoredKind {
  return op.kind === 'upsert' ? op.entity : op.kind === 'upsert-invitation' ? 'invitation' : 'pendingOrder';
}

/** The key field of each table when it is also a record field (offer_key is derived; the others are fields). */
const KEY_FIELD: Readonly<Record<StoredKind, string | undefined>> = { user: 'email', offer: undefined, reseller: 'mpnId', customer: 'domain', subscription: 'subscriptionId', invitation: 'id', pendingOrder: 'orderId' };

/** A time as stored (`time` codec): its milliseconds, or null for none (''). */
export function storedTime(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  return msOfIso(String(value));
}

/** Times written, by their text (a million subscriptions of one run share a few): refused unless canonical. */
const msOfIso = remembered((text: string) => {
  const ms = Date.parse(text);
  // Only a text that reads back the same is stored as a number: anything else is a fault upstream.
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== text) throw new Error(`"${text}" is not a time as the store keeps them (ISO 8601 UTC with milliseconds)`);
  return ms;
});

/** Times read back, by their milliseconds: a million subscriptions of one run share three. */
const isoOfMs = remembered((ms: number) => new Date(ms).toISOString());

/** A stored time (`time` codec) as its ISO text; '' for none. */
function timeText(value: unknown): string {
  return value === null || value === undefined || value === '' ? '' : isoOfMs(Number(value));
}

/** The store's earliest renewal (`store_meta.next_renewal_at`, text) from the value `RENEWAL_FLOOR_SQL` selects. */
export function renewalFloorText(value: unknown): string | null {
  return timeText(value) || null;
}

function encode(value: unknown, codec: Codec): SqlValue {
  if (codec === 'time') return storedTime(value);
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
  if (codec === 'time') return timeText(value);
  if (value === null || value === undefined) return null;
  switch (codec) {
    case 'text':
      return internString(String(value));
    case 'int':
      return Number(value);
    case 'bool':
      return Number(value) !== 0;
    case 'json':
      return JSON.parse(String(value));
  }
}

/** Column names of a table, key first: the order of `rowOf` and of SELECT lists. */
export function columnsOf(kind: StoredKind): string[] {
  const map = TABLES[kind];
  return [map.key, ...map.fields.map(([, column]) => column)];
}

/** The tables by name, the order `writeOrder` writes them in, and each kind's place in it. */
const TABLE_ORDER = [...new Set(Object.values(TABLES).map((t) => t.table))].sort();
const TABLE_RANK = Object.fromEntries((Object.keys(TABLES) as StoredKind[]).map((kind) => [kind, TABLE_ORDER.indexOf(TABLES[kind].table)])) as Record<StoredKind, number>;

/**
 * The order in which a commit writes `ops`: table by table (by table name), in primary-key order
 * within a table, so B-tree inserts walk the index in order and both backends write rows in the same
 * order. The last op for a key still wins: ops on one key keep their order. Positions are sorted,
 * not records: each op is asked for here for its key, then again when written, and never held.
 */
export function writeOrder(ops: Sequence<WriteOp>): { order: Uint32Array; kinds: StoredKind[]; keys: string[] } {
  const kinds: StoredKind[] = new Array(ops.length);
  const keys: string[] = new Array(ops.length);
  // Ops grouped by table first (counted, not compared), then each table's positions sorted by key:
  // a comparison then looks at two keys only, and a million of them sort in half the time.
  const rank = new Uint8Array(ops.length);
  const count = new Array<number>(TABLE_ORDER.length).fill(0);
  for (let i = 0; i < ops.length; i++) {
    const op = ops.at(i)!;
    const kind = kindOfOp(op);
    kinds[i] = kind;
    keys[i] = TABLES[kind].keyOf(op.record as unknown as Record<string, unknown>);
    const r = TABLE_RANK[kind];
    rank[i] = r;
    count[r] = count[r]! + 1;
  }
  const order = new Uint32Array(ops.length);
  // Each table's first position in `order`: the counts of the tables before it.
  const starts: number[] = [];
  for (let r = 0, at = 0; r < count.length; at += count[r++]!) starts.push(at);
  const next = [...starts];
  for (let i = 0; i < ops.length; i++) order[next[rank[i]!]!++] = i;
  const byKey = (a: number, b: number) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  };
  for (let r = 0; r < TABLE_ORDER.length; r++) if (count[r]! > 1) order.subarray(starts[r], starts[r]! + count[r]!).sort(byKey);
  return { order, kinds, keys };
}

/** A record as the values of `columnsOf(kind)`. */
export function rowOf(kind: StoredKind, record: object): SqlValue[] {
  const map = TABLES[kind];
  const r = record as Record<string, unknown>;
  return [map.keyOf(r), ...map.fields.map(([field, , codec]) => encode(r[field], codec))];
}

/**
 * Per kind, the function that turns the values of `columnsOf(kind)` into a record as one object
 * literal, generated from the table's field names. A record built field by field from `{}` keeps every
 * field past the fourth in a separate property store: at a million stored subscriptions, a million
 * more objects (~80 MB with their headers) for every collection to walk while a run plans.
 */
const RECORD_MAKERS = Object.fromEntries(
  (Object.keys(TABLES) as StoredKind[]).map((kind) => {
    const keyField = KEY_FIELD[kind];
    const parts = [
      ...(keyField ? [`${JSON.stringify(keyField)}: String(v[0])`] : []),
      ...TABLES[kind].fields.map(([field, , codec], i) => `${JSON.stringify(field)}: decode(v[${i + 1}], ${JSON.stringify(codec)})`),
    ];
    const make = new Function('decode', `return (v) => ({ ${parts.join(', ')} });`)(decode) as (values: readonly unknown[]) => object;
    return [kind, make];
  }),
) as Record<StoredKind, (values: readonly unknown[]) => object>;

/** The values of `columnsOf(kind)` back as a record. */
export function recordOf<K extends StoredKind>(kind: K, values: readonly unknown[]): K extends Entity ? RecordOf[K] : K extends 'invitation' ? InvitationRecord : PendingOrderRecord {
  return RECORD_MAKERS[kind](values) as never;
}

/**
 * Columns of an `audit` row. What one run's entries of one kind share (batch, time, operator, input
 * file, entity and action) is stored once in `audit_context` and referred to by `context_id`; the
 * previous hash is the hash of the row before. A record read back has every field of `AuditRecord`
 * (see `auditRecordOf`).
 */
export const AUDIT_COLUMNS = ['seq', 'context_id', 'record_key', 'before_json', 'after_json', 'hash'] as const;

/** Columns of an `audit_context` row, in the order of `AuditChainEncoder.contexts`. */
export const AUDIT_CONTEXT_COLUMNS = ['id', 'batch_id', 'at', 'operator', 'input_name', 'input_sha256', 'clock', 'entity', 'action'] as const;

/** Columns of an `audit_shape` row (the sorted keys of stored before/after objects), in the order of `AuditChainEncoder.shapes`. */
export const AUDIT_SHAPE_COLUMNS = ['id', 'keys_json'] as const;

/** Every shape of stored before/after objects (a handful of rows), for `auditShapesOf`. */
export const AUDIT_SHAPES_SQL = `SELECT ${AUDIT_SHAPE_COLUMNS.join(', ')} FROM audit_shape`;

/** Where a commit's entries continue the chain, as one row on every backend: the last seq, its hash, the last context ID. */
export const AUDIT_CHAIN_END_SQL = 'SELECT (SELECT MAX(seq) FROM audit), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), (SELECT MAX(id) FROM audit_context)';

/** The shapes of stored before/after objects by ID, from the rows of `AUDIT_SHAPES_SQL`. */
export type AuditShapes = ReadonlyMap<number, readonly string[]>;

export function auditShapesOf(rows: Iterable<readonly unknown[]>): Map<number, string[]> {
  const shapes = new Map<number, string[]>();
  for (const [id, keys] of rows) shapes.set(Number(id), JSON.parse(String(keys)) as string[]);
  return shapes;
}

/**
 * The values an audit read last decoded, by shape: a member stored as "the same as before" (see
 * `auditValueOf`) is taken from here. Reads go in seq order from the first row of a block
 * (`auditBlockStart`), and decoding a row updates it.
 */
export type AuditPrevious = Map<number, Record<string, unknown>>;

/**
 * Rows per block of the audit trail: a row refers back to earlier rows of its own block only, so a read
 * from any seq starts at most this many rows earlier. The first row of a block, and the first row each
 * commit writes, stands alone.
 */
export const AUDIT_BLOCK_ROWS = 64;

/** The first seq of the block holding `seq`, where a read of the rows from `seq` on starts decoding. */
export function auditBlockStart(seq: number): number {
  return Math.max(1, seq - ((seq - 1) % AUDIT_BLOCK_ROWS));
}

/**
 * A before/after value as stored. An object is `[shapeId, v1, …, vn]`: its values in the order of its
 * sorted keys, the keys stored once in `audit_shape` (a million records of one kind repeat the same
 * eleven field names). Since schema 7 an object is `[-shapeId, keyMask, atMask, …values]` instead:
 * a member equal to its entry's record key (bit i of `keyMask` for the shape's i-th key) or to its
 * entry's time (`atMask`: a record created by the run is dated at it) is left out of the values, which
 * are its other members in key order. When members are also equal to those of the last value of the
 * same shape decoded before it in its block (`previous`: a million subscriptions of one run share their
 * status, term, billing cycle, term end, …), the object is `[-shapeId, -1 - keyMask, atMask, prevMask,
 * …values]`, `prevMask` naming those members. Shape 0 holds a value that is itself an array: `[0, value]`.
 * Anything else, and every object written before shapes existed, is its JSON text. `key` and `at` are
 * the entry's record key and time.
 */
export function auditValueOf(text: unknown, shapes: AuditShapes, key = '', at = '', previous: AuditPrevious = new Map()): unknown {
  if (text === null || text === undefined) return null;
  const json = String(text);
  if (!json.startsWith('[')) return JSON.parse(json);
  const stored = JSON.parse(json) as [number, ...unknown[]];
  const id = stored[0];
  if (id === 0) return stored[1];
  const keys = shapes.get(Math.abs(id));
  const out: Record<string, unknown> = {};
  if (keys && id < 0) {
    const marked = Number(stored[1]) < 0;
    const keyMask = marked ? -1 - Number(stored[1]) : Number(stored[1]);
    const atMask = Number(stored[2]);
    const prevMask = marked ? Number(stored[3]) : 0;
    const prev = previous.get(-id);
    if (prevMask && !prev) throw new Error(`an audit value refers to the value of shape ${-id} before it, which this read has not met: read the trail from the start of its block`);
    let next = marked ? 4 : 3;
    for (let i = 0; i < keys.length; i++) {
      const bit = 2 ** i;
      const k = keys[i]!;
      out[k] = Math.floor(keyMask / bit) % 2 ? key : Math.floor(atMask / bit) % 2 ? at : Math.floor(prevMask / bit) % 2 ? prev![k] : stored[next++];
    }
    if (next === stored.length) {
      previous.set(-id, out);
      return out;
    }
  } else if (keys && keys.length === stored.length - 1) {
    keys.forEach((k, i) => (out[k] = stored[i + 1]));
    return out;
  }
  throw new Error(`an audit value refers to shape ${Math.abs(id)}, which the store does not have`);
}

/** Most keys an object may have to be stored with key/time masks (`auditValueOf`): a mask is a safe integer. */
const MASKED_KEYS_MAX = 52;

/** An audit row's hash as stored (its 32 bytes since schema 7; 64 hex characters before), as hex. */
export function hashHexOf(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  return String(value ?? '');
}

/** The audit records from seq `placeholder` on, in order, as `auditRecordOf` reads them. */
export function auditSelectSql(placeholder: string, limit?: number): string {
  return `SELECT a.seq, c.batch_id, c.at, c.operator, c.entity, a.record_key, c.action, a.before_json, a.after_json, c.input_name, c.input_sha256, a.hash, c.clock FROM audit a JOIN audit_context c ON c.id = a.context_id WHERE a.seq >= ${placeholder} ORDER BY a.seq${limit ? ` LIMIT ${limit}` : ''}`;
}

/** A row of `auditSelectSql` as the record it stores; `prevHash` is the hash of the record before it. */
function auditRecordOf(v: readonly unknown[], prevHash: string, shapes: AuditShapes, previous: AuditPrevious): AuditRecord {
  const record: AuditRecord = {
    seq: Number(v[0]),
    batchId: String(v[1]),
    at: String(v[2]),
    operator: String(v[3]),
    entity: String(v[4]),
    key: String(v[5]),
    action: String(v[6]),
    before: auditValueOf(v[7], shapes, String(v[5]), String(v[2]), previous),
    after: auditValueOf(v[8], shapes, String(v[5]), String(v[2]), previous),
    inputName: String(v[9]),
    inputSha256: String(v[10]),
    prevHash,
    hash: hashHexOf(v[11]),
  };
  if (v[12] === 'simulated') record.clock = 'simulated';
  return record;
}

/**
 * The records of `rows` (from `auditSelectSql`, starting at the first row of a block), each linked to
 * the hash of the one before; `prevHash` is that of the first's predecessor. `previous` carries what
 * was decoded from one page of rows to the next.
 */
export function* auditRecordsOf(rows: Iterable<readonly unknown[]>, prevHash: string, shapes: AuditShapes, previous: AuditPrevious = new Map()): Generator<AuditRecord> {
  let prev = prevHash;
  for (const v of rows) {
    const record = auditRecordOf(v, prev, shapes, previous);
    prev = record.hash;
    yield record;
  }
}

/**
 * `canonicalJson` of core/audit-chain, written for speed (no intermediate entry arrays): the same text
 * for every value — keys sorted by UTF-16 code units, undefined members left out.
 */
export function canonicalText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalText(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  definedKeys(object).forEach((key, i) => (out += `${i ? ',' : ''}${JSON.stringify(key)}:${canonicalText(object[key])}`));
  return `${out}}`;
}

/** The keys of an object's defined members, in canonical (UTF-16 code unit) order. */
function definedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
}

export type AuditEntryFields = Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'>;

/** How an object's defined members are encoded: sorted keys, their `"key":` texts, their shape. */
interface Layout {
  own: string[];
  keys: string[];
  prefixes: string[];
  shape: number;
  /** Stored with key/time masks (`auditValueOf`). */
  masked: boolean;
  /** The last value of this shape encoded, shared by the layouts of one shape. */
  previous: PreviousValue;
}

/** The member texts of the last value of a shape encoded, in key order, and the block it was in. */
interface PreviousValue {
  block: number;
  members: string[];
}

/**
 * Numbers, chains and encodes one commit's audit entries, from the last record in the store on. Each
 * entry becomes a row of AUDIT_COLUMNS whose hash equals `auditHash({ seq, ...entry, prevHash })`; the
 * canonical JSON of `before` and `after` (for the hash) and their stored form (`auditValueOf`) are made
 * in one pass over their members. Fields of an entry beyond the audit record's are neither stored nor
 * hashed. Contexts and shapes new to this commit collect in `contexts` and `shapes`, rows of
 * AUDIT_CONTEXT_COLUMNS and AUDIT_SHAPE_COLUMNS to insert with the entries.
 */
export class AuditChainEncoder {
  readonly contexts: SqlValue[][] = [];
  readonly shapes: SqlValue[][] = [];
  private readonly contextIds = new Map<string, number>();
  private last: { entry: AuditEntryFields; id: number } | undefined;
  private readonly shapeIds = new Map<string, number>();
  private lastShapeId = 0;
  /**
   * The objects' own key orders met most recently, each with its shape and every member's `"key":`
   * text: a million records of one kind share one, so their keys are sorted and quoted once.
   */
  private recentLayouts: Layout[] = [];
  /** Per shape, the last value encoded (`auditValueOf`'s `previous`). */
  private readonly previous = new Map<number, PreviousValue>();

  constructor(
    private seq: number,
    private prevHash: string,
    private lastContextId: number,
    knownShapes: AuditShapes = new Map(),
  ) {
    for (const [id, keys] of knownShapes) {
      this.shapeIds.set(JSON.stringify(keys), id);
      this.lastShapeId = Math.max(this.lastShapeId, id);
    }
  }

  private contextOf(e: AuditEntryFields): number {
    const last = this.last?.entry;
    // Entries of one run and kind share their context: compared field by field before any key is built.
    if (last && last.entity === e.entity && last.action === e.action && last.batchId === e.batchId && last.at === e.at && last.operator === e.operator && last.inputName === e.inputName && last.inputSha256 === e.inputSha256 && last.clock === e.clock) return this.last!.id;
    const fields = [String(e.batchId), String(e.at), String(e.operator), String(e.inputName), String(e.inputSha256)];
    const kind = [String(e.entity), String(e.action)];
    const key = JSON.stringify([...fields, e.clock ?? null, ...kind]);
    let id = this.contextIds.get(key);
    if (id === undefined) {
      this.contextIds.set(key, (id = ++this.lastContextId));
      this.contexts.push([id, ...fields, e.clock ?? null, ...kind]);
    }
    this.last = { entry: e, id };
    return id;
  }

  private shapeOf(keys: string[]): number {
    const json = JSON.stringify(keys);
    let id = this.shapeIds.get(json);
    if (id === undefined) {
      this.shapeIds.set(json, (id = ++this.lastShapeId));
      this.shapes.push([id, json]);
    }
    return id;
  }

  /**
   * The layout of an object's defined members: one met recently when its own keys come in the same
   * order and all are defined (nearly every record), else made for it (and kept when all are defined).
   */
  private layoutOf(object: Record<string, unknown>): Layout {
    const own = Object.keys(object);
    const recent = this.recentLayouts.find((l) => l.own.length === own.length && l.own.every((k, i) => k === own[i]));
    if (recent && recent.keys.every((k) => object[k] !== undefined)) return recent;
    const keys = definedKeys(object);
    const shape = this.shapeOf(keys);
    let previous = this.previous.get(shape);
    if (!previous) this.previous.set(shape, (previous = { block: 0, members: new Array<string>(keys.length) }));
    const layout: Layout = { own, keys, prefixes: keys.map((k, i) => `${i ? ',' : ''}${JSON.stringify(k)}:`), shape, masked: keys.length <= MASKED_KEYS_MAX, previous };
    if (keys.length === own.length) this.recentLayouts = [layout, ...this.recentLayouts.slice(0, 7)];
    return layout;
  }

  /**
   * The canonical JSON of a before/after value, and its stored text (members equal to the entry's `key`
   * or `at`, or to the last value of its shape in `block`, left out: see `auditValueOf`).
   */
  private value(value: unknown, key: string, at: string, block: number): { canonical: string; stored: string | null } {
    if (value === null || value === undefined) return { canonical: 'null', stored: null };
    if (typeof value !== 'object') {
      const canonical = canonicalText(value);
      return { canonical, stored: canonical };
    }
    if (Array.isArray(value)) {
      const canonical = canonicalText(value);
      return { canonical, stored: `[0,${canonical}]` };
    }
    const object = value as Record<string, unknown>;
    const { keys, prefixes, shape, masked, previous } = this.layoutOf(object);
    let canonical = '{';
    let stored = '';
    let keyMask = 0;
    let atMask = 0;
    let prevMask = 0;
    // This value's member texts replace the last one's as they are compared.
    const members = previous.members;
    const known = masked && previous.block === block;
    for (let i = 0; i < keys.length; i++) {
      const v = object[keys[i]!];
      const member = typeof v === 'string' ? JSON.stringify(v) : canonicalText(v);
      canonical += prefixes[i]! + member;
      if (masked && v === key && key !== '') keyMask += 2 ** i;
      else if (masked && v === at && at !== '') atMask += 2 ** i;
      else if (known && members[i] === member) prevMask += 2 ** i;
      else stored += `,${member}`;
      members[i] = member;
    }
    previous.block = block;
    if (!masked) return { canonical: `${canonical}}`, stored: `[${shape}${stored}]` };
    return { canonical: `${canonical}}`, stored: prevMask ? `[${-shape},${-1 - keyMask},${atMask},${prevMask}${stored}]` : `[${-shape},${keyMask},${atMask}${stored}]` };
  }

  encode(entry: AuditEntryFields): SqlValue[] {
    const contextId = this.contextOf(entry);
    const key = String(entry.key);
    const at = String(entry.at);
    const seq = ++this.seq;
    // Values refer back only within their block (`auditBlockStart`), and only to values this encoder made.
    const block = auditBlockStart(seq);
    const before = this.value(entry.before, key, at, block);
    const after = this.value(entry.after, key, at, block);
    const q = (value: unknown) => JSON.stringify(String(value));
    // Keys in code-unit order: action, after, at, batchId, before, clock (only when set), entity, inputName, inputSha256, key, operator, prevHash, seq.
    const clock = entry.clock ? `"clock":${q(entry.clock)},` : '';
    const text = `{"action":${q(entry.action)},"after":${after.canonical},"at":${q(entry.at)},"batchId":${q(entry.batchId)},"before":${before.canonical},${clock}"entity":${q(entry.entity)},"inputName":${q(entry.inputName)},"inputSha256":${q(entry.inputSha256)},"key":${q(entry.key)},"operator":${q(entry.operator)},"prevHash":${q(this.prevHash)},"seq":${seq}}`;
    const hash = createHash('sha256').update(this.prevHash).update(text).digest();
    this.prevHash = hash.toString('hex');
    return [seq, contextId, key, before.stored, after.stored, hash];
  }
}

/** The encoder that continues the chain from the row of `AUDIT_CHAIN_END_SQL`, knowing the shapes in the rows of `AUDIT_SHAPES_SQL`. */
export function continueAuditChain(end: readonly unknown[] | undefined, shapeRows: Iterable<readonly unknown[]>): AuditChainEncoder {
  const hash = end?.[1];
  return new AuditChainEncoder(Number(end?.[0] ?? 0), hash === null || hash === undefined ? AUDIT_GENESIS_HASH : hashHexOf(hash), Number(end?.[2] ?? 0), auditShapesOf(shapeRows));
}

/** Columns of the `batches` table, in the order of `batchRowOf` / `batchRecordOf`. */
export const BATCH_COLUMNS = ['batch_id', 'mode', 'operator', 'started_at', 'finished_at', 'inputs_json', 'counts_json', 'revision_before', 'revision_after', 'details_json'] as const;

export function batchRowOf(b: BatchRecord): SqlValue[] {
  return [b.batchId, b.mode, b.operator, b.startedAt, b.finishedAt, JSON.stringify(b.inputs), JSON.stringify(b.counts), b.revisionBefore, b.revisionAfter, b.details === undefined || b.details === null ? null : JSON.stringify(b.details)];
}

export function batchRecordOf(v: readonly unknown[]): BatchRecord {
  return {
    batchId: String(v[0]),
    mode: String(v[1]) as BatchRecord['mode'],
    operator: String(v[2]),
    startedAt: String(v[3]),
    finishedAt: String(v[4]),
    inputs: JSON.parse(String(v[5])),
    counts: JSON.parse(String(v[6])),
    revisionBefore: Number(v[7]),
    revisionAfter: Number(v[8]),
    details: v[9] === null ? null : JSON.parse(String(v[9])),
  };
}

/** Columns of the one `store_meta` row, in the order of `storeInfoOf`. */
export const STORE_META_COLUMNS = ['store_id', 'revision', 'created_at', 'provider_mpn', 'provider_name', 'portal_url', 'clock', 'last_run_at', 'partner_center', 'last_refresh_at', 'next_renewal_at'] as const;

export function storeInfoOf(meta: readonly unknown[], schemaVersion: number): StoreInfo {
  return {
    storeId: String(meta[0]),
    revision: Number(meta[1]),
    createdAt: String(meta[2]),
    schemaVersion,
    provider: { mpnId: String(meta[3]), name: String(meta[4]), portalUrl: String(meta[5]) },
    clock: meta[6] === 'simulated' ? 'simulated' : 'system',
    lastRunAt: meta[7] === null || meta[7] === undefined ? null : String(meta[7]),
    ...(meta[8] ? { partnerCenter: JSON.parse(String(meta[8])) } : {}),
    lastRefreshAt: meta[9] === null || meta[9] === undefined ? null : String(meta[9]),
    nextRenewalAt: meta[10] === null || meta[10] === undefined ? null : String(meta[10]),
  };
}
