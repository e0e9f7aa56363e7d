// Deterministic generator of realistic distributor-scale inputs (SPEC §6).
//   node bench/generate.mjs --scale 1 --out bench/out
// At scale 1: 5,000 resellers, 100,000 customers, 1,000,000 subscriptions, ~1% deliberate errors.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const OFFERS = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LDPB:0001', 'CFQ7TTC0LCHC:0002', 'CFQ7TTC0LFLX:0001', 'CFQ7TTC0LFLZ:0001', 'CFQ7TTC0LH16:0001', 'CFQ7TTC0RQ8W:0001', 'CFQ7TTC0LHSV:0001', 'CFQ7TTC0LH0Z:0001'];
const COUNTRIES = [['US', 'WA', '98101', 'Seattle'], ['FR', '', '75002', 'Paris'], ['DE', '', '10117', 'Berlin'], ['GB', '', 'EC2A 1AF', 'London'], ['CA', 'ON', 'M5J 2J2', 'Toronto'], ['AU', 'NSW', '2000', 'Sydney'], ['NL', '', '1012 AB', 'Amsterdam'], ['ES', '', '28013', 'Madrid']];
const FIRST = ['Ana', 'Ben', 'Chloé', 'Dan', 'Eva', 'François', 'Gaëlle', 'Hugo', 'Ines', 'Jürgen', 'Kim', 'Lena'];
const LAST = ['Silva', 'Miller', 'Ng', 'Park', 'Lopez', 'Leroy', 'Durand', 'Schmidt', 'Weber', 'Hughes', 'Raman', 'Berg'];

/** A small, fast, seeded PRNG (mulberry32): the same scale gives the same files. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sizes(scale) {
  return {
    resellers: Math.max(5, Math.round(5000 * scale)),
    customers: Math.max(20, Math.round(100_000 * scale)),
    subscriptions: Math.max(60, Math.round(1_000_000 * scale)),
  };
}

export const resellerMpn = (i) => String(2_000_000 + i);
export const resellerGlobal = (i) => String(9_000_000 + Math.floor(i / 4));
export const customerDomain = (i) => `cust${i.toString(36)}x${(i * 7919) % 9973}`;

export const RESELLER_HEADERS = ['Reseller MPN ID', 'Reseller Name', 'Contact Email', 'Global MPN ID', 'Country', 'Partnership'];
export const CUSTOMER_HEADERS = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Phone', 'Address Line 1', 'Address Line 2', 'City', 'State/Region', 'Postal Code', 'Country', 'Language', 'Reseller MPN ID'];
export const SUBSCRIPTION_HEADERS = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Billing Cycle', 'Auto Renew', 'Partner of Record MPN ID', 'Support Contact MPN ID', 'Status'];

export function* resellerRows(n) {
  for (let i = 0; i < n; i++) yield [resellerMpn(i), `Reseller ${i} Solutions`, `partners${i}@reseller${i}.example`, resellerGlobal(i), COUNTRIES[i % COUNTRIES.length][0], 'active'];
}

export function* customerRows(n, nResellers, errorRate = 0.01, seed = 1) {
  const r = rng(seed);
  for (let i = 0; i < n; i++) {
    const [country, state, postal, city] = COUNTRIES[i % COUNTRIES.length];
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 5) % LAST.length];
    const row = [customerDomain(i), `Customer ${i} Ltd`, first, last, `${first.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')}.${last.toLowerCase()}@c${i}.example`, '', `${1 + (i % 200)} Main Street`, '', city, state, postal, country, 'en-US', resellerMpn(i % nResellers)];
    if (r() < errorRate) row[4] = 'not-an-email';
    yield row;
  }
}

/** Subscription k of the whole set belongs to customer k mod n, so each customer has ~10. */
export function* subscriptionRows(n, nCustomers, nResellers, { errorRate = 0.01, seed = 2, changeRate = 0 } = {}) {
  const r = rng(seed);
  for (let k = 0; k < n; k++) {
    const c = k % nCustomers;
    const slot = Math.floor(k / nCustomers);
    // At most 150 a subscription: a customer's two subscriptions of one offer (slots 0 and 9) stay within
    // the offer's pooled limit of 300 seats per customer tenant.
    let quantity = 1 + ((k * 31) % 150);
    if (changeRate && r() < changeRate) quantity = quantity === 150 ? 149 : quantity + 1;
    const row = ['', customerDomain(c), OFFERS[(c + slot) % OFFERS.length], `seat-${slot}`, quantity, 'monthly', 'yes', resellerMpn(c % nResellers), '', 'active'];
    if (r() < errorRate) row[4] = 5000; // quantity out of range
    yield row;
  }
}

