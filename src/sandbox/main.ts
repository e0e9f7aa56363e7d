/**
 * `tiersync sandbox`: runs the Partner Center simulation until SIGINT/SIGTERM, for demos and
 * benchmarks. It prints the API and token URLs, the tenant ID, and the path of a credentials file
 * (mode 0600, in the shape tiersync's `--pc-credentials` reads) — never the secrets themselves.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';
import type { SeedInput } from './state.js';

export interface SandboxCommandOptions {
  port?: number;
  host?: string;
  /** A JSON file `{ provider?, resellers?, customers?, subscriptions? }` to seed from. */
  seed?: string;
  /** Calls per minute per tenant before 429 (default: no limit). */
  rate?: number;
  /** The throttling window in seconds (default 60). */
  rateWindowSeconds?: number;
  latencyMs?: number;
  provisioningDelayMs?: number;
  provisioningPolls?: number;
  /** PATCH answers 202 + Location instead of 200. */
  patchAccepted?: boolean;
  rotateRefreshTokens?: boolean;
  /** Where to write the client credentials (default: a new file in the temp directory). */
  credentialsFile?: string;
  /** Resolves the command when aborted (tests); otherwise SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
  /** Where the URLs are printed (default stdout). */
  write?: (line: string) => void;
  /** Called once the sandbox is listening. */
  onStarted?: (sandbox: Sandbox, credentialsFile: string) => void;
}

interface SeedFile extends SeedInput {
  provider?: SandboxOptions['provider'];
  /** Fixed client credentials (for a demo script that must know them in advance). */
  credentials?: SandboxOptions['credentials'];
}

/** Starts the sandbox, prints where it is, and resolves with exit code 0 when stopped. */
export async function runSandboxCommand(options: SandboxCommandOptions = {}): Promise<number> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let seed: SeedFile | undefined;
  if (options.seed) {
    try {
      seed = JSON.parse(await readFile(options.seed, 'utf8')) as SeedFile;
    } catch (error) {
      throw new Error(`cannot read the seed file ${options.seed}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const sandboxOptions: SandboxOptions = {
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(seed?.provider ? { provider: seed.provider } : {}),
    ...(seed?.credentials ? { credentials: seed.credentials } : {}),
    ...(seed ? { seed: { resellers: seed.resellers ?? [], customers: seed.customers ?? [], subscriptions: seed.subscriptions ?? [] } } : {}),
    ...(options.rate ? { rateLimit: { calls: options.rate, windowMs: (options.rateWindowSeconds ?? 60) * 1000 } } : {}),
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    provisioning: { delayMs: options.provisioningDelayMs ?? 0, polls: options.provisioningPolls ?? 0 },
    subscriptionPatch: { accepted: options.patchAccepted ?? false },
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
  };
  const sandbox = await startSandbox(sandboxOptions);
  const credentialsFile = resolve(options.credentialsFile ?? join(tmpdir(), `tiersync-sandbox-${randomUUID()}.json`));
  await mkdir(dirname(credentialsFile), { recursive: true });
  await writeFile(credentialsFile, `${JSON.stringify(sandbox.credentials, null, 2)}\n`, { mode: 0o600 });

  write('Partner Center sandbox (a local simulation, not Microsoft\'s service) is running.');
  write(`  API URL:           ${sandbox.url}`);
  write(`  Login URL:         ${sandbox.loginUrl}`);
  write(`  Tenant ID:         ${sandbox.tenantId}`);
  write(`  Provider PartnerID: ${sandbox.provider.mpnId}`);
  write(`  Credentials file:  ${credentialsFile}`);
  write(`  Seeded: ${sandbox.state.resellers.size} resellers, ${sandbox.state.customers.size} customers, ${sandbox.state.subscriptions.size} subscriptions`);
  if (options.rate) write(`  Throttling: ${options.rate} calls per ${options.rateWindowSeconds ?? 60} s`);
  write('Stop with Ctrl+C.');
  options.onStarted?.(sandbox, credentialsFile);

  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      options.signal?.removeEventListener('abort', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop);
  });
  await sandbox.close();
  // The credentials only ever worked against this process.
  await rm(credentialsFile, { force: true });
  write(`Sandbox stopped after ${sandbox.calls.total} calls (at most ${sandbox.maxInFlight} in flight).`);
  return 0;
}
