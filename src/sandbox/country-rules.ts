/**
 * Country validation rules in the shape of `GET /v1/countryvalidationrules/{country}`
 * (developer/get-market-specific-validation-data.md). A handful of markets carry their real
 * details (states, postal-code patterns); the rest get a permissive default. The 24 markets where
 * Partner Center requires an organization registration number and a phone number come from
 * PARTNER-CENTER-API.md §5.3 (create-a-customer-for-an-indirect-reseller.md).
 */
export interface CountryRules {
  iso2Code: string;
  defaultCulture: string;
  supportedCultures: string[];
  supportedLanguages: string[];
  isStateRequired: boolean;
  states: string[];
  isPostalCodeRequired: boolean;
  postalCodeRegex?: string;
  isCityRequired: boolean;
  isRegistrationNumberSupported: boolean;
  isRegistrationNumberRequired: boolean;
  isPhoneNumberRequired: boolean;
  currency: string;
  /** EU/EFTA: the only markets where `additional_transaction_reseller` participants are allowed. */
  euEfta: boolean;
}

export const REGISTRATION_REQUIRED = new Set(['AM', 'AZ', 'BY', 'BR', 'HU', 'IN', 'IQ', 'KZ', 'KG', 'MD', 'MM', 'PL', 'RU', 'SA', 'ZA', 'SS', 'TJ', 'TH', 'TR', 'UA', 'AE', 'UZ', 'VE', 'VN']);

const EU_EFTA = new Set(['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH']);

const US_STATES = 'AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY'.split(' ');
const CA_PROVINCES = 'AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(' ');
const AU_STATES = 'ACT NSW NT QLD SA TAS VIC WA'.split(' ');

interface Known {
  culture: string;
  cultures?: string[];
  states?: string[];
  postal?: string;
  currency: string;
}

const KNOWN: Record<string, Known> = {
  US: { culture: 'en-US', cultures: ['en-US', 'es-US'], states: US_STATES, postal: '^\\d{5}(-\\d{4})?$', currency: 'USD' },
  CA: { culture: 'en-CA', cultures: ['en-CA', 'fr-CA'], states: CA_PROVINCES, postal: '^[A-Za-z]\\d[A-Za-z] ?\\d[A-Za-z]\\d$', currency: 'CAD' },
  AU: { culture: 'en-AU', states: AU_STATES, postal: '^\\d{4}$', currency: 'AUD' },
  GB: { culture: 'en-GB', postal: '^[A-Za-z]{1,2}\\d[A-Za-z\\d]? ?\\d[A-Za-z]{2}$', currency: 'GBP' },
  FR: { culture: 'fr-FR', postal: '^\\d{5}$', currency: 'EUR' },
  DE: { culture: 'de-DE', postal: '^\\d{5}$', currency: 'EUR' },
  NL: { culture: 'nl-NL', postal: '^\\d{4} ?[A-Za-z]{2}$', currency: 'EUR' },
  ES: { culture: 'es-ES', postal: '^\\d{5}$', currency: 'EUR' },
  IT: { culture: 'it-IT', postal: '^\\d{5}$', currency: 'EUR' },
  BE: { culture: 'nl-BE', cultures: ['nl-BE', 'fr-BE'], postal: '^\\d{4}$', currency: 'EUR' },
  PL: { culture: 'pl-PL', postal: '^\\d{2}-\\d{3}$', currency: 'EUR' },
  IN: { culture: 'en-IN', postal: '^\\d{6}$', currency: 'INR' },
  BR: { culture: 'pt-BR', postal: '^\\d{5}-?\\d{3}$', currency: 'BRL' },
  JP: { culture: 'ja-JP', postal: '^\\d{3}-?\\d{4}$', currency: 'JPY' },
  CH: { culture: 'de-CH', cultures: ['de-CH', 'fr-CH', 'it-CH'], postal: '^\\d{4}$', currency: 'CHF' },
};

/** The rules for an ISO 3166-1 alpha-2 code, or undefined for something that is not one. */
export function countryRules(country: string): CountryRules | undefined {
  const iso = country.toUpperCase();
  if (!/^[A-Z]{2}$/.test(iso)) return undefined;
  const known = KNOWN[iso];
  const culture = known?.culture ?? 'en-US';
  const cultures = known?.cultures ?? [culture];
  const requiresRegistration = REGISTRATION_REQUIRED.has(iso);
  return {
    iso2Code: iso,
    defaultCulture: culture,
    supportedCultures: cultures,
    supportedLanguages: [...new Set(cultures.map((c) => c.slice(0, 2)))],
    isStateRequired: Boolean(known?.states),
    states: known?.states ?? [],
    isPostalCodeRequired: Boolean(known?.postal),
    ...(known?.postal ? { postalCodeRegex: known.postal } : {}),
    isCityRequired: true,
    isRegistrationNumberSupported: requiresRegistration,
    isRegistrationNumberRequired: requiresRegistration,
    isPhoneNumberRequired: requiresRegistration,
    currency: known?.currency ?? (EU_EFTA.has(iso) ? 'EUR' : 'USD'),
    euEfta: EU_EFTA.has(iso),
  };
}

export function countryRulesWire(rules: CountryRules): Record<string, unknown> {
  return {
    iso2Code: rules.iso2Code,
    defaultCulture: rules.defaultCulture,
    isStateRequired: rules.isStateRequired,
    states: { value: rules.states },
    supportedLanguages: { value: rules.supportedLanguages },
    supportedCultures: { value: rules.supportedCultures },
    isPostalCodeRequired: rules.isPostalCodeRequired,
    ...(rules.postalCodeRegex ? { postalCodeRegex: rules.postalCodeRegex } : {}),
    isCityRequired: rules.isCityRequired,
    isVatIdSupported: rules.euEfta,
    isRegistrationNumberSupported: rules.isRegistrationNumberSupported,
    isTaxIdSupported: true,
    attributes: { objectType: 'CountryInformation' },
  };
}