async function writeXlsx(path, sheets) {
  // Loaded here, not at the top: bench/physical-floor.mjs imports this module's row makers and loads no exceljs.
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
  for (const [name, headers, rows] of sheets) {
    const ws = wb.addWorksheet(name);
    ws.addRow(headers).commit();
    for (const row of rows) ws.addRow(row).commit();
    ws.commit();
  }
  await wb.commit();
}

async function writeCsv(path, headers, rows) {
  const out = createWriteStream(path);
  const line = (cells) => cells.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(',') + '\n';
  out.write(line(headers));
  for (const row of rows) if (!out.write(line(row))) await new Promise((r) => out.once('drain', r));
  await new Promise((r) => out.end(r));
}

/**
 * Writes L.xlsx, L-rerun.xlsx (1% of subscription quantities changed), S.xlsx (1,000 rows), L-subs.csv
 * (1% changed), and L-resellers.xlsx (the Resellers sheet alone: the partnerships a store holds
 * before its customers are loaded).
 */
export async function generate(scale, outDir) {
  mkdirSync(outDir, { recursive: true });
  const n = sizes(scale);
  const files = { L: join(outDir, 'L.xlsx'), rerun: join(outDir, 'L-rerun.xlsx'), S: join(outDir, 'S.xlsx'), csv: join(outDir, 'L-subs.csv'), resellers: join(outDir, 'L-resellers.xlsx') };
  await writeXlsx(files.resellers, [['Resellers', RESELLER_HEADERS, resellerRows(n.resellers)]]);
  await writeXlsx(files.L, [
    ['Resellers', RESELLER_HEADERS, resellerRows(n.resellers)],
    ['Customers', CUSTOMER_HEADERS, customerRows(n.customers, n.resellers)],
    ['Subscriptions', SUBSCRIPTION_HEADERS, subscriptionRows(n.subscriptions, n.customers, n.resellers)],
  ]);
  await writeXlsx(files.rerun, [
    ['Resellers', RESELLER_HEADERS, resellerRows(n.resellers)],
    ['Customers', CUSTOMER_HEADERS, customerRows(n.customers, n.resellers)],
    ['Subscriptions', SUBSCRIPTION_HEADERS, subscriptionRows(n.subscriptions, n.customers, n.resellers, { changeRate: 0.01 })],
  ]);
  const small = [];
  const it = subscriptionRows(n.subscriptions, n.customers, n.resellers, { changeRate: 0.5, seed: 3 });
  for (const row of it) {
    if (small.length >= 1000) break;
    small.push(row);
  }
  await writeXlsx(files.S, [['Subscriptions', SUBSCRIPTION_HEADERS, small]]);
  await writeCsv(files.csv, SUBSCRIPTION_HEADERS, subscriptionRows(n.subscriptions, n.customers, n.resellers, { changeRate: 0.01, seed: 4 }));
  return { files, sizes: n };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const scale = Number(arg('scale', '1'));
  const out = arg('out', new URL('./out/', import.meta.url).pathname);
  const t = Date.now();
  const { sizes: n } = await generate(scale, out);
  console.log(`generated scale ${scale} (${n.resellers} resellers, ${n.customers} customers, ${n.subscriptions} subscriptions) in ${out} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
