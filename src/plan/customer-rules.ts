import { rulesOf, type CountryRuleTable } from '../core/country-rules.js';
import type { CustomerRecord } from '../core/entities.js';
import type { RowScope } from './row-context.js';

/**
 * Partner Center's checks of a customer's details (SPEC §1.4; PARTNER-CENTER-RULES R4): names,
 * contact email, and the country's address rules. Pure: the country table comes with the plan's
 * options, the provider's own domains from the store's users.
 */

/** Legal forms that are not a company name on their own ("LLC", "Inc."…), compared without case, dots or spaces. */
const BARE_LEGAL_FORMS = new Set(
  ['LLC', 'L.L.C.', 'Inc', 'Inc.', 'Incorporated', 'Ltd', 'Ltd.', 'Limited', 'Corp', 'Corp.', 'Corporation', 'Co', 'Co.', 'Company', 'PLC', 'LLP', 'LP', 'GmbH', 'AG', 'KG', 'UG', 'SARL', 'SAS', 'SA', 'SASU', 'EURL', 'SNC', 'BV', 'B.V.', 'NV', 'N.V.', 'SRL', 'S.r.l.', 'SpA', 'S.p.A.', 'SL', 'S.L.', 'Oy', 'AB', 'AS', 'A/S', 'ApS', 'Pty', 'Pty Ltd', 'Sp. z o.o.', 'Kft', 'OOO', 'KK', 'K.K.']
    .map(legalFormKey),
);

function legalFormKey(text: string): string {
  return text.toLowerCase().replace(/[\s.,/-]/g, '');
}

/** Only spaces, punctuation or symbols: no letter or digit in any script. */
function hasNoLetterOrDigit(text: string): boolean {
  return !/[\p{L}\p{N}]/u.test(text);
}

export function companyNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length < 2 || trimmed.length > 255) return `Company Name "${name}" is ${trimmed.length} characters; Partner Center takes 2 to 255`;
  if (hasNoLetterOrDigit(trimmed)) return `Company Name "${name}" has no letter or digit, only spaces or punctuation`;
  if (BARE_LEGAL_FORMS.has(legalFormKey(trimmed))) return `Company Name "${name}" is only a legal form; give the company's name (e.g. "Contoso ${trimmed}")`;
  return undefined;
}

export function contactNameProblem(header: string, name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length > 50) return `${header} is ${trimmed.length} characters; Partner Center takes at most 50`;
  if ([...trimmed].length < 2) return `${header} "${name}" is a single character; Partner Center needs the contact's name`;
  if (hasNoLetterOrDigit(trimmed)) return `${header} "${name}" has no letter, only spaces or punctuation`;
  return undefined;
}

export function contactEmailProblem(email: string, providerDomains: ReadonlySet<string>): string | undefined {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  if (domain === 'microsoft.com' || domain.endsWith('.microsoft.com')) return `Contact Email ${email} is at microsoft.com; give the customer contact's own address`;
  if (providerDomains.has(domain)) return `Contact Email ${email} is at the provider's own domain (${domain}); give the customer contact's own address`;
  return undefined;
}

/** The email domains of the provider's users: a customer's contact is never one of them. */
export function providerDomainsOf(emails: Iterable<string>): Set<string> {
  const domains = new Set<string>();
  for (const email of emails) domains.add(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
  return domains;
}

/** Each country's patterns compiled once: a batch checks the same few countries' rules a hundred thousand times. */
const PATTERNS = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = PATTERNS.get(source);
  if (!re) PATTERNS.set(source, (re = new RegExp(source)));
  return re;
}

/**
 * The country's rules for `after`, checked on the fields a row sets or changes (`changed`), or all of
 * them on creation and when the country changes. Reports through `scope`; returns the default culture.
 */
export function checkCountryRules(scope: RowScope<'Customers'>, after: CustomerRecord, table: CountryRuleTable | undefined, changed: (field: keyof CustomerRecord) => boolean): void {
  const rules = rulesOf(table, after.country);
  const country = after.country;
  const all = changed('country');
  if ((all || changed('stateRegion')) && rules.isStateRequired) {
    const states = rules.supportedStatesList ?? [];
    if (!after.stateRegion) scope.error('customer.address', `State/Region is required for an address in ${country}${states.length ? ` (one of ${states.join(', ')})` : ''}`, 'stateRegion');
    else if (states.length && !states.some((s) => s.toUpperCase() === after.stateRegion!.toUpperCase())) {
      scope.error('customer.address', `State/Region "${after.stateRegion}" is not a state or region of ${country}; use its code: ${states.join(', ')}`, 'stateRegion', after.stateRegion);
    }
  }
  if ((all || changed('postalCode')) && after.postalCode === null && rules.isPostalCodeRequired) {
    scope.error('customer.address', `Postal Code is required for an address in ${country}`, 'postalCode');
  }
  if ((all || changed('postalCode')) && after.postalCode !== null && rules.postalCodeRegex && !pattern(rules.postalCodeRegex).test(after.postalCode)) {
    scope.error('customer.address', `Postal Code "${after.postalCode}" is not in ${country}'s format (${rules.postalCodeRegex})`, 'postalCode', after.postalCode);
  }
  if ((all || changed('city')) && rules.isCityRequired && !after.city) scope.error('customer.address', `City is required for an address in ${country}`, 'city');
  if (rules.isRegistrationNumberRequired) {
    if ((all || changed('registrationNumber')) && !after.registrationNumber) scope.error('customer.registration-required', `Registration Number is required for a customer in ${country} (Partner Center requires a registration number and a phone number there)`, 'registrationNumber');
  }
  if (rules.isPhoneNumberRequired || rules.isRegistrationNumberRequired) {
    if ((all || changed('phone')) && !after.phone) scope.error('customer.registration-required', `Phone is required for a customer in ${country} (Partner Center requires a registration number and a phone number there)`, 'phone');
  }
  if ((all || changed('phone')) && after.phone && rules.phoneNumberRegex && !pattern(rules.phoneNumberRegex).test(after.phone)) {
    scope.error('customer.address', `Phone "${after.phone}" is not a phone number Partner Center accepts for ${country}`, 'phone', after.phone);
  }
}

/** The culture a new customer gets when its Language cell is blank: its country's default. */
export function defaultCultureOf(table: CountryRuleTable | undefined, country: string): string {
  return rulesOf(table, country).defaultCulture ?? 'en-US';
}
