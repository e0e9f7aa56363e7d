import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/console/passwords.js';
import { initStore, openStore } from '../../src/run/store-factory.js';
import { Workspace } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';

const STORES = (process.env.STORES ?? 'sqljs,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const NOW = '2026-03-01T10:00:00.000Z';
const ADMIN = { email: 'admin@provider.example', displayName: 'Admin', roles: ['Global admin' as const], status: 'active' as const };

describe('console passwords', () => {
  it('keeps scrypt hashes only, salted, and verifies them in constant time', async () => {
    const hash = await hashPassword('a long enough passphrase');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain('passphrase');
    expect(await hashPassword('a long enough passphrase')).not.toBe(hash);
    expect(await verifyPassword('a long enough passphrase', hash)).toBe(true);
    expect(await verifyPassword('a long enough passphrasE', hash)).toBe(false);
    expect(await verifyPassword('a long enough passphrase', undefined)).toBe(false);
    expect(await verifyPassword('x', 'not$a$hash')).toBe(false);
    expect(passwordProblem('short')).toBe('A console password has at least 12 characters');
    expect(passwordProblem(' '.repeat(12))).toBe('A console password cannot be only spaces');
  });

  for (const backend of STORES) {
    it(`stores a hash per user without moving the revision (${backend})`, async () => {
      const location = backend === 'postgres' ? await createTestDatabase('pw') : join(mkdtempSync(join(tmpdir(), 'tiersync-pw-')), 'store.db');
      await initStore(location, { provider: { mpnId: '1000001', name: 'Contoso', portalUrl: 'http://localhost:8080' }, admin: ADMIN, offers: [], now: NOW, operator: ADMIN.email, clock: 'system' });
      const writer = await openStore(location, { write: true, lockTimeoutSeconds: 0 });
      const revision = (await writer.info()).revision;
      expect(await writer.readPasswordHash(ADMIN.email)).toBeUndefined();
      await writer.writePasswordHash(ADMIN.email, 'scrypt$1$1$1$a$b', NOW);
      await writer.writePasswordHash(ADMIN.email, 'scrypt$1$1$1$c$d', NOW);
      await writer.close();
      const reader = await openStore(location, { write: false, lockTimeoutSeconds: 0 });
      expect(await reader.readPasswordHash(ADMIN.email)).toBe('scrypt$1$1$1$c$d');
      expect((await reader.info()).revision).toBe(revision);
      await expect(reader.writePasswordHash(ADMIN.email, null, NOW)).rejects.toThrow(/needs the writer lock/);
      await reader.close();
      const clearing = await openStore(location, { write: true, lockTimeoutSeconds: 0 });
      await clearing.writePasswordHash(ADMIN.email, null, NOW);
      expect(await clearing.readPasswordHash(ADMIN.email)).toBeUndefined();
      await clearing.close();
    });
  }

  it('tiersync users set-password reads the password from standard input, never an argument, and stores only its hash', async () => {
    const w = await Workspace.create({ backend: 'sqljs' });
    const password = 'piped in from a vault';
    const r = await w.run(['users', 'set-password', Workspace.ADMIN], { as: null, env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('A console password has at least 12 characters');
    const set = await runWithInput(w, ['users', 'set-password', Workspace.ADMIN], `${password}\n`);
    expect([set.code, set.stdout.trim()]).toEqual([0, `Console password set for ${Workspace.ADMIN}.`]);
    expect(await w.storeText()).not.toContain(password);
    const hash = String((await w.sql(`SELECT password_hash FROM user_passwords WHERE email = '${Workspace.ADMIN}'`))[0]![0]);
    expect(await verifyPassword(password, hash)).toBe(true);

    const unknown = await runWithInput(w, ['users', 'set-password', 'nobody@provider.example'], `${password}\n`);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'error: nobody@provider.example is not an active user of this store; add it on a Users sheet first.']);
    // Another user's password needs the right to manage users.
    await w.run(['apply', await usersCsv(w)]);
    const other = await runWithInput(w, ['users', 'set-password', Workspace.ADMIN, '--as', 'sales@provider.example'], `${password}\n`);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/role\.forbidden: setting another user's password needs a role that may add, change or remove users and their roles/);
  });
});

async function usersCsv(w: Workspace): Promise<string> {
  const { writeFileSync } = await import('node:fs');
  const path = w.path('users.csv');
  writeFileSync(path, 'Email,Display Name,Roles\nsales@provider.example,Sam Sales,Sales agent\n');
  return path;
}

async function runWithInput(w: Workspace, args: string[], input: string) {
  const { runCli } = await import('../helpers/cli.js');
  return runCli([...args, '--store', w.store], { cwd: w.dir, input });
}
