/**
 * Numbered schema migrations, shared by every backend. Plain SQL types (TEXT, INTEGER, BIGINT) so the
 * same text runs on SQLite and PostgreSQL; a backend's dialect adjusts the few differences by table.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE store_meta (
  id INTEGER PRIMARY KEY,
  store_id TEXT NOT NULL,
  revision BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  provider_mpn TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  portal_url TEXT NOT NULL
);
CREATE TABLE users (
  email TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE TABLE offers (
  offer_key TEXT PRIMARY KEY,
  offer_id TEXT NOT NULL,
  name TEXT NOT NULL,
  min_quantity INTEGER NOT NULL,
  max_quantity INTEGER NOT NULL,
  billing_cycles TEXT NOT NULL,
  upgrade_targets TEXT NOT NULL
);
CREATE TABLE resellers (
  mpn_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  global_mpn_id TEXT,
  country TEXT,
  partnership TEXT NOT NULL,
  state_since TEXT NOT NULL
);
CREATE INDEX resellers_global ON resellers (global_mpn_id);
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  reseller_mpn_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  status TEXT NOT NULL,
  accepted_at TEXT
);
CREATE INDEX invitations_reseller ON invitations (reseller_mpn_id);
CREATE TABLE customers (
  domain TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL UNIQUE,
  company_name TEXT NOT NULL,
  contact_first_name TEXT NOT NULL,
  contact_last_name TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  phone TEXT,
  address_line1 TEXT NOT NULL,
  address_line2 TEXT,
  city TEXT NOT NULL,
  state_region TEXT,
  postal_code TEXT NOT NULL,
  country TEXT NOT NULL,
  language TEXT NOT NULL,
  reseller_mpn_id TEXT,
  reseller_admin INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE subscriptions (
  subscription_id TEXT PRIMARY KEY,
  customer_domain TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  nickname TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  billing_cycle TEXT NOT NULL,
  auto_renew INTEGER NOT NULL,
  partner_of_record_mpn_id TEXT,
  support_contact_mpn_id TEXT,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_domain);
CREATE TABLE audit (
  seq BIGINT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  at TEXT NOT NULL,
  operator TEXT NOT NULL,
  entity TEXT NOT NULL,
  record_key TEXT NOT NULL,
  action TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  input_name TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_batch ON audit (batch_id);
CREATE TABLE batches (
  batch_id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  operator TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  counts_json TEXT NOT NULL,
  revision_before BIGINT NOT NULL,
  revision_after BIGINT NOT NULL,
  details_json TEXT
);
`,
  },
  {
    version: 2,
    name: 'audit context stored once per run',
    // What every entry of a run repeated (batch ID, time, operator, input file and its SHA-256: about
    // 150 bytes, a third of the audit trail) moves to one audit_context row; prev_hash, the hash of
    // the row before, is no longer stored. The hashes are unchanged: the records are the same.
    sql: `
CREATE TABLE audit_context (
  id BIGINT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  at TEXT NOT NULL,
  operator TEXT NOT NULL,
  input_name TEXT NOT NULL,
  input_sha256 TEXT NOT NULL
);
INSERT INTO audit_context (id, batch_id, at, operator, input_name, input_sha256)
  SELECT ROW_NUMBER() OVER (ORDER BY MIN(seq)), batch_id, at, operator, input_name, input_sha256
  FROM audit GROUP BY batch_id, at, operator, input_name, input_sha256;
CREATE TABLE audit_entries (
  seq BIGINT PRIMARY KEY,
  context_id BIGINT NOT NULL,
  entity TEXT NOT NULL,
  record_key TEXT NOT NULL,
  action TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  hash TEXT NOT NULL
);
INSERT INTO audit_entries (seq, context_id, entity, record_key, action, before_json, after_json, hash)
  SELECT a.seq, c.id, a.entity, a.record_key, a.action, a.before_json, a.after_json, a.hash
  FROM audit a JOIN audit_context c
    ON c.batch_id = a.batch_id AND c.at = a.at AND c.operator = a.operator AND c.input_name = a.input_name AND c.input_sha256 = a.input_sha256
  ORDER BY a.seq;
DROP TABLE audit;
ALTER TABLE audit_entries RENAME TO audit;
CREATE INDEX audit_context_batch ON audit_context (batch_id);
`,
  },
  {
    version: 3,
    name: 'audit value shapes',
    // New before/after objects are stored as their values, their keys once in audit_shape
    // (record-mapping's auditValueOf); older rows keep their JSON objects. Hashes are unchanged.
    sql: `
CREATE TABLE audit_shape (
  id BIGINT PRIMARY KEY,
  keys_json TEXT NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'console passwords',
    // Console sign-in (SPEC §8): a user's password as its scrypt hash, never the password. Not a record
    // a plan reads: setting one moves no revision and records no batch.
    sql: `
CREATE TABLE user_passwords (
  email TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;
