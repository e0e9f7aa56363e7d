import { describe, expect, it } from '@jest/globals';
import { stat, writeFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSandboxCommand } from '../../src/sandbox/main.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { PcTestClient } from './pc-client.js';

describe('tiersync sandbox (the command)', () => {
  it('seeds from a file, writes the credentials file 0600, prints no secret, and stops when told', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-cmd-'));
    const seedFile = join(dir, 'seed.json');
    await writeFile(seedFile, JSON.stringify({
      provider: { mpnId: '7654321', name: 'Demo Distribution' },
      resellers: [{ mpnId: '4847383', name: 'First Up Consultants' }],
      customers: [{ domain: 'democustomer', resellerMpnId: '4847383' }],
      subscriptions: [{ customerDomain: 'democustomer', offerId: 'CFQ7TTC0LH18:0001', quantity: 3 }],
    }));
    const lines: string[] = [];
    const controller = new AbortController();
    let started: { sandbox: Sandbox; file: string } | undefined;
    const credentialsFile = join(dir, 'pc-credentials.json');
    const running = runSandboxCommand({
      seed: seedFile, rate: 600, credentialsFile, signal: controller.signal, write: (line) => lines.push(line),
      onStarted: (sandbox, file) => { started = { sandbox, file }; },
    });
    while (!started) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started.file).toBe(credentialsFile);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(await readFile(credentialsFile, 'utf8'));
    expect(Object.keys(credentials).sort()).toEqual(['clientId', 'clientSecret', 'refreshToken']);
    const output = lines.join('\n');
    expect(output).toContain(started.sandbox.url);
    expect(output).toContain(`${started.sandbox.url}/login`);
    expect(output).toContain(credentialsFile);
    expect(output).toContain('simulation');
    expect(output).not.toContain(credentials.clientSecret);
    expect(output).not.toContain(credentials.refreshToken);
    const pc = new PcTestClient(started.sandbox);
    const customers = await pc.get('/v1/customers');
    expect(customers.body.items[0].companyProfile.domain).toBe('democustomer.onmicrosoft.com');
    expect(started.sandbox.provider.mpnId).toBe('7654321');
    controller.abort();
    await expect(running).resolves.toBe(0);
    await expect(stat(credentialsFile)).rejects.toThrow();
  });
});
