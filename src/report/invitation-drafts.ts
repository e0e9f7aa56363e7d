import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { IssuedInvitation } from '../apply/apply-sync-plan.js';
import type { ProviderRecord } from '../core/entities.js';
import { StagedSecretFiles } from './secret-files.js';

/** `{portal}/accept?token={token}` (SPEC §1.3). */
export function acceptanceLink(portalUrl: string, token: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/accept?token=${encodeURIComponent(token)}`;
}

/** RFC 2047 encoded-word for a header value that is not plain ASCII. */
function headerText(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

function mailbox(name: string, email: string): string {
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\\r\n]/g, '')}"` : headerText(name);
  return `${display} <${email}>`;
}

/** The draft of one partnership request: an RFC 5322 message the operator may edit before sending. */
export function invitationEmail(invitation: IssuedInvitation, provider: ProviderRecord, from: string, now: Date): string {
  const link = invitation.link ?? acceptanceLink(provider.portalUrl, invitation.token);
  const domain = from.includes('@') ? from.slice(from.indexOf('@') + 1) : 'tiersync.invalid';
  const headers = [
    `From: ${mailbox(provider.name, from)}`,
    `To: ${mailbox(invitation.resellerName, invitation.contactEmail)}`,
    `Subject: ${headerText(`${provider.name} invites ${invitation.resellerName} to become an indirect reseller (CSP)`)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'X-Unsent: 1',
  ];
  const body = [
    `Hello ${invitation.resellerName},`,
    '',
    `${provider.name} (PartnerID ${provider.mpnId}) invites you to an indirect reseller partnership in the`,
    'Microsoft Cloud Solution Provider program. Once you accept, we can serve common customers together:',
    'you will be able to manage customers you are associated with and be credited as partner of record.',
    '',
    ...(invitation.link
      ? [
          "To accept, open our partnership link and sign in to Partner Center with your CSP account (Indirect providers → accept):",
          '',
          link,
          '',
          `Please accept with the Location PartnerID we have on record for you: ${invitation.resellerMpnId}.`,
        ]
      : [
          'To accept, open this personal link (keep it private; it works once):',
          '',
          link,
          '',
          `The invitation expires on ${invitation.expiresAt.slice(0, 10)}. Your Location PartnerID on record: ${invitation.resellerMpnId}.`,
        ]),
    '',
    `Kind regards,`,
    provider.name,
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`;
}

/** Stage `invitations/<mpn>.eml` drafts (SPEC §5.4); returns each draft's path relative to `outDir`. */
export async function stageInvitationDrafts(files: StagedSecretFiles, outDir: string, invitations: readonly IssuedInvitation[], provider: ProviderRecord, from: string, now: Date): Promise<Map<string, string>> {
  const drafts = new Map<string, string>();
  for (const invitation of invitations) {
    const relative = join('invitations', `${invitation.resellerMpnId}.eml`);
    const text = invitationEmail(invitation, provider, from, now);
    await files.stage(join(outDir, relative), (tmp) => fs.writeFile(tmp, text, { encoding: 'utf8' }));
    drafts.set(invitation.resellerMpnId, relative);
  }
  return drafts;
}
