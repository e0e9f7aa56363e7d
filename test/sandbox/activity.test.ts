import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { BASIC, customerWithSubscription, DAY, openSandbox, OTHER_RESELLER, RESELLER, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;

beforeAll(async () => {
  ({ sandbox, pc } = await openSandbox({ seed: { resellers: [RESELLER] } }));
});

afterAll(async () => {
  await sandbox.close();
});

describe('activity log', () => {
  it('records API changes and changes made in Partner Center\'s own UI, and pages through them', async () => {
    const { customerId, subscriptionId } = await customerWithSubscription(pc, 'audit1');
    sandbox.ui.changeSubscription(subscriptionId, { quantity: 15 });
    sandbox.ui.acceptPartnership(OTHER_RESELLER);
    const ui = sandbox.ui.purchase(customerId, { offerId: BASIC, quantity: 3, termDuration: 'P1M' });
    expect(ui.provisioned).toBe(true);
    const all = await pc.get('/v1/auditrecords?startDate=2026-03-01');
    expect(all.body.items.map((r: { operationType: string }) => r.operationType)).toEqual([
      'add_customer', 'create_customer_agreement', 'create_order', 'update_subscription', 'create_partner_relationship', 'create_order',
    ]);
    const update = all.body.items[3];
    expect(update).toMatchObject({ customerId, resourceType: 'subscription', userPrincipalName: `admin@${sandbox.provider.domain}`, operationStatus: 'succeeded', attributes: { objectType: 'AuditRecord' } });
    expect(JSON.parse(update.resourceNewValue).quantity).toBe(15);
    expect(JSON.parse(update.resourceOldValue).quantity).toBe(10);
    expect(all.body.items[0].userPrincipalName).toBe(`integration@${sandbox.provider.domain}`);

    const ids: string[] = [];
    let page = await pc.get('/v1/auditrecords?startDate=2026-03-01&size=4');
    for (;;) {
      ids.push(...page.body.items.map((r: { operationType: string; operationDate: string }) => `${r.operationType}@${r.operationDate}`));
      const next = page.body.links.next;
      if (!next) break;
      page = await pc.get(`/v1${next.uri as string}`, { headers: { 'MS-ContinuationToken': next.headers[0].value } });
    }
    expect(ids).toHaveLength(6);
    const filter = encodeURIComponent(JSON.stringify({ Field: 'ResourceType', Value: 'Subscription', Operator: 'equals' }));
    expect((await pc.get(`/v1/auditrecords?startDate=2026-03-01&filter=${filter}`)).body.totalCount).toBe(1);
  });

  it('keeps 90 days and honours the date window', async () => {
    sandbox.clock.advance(100 * DAY);
    const { subscriptionId } = await customerWithSubscription(pc, 'audit2');
    sandbox.ui.changeSubscription(subscriptionId, { friendlyName: 'Later' });
    const answer = await pc.get('/v1/auditrecords?startDate=2026-01-01');
    expect(answer.status).toBe(200);
    // The clock is at 2026-06-10: nothing from before 2026-03-12 is kept.
    expect(answer.body.items.every((r: { operationDate: string }) => r.operationDate >= '2026-03-12')).toBe(true);
    expect(answer.body.items.filter((r: { operationDate: string }) => r.operationDate >= '2026-06-10')).toHaveLength(4);
    // May holds only the monthly renewal of the subscription bought in the UI: Microsoft's, without a user.
    const may = await pc.get('/v1/auditrecords?startDate=2026-05-01&endDate=2026-05-31');
    expect(may.body.items).toEqual([expect.objectContaining({ operationType: 'update_subscription', operationDate: '2026-05-02T00:00:00.000Z', userPrincipalName: null })]);
  });
});
