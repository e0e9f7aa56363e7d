import { hostname } from 'node:os';
import pg from 'pg';
import { StoreError } from '../core/errors.js';

/** The little of the `pg` driver the store uses (STYLE: declare what we need, not the library's types). */
export interface PgClient {
  query(config: { text: string; values?: readonly unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const INT8_OID = 20;

/** PostgreSQL keeps at most 63 bytes of application_name. */
const APPLICATION_NAME_MAX = 63;

/** What this process calls itself on the server, so that a run waiting for the writer lock can say who holds it. */
export function applicationName(): string {
  return `tiersync pid ${process.pid} on ${hostname()}`.slice(0, APPLICATION_NAME_MAX);
}

/** A connection URL as it may be shown: without its password (in the authority or as a parameter). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    if (u.searchParams.has('password')) u.searchParams.delete('password');
    return u.toString();
  } catch {
    return url.replace(/(:\/\/[^:@/]*):[^@/]*@/, '$1@').replace(/([?&]password=)[^&]*/i, '$1');
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const password = decodeURIComponent(u.password) || u.searchParams.get('password') || undefined;
    return password && password.length >= 3 ? password : undefined;
  } catch {
    return undefined;
  }
}

/** An error message that cannot carry the connection's password. */
export function redacted(message: string, url: string): string {
  const password = passwordOf(url);
  return password ? message.split(password).join('***') : message;
}

/** Open one session to the server named by `url` (a password may come from the URL, PGPASSWORD or ~/.pgpass). */
export async function connectPostgres(url: string): Promise<PgClient> {
  const location = displayUrl(url);
  // BIGINT columns (revisions, audit sequence numbers) stay far below 2^53: read them as numbers.
  const types = { getTypeParser: (oid: number, format?: string) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) };
  const client = new pg.Client({ connectionString: url, application_name: applicationName(), connectionTimeoutMillis: 15_000, types: types as never });
  // A session dropped by the server surfaces as the failure of the next query; without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const message = redacted((cause as Error).message, url);
    if (code === '3D000') throw new StoreError(`There is no database at ${location} (${message}); create it first (createdb)`, { cause });
    throw new StoreError(`Cannot connect to the PostgreSQL store ${location} (${message})`, { cause });
  }
  return client as unknown as PgClient;
}
