import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import type { RunContext } from '../run/run-context.js';
import { displayLocation, openStore } from '../run/store-factory.js';
import { buildConsoleApp } from './app.js';

export interface ServeOptions {
  host: string;
  port: number;
  /** Where users reach the console (a reverse proxy's https:// address); default http://HOST:PORT. */
  publicUrl?: string;
  oidcIssuer?: string;
  trustProxy: boolean;
  sessionIdleMinutes: number;
  /** Credential reports and invitation drafts are deleted from the server after this long. */
  secretMinutes: number;
}

/**
 * `tiersync serve`: the web console until SIGINT or SIGTERM. The OIDC client's ID and secret come
 * from the environment only (TIERSYNC_OIDC_CLIENT_ID, TIERSYNC_OIDC_CLIENT_SECRET), never a
 * command line, where any user of the machine could read them.
 */
export async function runServe(ctx: RunContext, options: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new UsageError('--port takes a port number (0-65535)');
  let oidc;
  if (options.oidcIssuer) {
    const clientId = env.TIERSYNC_OIDC_CLIENT_ID;
    const clientSecret = env.TIERSYNC_OIDC_CLIENT_SECRET;
    if (!clientId || !clientSecret) throw new UsageError('--oidc-issuer needs the client ID and secret in TIERSYNC_OIDC_CLIENT_ID and TIERSYNC_OIDC_CLIENT_SECRET');
    try {
      new URL(options.oidcIssuer);
    } catch (cause) {
      throw new UsageError(`--oidc-issuer ${options.oidcIssuer} is not a URL`, { cause });
    }
    oidc = { issuer: options.oidcIssuer, clientId, clientSecret };
  }
  // The store must open before anything listens: a wrong --store fails here, with its usual message.
  const probe = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  const info = await probe.info().finally(() => probe.close());

  const workDir = mkdtempSync(join(tmpdir(), 'tiersync-console-'));
  await fs.chmod(workDir, 0o700);
  const publicUrl = options.publicUrl ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const { app, close } = await buildConsoleApp({
    storeLocation: ctx.storeLocation,
    publicUrl,
    workDir,
    maxInputMb: ctx.maxInputMb,
    lockTimeoutSeconds: ctx.lockTimeoutSeconds,
    invitationDays: ctx.invitationDays,
    sessionIdleMinutes: options.sessionIdleMinutes,
    secretMinutes: options.secretMinutes,
    keepHours: 8,
    trustProxy: options.trustProxy,
    ...(oidc ? { oidc } : {}),
    log: ctx.log,
    now: ctx.now,
  });
  const stop = async () => {
    await close();
    await fs.rm(workDir, { recursive: true, force: true });
  };
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    const url = options.publicUrl ?? address;
    ctx.log.info('console started', { event: 'console.start', address, store: await displayLocation(ctx.storeLocation), revision: info.revision, oidc: oidc?.issuer ?? null });
    ctx.terminal.print(`tiersync console for ${info.provider.name} listening on ${url} (store ${await displayLocation(ctx.storeLocation)}); stop it with Ctrl+C`, true);
    if (new URL(info.provider.portalUrl).origin !== new URL(url).origin) {
      ctx.terminal.warn(`invitation links point to ${info.provider.portalUrl} (the store's portal URL), not to this console (${url})`);
    }
  } catch (error) {
    await stop();
    throw new UsageError(`The console cannot listen on ${options.host}:${options.port} (${(error as Error).message})`, { cause: error });
  }
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await stop();
  ctx.log.info('console stopped', { event: 'console.stop' });
  return EXIT.ok;
}
