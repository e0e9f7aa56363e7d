/** The activity log (get-a-record-of-partner-center-activity-by-user.md). */
import { ACTIVITY_RETENTION_MS } from '../activity-log.js';
import { DAY_MS } from '../clock.js';
import { pcError } from '../errors.js';
import { continuationHeader, decodeToken, encodeToken, ok, pageSize, type RouteDefinition, type SandboxServices } from '../http.js';
import { activityWire, collection, link, type ActivityWireContext } from '../wire.js';
import { parseFilter } from './reseller-routes.js';

export function auditRoutes(services: SandboxServices, wireContext: ActivityWireContext): RouteDefinition[] {
  const { state, clock } = services;
  return [
    {
      method: 'GET',
      pattern: '/v1/auditrecords',
      handle: (ctx) => {
        const now = clock.nowMs();
        const size = pageSize(ctx, services);
        let startMs: number;
        let endMs: number;
        let filterRaw: string | undefined;
        let after: { at: number; seq: number } | undefined;
        const token = continuationHeader(ctx);
        if (token) {
          const data = decodeToken(token, 'audit');
          startMs = Number(data.s);
          endMs = Number(data.e);
          filterRaw = typeof data.f === 'string' ? data.f : undefined;
          after = { at: Number(data.a), seq: Number(data.q) };
        } else {
          filterRaw = ctx.query.get('filter') ?? undefined;
          // "If none is provided, the result set will default to 30 days prior to the request date."
          startMs = parseDate(ctx.query.get('startDate'), 'startDate') ?? now - 30 * DAY_MS;
          const end = ctx.query.get('endDate');
          const endParsed = parseDate(end, 'endDate');
          // A bare date as end date includes that whole day.
          endMs = endParsed === undefined ? now + 1 : /^\d{4}-\d{2}-\d{2}$/.test(end ?? '') ? endParsed + DAY_MS : endParsed + 1;
          if (endMs <= startMs) throw pcError('invalidInput', [], 'endDate must be after startDate.');
        }
        // Assumption: a start older than the 90 days kept is answered from the oldest data kept, not refused.
        const oldest = now - ACTIVITY_RETENTION_MS;
        const query = { startMs: Math.max(startMs, oldest), endMs, size, ...(after ? { after } : {}) } as Parameters<typeof state.activity.query>[0];
        if (filterRaw) {
          const filter = parseFilter(filterRaw);
          switch (filter.field.toLowerCase()) {
            case 'companyname': query.companyNameSubstring = filter.value; break;
            case 'customerid': query.customerId = filter.value; break;
            case 'resourcetype': query.resourceType = filter.value; break;
            default: throw pcError('invalidInput', [], `Audit records can't be filtered by ${filter.field}.`);
          }
        }
        const page = state.activity.query(query);
        const extra: Record<string, unknown> = {};
        const self = `/auditrecords?startDate=${new Date(query.startMs).toISOString().slice(0, 10)}&size=${size}${filterRaw ? `&filter=${encodeURIComponent(filterRaw)}` : ''}`;
        const links: Record<string, unknown> = { self: link(self) };
        if (page.next) {
          const next = encodeToken({ k: 'audit', s: startMs, e: endMs, ...(filterRaw ? { f: filterRaw } : {}), a: page.next.at, q: page.next.seq });
          extra.continuationToken = next;
          links.next = link(`/auditrecords?size=${size}&seekOperation=next`, 'GET', [{ key: 'MS-ContinuationToken', value: next }]);
        }
        return ok(collection(page.items.map((a) => activityWire(a, wireContext)), { ...extra, links }));
      },
    },
  ];
}

function parseDate(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms)) throw pcError('invalidInput', [], `${name} must be a date (yyyy-mm-dd).`);
  return ms;
}
