// npm run demo -- --partner-center: the same job against the local Partner Center sandbox (a simulation
// of Partner Center on loopback, never a real tenant), in ./tiersync-out/demo-partner-center.
//   1. start the sandbox (four of the samples' resellers already in its indirect reseller list);
//   2. init a store connected to it;  3. apply partners.xlsx: invitation drafts carry the partnership link;
//   4. refresh: the listed resellers become active, with their CSP tenant IDs;
//   5. apply orders.xlsx: customers, carts and checkouts in Partner Center; the credential report holds its passwords;
//   6. ten days later (the sandbox's clock), apply changes.xlsx: Partner Center refuses the late decrease (800090).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startSandbox } = await import(join(root, 'dist', 'sandbox', 'sandbox.js'));
const out = join(root, 'tiersync-out', 'demo-partner-center');
const store = join(out, 'tiersync.db');
const admin = 'ops@contoso-distribution.example';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const sandbox = await startSandbox({
  provider: { mpnId: '1000001', name: 'Contoso Distribution', country: 'US' },
  provisioning: { delayMs: 0, polls: 1 },
  seed: {
    resellers: [
      { mpnId: '4811021', name: 'Fabrikam Solutions', tenantId: '3b33e682-00c3-41ee-9dd2-a548adf56438', country: 'US' },
      { mpnId: '4811022', name: 'Fabrikam Solutions West', tenantId: '484e548c-f5f3-4528-93a9-c16c6373cb59', country: 'US' },
      { mpnId: '5230417', name: 'Adatum Services SARL', tenantId: '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d', country: 'US' },
      { mpnId: '60293', name: 'Northwind IT GmbH', tenantId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', country: 'US' },
      { mpnId: '7340112', name: 'Tailspin Cloud Ltd', country: 'US', relationship: 'none' },
    ],
  },
});
const credentials = join(out, 'pc-credentials.json');
writeFileSync(credentials, JSON.stringify(sandbox.credentials), { mode: 0o600 });
console.log(`Partner Center sandbox (a simulation on this machine) at ${sandbox.url}`);

function tiersync(title, args, okCodes = [0]) {
  console.log(`\n$ tiersync ${args.join(' ')}    # ${title}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'tiersync'), ...args, '--store', store, '--out', out, '--pc-credentials', credentials], { stdio: 'inherit', cwd: root });
    child.on('close', (code) => {
      if (!okCodes.includes(code)) {
        console.error(`demo: tiersync exited with ${code}`);
        sandbox.close().finally(() => process.exit(1));
        return;
      }
      resolve(code);
    });
  });
}

try {
  await tiersync('create a store connected to the sandbox', ['init', '--provider-mpn', '1000001', '--provider-name', 'Contoso Distribution', '--admin', admin, '--partner-center', sandbox.tenantId, '--pc-api-url', sandbox.url, '--pc-login-url', sandbox.loginUrl, '--partnership-link', 'https://partner.microsoft.com/dashboard/v2/mpn/partnership/indirect?partnerId=1000001']);
  await tiersync('check the credentials', ['status']);
  await tiersync('provider users and reseller partnerships', ['apply', 'samples/partners.xlsx', '--as', admin]);
  await tiersync('resellers Partner Center lists are active now', ['refresh', '--as', admin]);
  await tiersync('customers and subscriptions, through Partner Center', ['apply', 'samples/orders.xlsx', '--as', admin], [0, 3]);
  sandbox.clock.advance(10 * 86_400_000);
  console.log('\n(ten days pass in the sandbox)');
  const code = await tiersync('seat changes: Partner Center judges the 7-day window', ['apply', 'samples/changes.xlsx', '--as', admin], [0, 3]);
  console.log(`\nDemo done (last exit code ${code}: 3 means some rows were rejected, as intended).`);
  console.log(`Results workbooks, credential report and invitation drafts are in ${out}`);
} finally {
  await sandbox.close();
}
