// A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, started on a free loopback
// port (its unix socket in the same folder), stopped and deleted afterwards. initdb refuses to run as
// root, so as root it runs as the `postgres` OS user. Plain JavaScript: jest's globalSetup loads it untransformed.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SEARCH = '/usr/lib/postgresql';

/** The folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/<version>/bin, or the PATH. */
export function postgresBinDir() {
  if (existsSync(SEARCH)) {
    const versions = readdirSync(SEARCH)
      .filter((v) => existsSync(join(SEARCH, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(SEARCH, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  throw new Error(`PostgreSQL is not installed (no initdb in ${SEARCH}/*/bin nor on the PATH): apt-get install postgresql, or run the tests with STORES=sqljs`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

function osUser(name) {
  const id = (flag) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Run a PostgreSQL program, as the `postgres` OS user when we are root. */
function runPg(bin, program, args) {
  const command = asRoot ? 'runuser' : join(bin, program);
  const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
  const r = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${program} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Start a cluster; returns its admin URL (trust authentication on loopback) and how to stop it.
 * `durable: true` keeps PostgreSQL's default fsync settings (for measuring, not for tests).
 */
export async function startCluster({ durable = false } = {}) {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'tiersync-pg-'));
  if (asRoot) {
    const { uid, gid } = osUser('postgres');
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runPg(bin, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  // Throwaway data: no fsync. The store's own durability is PostgreSQL's and is not what these tests measure.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${durable ? '' : ' -c fsync=off -c full_page_writes=off'}`;
  runPg(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  return {
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        runPg(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
