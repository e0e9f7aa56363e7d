import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { MCA_BODY, newCustomerBody, openSandbox, OTHER_RESELLER, RESELLER, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;

beforeAll(async () => {
  ({ sandbox, pc } = await openSandbox({
    seed: {
      resellers: [RESELLER, { ...OTHER_RESELLER, authorization: 'mpa-not-signed' }, { mpnId: '7777777', name: 'Invited Only', relationship: 'none' }],
    },
  }));
});

afterAll(async () => {
  await sandbox.close();
});

describe('creating a customer for an indirect reseller', () => {
  it('checks the domain, creates the tenant, and returns the admin password exactly once', async () => {
    expect((await pc.call('HEAD', '/v1/domains/wingtip1.onmicrosoft.com')).status).toBe(404);
    const created = await pc.post('/v1/customers', newCustomerBody('wingtip1'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      companyProfile: { domain: 'wingtip1.onmicrosoft.com', tenantId: created.body.id },
      associatedPartnerId: RESELLER.tenantId,
      userCredentials: { userName: 'admin' },
    });
    const password = created.body.userCredentials.password as string;
    expect(password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z\d]).{12}$/);
    expect(sandbox.state.customers.get(created.body.id)!.issuedPassword).toBe(password);
    expect((await pc.call('HEAD', '/v1/domains/wingtip1.onmicrosoft.com')).status).toBe(200);
    const read = await pc.get(`/v1/customers/${created.body.id as string}`);
    expect(read.status).toBe(200);
    expect(read.body.userCredentials).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(password);
    expect(read.body.associatedPartnerId).toBe(RESELLER.tenantId);
    const again = await pc.post('/v1/customers', newCustomerBody('wingtip1'));
    expect(again.status).toBe(400);
  });

  it('takes the reseller\'s tenant ID, not its PartnerID, and only for a reseller in the list', async () => {
    const byMpn = await pc.post('/v1/customers', newCustomerBody('wingtip2', { AssociatedPartnerId: RESELLER.mpnId }));
    expect(byMpn.status).toBe(400);
    expect(byMpn.body.code).toBe(800002);
    const notListed = await pc.post('/v1/customers', newCustomerBody('wingtip3', { AssociatedPartnerId: sandbox.state.resellers.get('7777777')!.tenantId }));
    expect(notListed.status).toBe(400);
    expect(notListed.body).toMatchObject({ code: 800016, source: 'PartnerFD' });
    expect(sandbox.state.customerByDomain('wingtip3')).toBeUndefined();
  });

  it('requires a registration number and a phone number where Partner Center does', async () => {
    const body = newCustomerBody('polska1');
    const billing = body.BillingProfile as Record<string, any>;
    billing.DefaultAddress = { Country: 'PL', City: 'Warszawa', AddressLine1: 'ul. Prosta 1', PostalCode: '00-838', FirstName: 'Jan', LastName: 'Nowak' };
    expect((await pc.post('/v1/customers', body)).body.code).toBe(600049);
    (body.CompanyProfile as Record<string, string>).OrganizationRegistrationNumber = '1234567890';
    expect((await pc.post('/v1/customers', body)).body.code).toBe(600051);
    billing.DefaultAddress.PhoneNumber = '48221234567';
    expect((await pc.post('/v1/customers', body)).status).toBe(201);
    const us = newCustomerBody('regus1');
    (us.CompanyProfile as Record<string, string>).OrganizationRegistrationNumber = '123';
    expect((await pc.post('/v1/customers', us)).body.code).toBe(600002);
  });

  it('creates one customer for a retried MS-RequestId, answering the retry with the first answer', async () => {
    const requestId = randomUUID();
    const first = await pc.post('/v1/customers', newCustomerBody('retried1'), { requestId });
    const second = await pc.post('/v1/customers', newCustomerBody('retried1'), { requestId });
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.userCredentials.password).toBe(first.body.userCredentials.password);
    expect(sandbox.calls.entries[sandbox.calls.entries.length - 1]!.replayed).toBe(true);
    expect([...sandbox.state.customers.values()].filter((c) => c.domain === 'retried1.onmicrosoft.com')).toHaveLength(1);
  });

  it('makes the customer even when the answer is lost, and the retry with the same MS-RequestId gets it', async () => {
    const requestId = randomUUID();
    sandbox.faults.loseNextAnswer({ match: { method: 'POST', path: '/v1/customers' } });
    await expect(pc.post('/v1/customers', newCustomerBody('lost1'), { requestId })).rejects.toThrow();
    const made = sandbox.state.customerByDomain('lost1');
    expect(made).toBeDefined();
    const retry = await pc.post('/v1/customers', newCustomerBody('lost1'), { requestId });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(made!.id);
    expect(retry.body.userCredentials.password).toBe(made!.issuedPassword);
    expect(sandbox.calls.entries.some((c) => c.requestId === requestId && c.status === 0)).toBe(true);
  });

  it('records the MCA attestation and lists it', async () => {
    const created = await pc.post('/v1/customers', newCustomerBody('mca1'));
    const id = created.body.id as string;
    expect((await pc.get(`/v1/customers/${id}/agreements`)).body.totalCount).toBe(0);
    const bad = await pc.post(`/v1/customers/${id}/agreements`, { ...MCA_BODY, templateId: randomUUID() });
    expect(bad.status).toBe(400);
    const attested = await pc.post(`/v1/customers/${id}/agreements`, MCA_BODY);
    expect(attested.status).toBe(201);
    expect(attested.body).toMatchObject({ templateId: MCA_BODY.templateId, type: 'MicrosoftCustomerAgreement' });
    expect(typeof attested.body.userId).toBe('string');
    expect((await pc.get(`/v1/customers/${id}/agreements?agreementType=MicrosoftCustomerAgreement`)).body.totalCount).toBe(1);
  });

  it('answers an unknown customer as Partner Center does, 403 / 20002', async () => {
    const answer = await pc.get(`/v1/customers/${randomUUID()}`);
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe(20002);
  });
});

