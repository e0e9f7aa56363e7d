import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { acceptInvitation } from '../run/accept-invitation.js';
import type { RunContext } from '../run/run-context.js';

/** The token of `--token T` or of the whole link `--link URL`. */
export function tokenFrom(args: { token?: string; link?: string }): string {
  if (args.token && args.link) throw new UsageError('Give either --token or --link, not both');
  if (args.token) return args.token.trim();
  if (!args.link) throw new UsageError('Give the invitation with --token TOKEN or --link URL');
  let url: URL;
  try {
    url = new URL(args.link.trim());
  } catch (cause) {
    throw new UsageError('The --link value is not a URL; paste the whole acceptance link from the invitation', { cause });
  }
  const token = url.searchParams.get('token');
  if (!token) throw new UsageError('The link carries no invitation token; paste the whole acceptance link from the invitation');
  return token;
}

/** SPEC §1.3.1: an `invited` partnership becomes `active` when its current token is presented in time. */
export async function runAccept(ctx: RunContext, args: { token?: string; link?: string }): Promise<ExitCode> {
  const reseller = await acceptInvitation(ctx, tokenFrom(args));
  ctx.terminal.print(`Partnership with ${reseller.name} (${reseller.mpnId}) is now active.`, true);
  return EXIT.ok;
}
