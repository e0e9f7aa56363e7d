// Regenerates what is generated from the column table (src/normalize/columns.ts), so it cannot drift:
//   - the README's workbook reference (between the reference markers);
//   - templates/tiersync-template.xlsx, the blank input workbook (offers of the default catalog).
// Run after `npm run build`: node scripts/make-reference.mjs   (a test fails when either is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReference } from '../dist/report/workbook-reference.js';
import { writeTemplateWorkbook } from '../dist/report/template-workbook.js';
import { defaultCatalogOfferIds } from '../dist/cli/template-command.js';
import { SHEET_KINDS } from '../dist/normalize/columns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = `${root}README.md`;
writeFileSync(readme, withReference(readFileSync(readme, 'utf8')));
await writeTemplateWorkbook(`${root}templates/tiersync-template.xlsx`, { sheets: SHEET_KINDS, offerIds: await defaultCatalogOfferIds() });
console.log('README.md reference and templates/tiersync-template.xlsx regenerated');
