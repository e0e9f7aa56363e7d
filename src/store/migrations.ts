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
    name: 'Partner Center today: new commerce, PartnerIDs, GDAP, country rules, current roles',
    // Every existing record is brought to the new model in place; audit rows are not touched, so every
    // hash is unchanged. Subscriptions made before terms existed get the default first term (P1Y)
    // starting at their purchase, every seat added then (seat_additions NULL); customers created with
    // a reseller had delegated admin (DAP), retired in 2023: Partner Center moved them to GDAP, so
    // they read "default GDAP". The customers table is rebuilt: its postal code becomes optional
    // (required only where the country's rules say so) and the DAP flag goes.
    sql: `
ALTER TABLE store_meta ADD COLUMN clock TEXT NOT NULL DEFAULT 'system';
ALTER TABLE store_meta ADD COLUMN last_run_at TEXT;
UPDATE store_meta SET last_run_at = (SELECT MAX(finished_at) FROM batches);
UPDATE users SET roles = REPLACE(roles, '"User admin"', '"User management admin"');
ALTER TABLE offers ADD COLUMN terms TEXT NOT NULL DEFAULT '["P1Y","P1M"]';
ALTER TABLE resellers ADD COLUMN tenant_id TEXT;
CREATE TABLE customers_v4 (
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
  postal_code TEXT,
  country TEXT NOT NULL,
  language TEXT NOT NULL,
  registration_number TEXT,
  reseller_mpn_id TEXT,
  admin_access TEXT NOT NULL,
  created_at TEXT NOT NULL
);
INSERT INTO customers_v4 (domain, tenant_id, company_name, contact_first_name, contact_last_name, contact_email, phone, address_line1, address_line2, city, state_region, postal_code, country, language, registration_number, reseller_mpn_id, admin_access, created_at)
  SELECT domain, tenant_id, company_name, contact_first_name, contact_last_name, contact_email, phone, address_line1, address_line2, city, state_region, postal_code, country, language, NULL, reseller_mpn_id, CASE WHEN reseller_admin = 1 THEN 'default GDAP' ELSE 'none' END, created_at
  FROM customers ORDER BY {{ROW_ORDER}};
DROP TABLE customers;
ALTER TABLE customers_v4 RENAME TO customers;
ALTER TABLE subscriptions ADD COLUMN term TEXT NOT NULL DEFAULT 'P1Y';
ALTER TABLE subscriptions ADD COLUMN term_start TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN term_end TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN seat_additions TEXT;
ALTER TABLE subscriptions ADD COLUMN scheduled TEXT;
UPDATE subscriptions SET term_start = created_at, term_end = {{PLUS_ONE_YEAR created_at}};
ALTER TABLE store_meta ADD COLUMN next_renewal_at TEXT;
UPDATE store_meta SET next_renewal_at = (SELECT MIN(term_end) FROM subscriptions WHERE term_end <> '' AND status IN ('active', 'suspended'));
ALTER TABLE audit_context ADD COLUMN clock TEXT;
`,
  },
  {
    version: 5,
    name: 'connected stores: Partner Center connection, pending orders, journal',
    // A store made before is a local store: the new columns stay NULL. The journal of Partner Center
    // writes lives here on PostgreSQL; the file store keeps it in a file beside the store (STORE.journal),
    // so a write costs an append, not a rewrite of the database.
    sql: `
ALTER TABLE store_meta ADD COLUMN partner_center TEXT;
ALTER TABLE store_meta ADD COLUMN last_refresh_at TEXT;
CREATE TABLE pending_orders (
  order_id TEXT PRIMARY KEY,
  customer_domain TEXT NOT NULL,
  lines TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE TABLE pc_journal (
  seq BIGINT PRIMARY KEY,
  entry TEXT NOT NULL
);
`,
  },
  {
    version: 6,
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
  {
    version: 7,
    name: 'leaner audit trail',
    // Each audit row's hash as its 32 bytes rather than 64 hex characters, and its seq the table's own
    // row ID (SQLite: INTEGER PRIMARY KEY, no index beside the table; PostgreSQL: no row-order column,
    // seq is the order). Rows written from now on also leave out of their stored before/after the
    // members equal to their record key or their time (record-mapping's auditValueOf). Every hash keeps
    // its value, so `audit verify` checks the same chain. The room the old table took is given back
    // (SQLite keeps a dropped table's pages in the file otherwise; PostgreSQL frees them at once).
    sql: `
CREATE TABLE audit_v7 (
  seq {{ROW_ID}},
  context_id BIGINT NOT NULL,
  entity TEXT NOT NULL,
  record_key TEXT NOT NULL,
  action TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  hash {{BYTES}} NOT NULL
);
INSERT INTO audit_v7 (seq, context_id, entity, record_key, action, before_json, after_json, hash)
  SELECT seq, context_id, entity, record_key, action, before_json, after_json, {{HEX_TO_BYTES hash}} FROM audit ORDER BY seq;
DROP TABLE audit;
ALTER TABLE audit_v7 RENAME TO audit;
{{RECLAIM}}
`,
  },
  {
    version: 8,
    name: 'leaner store: subscription times as numbers, audit entity and action with the run',
    // A subscription's creation, term start and term end as milliseconds since 1970 (record-mapping's
    // `time` codec) rather than 24 characters of ISO text each; a term not known yet ('') is NULL. An
    // audit row's entity and action move to its context, which is then what one run's entries of one
    // kind share (a run has a few kinds, a million rows). Both tables are rebuilt in their order, every
    // audit row keeps its seq, record and hash (so `audit verify` checks the same chain), and the room
    // the old tables took is given back.
    sql: `
CREATE TABLE subscriptions_v8 (
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
  created_at BIGINT NOT NULL,
  term TEXT NOT NULL,
  term_start BIGINT,
  term_end BIGINT,
  seat_additions TEXT,
  scheduled TEXT
);
INSERT INTO subscriptions_v8 (subscription_id, customer_domain, offer_id, nickname, quantity, billing_cycle, auto_renew, partner_of_record_mpn_id, support_contact_mpn_id, status, created_at, term, term_start, term_end, seat_additions, scheduled)
  SELECT subscription_id, customer_domain, offer_id, nickname, quantity, billing_cycle, auto_renew, partner_of_record_mpn_id, support_contact_mpn_id, status, {{MS_OF created_at}}, term, {{MS_OF term_start}}, {{MS_OF term_end}}, seat_additions, scheduled
  FROM subscriptions ORDER BY {{ROW_ORDER}};
DROP TABLE subscriptions;
ALTER TABLE subscriptions_v8 RENAME TO subscriptions;
CREATE INDEX subscriptions_customer ON subscriptions (customer_domain);
CREATE TABLE audit_context_v8 (
  id BIGINT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  at TEXT NOT NULL,
  operator TEXT NOT NULL,
  input_name TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  clock TEXT,
  entity TEXT NOT NULL,
  action TEXT NOT NULL,
  old_id BIGINT NOT NULL
);
INSERT INTO audit_context_v8 (id, batch_id, at, operator, input_name, input_sha256, clock, entity, action, old_id)
  SELECT ROW_NUMBER() OVER (ORDER BY k.first_seq), c.batch_id, c.at, c.operator, c.input_name, c.input_sha256, c.clock, k.entity, k.action, c.id
  FROM (SELECT context_id, entity, action, MIN(seq) AS first_seq FROM audit GROUP BY context_id, entity, action) k
  JOIN audit_context c ON c.id = k.context_id
  ORDER BY k.first_seq;
CREATE INDEX audit_context_v8_old ON audit_context_v8 (old_id, entity, action);
CREATE TABLE audit_v8 (
  seq {{ROW_ID}},
  context_id BIGINT NOT NULL,
  record_key TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  hash {{BYTES}} NOT NULL
);
INSERT INTO audit_v8 (seq, context_id, record_key, before_json, after_json, hash)
  SELECT a.seq, n.id, a.record_key, a.before_json, a.after_json, a.hash
  FROM audit a JOIN audit_context_v8 n ON n.old_id = a.context_id AND n.entity = a.entity AND n.action = a.action
  ORDER BY a.seq;
DROP TABLE audit;
ALTER TABLE audit_v8 RENAME TO audit;
DROP INDEX audit_context_v8_old;
ALTER TABLE audit_context_v8 DROP COLUMN old_id;
DROP TABLE audit_context;
ALTER TABLE audit_context_v8 RENAME TO audit_context;
CREATE INDEX audit_context_batch ON audit_context (batch_id);
{{RECLAIM}}
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;
