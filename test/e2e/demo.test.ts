import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { readWorkbook } from '../helpers/workbooks.js';

describe('the README quick start', () => {
  it('names exactly the two commands, and npm run demo works on the bundled samples', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quick = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(quick.split('\n').filter(Boolean).map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm run demo', 'npm test']);

    const r = spawnSync('npm', ['run', 'demo', '--silent'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });
    expect(r.status).toBe(0);
    const out = join(ROOT, 'tiersync-out', 'demo');
    expect(r.stdout).toContain(`are in ${out}`);
    expect(r.stderr).toMatch(/Credentials of 13 new customer account\(s\)/);
    const orders = await readWorkbook(join(out, 'orders.results.xlsx'));
    const customers = orders.Customers!;
    expect(customers.filter((c) => c.Result === 'created')).toHaveLength(13);
    expect(customers.filter((c) => c.Result === 'rejected').map((c) => c.Code).sort()).toEqual(['customer.address', 'customer.invalid-domain', 'mpn.global-not-location', 'partnership.not-active']);
    // The Brazilian customer gives its registration number and phone, as Partner Center requires there.
    expect(customers.find((c) => c['Customer Domain'] === 'bancosolar')).toMatchObject({ Result: 'created', 'Admin Access': 'default GDAP' });
    expect(orders.Subscriptions!.filter((s) => s.Result === 'rejected').map((s) => s.Code).sort()).toEqual([
      'customer.invalid-domain',
      'customer.invalid-domain',
      'customer.invalid-domain',
      'offer.unknown',
      'partnership.not-active',
      'subscription.quantity-out-of-range',
    ]);
    expect(customers.filter((c) => c.Result === 'skipped').map((c) => c['Customer Domain']).sort()).toEqual(['graphicdesign', 'proseware', 'woodgrovebank']);
    // Ten days later on the demo's simulated clock: new commerce's 7-day window has closed.
    const changes = (await readWorkbook(join(out, 'changes.results.xlsx'))).Subscriptions!;
    expect(changes.map((s) => [s['Customer Domain'], s.Result, s.Code ?? ''])).toEqual([
      ['contosobikes', 'rejected', 'subscription.decrease-window-closed'],
      ['litwareinc', 'scheduled', ''],
      ['lamnaheal', 'updated', ''],
      ['boulangeriemartin', 'rejected', 'subscription.cancel-window-closed'],
      ['musterbau', 'suspended', ''],
    ]);
    expect(String(changes[1]!.Message)).toMatch(/^Scheduled for the renewal on 2027-11-02 09:00 UTC: Quantity → \d+$/);
    expect(r.stdout).toContain('--now 2026-11-12T09:00:00Z');
    const creds = join(out, 'orders.credentials.xlsx');
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    expect(existsSync(join(out, 'invitations', '7340112.eml'))).toBe(true);
    for (const token of [...readFileSync(join(out, 'invitations', '7340112.eml'), 'utf8').matchAll(/token=([\w-]+)/g)].map((m) => m[1]!)) {
      expect(r.stdout + r.stderr).not.toContain(token);
    }
  });

  it('npm run demo -- --partner-center runs the same job against the Partner Center sandbox', async () => {
    const r = spawnSync('npm', ['run', 'demo', '--silent', '--', '--partner-center'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });
    expect(r.status).toBe(0);
    const out = join(ROOT, 'tiersync-out', 'demo-partner-center');
    expect(r.stdout).toContain('Partner Center sandbox (a simulation on this machine)');
    const orders = await readWorkbook(join(out, 'orders.results.xlsx'));
    expect(orders.Customers!.filter((c) => c.Result === 'created')).toHaveLength(13);
    expect(statSync(join(out, 'orders.credentials.xlsx')).mode & 0o777).toBe(0o600);
    const changes = (await readWorkbook(join(out, 'changes.results.xlsx'))).Subscriptions!;
    expect(changes.find((s) => s['Customer Domain'] === 'contosobikes')).toMatchObject({ Result: 'rejected', Code: 'pc.quantity-decrease-window' });
    expect(String(changes.find((s) => s['Customer Domain'] === 'contosobikes')!.Message)).toContain('800090');
    expect(readFileSync(join(out, 'invitations', '7340112.eml'), 'utf8')).toContain('partner.microsoft.com/dashboard');
  });
});
