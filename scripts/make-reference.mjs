// Regenerates what is generated from the column table (src/normalize/columns.ts), so it cannot drift:
//   - the workbook reference, docs/workbooks.md (between the reference markers; the README's
//     one-table summary of it is checked against the same table by a test);
//   - templates/tiersync-template.xlsx, the blank input workbook (offers of the default catalog).
// Run after `npm run build`: node scripts/make-reference.mjs   (a test fails when either is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReference } from '../dist/report/workbook-reference.js';
import { writeTemplateWorkbook } from '../dist/report/template-workbook.js';
import { defaultCatalogOfferIds } from '../dist/cli/template-command.js';
import { SHEET_KINDS } from '../dist/normalize/columns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const reference = `${root}docs/workbooks.md`;
writeFileSync(reference, withReference(readFileSync(reference, 'utf8')));
await writeTemplateWorkbook(`${root}templates/tiersync-template.xlsx`, { sheets: SHEET_KINDS, offerIds: await defaultCatalogOfferIds() });
console.log('docs/workbooks.md and templates/tiersync-template.xlsx regenerated');
