import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCountryRules, type CountryRuleTable } from '../core/country-rules.js';
import { TiersyncError } from '../core/errors.js';

/** The country rules tiersync ships (SPEC §1.4): data, not code. */
export const COUNTRY_RULES_FILE = fileURLToPath(new URL('../../templates/country-rules.json', import.meta.url));

let loaded: CountryRuleTable | undefined;

/** The shipped table, read once per process. */
export function shippedCountryRules(): CountryRuleTable {
  if (!loaded) {
    try {
      loaded = parseCountryRules(readFileSync(COUNTRY_RULES_FILE, 'utf8'), 'templates/country-rules.json');
    } catch (cause) {
      throw new TiersyncError(`The country rules ${COUNTRY_RULES_FILE} cannot be read (${(cause as Error).message}); reinstall tiersync`, { cause });
    }
  }
  return loaded;
}
