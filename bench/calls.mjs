// What the Partner Center sandbox's call log says about one measured step (bench/connected.mjs).
// Reads and writes are counted as test/helpers/connected.ts counts them: GET and HEAD are reads, and
// so are the two reads Partner Center takes as POST (address validation, reseller validation); the
// token endpoint is Entra ID, not Partner Center, and is counted apart.

const READ_POSTS = /\/validations\/address|\/partners\/validateresellers/i;
const TOKEN = /\/oauth2\//i;

export const isToken = (c) => TOKEN.test(c.path);
export const isRead = (c) => c.method === 'GET' || c.method === 'HEAD' || (c.method === 'POST' && READ_POSTS.test(c.path));
export const routeOf = (c) => c.route ?? `${c.method} ${c.path}`;
/** `/v1/customers/{id}/…` → the customer ID (lower case), else undefined. */
export const customerOf = (c) => /^\/v1\/customers\/([^/]+)/i.exec(c.path)?.[1]?.toLowerCase();

/** The call log's position now: pass it to `callsSince` after the step. */
export function mark(sandbox) {
  const e = sandbox.calls.entries;
  return e.length ? e[e.length - 1].seq : 0;
}

/** The calls received after `from` (a `mark`), up to `to` (a later mark) when given. */
export function callsSince(sandbox, from, to = Number.POSITIVE_INFINITY) {
  const e = sandbox.calls.entries;
  // seq grows by one per call: find the first after `from` by binary search (the log may have dropped old ones).
  let lo = 0;
  let hi = e.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (e[mid].seq <= from) lo = mid + 1;
    else hi = mid;
  }
  const out = [];
  for (let i = lo; i < e.length && e[i].seq <= to; i++) out.push(e[i]);
  return out;
}

/** Totals of a list of calls: API calls (token requests apart), reads, writes, 429s, by route. */
export function tally(calls) {
  const t = { total: 0, reads: 0, writes: 0, token: 0, throttled: 0, replayed: 0, byRoute: {}, firstStartMs: undefined, lastEndMs: undefined };
  for (const c of calls) {
    if (isToken(c)) {
      t.token++;
      continue;
    }
    t.total++;
    if (isRead(c)) t.reads++;
    else t.writes++;
    if (c.status === 429) t.throttled++;
    if (c.replayed) t.replayed++;
    const r = routeOf(c);
    t.byRoute[r] = (t.byRoute[r] ?? 0) + 1;
    if (t.firstStartMs === undefined || c.startedAt < t.firstStartMs) t.firstStartMs = c.startedAt;
    const end = c.endedAt ?? c.startedAt;
    if (t.lastEndMs === undefined || end > t.lastEndMs) t.lastEndMs = end;
  }
  return t;
}

/** Routes by count, largest first, as `N route` lines. */
export function routeLines(t, indent = '      ') {
  return Object.entries(t.byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => `${indent}${String(n).padStart(7)}  ${route}`)
    .join('\n');
}

/** How many times each customer's subscription list was read (`GET /v1/customers/{id}/subscriptions`). */
export function subscriptionListReads(calls) {
  const per = new Map();
  for (const c of calls) {
    if (c.method !== 'GET' || c.route !== 'GET /v1/customers/{customerId}/subscriptions') continue;
    // `?order_id=` reads one order's subscriptions (provisioning), not the customer's list.
    if (c.query && c.query.order_id) continue;
    const id = customerOf(c);
    per.set(id, (per.get(id) ?? 0) + 1);
  }
  return per;
}
