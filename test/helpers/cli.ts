import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import { createTestDatabase, databaseState, queryRows, testStoreBackend, type TestStoreBackend } from './postgres.js';

export const ROOT = resolve(import.meta.dirname ?? __dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'tiersync');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (the built bin/tiersync) in `cwd`. */
export function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export function tempDir(prefix = 'tiersync-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'out'), { recursive: true });
  return dir;
}

/**
 * A workspace with an initialized store: `tiersync init` run for a provider and its Global admin.
 * The store is a file in the workspace, or a fresh PostgreSQL database when the tests run on that
 * backend (test/helpers/postgres.ts).
 */
export class Workspace {
  static readonly ADMIN = 'admin@provider.example';
  static readonly PROVIDER_MPN = '1000001';
  readonly dir: string;
  readonly backend: TestStoreBackend;
  /** The `--store` location: a file path or a postgres:// URL. */
  readonly store: string;

  private constructor(dir: string, backend: TestStoreBackend, store: string) {
    this.dir = dir;
    this.backend = backend;
    this.store = store;
  }

  /** `simulatedClock`: the store is made with --simulated-clock, at that time (ISO 8601). */
  static async create(options: { backend?: TestStoreBackend; simulatedClock?: string } = {}): Promise<Workspace> {
    const dir = tempDir();
    const backend = options.backend ?? testStoreBackend();
    const ws = new Workspace(dir, backend, backend === 'postgres' ? await createTestDatabase() : join(dir, 'tiersync.db'));
    const clock = options.simulatedClock ? ['--simulated-clock', '--now', options.simulatedClock] : [];
    const r = await ws.run(['init', '--provider-mpn', Workspace.PROVIDER_MPN, '--provider-name', 'Contoso Distribution', '--admin', Workspace.ADMIN, ...clock]);
    if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
    return ws;
  }

  /**
   * A workspace on a copy of a store written by an earlier tiersync (test/fixtures/stores/NAME.db, or
   * for PostgreSQL NAME.pg.sql, its dump): nothing of this version has touched it yet.
   */
  static async fromFixture(name: string, options: { backend?: TestStoreBackend } = {}): Promise<Workspace> {
    const dir = tempDir();
    const backend = options.backend ?? testStoreBackend();
    const fixtures = join(ROOT, 'test', 'fixtures', 'stores');
    if (backend === 'postgres') {
      const url = await createTestDatabase('fixture');
      await queryRows(url, readFileSync(join(fixtures, `${name}.pg.sql`), 'utf8'));
      return new Workspace(dir, backend, url);
    }
    const path = join(dir, 'tiersync.db');
    writeFileSync(path, readFileSync(join(fixtures, `${name}.db`)));
    return new Workspace(dir, backend, path);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /**
   * The whole stored state, to compare before and after a run that must change nothing: the file's
   * bytes, or every PostgreSQL row with its row version.
   */
  async storeState(): Promise<string> {
    return this.backend === 'postgres' ? databaseState(this.store) : readFileSync(this.store).toString('latin1');
  }

  /** Everything the store holds, as text: to prove that a secret is not in it. */
  async storeText(): Promise<string> {
    return this.storeState();
  }

  /** Run SQL that both engines read alike directly on the store (to tamper with it); returns the rows. */
  async sql(text: string): Promise<unknown[][]> {
    if (this.backend === 'postgres') return queryRows(this.store, text);
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(this.store));
    try {
      const rows = db.exec(text)[0]?.values ?? [];
      if (db.getRowsModified() > 0) writeFileSync(this.store, db.export());
      return rows;
    } finally {
      db.close();
    }
  }

  /** Run a command against this workspace's store and output folder, as `as` (default: the Global admin). */
  run(args: readonly string[], options: { as?: string | null; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
    const as = options.as === undefined ? Workspace.ADMIN : options.as;
    // `export --out FILE` and `audit export --out FILE` name a file: the output folder is not added then.
    const extra = ['--store', this.store, ...(args.includes('--out') ? [] : ['--out', this.path('out')]), ...(as ? ['--as', as] : [])];
    return runCli([...args, ...extra], { cwd: this.dir, ...(options.env ? { env: options.env } : {}) });
  }
}
