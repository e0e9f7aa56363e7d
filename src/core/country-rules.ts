/**
 * Partner Center's per-country address rules, in the shape of its country validation rules
 * (`GET /v1/countryvalidationrules/{country}`): shipped as data in `templates/country-rules.json`,
 * refreshed from Partner Center by a connected store. The planner reads them; it never reads a file.
 */
export interface CountryRules {
  iso2Code: string;
  defaultCulture?: string;
  supportedCulturesList?: string[];
  isStateRequired?: boolean;
  supportedStatesList?: string[];
  isPostalCodeRequired?: boolean;
  postalCodeRegex?: string;
  isCityRequired?: boolean;
  phoneNumberRegex?: string;
  isRegistrationNumberSupported?: boolean;
  /** Not in Partner Center's resource: Microsoft states it in prose (registration ID and phone are mandatory there). */
  isRegistrationNumberRequired?: boolean;
  isPhoneNumberRequired?: boolean;
}

export interface CountryRuleTable {
  countries: ReadonlyMap<string, CountryRules>;
  /** Where the table came from, for messages. */
  source: string;
}

/** The rules of a country not in the table: only a city is required (what Partner Center's API requires everywhere). */
export const DEFAULT_COUNTRY_RULES: Readonly<CountryRules> = { iso2Code: '', isCityRequired: true };

/** The table from its JSON text (`{ countries: { US: {...} }, registrationAndPhoneRequired?: [...] }`). */
export function parseCountryRules(json: string, source: string): CountryRuleTable {
  const data = JSON.parse(json) as { countries?: Record<string, CountryRules>; registrationAndPhoneRequired?: string[] };
  if (!data || typeof data.countries !== 'object') throw new Error(`${source} has no "countries" object`);
  const countries = new Map<string, CountryRules>();
  for (const [code, rules] of Object.entries(data.countries)) countries.set(code.toUpperCase(), { ...rules, iso2Code: code.toUpperCase() });
  for (const code of data.registrationAndPhoneRequired ?? []) {
    const rules = countries.get(code) ?? { iso2Code: code, isCityRequired: true };
    countries.set(code, { ...rules, isRegistrationNumberSupported: true, isRegistrationNumberRequired: true, isPhoneNumberRequired: true });
  }
  return { countries, source };
}

export function rulesOf(table: CountryRuleTable | undefined, country: string): CountryRules {
  return table?.countries.get(country) ?? { ...DEFAULT_COUNTRY_RULES, iso2Code: country };
}
