import { existsSync, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { SHEET_KINDS, type SheetKind } from '../normalize/columns.js';
import { sheetKindOf } from '../normalize/headers.js';
import { writeTemplateWorkbook } from '../report/template-workbook.js';
import type { RunContext } from '../run/run-context.js';
import { DEFAULT_CATALOG } from './init-command.js';
import { isServerUrl, openStore } from '../run/store-factory.js';

/** Offer IDs of the catalog `init` loads (its first column; the file is ours and plain). */
export async function defaultCatalogOfferIds(): Promise<string[]> {
  const text = await fs.readFile(DEFAULT_CATALOG, 'utf8');
  return text.split(/\r?\n/).slice(1).map((l) => l.split(',')[0]!.trim()).filter(Boolean).sort();
}

/** Offer IDs for the drop-down: the store's catalog, or the default one when there is no store file yet. */
async function offerIds(ctx: RunContext): Promise<{ ids: string[]; from: string }> {
  if (!isServerUrl(ctx.storeLocation) && !existsSync(ctx.storeLocation)) {
    return { ids: await defaultCatalogOfferIds(), from: 'the default catalog' };
  }
  const store = await openStore(ctx.storeLocation, { write: false, lockTimeoutSeconds: 0 });
  try {
    const snapshot = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] });
    return { ids: snapshot.offers.map((o) => o.offerId).sort(), from: store.location };
  } finally {
    await store.close();
  }
}

/** `tiersync template --out FILE.xlsx [--sheets …]`. */
export async function runTemplate(ctx: RunContext, outFile: string, sheets: readonly string[] | undefined): Promise<ExitCode> {
  if (!/\.xlsx$/i.test(outFile)) throw new UsageError(`--out ${outFile}: the template is an .xlsx workbook`);
  const kinds: SheetKind[] = [];
  for (const name of sheets?.length ? sheets.flatMap((s) => s.split(',')) : SHEET_KINDS) {
    const kind = sheetKindOf(name);
    if (!kind) throw new UsageError(`--sheets ${name}: use ${SHEET_KINDS.join(', ')}`);
    kinds.push(kind);
  }
  const { ids, from } = await offerIds(ctx);
  await fs.mkdir(dirname(outFile), { recursive: true });
  await writeTemplateWorkbook(outFile, { sheets: kinds, offerIds: ids });
  ctx.terminal.print(`Template with ${kinds.join(', ')} written to ${outFile} (offers from ${from})`);
  return EXIT.ok;
}
