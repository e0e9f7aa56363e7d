import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';
import { runCli, tempDir, Workspace, type CliRun } from './cli.js';

/**
 * A workspace with a store connected to a Partner Center sandbox on loopback (SPEC §7.6): the real
 * CLI against a real HTTP server, its state inspected by the test.
 */
export class ConnectedWorkspace {
  static readonly ADMIN = Workspace.ADMIN;
  static readonly PROVIDER_MPN = Workspace.PROVIDER_MPN;
  readonly dir: string;
  readonly store: string;
  readonly credentials: string;

  private constructor(readonly sandbox: Sandbox) {
    this.dir = tempDir('tiersync-connected-');
    this.store = join(this.dir, 'tiersync.db');
    this.credentials = join(this.dir, 'pc.json');
    writeFileSync(this.credentials, JSON.stringify(sandbox.credentials), { mode: 0o600 });
    chmodSync(this.credentials, 0o600);
  }

  static async create(options: SandboxOptions = {}, init: { partnershipLink?: string } = {}): Promise<ConnectedWorkspace> {
    const sandbox = await startSandbox({ provider: { mpnId: ConnectedWorkspace.PROVIDER_MPN, country: 'US' }, ...options });
    const w = new ConnectedWorkspace(sandbox);
    const r = await w.run(['init', '--provider-mpn', ConnectedWorkspace.PROVIDER_MPN, '--provider-name', 'Contoso Distribution', '--admin', ConnectedWorkspace.ADMIN, '--partner-center', sandbox.tenantId, '--pc-api-url', sandbox.url, '--pc-login-url', sandbox.loginUrl, '--partnership-link', init.partnershipLink ?? 'https://partner.microsoft.com/dashboard/v2/mpn/partnership/indirect?partnerId=1000001']);
    if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
    return w;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  run(args: readonly string[], options: { as?: string | null; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
    const as = options.as === undefined ? ConnectedWorkspace.ADMIN : options.as;
    // The sandbox is not Partner Center: tests do not wait on the real rate (450 a minute) unless they set one.
    const rate = args.includes('--pc-rate') ? [] : ['--pc-rate', '60000'];
    const extra = ['--store', this.store, '--pc-credentials', this.credentials, '--pc-provisioning-wait', '10', ...rate, ...(args.includes('--out') ? [] : ['--out', this.path('out')]), ...(as ? ['--as', as] : [])];
    return runCli([...args, ...extra], { cwd: this.dir, ...(options.env ? { env: options.env } : {}) });
  }

  /** Write calls Partner Center received (reads sent as POST, address validation and reseller validation, are not writes). */
  writeCalls(): number {
    return this.sandbox.calls.entries.filter((c) => !['GET', 'HEAD'].includes(c.method) && !/\/oauth2\/|\/validations\/address|\/partners\/validateresellers/i.test(c.path)).length;
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
