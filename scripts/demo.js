// npm run demo: the main job on the bundled samples, with the embedded store, in ./tiersync-out/demo.
//   1. init a store for a provider (on a simulated clock, so the demo can move time on);
//   2. apply partners.xlsx (provider users + resellers: invitations);
//   3. four resellers accept their invitation (one does not);  4. apply orders.xlsx (customers + subscriptions);
//   5. ten days later, apply changes.xlsx: new commerce's 7-day window closed, a decrease scheduled for the renewal.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.includes('--partner-center')) {
  await import('./demo-partner-center.js');
  process.exit(0);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'tiersync-out', 'demo');
const store = join(out, 'tiersync.db');
const admin = 'ops@contoso-distribution.example';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The demo's clock: day 0 for steps 1 to 4, day 10 for step 5.
const DAY0 = '2026-11-02T09:00:00Z';
const DAY10 = '2026-11-12T09:00:00Z';
let now = DAY0;

function tiersync(title, args, okCodes = [0], shown = args) {
  console.log(`\n$ tiersync ${shown.join(' ')} --now ${now}    # ${title}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'tiersync'), ...args, '--store', store, '--out', out, '--now', now], { stdio: 'inherit', cwd: root });
  if (!okCodes.includes(r.status)) {
    console.error(`demo: tiersync exited with ${r.status}`);
    process.exit(1);
  }
  return r.status;
}

tiersync('create the store, on a simulated clock', ['init', '--provider-mpn', '1000001', '--provider-name', 'Contoso Distribution', '--admin', admin, '--admin-name', 'Olivia Ops', '--simulated-clock']);
tiersync('provider users and reseller partnerships', ['apply', 'samples/partners.xlsx', '--as', admin]);

const drafts = join(out, 'invitations');
for (const file of readdirSync(drafts).sort()) {
  if (file.startsWith('7340112')) continue; // Tailspin Cloud has not accepted yet
  const link = /^(https?:\/\/\S+accept\?token=\S+)$/m.exec(readFileSync(join(drafts, file), 'utf8'))?.[1];
  // The token is a secret: the command is shown without it.
  tiersync(`reseller ${file.replace('.eml', '')} follows its invitation link`, ['accept', '--link', link], [0], ['accept', '--link', link.replace(/token=.*/, 'token=…')]);
}

tiersync('customers and subscriptions (with deliberate mistakes)', ['apply', 'samples/orders.xlsx', '--as', admin], [0, 3]);
now = DAY10;
const code = tiersync('ten days later: seat changes under the 7-day window', ['apply', 'samples/changes.xlsx', '--as', admin], [0, 3]);
console.log(`\nDemo done (last exit code ${code}: 3 means some rows were rejected, as intended).`);
console.log(`Results workbooks, credential report and invitation drafts are in ${out}`);
