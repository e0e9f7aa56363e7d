import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli, tempDir, type CliRun } from './cli.js';
import { readWorkbook } from './workbooks.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const ADMIN = 'ops@contoso-distribution.example';
export const BILLING = 'billing@contoso-distribution.example';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const BILLING_PASSWORD = 'billing admin passphrase';

/** A port nobody listens on now (the kernel's choice), for a server whose URL must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A store for the console: `tiersync init` with its portal URL set to where the console will listen,
 * so that the invitation drafts' links lead to the console's acceptance page.
 */
export class ConsoleWorkspace {
  readonly dir = tempDir('tiersync-console-');
  readonly store = join(this.dir, 'tiersync.db');
  readonly logFile = join(this.dir, 'console.jsonl');
  private server: ChildProcess | undefined;
  serverOutput = '';

  private constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<ConsoleWorkspace> {
    const ws = new ConsoleWorkspace(await freePort());
    const r = await ws.cli(['init', '--provider-mpn', '1000001', '--provider-name', 'Contoso Distribution', '--admin', ADMIN, '--admin-name', 'Olivia Ops', '--portal-url', ws.url], null);
    if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
    return ws;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  cli(args: readonly string[], as: string | null = ADMIN, input?: string): Promise<CliRun> {
    return runCli([...args, '--store', this.store, ...(args.includes('--out') ? [] : ['--out', this.path('out')]), ...(as ? ['--as', as] : [])], { cwd: this.dir, ...(input !== undefined ? { input } : {}) });
  }

  async setPassword(email: string, password: string): Promise<void> {
    const r = await this.cli(['users', 'set-password', email], null, `${password}\n`);
    if (r.code !== 0) throw new Error(`set-password failed: ${r.stderr}`);
  }

  storeBytes(): string {
    return readFileSync(this.store).toString('latin1');
  }

  /** Start the real `tiersync serve` on this workspace's port; resolves once it listens. */
  async serve(extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'serve', '--store', this.store, '--port', String(this.port), '--log-file', this.logFile, ...extraArgs], {
      cwd: this.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.server = child;
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.serverOutput += d.toString();
        if (this.serverOutput.includes('listening on')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`tiersync serve exited with ${code}: ${this.serverOutput}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.server;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

/** The links an invitation draft carries. */
export function acceptanceLinkOf(eml: string): string {
  const link = /^(https?:\/\/\S+\/accept\?token=\S+)$/m.exec(eml)?.[1];
  if (!link) throw new Error('no acceptance link in the draft');
  return link;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A results workbook as JSON for comparing two runs of the same input: the assigned IDs and the
 * times are masked, and the Summary keeps only what does not depend on where and when it ran.
 */
export async function comparableResults(path: string): Promise<Record<string, unknown>> {
  const wb = await readWorkbook(path);
  const mask = (v: unknown) => (typeof v === 'string' && UUID.test(v) ? '<uuid>' : typeof v === 'string' && TIMESTAMP.test(v) ? '<time>' : v instanceof Date ? '<time>' : v);
  const out: Record<string, unknown> = {};
  for (const [sheet, rows] of Object.entries(wb)) {
    const masked = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, mask(v)])));
    out[sheet] = sheet === 'Summary' ? masked.filter((r) => !Object.values(r).some((v) => typeof v === 'string' && /^(Store|Started|Finished|Batch ID|Store ID)$/i.test(v))) : masked;
  }
  return out;
}
