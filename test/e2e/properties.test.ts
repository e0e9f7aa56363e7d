import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { Workspace } from '../helpers/cli.js';
import { CUSTOMER_HEADERS, customer, subscription, SUBSCRIPTION_HEADERS } from '../helpers/rows.js';
import { readWorkbook, writeWorkbook, type Cell } from '../helpers/workbooks.js';

const OFFERS = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LFLX:0001', 'CFQ7TTC0LH16:0001'];

/**
 * A random valid order batch: distinct customers, each with distinct (offer, nickname) subscriptions.
 * At most 100 seats a subscription: a customer's three nicknames of one offer stay within its pooled 300.
 */
const batchArb = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/), { minLength: 1, maxLength: 6 })
  .chain((domains) =>
    fc.record({
      customers: fc.constant(domains.map((d) => customer(d))),
      subscriptions: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...domains), fc.constantFrom(...OFFERS), fc.constantFrom('', 'a', 'b'), fc.integer({ min: 1, max: 100 })), {
          maxLength: 12,
          selector: ([d, o, n]) => `${d}|${o}|${n}`,
        })
        .map((subs) => subs.map(([d, o, n, q]) => subscription(d, o, q, { Nickname: n }))),
    }),
  );

/** The state as a user would compare it: the export's rows without assigned IDs and times. */
async function stateOf(w: Workspace, name: string): Promise<unknown> {
  const path = w.path(name);
  expect((await w.run(['export', '--out', path])).code).toBe(0);
  const wb = await readWorkbook(path);
  const strip = (rows: Array<Record<string, unknown>>) =>
    rows
      .map(({ 'Tenant ID': _t, 'Subscription ID': _s, 'Term Start': _start, 'Term End': _end, ...rest }) => JSON.stringify(rest))
      .sort();
  return { customers: strip(wb.Customers!), subscriptions: strip(wb.Subscriptions!) };
}

async function write(path: string, batch: { customers: Cell[][]; subscriptions: Cell[][] }): Promise<void> {
  await writeWorkbook(path, { Subscriptions: [SUBSCRIPTION_HEADERS, ...batch.subscriptions], Customers: [CUSTOMER_HEADERS, ...batch.customers] });
}

describe('properties of random valid workbooks', () => {
  it('apply, then plan again: nothing left to change; any row order gives the same state', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, fc.integer(), async (batch, seed) => {
        const a = await Workspace.create();
        await write(a.path('in.xlsx'), batch);
        expect((await a.run(['apply', a.path('in.xlsx'), '--quiet'])).code).toBe(0);
        expect((await a.run(['plan', a.path('in.xlsx'), '--detailed-exitcode', '--quiet'])).code).toBe(0);

        const shuffle = <T>(xs: T[]) => xs.map((x, i) => [((seed ^ (i * 2654435761)) >>> 0) % 1000, x] as const).sort((p, q) => p[0] - q[0]).map(([, x]) => x);
        const b = await Workspace.create();
        await write(b.path('in.xlsx'), { customers: shuffle(batch.customers), subscriptions: shuffle(batch.subscriptions) });
        expect((await b.run(['apply', b.path('in.xlsx'), '--quiet'])).code).toBe(0);
        expect(await stateOf(b, 'state.xlsx')).toEqual(await stateOf(a, 'state.xlsx'));
      }),
      { numRuns: 4 },
    );
  }, 240_000);

  it('a random byte flip in an input never crashes the process', async () => {
    const w = await Workspace.create();
    const clean = w.path('clean.xlsx');
    await write(clean, { customers: [customer('flipco')], subscriptions: [subscription('flipco', OFFERS[0]!, 3)] });
    const bytes = readFileSync(clean);
    const csv = Buffer.from(`${CUSTOMER_HEADERS.join(',')}\n${customer('flipcsv').join(',')}\n`);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (isCsv, at, xor) => {
        const source = isCsv ? csv : bytes;
        const flipped = Buffer.from(source);
        flipped[at % flipped.length] = flipped[at % flipped.length]! ^ xor;
        const path = w.path(isCsv ? 'flipped.csv' : 'flipped.xlsx');
        writeFileSync(path, flipped);
        const r = await w.run(['plan', path, ...(isCsv ? ['--sheet', 'Customers'] : [])]);
        expect([0, 1, 3]).toContain(r.code);
        expect(r.stderr).not.toMatch(/Internal error|\n\s+at /);
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
