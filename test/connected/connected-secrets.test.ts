import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectedWorkspace } from '../helpers/connected.js';
import { workbookText, writeWorkbook, type Cell } from '../helpers/workbooks.js';

/**
 * No client secret, refresh token or access token anywhere (SPEC §6, §7.1): not in the store, the
 * journal, the logs (debug level included), the console or any output file. The sandbox's own issued
 * values are what the test looks for.
 */
describe('a connected store keeps Partner Center secrets out of everything it writes', () => {
  let w: ConnectedWorkspace;
  afterAll(async () => {
    await w?.close();
  });

  it('refuses a credentials file others can read, and leaks no secret while it works', async () => {
    w = await ConnectedWorkspace.create({ rotateRefreshTokens: true, seed: { resellers: [{ mpnId: '4811021', name: 'Fabrikam', tenantId: '3b33e682-00c3-41ee-9dd2-a548adf56438', country: 'US' }] }, provisioning: { delayMs: 0, polls: 1 } });
    const firstRefreshToken = w.sandbox.credentials.refreshToken;

    chmodSync(w.credentials, 0o644);
    const refused = await w.run(['status']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/0644.*too open|too open.*0644/i);
    chmodSync(w.credentials, 0o600);

    const headers: Cell[] = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Address Line 1', 'City', 'State/Region', 'Postal Code', 'Country', 'Reseller PartnerID'];
    await writeWorkbook(w.path('partners.xlsx'), { Resellers: [['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Partnership'], ['4811021', 'Fabrikam', 'f@fabrikam.example', 'active']] });
    await writeWorkbook(w.path('orders.xlsx'), {
      Customers: [headers, ['secretco', 'Secret Co', 'Ana', 'Silva', 'ana@secretco.example', '1 Main Street', 'Seattle', 'WA', '98101', 'US', '4811021']],
      Subscriptions: [['Customer Domain', 'Offer ID', 'Quantity', 'Partner of Record PartnerID'], ['secretco', 'CFQ7TTC0LH18:0001', 3, '4811021']],
    });
    const log = w.path('debug.jsonl');
    const outputs: string[] = [];
    for (const args of [['apply', w.path('partners.xlsx')], ['refresh'], ['apply', w.path('orders.xlsx')], ['status'], ['refresh', '--changes']]) {
      const r = await w.run([...args, '--log-file', log, '--log-level', 'debug']);
      expect([0, 3]).toContain(r.code);
      outputs.push(r.stdout, r.stderr);
    }
    // The refresh token was rotated by the token endpoint and written back to the file, mode kept.
    const file = JSON.parse(readFileSync(w.credentials, 'utf8')) as { refreshToken: string };
    expect(file.refreshToken).not.toBe(firstRefreshToken);
    expect(statSync(w.credentials).mode & 0o777).toBe(0o600);

    const secrets = [w.sandbox.credentials.clientSecret, firstRefreshToken, ...w.sandbox.auth.issuedSecrets()];
    expect(secrets.length).toBeGreaterThan(3);
    const places: Array<[string, string]> = [
      ['store', readFileSync(w.store).toString('latin1')],
      ['log', readFileSync(log, 'utf8')],
      ['console', outputs.join('\n')],
    ];
    if (existsSync(`${w.store}.journal`)) places.push(['journal', readFileSync(`${w.store}.journal`, 'utf8')]);
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const path of walk(w.path('out'))) places.push([path, path.endsWith('.xlsx') ? await workbookText(path) : readFileSync(path, 'utf8')]);
    expect(places.length).toBeGreaterThan(5);
    for (const [where, text] of places) for (const secret of secrets) expect([where, text.includes(secret)]).toEqual([where, false]);
  }, 120_000);
});
