import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsFileError, PartnerCenterUnavailableError, UsageError, exitCodeOf } from '../../src/core/errors.js';
import { loadPartnerCenterCredentials } from '../../src/partner-center/credentials.js';
import { createPartnerCenterClient } from '../../src/partner-center/index.js';
import { createCustomer } from '../../src/partner-center/pc-operations.js';
import { TokenProvider } from '../../src/partner-center/token-provider.js';
import { captureLogger, type FaultServer, grantTokens, startFaultServer, TENANT } from './fault-server.js';
import { CLIENT_SECRET, clientFor, envCredentials, isOneSentence, REFRESH_TOKEN } from './helpers.js';

let server: FaultServer | undefined;
let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'tiersync-pc-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function credentialsFile(mode: number, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'pc.json');
  await fs.writeFile(path, JSON.stringify({ clientId: 'app-id', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN, ...extra }), { mode });
  await fs.chmod(path, mode);
  return path;
}

describe('credentials', () => {
  test('a credentials file readable by others is refused like ssh refuses a key (exit 1), quoting no secret', async () => {
    const path = await credentialsFile(0o644);
    const e = await loadPartnerCenterCredentials({ file: path }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialsFileError);
    expect(exitCodeOf(e)).toBe(1);
    expect((e as Error).message).toContain('Permissions 0644');
    expect((e as Error).message).toContain('too open');
    expect((e as Error).message).toContain(`chmod 600 '${path}'`);
    expect((e as Error).message).not.toContain(CLIENT_SECRET);
  });

  test('a 0600 file is read; a broken one is refused without quoting it', async () => {
    const path = await credentialsFile(0o600);
    const source = await loadPartnerCenterCredentials({ file: path });
    expect(source.credentials).toEqual({ clientId: 'app-id', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
    expect(source.origin).toEqual({ kind: 'file', path });

    await fs.writeFile(path, `{"clientSecret": "${CLIENT_SECRET}", oops`, { mode: 0o600 });
    const e = await loadPartnerCenterCredentials({ file: path }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialsFileError);
    expect(JSON.stringify({ m: (e as Error).message, c: String((e as Error).cause ?? '') })).not.toContain(CLIENT_SECRET);
  });

  test('the environment is read when no file is given; missing variables are named, not their values', async () => {
    const env = { TIERSYNC_PC_CLIENT_ID: 'id', TIERSYNC_PC_CLIENT_SECRET: CLIENT_SECRET, TIERSYNC_PC_REFRESH_TOKEN: REFRESH_TOKEN };
    expect((await loadPartnerCenterCredentials({ env })).credentials.refreshToken).toBe(REFRESH_TOKEN);
    const e = await loadPartnerCenterCredentials({ env: { TIERSYNC_PC_CLIENT_ID: 'id' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain('TIERSYNC_PC_CLIENT_SECRET and TIERSYNC_PC_REFRESH_TOKEN');
  });

  test('a rotated refresh token is written back atomically: new file renamed into place, mode and other fields kept', async () => {
    const path = await credentialsFile(0o600, { note: 'integration user: svc-tiersync' });
    const inodeBefore = (await fs.stat(path)).ino;
    server = await startFaultServer(
      () => ({ status: 200, body: {} }),
      (req, n) => ({ status: 200, body: { access_token: `AT-${n}`, expires_in: 3600, refresh_token: n === 1 ? 'RT-rotated-1' : new URLSearchParams(req.body).get('refresh_token') } }),
    );
    const credentials = await loadPartnerCenterCredentials({ file: path });
    const client = createPartnerCenterClient({ tenantId: TENANT, apiUrl: server.url, loginUrl: server.url, credentials });
    await client.send({ operation: 'x', method: 'GET', path: '/v1/x' });
    const after = await fs.stat(path);
    expect(after.mode & 0o777).toBe(0o600);
    expect(after.ino).not.toBe(inodeBefore);
    expect(JSON.parse(await fs.readFile(path, 'utf8'))).toEqual({ clientId: 'app-id', clientSecret: CLIENT_SECRET, refreshToken: 'RT-rotated-1', note: 'integration user: svc-tiersync' });
    expect(await fs.readdir(dir)).toEqual(['pc.json']);
    // The next renewal sends the rotated token.
    expect(new URLSearchParams(server.tokenRequests[0]!.body).get('refresh_token')).toBe(REFRESH_TOKEN);
    expect(credentials.credentials.refreshToken).toBe('RT-rotated-1');

    await fs.chmod(path, 0o400);
    await (await import('../../src/partner-center/credentials.js')).rewriteRefreshToken(path, 'RT-rotated-2');
    expect((await fs.stat(path)).mode & 0o777).toBe(0o400);
  });
});

describe('tokens', () => {
  test('the refresh-token grant is sent as documented; concurrent callers share one request; expires_in as a string', async () => {
    server = await startFaultServer(() => ({ status: 200, body: {} }), async (req, n) => {
      await new Promise((r) => setTimeout(r, 50));
      return grantTokens(req, n);
    });
    const { client } = clientFor(server, { ratePerMinute: 60_000, concurrency: 10 });
    await Promise.all(Array.from({ length: 10 }, () => client.send({ operation: 'x', method: 'GET', path: '/v1/x' })));
    expect(server.tokenRequests).toHaveLength(1);
    const t = server.tokenRequests[0]!;
    expect(t.url).toBe(`/${TENANT}/oauth2/token`);
    expect(t.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(t.body));
    expect(form).toEqual({
      grant_type: 'refresh_token',
      resource: 'https://api.partnercenter.microsoft.com',
      client_id: '9d4f5b2a-0000-4000-8000-000000000001',
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
      scope: 'openid',
    });
  });

  test('the token is kept for the run and renewed before it expires', async () => {
    server = await startFaultServer(() => ({ status: 200, body: {} }));
    let now = 1_000_000;
    const tokens = new TokenProvider({ tenantId: TENANT, credentials: envCredentials(), loginUrl: server.url, now: () => now });
    const first = await tokens.getAccessToken();
    now += 3000_000; // 50 minutes: still 10 minutes left
    expect(await tokens.getAccessToken()).toBe(first);
    now += 360_000; // 4 minutes left: inside the 5-minute margin
    expect(await tokens.getAccessToken()).not.toBe(first);
    expect(tokens.requests).toBe(2);
  });

  test.each([
    ['an expired refresh token', { error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired due to inactivity. Trace ID: 1', error_codes: [700082] }, /refresh token has expired or been revoked/],
    ['a refresh token revoked by a password change', { error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.' }, /expired or been revoked/],
    ['a sign-in without MFA', { error: 'interaction_required', error_description: 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.' }, /multi-factor authentication/],
    ['a wrong client secret', { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }, /client secret/],
  ])('the token endpoint refusing %s is exit 5 with one sentence', async (_what, body, expected) => {
    server = await startFaultServer(() => ({ status: 200, body: {} }), () => ({ status: 400, body }));
    const { client } = clientFor(server);
    const e = (await client.send({ operation: 'x', method: 'GET', path: '/v1/x' }).catch((x: unknown) => x)) as PartnerCenterUnavailableError;
    expect(e).toBeInstanceOf(PartnerCenterUnavailableError);
    expect(exitCodeOf(e)).toBe(5);
    expect(e.reason).toBe('credentials-refused');
    expect(e.message).toMatch(expected);
    expect(isOneSentence(e.message)).toBe(true);
    expect(e.message).not.toContain('Trace ID');
    expect(server.requests).toHaveLength(0); // nothing sent to Partner Center
    expect(server.tokenRequests).toHaveLength(1); // a refusal is not retried
  });
});

describe('logs', () => {
  test('no token, secret or password appears in any log line at debug level, nor in an error', async () => {
    const PASSWORD = 'Pa55w0rd!-once-only';
    server = await startFaultServer((req, n) => {
      if (req.url === '/v1/customers') {
        return n === 1
          ? { status: 500, body: { code: 500, description: 'boom', password: PASSWORD } }
          : { status: 201, body: { id: 'c1', companyProfile: { domain: 'x.onmicrosoft.com' }, userCredentials: { userName: 'admin', password: PASSWORD } } };
      }
      return { status: 400, body: { code: '3000', description: 'Invalid property', refresh_token: REFRESH_TOKEN } };
    }, (req, n) => ({ status: 200, body: { ...(grantTokens(req, n) as { body: Record<string, unknown> }).body, refresh_token: 'RT-rotated-SECRET', id_token: 'ID-TOKEN-SECRET' } }));
    const logger = captureLogger();
    const { client } = clientFor(server, { logger });
    const created = await createCustomer(client, {
      domain: 'x.onmicrosoft.com',
      billingProfile: { email: 'a@x.com', culture: 'en-US', language: 'en', companyName: 'X', defaultAddress: { country: 'US', city: 'Redmond', state: 'WA', addressLine1: '1 Way', postalCode: '98052', firstName: 'A', lastName: 'B' } },
      associatedPartnerId: '484e548c-f5f3-4528-93a9-c16c6373cb59',
    });
    expect(created.userCredentials).toEqual({ userName: 'admin', password: PASSWORD });
    const e = await client.send({ operation: 'x', method: 'POST', path: '/v1/x', body: { password: PASSWORD } }).catch((x: unknown) => x);

    const logged = JSON.stringify(logger.lines);
    expect(logger.lines.some((l) => l.level === 'debug' && l.meta?.event === 'pc.request')).toBe(true);
    expect(logger.lines.some((l) => l.meta?.event === 'pc.token.response')).toBe(true);
    for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, PASSWORD, 'AT-1-eyJhbGciOi.secret', 'RT-rotated-SECRET', 'ID-TOKEN-SECRET']) {
      expect(logged).not.toContain(secret);
      expect(String((e as Error).message)).not.toContain(secret);
    }
    expect(logged).toContain('[redacted]');
  });
});

describe('createPartnerCenterClient', () => {
  test('the store config (tenant, URLs) and the credentials make a working client', async () => {
    server = await startFaultServer((req) => ({ status: 200, body: { items: [{ id: 't1', mpnId: 4847383, name: 'First Up', relationshipType: 'is_indirect_cloud_solution_provider_of' }] , url: req.url } }));
    const client = createPartnerCenterClient({ tenantId: TENANT, apiUrl: server.url, loginUrl: server.url, credentials: envCredentials(), concurrency: 2, ratePerMinute: 100 });
    const { listIndirectResellers } = await import('../../src/partner-center/pc-operations.js');
    expect(await listIndirectResellers(client)).toEqual([{ id: 't1', mpnId: '4847383', name: 'First Up', relationshipType: 'is_indirect_cloud_solution_provider_of' }]);
    expect(server.requests[0]!.url).toBe('/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf');
    expect(server.requests[0]!.headers['ms-partnercenter-application']).toBe('tiersync');
    expect(client.stats()).toMatchObject({ calls: 1, reads: 1, writes: 0, requests: 1, tokenRequests: 1, byOperation: { 'resellers.list': { calls: 1 } } });
  });
});
