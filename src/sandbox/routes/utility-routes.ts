/** Domain availability, address validation, country rules, agreement metadata. */
import { countryRules, countryRulesWire } from '../country-rules.js';
import { pcError } from '../errors.js';
import { ok, type RouteDefinition, type SandboxServices } from '../http.js';
import { asString, MCA_TEMPLATE_ID } from '../state.js';
import { collection } from '../wire.js';

export function utilityRoutes(services: SandboxServices): RouteDefinition[] {
  return [
    {
      // "If the domain exists … 200 OK … If the domain isn't found, it's available … 404 Not Found" (verify-domain-availability.md).
      method: 'HEAD',
      pattern: '/v1/domains/{domain}',
      handle: (ctx) => {
        const domain = (ctx.params.domain ?? '').toLowerCase();
        const taken = services.state.customerByDomain(domain) !== undefined || domain === services.provider.domain.toLowerCase();
        return { status: taken ? 200 : 404 };
      },
    },
    {
      method: 'POST',
      pattern: '/v1/validations/address',
      handle: (ctx) => {
        const a = ctx.body;
        const country = asString(a.country)?.toUpperCase();
        const rules = country ? countryRules(country) : undefined;
        if (!country || !rules) throw pcError('invalidProperty', [], 'Country must be an ISO 3166-1 alpha-2 code.');
        const original = { addressLine1: a.addressLine1, ...(a.addressLine2 ? { addressLine2: a.addressLine2 } : {}), city: a.city, state: a.state, postalCode: a.postalCode, country };
        const problems: string[] = [];
        if (!asString(a.addressLine1)) problems.push('AddressLine1 is required.');
        if (rules.isCityRequired && !asString(a.city)) problems.push('City is required.');
        const state = asString(a.state)?.toUpperCase();
        if (rules.isStateRequired && !state) problems.push('State is required.');
        if (state && rules.states.length > 0 && !rules.states.includes(state)) problems.push(`State ${state} isn't valid for ${country}.`);
        const postal = asString(a.postalCode);
        if (rules.isPostalCodeRequired && !postal) problems.push('PostalCode is required.');
        if (postal && rules.postalCodeRegex && !new RegExp(rules.postalCodeRegex).test(postal)) problems.push(`PostalCode ${postal} isn't valid for ${country}.`);
        if (problems.length > 0) return ok({ originalAddress: original, suggestedAddresses: [], status: 'InteractionRequired', validationMessage: problems.join(' ') });
        const suggested = { ...original, ...(state ? { state } : {}) };
        return ok({ originalAddress: original, suggestedAddresses: [suggested], status: 'VerifiedShippable' });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/countryvalidationrules/{country}',
      handle: (ctx) => {
        const rules = countryRules(ctx.params.country ?? '');
        if (!rules) throw pcError('notFound', [], `Country ${ctx.params.country ?? ''} isn't supported.`);
        return ok(countryRulesWire(rules));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/agreements',
      appUserOnly: true,
      handle: (ctx) => {
        const type = ctx.query.get('agreementType');
        const mca = { templateId: MCA_TEMPLATE_ID, agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/customeragreement', displayName: 'Microsoft Customer Agreement', versionRank: 1, attributes: { objectType: 'AgreementMetaData' } };
        return ok(collection(!type || type.toLowerCase() === 'microsoftcustomeragreement' || type === '*' ? [mca] : []));
      },
    },
  ];
}
