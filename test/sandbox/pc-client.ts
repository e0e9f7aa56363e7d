/**
 * A bare HTTP caller for the sandbox tests: real requests with Node's fetch, the headers
 * Partner Center expects, nothing clever (the point is to see the service's own answers).
 */
import { randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  body?: unknown;
  requestId?: string;
  headers?: Record<string, string>;
  token?: string;
  renewed?: boolean;
}

export class PcTestClient {
  private token: string | undefined;

  constructor(readonly sandbox: Sandbox) {}

  async tokenRequest(fields: Record<string, string>, path = `${this.sandbox.tenantId}/oauth2/token`): Promise<Answer> {
    const res = await fetch(`${this.sandbox.loginUrl}/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  refreshFields(overrides: Record<string, string> = {}): Record<string, string> {
    const c = this.sandbox.credentials;
    return {
      grant_type: 'refresh_token', resource: 'https://api.partnercenter.microsoft.com', client_id: c.clientId,
      client_secret: c.clientSecret, refresh_token: c.refreshToken, scope: 'openid', ...overrides,
    };
  }

  async signIn(): Promise<string> {
    const answer = await this.tokenRequest(this.refreshFields());
    if (answer.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(answer.body)}`);
    this.token = answer.body.access_token as string;
    return this.token;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const token = options.token ?? this.token ?? (await this.signIn());
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'MS-CorrelationId': randomUUID(),
      'MS-RequestId': options.requestId ?? randomUUID(),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    };
    const res = await fetch(`${this.sandbox.url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await res.text();
    // Like any client: an access token that expired (the clock moved) is renewed once.
    if (res.status === 401 && options.token === undefined && !options.renewed && !text.includes('900421')) {
      await this.signIn();
      return this.call(method, path, { ...options, renewed: true });
    }
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  get(path: string, options?: CallOptions): Promise<Answer> {
    return this.call('GET', path, options);
  }

  post(path: string, body: unknown, options: CallOptions = {}): Promise<Answer> {
    return this.call('POST', path, { ...options, body });
  }

  patch(path: string, body: unknown, options: CallOptions = {}): Promise<Answer> {
    return this.call('PATCH', path, { ...options, body });
  }

  put(path: string, body: unknown, options: CallOptions = {}): Promise<Answer> {
    return this.call('PUT', path, { ...options, body });
  }
}

export async function openSandbox(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; pc: PcTestClient }> {
  const sandbox = await startSandbox({ clock: { start: '2026-03-02T09:00:00Z', frozen: true }, ...options });
  return { sandbox, pc: new PcTestClient(sandbox) };
}

export const RESELLER = { mpnId: '4847383', name: 'First Up Consultants', tenantId: '484e548c-f5f3-4528-93a9-c16c6373cb59' };
export const OTHER_RESELLER = { mpnId: '5139005', name: 'Trey Research', tenantId: '3b33e682-00c3-41ee-9dd2-a548adf56438' };
export const BASIC = 'CFQ7TTC0LH18:0001';
export const DAY = 24 * 60 * 60 * 1000;

export function newCustomerBody(prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CompanyProfile: { Domain: `${prefix}.onmicrosoft.com` },
    BillingProfile: {
      Email: `gena@${prefix}.example`, Culture: 'EN-US', Language: 'En', CompanyName: `Wingtip ${prefix}`,
      DefaultAddress: { Country: 'US', City: 'Redmond', State: 'WA', AddressLine1: 'One Microsoft Way', PostalCode: '98052', FirstName: 'Gena', LastName: 'Soto', PhoneNumber: '4255550101' },
    },
    AssociatedPartnerId: RESELLER.tenantId,
    ...extra,
  };
}

export const MCA_BODY = {
  primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'tania@example.com', phoneNumber: '1234567890' },
  templateId: '117a77b0-9360-443b-8795-c6dedc750cf9', dateAgreed: '2026-03-01T00:00:00.000Z', type: 'MicrosoftCustomerAgreement',
};

/** Customer created over the API, MCA attested, with one subscription bought through a cart. */
export async function customerWithSubscription(pc: PcTestClient, prefix: string, line: Record<string, unknown> = {}): Promise<{ customerId: string; subscriptionId: string; orderId: string }> {
  const created = await pc.post('/v1/customers', newCustomerBody(prefix));
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const customerId = created.body.id as string;
  await pc.post(`/v1/customers/${customerId}/agreements`, MCA_BODY);
  const catalogItemId = pc.sandbox.catalog.lookup(`${BASIC}:CFQ7TTC0K971`).kind === 'current' ? `${BASIC}:CFQ7TTC0K971` : '';
  const cart = await pc.post(`/v1/customers/${customerId}/carts`, {
    PartnerOnRecordAttestationAccepted: true,
    lineItems: [{ id: 0, catalogItemId, quantity: 10, termDuration: 'P1Y', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: RESELLER.mpnId }], ...line }],
  });
  if (cart.status !== 201) throw new Error(JSON.stringify(cart.body));
  const checkout = await pc.post(`/v1/customers/${customerId}/carts/${cart.body.id as string}/checkout`, undefined);
  if (checkout.status !== 201) throw new Error(JSON.stringify(checkout.body));
  const orderId = checkout.body.orders[0].id as string;
  const subs = await pc.get(`/v1/customers/${customerId}/subscriptions?order_id=${orderId}`);
  return { customerId, subscriptionId: subs.body.items[0].id as string, orderId };
}
