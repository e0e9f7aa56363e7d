import { join } from 'node:path';
import type { IssuedCredential } from '../apply/apply-sync-plan.js';
import { StagedSecretFiles } from './secret-files.js';
import { createWorkbookWriter, streamTable } from './xlsx-table.js';

export const CREDENTIAL_HEADERS = ['Customer Domain', 'Company Name', 'Tenant ID', 'Admin User Name', 'Temporary Password', 'Reseller PartnerID', 'Created At'] as const;

async function writeReport(path: string, credentials: readonly IssuedCredential[]): Promise<void> {
  const workbook = createWorkbookWriter(path);
  const rows = credentials.map((c) => [c.domain, c.companyName, c.tenantId, c.adminUserName, c.temporaryPassword, c.resellerMpnId ?? '', c.createdAt]);
  await streamTable(workbook, 'Credentials', CREDENTIAL_HEADERS, rows, { widths: [18, 30, 38, 42, 24, 16, 26] });
  await workbook.commit();
}

/**
 * Stage the credential report(s) of SPEC §5.3: `<stem>.credentials.xlsx`, or with `split` one per
 * reseller (`<stem>.credentials.<mpn>.xlsx`, `.direct.` for customers without one).
 */
export async function stageCredentialReports(files: StagedSecretFiles, outDir: string, stem: string, credentials: readonly IssuedCredential[], split: boolean): Promise<void> {
  if (!credentials.length) return;
  const groups = new Map<string, IssuedCredential[]>();
  for (const c of credentials) {
    const key = split ? `.${c.resellerMpnId ?? 'direct'}` : '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(c);
  }
  const taken = new Set<string>();
  for (const [suffix, group] of groups) {
    const path = await StagedSecretFiles.freePath(join(outDir, `${stem}.credentials${suffix}.xlsx`), taken);
    taken.add(path);
    await files.stage(path, (tmp) => writeReport(tmp, group));
  }
}
