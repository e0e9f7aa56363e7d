import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { getOwnMpnProfile } from '../partner-center/pc-operations.js';
import { Journal } from '../partner-center/journal.js';
import { PartnerCenterSession, recoverJournal, recoverPendingCredentials, refreshStore } from '../run/partner-center-session.js';
import { runClock } from '../run/run-clock.js';
import type { RunContext } from '../run/run-context.js';
import { openStore } from '../run/store-factory.js';
import type { SandboxCommandOptions } from '../sandbox/main.js';

/**
 * `tiersync status` (SPEC §7.1): what the store is, its last refresh, its open journal entries; for a
 * connected store, whether the credentials work (one token request, one cheap read).
 */
export async function runStatus(ctx: RunContext): Promise<ExitCode> {
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    const info = await store.info();
    runClock(ctx, info, store.location);
    const lines = [`Store ${store.location}: ${info.partnerCenter ? 'connected to Partner Center' : 'local (the store is the system of record; nothing is sent to Partner Center)'}`];
    const open = (await Journal.open(store.journal())).leftOver();
    const unfinished = open.filter((e) => !e.outcome).length;
    lines.push(`  provider ${info.provider.name} (PartnerID ${info.provider.mpnId}), revision ${info.revision}, schema ${info.schemaVersion}${info.clock === 'simulated' ? ', simulated clock' : ''}`);
    if (!info.partnerCenter) {
      ctx.terminal.print(lines.join('\n'));
      return EXIT.ok;
    }
    const pc = info.partnerCenter;
    lines.push(`  tenant ${pc.tenantId}, API ${pc.apiUrl}, sign-in ${pc.loginUrl}`);
    lines.push(`  last refresh: ${info.lastRefreshAt ?? 'never (run tiersync refresh --all once)'}`);
    lines.push(`  journal: ${open.length ? `${open.length} entr${open.length === 1 ? 'y' : 'ies'} of a run that did not finish (${unfinished} unanswered): the next run that writes resolves them` : 'empty'}`);
    lines.push(`  partnership link: ${pc.partnershipLink ?? 'not set (init --partnership-link): invitation drafts cannot carry it'}`);
    ctx.terminal.print(lines.join('\n'));
    const session = await PartnerCenterSession.open(ctx, store, info, { write: false });
    try {
      const profile = await getOwnMpnProfile(session.client);
      ctx.terminal.print(`  credentials: working (signed in to Partner Center as ${profile.partnerName ?? 'the provider'}${profile.mpnId ? `, PartnerID ${profile.mpnId}` : ''})`);
    } finally {
      await session.close();
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `tiersync refresh [--changes | --all]` (SPEC §7.3): read Partner Center into a connected store. */
export async function runRefresh(ctx: RunContext, form: 'open' | 'changes' | 'all'): Promise<ExitCode> {
  const operator = ctx.operator ?? 'tiersync refresh';
  const store = await openStore(ctx.storeLocation, { write: true, lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
  try {
    const info = await store.info();
    if (!info.partnerCenter) throw new UsageError(`The store ${store.location} is a local store: it is its own system of record, there is no Partner Center to refresh from`);
    const { now } = runClock(ctx, info, store.location);
    const session = await PartnerCenterSession.open(ctx, store, info, { write: true });
    try {
      const passwords = await recoverPendingCredentials(ctx.outDir);
      for (const path of passwords.reports) ctx.terminal.warn(`An earlier run stopped before writing its credential report: its passwords are now in ${path}`);
      const recovered = await recoverJournal(store, session, { operator, now, recoveredPasswords: passwords.domains });
      for (const item of recovered) ctx.terminal.warn(`Recovered ${item.operation} ${item.target}: ${item.found}; ${item.recorded}`);
      const started = Date.now();
      const summary = await refreshStore(ctx, store, session, { kind: form }, { operator, now });
      await session.journal?.clear();
      const stats = session.stats();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      ctx.log.info('refresh done', { event: 'refresh.done', form, observed: summary.observed, customers: summary.customersRead, calls: stats.calls, throttleWaitMs: Math.round(stats.throttling.waitMs), revisionAfter: summary.revisionAfter });
      if (ctx.json) ctx.terminal.print(JSON.stringify({ form, ...summary, calls: stats.calls, reads: stats.reads, writes: stats.writes, retries: stats.retries.total, throttleWaitMs: Math.round(stats.throttling.waitMs), seconds: Number(seconds) }), true);
      else ctx.terminal.print(`Refreshed (${form}) in ${seconds} s: ${summary.customersRead} customer(s) read, ${summary.observed} change(s) observed in Partner Center, ${summary.completedOrders} order(s) completed; ${stats.calls} call(s); store revision ${summary.revisionAfter}`);
      return EXIT.ok;
    } finally {
      await session.close();
    }
  } finally {
    await store.close();
  }
}

/** `tiersync sandbox`: the local Partner Center simulation (SPEC §7.6), for tests and demos only. */
export async function runSandbox(options: SandboxCommandOptions): Promise<ExitCode> {
  // The sandbox is a test and demo tool: loaded only when asked for.
  const { runSandboxCommand } = await import('../sandbox/main.js');
  const code = await runSandboxCommand(options);
  return code === 0 ? EXIT.ok : EXIT.fatal;
}