describe('reading customers back', () => {
  let local: Sandbox;
  let client: PcTestClient;

  beforeAll(async () => {
    ({ sandbox: local, pc: client } = await openSandbox());
    local.seed({ resellers: [RESELLER, OTHER_RESELLER] });
    local.seed({
      customers: Array.from({ length: 1234 }, (_, i) => ({ domain: `seeded${i}`, companyName: `Seeded ${i}`, resellerMpnId: i % 3 === 0 ? OTHER_RESELLER.mpnId : RESELLER.mpnId })),
    });
  });

  afterAll(async () => {
    await local.close();
  });

  it('pages with size and MS-ContinuationToken until no token is left', async () => {
    const seen = new Set<string>();
    let answer = await client.get('/v1/customers?size=500');
    let pages = 1;
    for (;;) {
      expect(answer.status).toBe(200);
      for (const item of answer.body.items) seen.add(item.id);
      expect(answer.body.items[0].userCredentials).toBeUndefined();
      const next = answer.body.links.next;
      if (!next) {
        expect(answer.body.continuationToken).toBeUndefined();
        break;
      }
      expect(next.headers[0].key).toBe('MS-ContinuationToken');
      expect(next.headers[0].value).toBe(answer.body.continuationToken);
      answer = await client.get(`/v1${next.uri as string}`, { headers: { 'MS-ContinuationToken': next.headers[0].value } });
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(1234);
  });

  it('filters by indirect reseller (tenant ID), and lists a customer\'s reseller relationship', async () => {
    const filter = encodeURIComponent(JSON.stringify({ Field: 'IndirectReseller', Value: OTHER_RESELLER.tenantId, Operator: 'starts_with' }));
    const answer = await client.get(`/v1/customers?size=0&filter=${filter}`);
    expect(answer.body.totalCount).toBe(412);
    const customerId = answer.body.items[0].id as string;
    const relationships = await client.get(`/v1/customers/${customerId}/relationships`);
    expect(relationships.body.items).toEqual([expect.objectContaining({ id: OTHER_RESELLER.tenantId, mpnId: OTHER_RESELLER.mpnId, relationshipType: 'is_indirect_cloud_solution_provider_of' })]);
  });

  it('lists the indirect resellers with tenant ID and PartnerID', async () => {
    const answer = await client.get('/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf');
    expect(answer.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: RESELLER.tenantId, mpnId: RESELLER.mpnId, name: RESELLER.name, state: 'Active' })]));
    local.ui.removePartnership(OTHER_RESELLER.mpnId);
    const after = await client.get('/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf');
    expect(after.body.items.map((r: { mpnId: string }) => r.mpnId)).toEqual([RESELLER.mpnId]);
    local.ui.acceptPartnership(OTHER_RESELLER);
    expect((await client.get('/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf')).body.totalCount).toBe(2);
  });
});

describe('validating resellers', () => {
  it('says per PartnerID whether it is valid as partner of record, with 900400 and a reason', async () => {
    const answer = await pc.post('/v1/partners/validateresellers', { partnerIds: [RESELLER.mpnId, OTHER_RESELLER.mpnId, '9999999'] });
    expect(answer.body.validationResults).toEqual([
      { partnerId: RESELLER.mpnId, isValidPartnerIdOnRecord: true },
      expect.objectContaining({ partnerId: OTHER_RESELLER.mpnId, isValidPartnerIdOnRecord: false, errorCode: 900400, errorDescription: expect.stringContaining('Partner Agreement') }),
      expect.objectContaining({ partnerId: '9999999', isValidPartnerIdOnRecord: false, errorCode: 900400 }),
    ]);
    expect((await pc.get(`/v1/compliance/csp/agreementstatus?mpnId=${OTHER_RESELLER.mpnId}`)).body).toEqual({ isAgreementSigned: false });
    expect((await pc.get(`/v1/compliance/csp/agreementstatus?mpnId=${RESELLER.mpnId}`)).body).toEqual({ isAgreementSigned: true });
    expect((await pc.get('/v1/compliance/csp/agreementstatus?mpnId=abc')).body.code).toBe(2000);
    const profile = await pc.get(`/v1/profiles/mpn?mpnId=${RESELLER.mpnId}`);
    expect(profile.body).toMatchObject({ partnerName: RESELLER.name, mpnId: RESELLER.mpnId, profileType: 'MpnProfile' });
    const missing = await pc.get('/v1/profiles/mpn?mpnId=9999999');
    expect(missing.status).toBe(404);
    expect(missing.body.description).toBe('Partner Organization with partner_id 9999999 could not be found');
  });
});

describe('utility calls', () => {
  it('validates addresses and serves country rules', async () => {
    const good = await pc.post('/v1/validations/address', { AddressLine1: 'One Microsoft Way', City: 'Redmond', State: 'WA', PostalCode: '98052', Country: 'US' });
    expect(good.body.status).toBe('VerifiedShippable');
    const bad = await pc.post('/v1/validations/address', { AddressLine1: 'One Microsoft Way', City: 'Redmond', State: 'ZZ', PostalCode: '9805', Country: 'US' });
    expect(bad.body.status).not.toBe('VerifiedShippable');
    const rules = await pc.get('/v1/countryvalidationrules/IN');
    expect(rules.body).toMatchObject({ iso2Code: 'IN', isRegistrationNumberSupported: true, attributes: { objectType: 'CountryInformation' } });
    expect((await pc.get('/v1/countryvalidationrules/US')).body.states.value).toContain('WA');
  });
});
