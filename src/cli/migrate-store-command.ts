import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import type { RunContext } from '../run/run-context.js';
import { displayLocation, migrateStore } from '../run/store-factory.js';

/**
 * `tiersync migrate-store --from tiersync.db --to postgres://…`: copy a store file into an empty
 * PostgreSQL database, whole (store ID, revision, every table, the audit chain), in one transaction.
 * The file is locked meanwhile and left as it was.
 */
export async function runMigrateStore(ctx: RunContext, args: { from?: string; to?: string }): Promise<ExitCode> {
  if (!args.from) throw new UsageError('Name the store file to copy with --from PATH');
  if (!args.to) throw new UsageError('Name the empty PostgreSQL database to copy into with --to postgres://USER@HOST:PORT/DATABASE');
  const target = await displayLocation(args.to);
  const started = Date.now();
  ctx.log.info('store migration started', { event: 'migrate.start', from: args.from, to: target });
  const summary = await migrateStore(args.from, args.to, {
    lockTimeoutSeconds: ctx.lockTimeoutSeconds,
    onWarning: (m) => ctx.terminal.warn(m),
    onProgress: (table, rows) => ctx.terminal.progress(`Copying ${table}`, rows, undefined, started),
  });
  ctx.terminal.clearProgress();
  ctx.log.info('store migrated', { event: 'migrate.done', from: args.from, to: target, storeId: summary.storeId, revision: summary.revision, rows: summary.rows });
  const counts = Object.entries(summary.rows)
    .filter(([table]) => table !== 'store_meta')
    .map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`)
    .join(', ');
  ctx.terminal.print(`Copied store ${summary.storeId} at revision ${summary.revision} from ${args.from} to ${target} (${counts}).`);
  ctx.terminal.print(`Check it with: tiersync audit verify --store ${target}`);
  return EXIT.ok;
}
