import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { userKey } from '../core/entities.js';
import { refundableSeats } from '../core/new-commerce.js';
import { SHEETS, SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import { createWorkbookWriter, streamTable } from '../report/xlsx-table.js';
import type { StoreSnapshot } from '../store/sync-store.js';
import type { RunContext } from '../run/run-context.js';
import { requireOperator } from '../run/run-batch.js';
import { openStore } from '../run/store-factory.js';
import { runClock } from '../run/run-clock.js';

/** A stored value as an input cell: lists joined with `; `, booleans yes/no, null empty. */
function cellOf(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}

function recordsOf(snapshot: StoreSnapshot, kind: SheetKind, now: string): object[] {
  switch (kind) {
    case 'Users':
      return snapshot.users;
    case 'Offers':
      return snapshot.offers.map((o) => ({ ...o }));
    case 'Resellers':
      // The desired state of an invited reseller is an active partnership, awaiting acceptance.
      return snapshot.resellers.map((r) => ({ ...r, partnership: r.partnership === 'removed' ? 'removed' : 'active' }));
    case 'Customers':
      return snapshot.customers;
    case 'Subscriptions':
      return snapshot.subscriptions.map((s) => ({ ...s, refundableSeats: s.status === 'active' ? refundableSeats(s, now) : 0 }));
  }
}

/** `tiersync export`: the whole state as an input workbook; applying it to the same store changes nothing. */
export async function runExport(ctx: RunContext, outFile: string): Promise<ExitCode> {
  if (!/\.xlsx$/i.test(outFile)) throw new UsageError(`--out ${outFile}: the export is an .xlsx workbook`);
  const operator = requireOperator(ctx);
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    // A read takes --now only where a write would: a store made with --simulated-clock.
    const { now } = runClock(ctx, await store.info(), store.location);
    const snapshot = await store.loadSnapshot({ customers: 'all', subscriptionsOfCustomers: 'all', subscriptionIds: [] });
    const user = snapshot.users.find((u) => userKey(u.email) === userKey(operator));
    if (!user || user.status !== 'active') throw new UsageError(`${operator} is not an active user of this store`);
    await fs.mkdir(dirname(outFile), { recursive: true });
    const workbook = createWorkbookWriter(outFile);
    for (const kind of SHEET_KINDS) {
      const columns = SHEETS[kind].columns;
      const rows = recordsOf(snapshot, kind, now).map((r) => columns.map((c) => cellOf((r as Record<string, unknown>)[c.field])));
      await streamTable(workbook, kind, columns.map((c) => c.header), rows);
    }
    await workbook.commit();
    ctx.log.info('state exported', { event: 'export.done', file: outFile, revision: snapshot.info.revision });
    ctx.terminal.print(`Exported revision ${snapshot.info.revision} of ${store.location} to ${outFile}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
