import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { userKey } from '../core/entities.js';
import type { RunContext } from '../run/run-context.js';
import { openStore } from '../run/store-factory.js';
import { allows, CONSOLE_ACCESS, describeNeeded, rolesAllowing } from './access.js';
import { hashPassword, passwordProblem } from './passwords.js';

/** Where a password comes from: the terminal (asked twice, not echoed) or standard input (its first line). */
export interface PasswordSource {
  input: NodeJS.ReadStream;
  prompt: NodeJS.WriteStream;
}

/** Read one line from a terminal without echoing it. */
function askHidden(source: PasswordSource, question: string): Promise<string> {
  const { input, prompt } = source;
  return new Promise((resolve, reject) => {
    let typed = '';
    prompt.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('Cancelled; no password was set'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}

async function readPiped(input: NodeJS.ReadStream): Promise<string> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) text += chunk as string;
  return text.split(/\r?\n/)[0] ?? '';
}

export async function readNewPassword(source: PasswordSource, email: string): Promise<string> {
  if (!source.input.isTTY) return readPiped(source.input);
  const first = await askHidden(source, `New console password for ${email}: `);
  const problem = passwordProblem(first);
  if (problem) throw new UsageError(problem);
  const second = await askHidden(source, 'Type it again: ');
  if (second !== first) throw new UsageError('The two passwords differ; no password was set');
  return first;
}

/**
 * `tiersync users set-password EMAIL`: set an active user's console password, stored only as its
 * hash. A user may set their own; setting another user's needs the right to manage users.
 */
export async function runSetPassword(ctx: RunContext, email: string, source: PasswordSource): Promise<ExitCode> {
  const key = userKey(email.trim());
  const activeUser = async (write: boolean) => {
    const store = await openStore(ctx.storeLocation, { write, lockTimeoutSeconds: ctx.lockTimeoutSeconds, onWarning: (m) => ctx.terminal.warn(m) });
    const { users } = await store.loadSnapshot({ customers: [], subscriptionsOfCustomers: [], subscriptionIds: [] }).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    const user = users.find((u) => u.email === key && u.status === 'active');
    if (!user) {
      await store.close();
      throw new UsageError(`${email} is not an active user of this store; add it on a Users sheet first`);
    }
    return { store, users, user };
  };

  // Checked before asking, and the store is not held (nor locked) while the password is typed.
  const { store: reader, users, user } = await activeUser(false);
  await reader.close();
  if (ctx.operator && userKey(ctx.operator) !== key) {
    const operator = users.find((u) => u.email === userKey(ctx.operator!) && u.status === 'active');
    const needed = CONSOLE_ACCESS.setOthersPassword;
    if (!operator || !allows(operator.roles, needed)) {
      throw new UsageError(`role.forbidden: setting another user's password needs a role that may ${describeNeeded(needed)} (${rolesAllowing(needed).join(', ')})`);
    }
  }
  const password = await readNewPassword(source, user.email);
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  const hash = await hashPassword(password);

  const { store } = await activeUser(true);
  try {
    await store.writePasswordHash(user.email, hash, ctx.now().toISOString());
  } finally {
    await store.close();
  }
  ctx.log.info('console password set', { event: 'user.password-set', user: user.email, by: ctx.operator ?? user.email });
  ctx.terminal.print(`Console password set for ${user.email}.`, true);
  return EXIT.ok;
}
