import { afterEach, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { DAY, openSandbox, type PcTestClient } from './pc-client.js';

let sandbox: Sandbox;
let pc: PcTestClient;

async function open(options: Parameters<typeof openSandbox>[0] = {}): Promise<void> {
  ({ sandbox, pc } = await openSandbox(options));
}

afterEach(async () => {
  await sandbox.close();
});

describe('token endpoint', () => {
  it('exchanges the refresh token for a Partner Center access token (v1 form, expires_in as a string)', async () => {
    await open();
    const answer = await pc.tokenRequest(pc.refreshFields());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: '3600', resource: 'https://api.partnercenter.microsoft.com' });
    expect(typeof answer.body.access_token).toBe('string');
    expect(answer.body.refresh_token).toBeUndefined();
    const me = await pc.get('/v1/profiles/mpn', { token: answer.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.mpnId).toBe(sandbox.provider.mpnId);
  });

  it('answers a wrong secret, an unknown refresh token and a wrong tenant in Entra\'s error shape', async () => {
    await open();
    const wrongSecret = await pc.tokenRequest(pc.refreshFields({ client_secret: 'nope' }));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    expect(wrongSecret.body.error_codes).toEqual([7000215]);
    expect(wrongSecret.body.error_description).toMatch(/^AADSTS7000215:/);
    const wrongToken = await pc.tokenRequest(pc.refreshFields({ refresh_token: 'rt.unknown' }));
    expect(wrongToken.status).toBe(400);
    expect(wrongToken.body.error).toBe('invalid_grant');
    const wrongTenant = await pc.tokenRequest(pc.refreshFields(), '00000000-0000-0000-0000-000000000000/oauth2/token');
    expect(wrongTenant.body.error_codes).toEqual([90002]);
    const wrongResource = await pc.tokenRequest(pc.refreshFields({ resource: 'https://graph.windows.net' }));
    expect(wrongResource.body.error).toBe('invalid_resource');
  });

  it('accepts the v2.0 endpoint with the .default scope', async () => {
    await open();
    const c = sandbox.credentials;
    const answer = await pc.tokenRequest({ grant_type: 'refresh_token', client_id: c.clientId, client_secret: c.clientSecret, refresh_token: c.refreshToken, scope: 'https://api.partnercenter.microsoft.com/.default' }, `${sandbox.tenantId}/oauth2/v2.0/token`);
    expect(answer.status).toBe(200);
    expect(answer.body.expires_in).toBe(3600);
  });

  it('rotates the refresh token when asked: the new one works, the old one no longer does', async () => {
    await open({ rotateRefreshTokens: true });
    const first = sandbox.credentials.refreshToken;
    const answer = await pc.tokenRequest(pc.refreshFields());
    expect(answer.status).toBe(200);
    expect(answer.body.refresh_token).not.toBe(first);
    expect(sandbox.credentials.refreshToken).toBe(answer.body.refresh_token);
    const again = await pc.tokenRequest(pc.refreshFields({ refresh_token: first }));
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await pc.tokenRequest(pc.refreshFields({ refresh_token: answer.body.refresh_token }))).status).toBe(200);
  });

  it('refuses a revoked or expired refresh token with the matching AADSTS code', async () => {
    await open();
    sandbox.auth.expireRefreshToken();
    expect((await pc.tokenRequest(pc.refreshFields())).body.error_codes).toEqual([700082]);
    sandbox.auth.reissueRefreshToken();
    expect((await pc.tokenRequest(pc.refreshFields())).status).toBe(200);
    sandbox.auth.revokeRefreshToken();
    expect((await pc.tokenRequest(pc.refreshFields())).body.error_codes).toEqual([50173]);
  });

  it('never records the secret or the refresh token in the call log', async () => {
    await open();
    await pc.signIn();
    const record = sandbox.calls.entries.find((c) => c.route?.includes('oauth2'))!;
    expect(record.body).toMatchObject({ client_secret: '[redacted]', refresh_token: '[redacted]', grant_type: 'refresh_token' });
    await pc.get('/v1/profiles/mpn');
    const apiCall = sandbox.calls.entries[sandbox.calls.entries.length - 1]!;
    expect(apiCall.headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.stringify(sandbox.calls.entries)).not.toContain(sandbox.credentials.clientSecret);
  });
});

describe('bearer tokens on API calls', () => {
  it('answers 401 without a token, with an unknown one, and once the token has expired', async () => {
    await open();
    const none = await fetch(`${sandbox.url}/v1/customers`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: number }).code).toBe(800001);
    expect((await pc.get('/v1/customers', { token: 'made-up' })).status).toBe(401);
    const token = await pc.signIn();
    expect((await pc.get('/v1/customers', { token })).status).toBe(200);
    sandbox.clock.advance(3601 * 1000);
    const expired = await pc.get('/v1/customers', { token });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 401 / 900421 to App+User calls while MFA is demanded, and not to app-only ones', async () => {
    await open();
    const c = sandbox.credentials;
    const appOnly = await pc.tokenRequest({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, resource: 'https://api.partnercenter.microsoft.com' });
    await pc.signIn();
    sandbox.faults.requireMfa();
    const refused = await pc.get('/v1/customers');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe(900421);
    expect((await pc.get('/v1/customers', { token: appOnly.body.access_token })).status).toBe(200);
    // App+User-only operations refuse app-only tokens.
    expect((await pc.get('/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf', { token: appOnly.body.access_token })).status).toBe(403);
    sandbox.faults.clear();
    expect((await pc.get('/v1/customers')).status).toBe(200);
    sandbox.clock.advance(DAY);
  });

  it('demands MFA at sign-in when asked (AADSTS50076)', async () => {
    await open();
    sandbox.auth.requireInteractiveMfa(true);
    const answer = await pc.tokenRequest(pc.refreshFields());
    expect(answer.body.error_codes).toEqual([50076]);
  });
});

describe('token endpoint failures', () => {
  it('with rotation, a lost token answer leaves the old refresh token unusable (a client must keep the new one first)', async () => {
    await open({ rotateRefreshTokens: true });
    const before = sandbox.credentials.refreshToken;
    sandbox.faults.loseNextAnswer({ match: { path: '/login/*/oauth2/token' } });
    await expect(pc.tokenRequest(pc.refreshFields({ refresh_token: before }))).rejects.toThrow();
    expect(sandbox.credentials.refreshToken).not.toBe(before);
    expect((await pc.tokenRequest(pc.refreshFields({ refresh_token: before }))).body.error).toBe('invalid_grant');
    sandbox.faults.failNext(1, { status: 503, match: { path: '/login/*/oauth2/token' } });
    const transient = await pc.tokenRequest(pc.refreshFields());
    expect([transient.status, transient.body.error]).toEqual([503, 'temporarily_unavailable']);
    expect((await pc.tokenRequest(pc.refreshFields())).status).toBe(200);
  });
});
