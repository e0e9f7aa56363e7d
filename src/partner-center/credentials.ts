import { promises as fs, constants as fsConstants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CredentialsFileError, UsageError } from '../core/errors.js';

/**
 * The app registered in Partner Center (App management) and the refresh token captured once,
 * interactively with MFA, from the integration user (Secure Application Model). Never stored in
 * the store, a log, an output or on a command line.
 */
export interface PartnerCenterCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** The environment variables read when no credentials file is given. */
export const CREDENTIAL_ENV = {
  clientId: 'TIERSYNC_PC_CLIENT_ID',
  clientSecret: 'TIERSYNC_PC_CLIENT_SECRET',
  refreshToken: 'TIERSYNC_PC_REFRESH_TOKEN',
} as const;

/**
 * Where the credentials came from, and how to keep a rotated refresh token: Entra ID may answer a
 * refresh with a new refresh token, and only a file can keep it for the next run.
 */
export interface CredentialSource {
  readonly credentials: PartnerCenterCredentials;
  /** `file` (with its path) or `env`: for `tiersync status`, never the values. */
  readonly origin: { kind: 'env' } | { kind: 'file'; path: string };
  /**
   * Keep `refreshToken` for later runs. A file is rewritten atomically (mode kept, other fields
   * kept); the environment cannot be rewritten, so that resolves to `false`.
   */
  saveRefreshToken(refreshToken: string): Promise<boolean>;
}

export interface LoadCredentialsOptions {
  /** `--pc-credentials FILE`: wins over the environment when given. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Load the credentials from `--pc-credentials FILE` or else from the environment. A file readable
 * by its group or others is refused (exit 1), as ssh refuses an unprotected key; its contents are
 * never quoted in an error.
 */
export async function loadPartnerCenterCredentials(options: LoadCredentialsOptions = {}): Promise<CredentialSource> {
  if (options.file !== undefined) return loadFromFile(options.file);
  const env = options.env ?? process.env;
  const values = {
    clientId: env[CREDENTIAL_ENV.clientId]?.trim() ?? '',
    clientSecret: env[CREDENTIAL_ENV.clientSecret]?.trim() ?? '',
    refreshToken: env[CREDENTIAL_ENV.refreshToken]?.trim() ?? '',
  };
  const missing = (Object.keys(values) as Array<keyof typeof values>).filter((k) => values[k] === '').map((k) => CREDENTIAL_ENV[k]);
  if (missing.length > 0) {
    throw new UsageError(
      missing.length === 3
        ? `Partner Center credentials are missing: set ${CREDENTIAL_ENV.clientId}, ${CREDENTIAL_ENV.clientSecret} and ${CREDENTIAL_ENV.refreshToken}, or pass --pc-credentials FILE.`
        : `Partner Center credentials are incomplete: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set.`,
    );
  }
  const credentials: PartnerCenterCredentials = { ...values };
  return {
    credentials,
    origin: { kind: 'env' },
    saveRefreshToken: async (refreshToken) => {
      credentials.refreshToken = refreshToken;
      return false;
    },
  };
}

/** ssh's rule: nobody but the owner may read or write the file (0600 and 0400 pass). */
function assertPrivate(path: string, stat: { mode: number; uid: number }): void {
  if (process.platform === 'win32') return;
  const perms = stat.mode & 0o777;
  if ((perms & 0o077) !== 0) {
    throw new CredentialsFileError(
      `Permissions ${perms.toString(8).padStart(4, '0')} for '${path}' are too open: a Partner Center credentials file must not be accessible by others, so it is ignored; run chmod 600 '${path}'.`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) {
    throw new CredentialsFileError(`'${path}' belongs to another user: a Partner Center credentials file must be owned by the user running tiersync.`);
  }
}

async function loadFromFile(path: string): Promise<CredentialSource> {
  let text: string;
  try {
    const handle = await fs.open(path, fsConstants.O_RDONLY);
    try {
      assertPrivate(path, await handle.stat());
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof CredentialsFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CredentialsFileError(`The Partner Center credentials file '${path}' cannot be read (${code ?? 'error'}).`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No cause: V8's JSON error quotes the file's text, which holds the secrets.
    throw new CredentialsFileError(`The Partner Center credentials file '${path}' is not valid JSON; it must be { "clientId", "clientSecret", "refreshToken" }.`);
  }
  const fields = ['clientId', 'clientSecret', 'refreshToken'] as const;
  const obj = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const bad = fields.filter((f) => typeof obj?.[f] !== 'string' || (obj[f] as string).trim() === '');
  if (!obj || bad.length > 0) {
    throw new CredentialsFileError(`The Partner Center credentials file '${path}' lacks ${bad.join(', ') || 'its fields'}: it must be { "clientId", "clientSecret", "refreshToken" }, each a non-empty string.`);
  }
  const credentials: PartnerCenterCredentials = {
    clientId: (obj.clientId as string).trim(),
    clientSecret: (obj.clientSecret as string).trim(),
    refreshToken: (obj.refreshToken as string).trim(),
  };
  // Writes are serialised: two renewals finishing together must not interleave their renames.
  let writing: Promise<unknown> = Promise.resolve();
  return {
    credentials,
    origin: { kind: 'file', path },
    saveRefreshToken: (refreshToken) => {
      credentials.refreshToken = refreshToken;
      const next = writing.then(() => rewriteRefreshToken(path, refreshToken));
      writing = next.catch(() => undefined);
      return next.then(() => true);
    },
  };
}

/**
 * Replace the file's `refreshToken` so that the path always holds either the old file or the new
 * one, never a torn one: tmp in the same directory (created with the file's mode from its first
 * byte) → write → fsync → rename over → fsync the directory. Other fields are kept as they are.
 */
export async function rewriteRefreshToken(path: string, refreshToken: string): Promise<void> {
  const current = await fs.readFile(path, 'utf8');
  const stat = await fs.stat(path);
  const mode = stat.mode & 0o777;
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(current) as Record<string, unknown>;
  } catch {
    throw new CredentialsFileError(`The Partner Center credentials file '${path}' changed and is no longer valid JSON; the new refresh token was not saved.`);
  }
  obj.refreshToken = refreshToken;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed or the open mode been ignored
    if (process.getuid?.() === 0) await handle.chown(stat.uid, stat.gid);
    await handle.writeFile(`${JSON.stringify(obj, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  const dirHandle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
