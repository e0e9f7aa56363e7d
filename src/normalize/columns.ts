/**
 * The workbook contract of SPEC §2.2 as one table: every sheet, its columns in template order,
 * which are required, what kind of value each holds, and every header alias (English variants and
 * the French Partner Center labels). Header matching, validation, templates, results and the
 * workbook reference (docs/workbooks.md) all read this table.
 */

export const SHEET_KINDS = ['Users', 'Offers', 'Resellers', 'Customers', 'Subscriptions'] as const;
/** Also the dependency order in which sheets are planned (SPEC §2.3). */
export type SheetKind = (typeof SHEET_KINDS)[number];

export type CellKind =
  | { type: 'text'; max: number }
  | { type: 'mpn' }
  | { type: 'email' }
  | { type: 'country' }
  | { type: 'language' }
  | { type: 'integer'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list' }
  | { type: 'roles' }
  | { type: 'domain' }
  | { type: 'uuid' }
  | { type: 'term' }
  /** Written back by tiersync (dates, counts): recognized on input, never read. */
  | { type: 'written'; format: string };

export interface ColumnDef {
  /** The typed row's field name. */
  field: string;
  /** Canonical header, as written in templates and results. */
  header: string;
  /** The column must be present; its cells are required on creation (key cells always). */
  required: boolean;
  /** Part of the record's key: a blank cell is always `row.required`. */
  key?: boolean;
  /** A single `-` clears the stored value (SPEC §2.3). */
  clearable?: boolean;
  /**
   * Filled in by tiersync and written back in results and exports: an ID (Tenant ID, Subscription ID,
   * read on input to name the record) or a read-only value (kind `written`, ignored on input).
   */
  assigned?: boolean;
  kind: CellKind;
  /** Value used on creation when the cell is blank. */
  default?: string;
  /** A drop-down's values, when not every accepted value is one a row should pick (Status: expired is written back). */
  choices?: readonly string[];
  aliases: readonly string[];
  /** What the column means, for template notes and the workbook reference. */
  note: string;
  example: string;
}

export interface SheetDef {
  kind: SheetKind;
  aliases: readonly string[];
  columns: readonly ColumnDef[];
}

const MPN = { type: 'mpn' } as const;
const EMAIL = { type: 'email' } as const;
const COUNTRY = { type: 'country' } as const;
const text = (max: number) => ({ type: 'text', max }) as const;

/** Every header that has meant a reseller's Location PartnerID: the MPN ID forms stay aliases (French too). */
const MPN_ALIASES = ['Reseller MPN ID', 'MPN ID', 'MpnId', 'MPN', 'Reseller (MPN ID)', 'ID MPN', 'PartnerID', 'Partner ID', 'Location PartnerID', 'Location MPN ID', 'PLA ID', 'Reseller ID', 'ID MPN du revendeur', 'ID de partenaire', 'ID PartnerID', 'PartnerID du revendeur', 'ID de partenaire du revendeur', 'ID de partenaire de localisation'];
const EMAIL_ALIASES = ['Email', 'E-mail', 'Email Address', 'Contact E-mail', 'Adresse e-mail', 'E-mail du contact', 'Courriel'];
const COUNTRY_ALIASES = ['Country Code', 'Country/Region', 'Pays', 'Pays/région', 'Code pays'];

export const SHEETS: Readonly<Record<SheetKind, SheetDef>> = {
  Users: {
    kind: 'Users',
    aliases: ['Utilisateurs', 'User'],
    columns: [
      { field: 'email', header: 'Email', required: true, key: true, kind: EMAIL, aliases: ['E-mail', 'User', 'User Name', 'UPN', 'Email Address', 'Adresse e-mail', "Nom d'utilisateur", 'Courriel'], note: "The user's sign-in email; the key of the row.", example: 'jane.doe@provider.example' },
      { field: 'displayName', header: 'Display Name', required: true, kind: text(256), aliases: ['Name', 'Full Name', "Nom d'affichage", 'Nom complet', 'Nom'], note: 'Name shown in reports and the audit trail.', example: 'Jane Doe' },
      { field: 'roles', header: 'Roles', required: true, kind: { type: 'roles' }, aliases: ['Role', 'Rôles', 'Rôle'], note: 'Partner Center roles, separated by ";": Global admin, Account admin, User management admin (formerly User admin), Admin agent, Sales agent, Helpdesk agent, Billing admin.', example: 'Admin agent; Sales agent' },
      { field: 'status', header: 'Status', required: false, kind: { type: 'enum', values: ['active', 'removed'] }, default: 'active', aliases: ['Statut', 'État'], note: '"removed" deactivates the user; users are never deleted.', example: 'active' },
    ],
  },
  Offers: {
    kind: 'Offers',
    aliases: ['Offres', 'Catalog', 'Catalogue', 'Offer'],
    columns: [
      { field: 'offerId', header: 'Offer ID', required: true, key: true, kind: text(128), aliases: ['Offer', 'Product ID', 'SKU', "ID de l'offre", 'Offre'], note: 'Partner Center offer ID, compared case-insensitively.', example: 'CFQ7TTC0LH18:0001' },
      { field: 'name', header: 'Offer Name', required: true, kind: text(256), aliases: ['Name', 'Product Name', "Nom de l'offre", 'Nom du produit', 'Nom'], note: 'Display name of the offer.', example: 'Microsoft 365 Business Basic' },
      { field: 'minQuantity', header: 'Min Quantity', required: false, kind: { type: 'integer', min: 1, max: 1_000_000 }, default: '1', aliases: ['Minimum Quantity', 'Min', 'Quantité minimale', 'Quantité min'], note: "Fewest seats a customer may hold of this offer (all its active subscriptions of the offer together).", example: '1' },
      { field: 'maxQuantity', header: 'Max Quantity', required: false, kind: { type: 'integer', min: 1, max: 1_000_000 }, default: '300', aliases: ['Maximum Quantity', 'Max', 'Max Seat Count', 'Quantité maximale', 'Quantité max'], note: "Most seats a customer tenant may hold of this offer, pooled across its subscriptions (Partner Center's Max Seat Count).", example: '300' },
      { field: 'terms', header: 'Terms', required: false, kind: { type: 'list' }, default: 'P1Y; P1M', aliases: ['Term', 'Term Durations', 'Durées', "Durée d'engagement"], note: 'Terms the offer sells, separated by ";": P1M (1 month), P1Y (1 year), P3Y (3 years). The first is the default.', example: 'P1Y; P1M' },
      { field: 'billingCycles', header: 'Billing Frequencies', required: false, kind: { type: 'list' }, default: 'monthly; annual', aliases: ['Billing Frequency', 'Billing Cycles', 'Billing Cycle', 'Fréquences de facturation', 'Cycles de facturation', 'Cycle de facturation'], note: 'Billing frequencies the offer allows, separated by ";": monthly, annual, triennial. Each is offered only with terms at least as long.', example: 'monthly; annual' },
      { field: 'upgradeTargets', header: 'Upgrade Targets', required: false, kind: { type: 'list' }, clearable: true, aliases: ['Upgrades', 'Upgrade To', 'Cibles de mise à niveau', 'Mises à niveau'], note: 'Offer IDs this offer can be upgraded to, separated by ";".', example: 'CFQ7TTC0LDPB:0001' },
    ],
  },
  Resellers: {
    kind: 'Resellers',
    aliases: ['Revendeurs', 'Reseller', 'Partners', 'Partenaires'],
    columns: [
      { field: 'mpnId', header: 'Reseller PartnerID', required: true, key: true, kind: MPN, aliases: MPN_ALIASES, note: "The reseller's Location PartnerID (formerly MPN ID; the location tied to its CSP tenant); the key of the row.", example: '1234567' },
      { field: 'name', header: 'Reseller Name', required: true, kind: text(256), aliases: ['Name', 'Reseller', 'Company', 'Company Name', 'Nom du revendeur', 'Nom de la société', 'Revendeur', 'Nom'], note: "The reseller's company name.", example: 'Fabrikam Solutions' },
      { field: 'contactEmail', header: 'Contact Email', required: true, kind: EMAIL, aliases: EMAIL_ALIASES, note: 'Where the partnership invitation is sent.', example: 'partners@fabrikam.example' },
      { field: 'globalMpnId', header: 'Global PartnerID', required: false, clearable: true, kind: MPN, aliases: ['Global MPN ID', 'Global Partner ID', 'PGA ID', 'HQ MPN ID', 'Headquarters MPN ID', 'ID MPN global', 'ID MPN international', 'PartnerID global', 'ID de partenaire global'], note: "The reseller's Global (headquarters) PartnerID, if any.", example: '7654321' },
      { field: 'tenantId', header: 'Reseller Tenant ID', required: false, clearable: true, kind: { type: 'uuid' }, aliases: ['CSP Tenant ID', 'Tenant ID', 'Reseller Tenant', 'ID du locataire du revendeur', 'ID de locataire du revendeur'], note: "The reseller's CSP tenant ID (a GUID): Partner Center names a reseller by it when a customer is associated.", example: '' },
      { field: 'country', header: 'Country', required: false, clearable: true, kind: COUNTRY, aliases: COUNTRY_ALIASES, note: 'ISO 3166-1 alpha-2 country code.', example: 'FR' },
      { field: 'partnership', header: 'Partnership', required: true, kind: { type: 'enum', values: ['active', 'removed'] }, aliases: ['Partnership Status', 'Relationship', 'Status', 'Partenariat', 'Statut du partenariat', 'Statut'], note: '"active" invites the reseller (or keeps the partnership); "removed" ends it (needs --allow-removals).', example: 'active' },
    ],
  },
  Customers: {
    kind: 'Customers',
    aliases: ['Clients', 'Customer', 'Client'],
    columns: [
      { field: 'domain', header: 'Customer Domain', required: true, key: true, kind: { type: 'domain' }, aliases: ['Domain', 'Domain Prefix', 'Domain Name', 'Primary Domain', 'Customer Domain Prefix', 'Domaine', 'Nom de domaine', 'Domaine du client', 'Préfixe de domaine'], note: 'Domain prefix: contoso for contoso.onmicrosoft.com. 1-27 letters and digits; the key of the row.', example: 'contoso' },
      { field: 'companyName', header: 'Company Name', required: true, kind: text(255), aliases: ['Company', 'Customer Name', 'Organization', 'Organization Name', 'Nom de la société', "Nom de l'entreprise", "Nom de l'organisation", 'Société', 'Entreprise'], note: "The customer's legal company name: 2 to 255 characters, not a bare legal form (LLC, Inc, GmbH…).", example: 'Contoso Ltd' },
      { field: 'contactFirstName', header: 'Contact First Name', required: true, kind: text(50), aliases: ['First Name', 'Given Name', 'Prénom', 'Prénom du contact'], note: 'First name of the primary contact.', example: 'Ana' },
      { field: 'contactLastName', header: 'Contact Last Name', required: true, kind: text(50), aliases: ['Last Name', 'Surname', 'Family Name', 'Nom de famille', 'Nom de famille du contact'], note: 'Last name of the primary contact.', example: 'Silva' },
      { field: 'contactEmail', header: 'Contact Email', required: true, kind: EMAIL, aliases: EMAIL_ALIASES, note: "Email of the customer's primary contact (not at microsoft.com nor at the provider's domain).", example: 'ana.silva@contoso.example' },
      { field: 'phone', header: 'Phone', required: false, clearable: true, kind: text(64), aliases: ['Phone Number', 'Telephone', 'Téléphone', 'Numéro de téléphone'], note: "Contact phone number; required in the countries whose rules say so (see templates/country-rules.json).", example: '+33 1 23 45 67 89' },
      { field: 'addressLine1', header: 'Address Line 1', required: true, kind: text(200), aliases: ['Address', 'Address 1', 'Street', 'Street Address', 'Adresse', 'Adresse ligne 1', "Ligne d'adresse 1"], note: 'Street address.', example: '1 Main Street' },
      { field: 'addressLine2', header: 'Address Line 2', required: false, clearable: true, kind: text(200), aliases: ['Address 2', 'Adresse ligne 2', "Ligne d'adresse 2", "Complément d'adresse"], note: 'Building, suite, floor.', example: 'Suite 200' },
      { field: 'city', header: 'City', required: true, kind: text(128), aliases: ['Town', 'Ville'], note: 'City.', example: 'Seattle' },
      { field: 'stateRegion', header: 'State/Region', required: false, clearable: true, kind: text(128), aliases: ['State', 'Region', 'Province', 'State/Province', 'État/Région', 'État', 'Région'], note: "State or region code; required, from the country's list, where its rules say so (US, CA, AU, BR, IN, MX, CN…).", example: 'WA' },
      { field: 'postalCode', header: 'Postal Code', required: false, clearable: true, kind: text(32), aliases: ['Zip', 'Zip Code', 'Postcode', 'Post Code', 'Code postal'], note: "Postal code, kept as written (a numeric cell is read as its digits); required, in the country's format, where its rules say so.", example: '98052' },
      { field: 'country', header: 'Country', required: true, kind: COUNTRY, aliases: COUNTRY_ALIASES, note: 'ISO 3166-1 alpha-2 country code.', example: 'US' },
      { field: 'language', header: 'Language', required: false, kind: { type: 'language' }, default: 'en-US', aliases: ['Culture', 'Language/Culture', 'Locale', 'Langue', 'Culture/Langue'], note: "Language and culture, e.g. en-US, fr-FR; blank: the country's default culture.", example: 'en-US' },
      { field: 'registrationNumber', header: 'Registration Number', required: false, clearable: true, kind: text(64), aliases: ['Registration ID', 'Company Registration Number', 'Tax ID', 'INN', "Numéro d'enregistrement", "Numéro d'immatriculation", 'SIRET'], note: 'Company registration or tax number; required (with a phone number) in the countries whose rules say so (AM, AZ, BY, BR, HU, IN, PL, TR, UA, AE, VN…).', example: '' },
      { field: 'resellerMpnId', header: 'Reseller PartnerID', required: false, clearable: true, kind: MPN, aliases: [...MPN_ALIASES, 'Indirect Reseller', 'Revendeur', 'Revendeur indirect'], note: "Location PartnerID of the active reseller that manages this customer. A customer created with one gets Partner Center's default GDAP relationships (the reseller must consent). '-' clears it.", example: '1234567' },
      { field: 'tenantId', header: 'Tenant ID', required: false, assigned: true, kind: { type: 'uuid' }, aliases: ['Microsoft ID', 'Customer Tenant ID', 'ID du locataire', 'ID de locataire', 'ID de client Microsoft'], note: 'Assigned when the customer is created; written back in results and exports.', example: '' },
      { field: 'adminAccess', header: 'Admin Access', required: false, assigned: true, kind: { type: 'written', format: 'default GDAP or none (written back; ignored on input)' }, aliases: ['GDAP', 'Admin Access (GDAP)', 'Accès administrateur'], note: "Written back: \"default GDAP\" when the customer was created with its reseller (Partner Center's default GDAP relationships, once the reseller consents), else \"none\". Delegated admin privileges (DAP) no longer exist for reseller relationships.", example: '' },
    ],
  },
  Subscriptions: {
    kind: 'Subscriptions',
    aliases: ['Abonnements', 'Subscription', 'Licences', 'Licenses'],
    columns: [
      { field: 'subscriptionId', header: 'Subscription ID', required: false, assigned: true, kind: { type: 'uuid' }, aliases: ["ID d'abonnement", "ID de l'abonnement", 'Subscription'], note: 'Assigned on creation. When present it is the key of the row; leave empty to order a new subscription.', example: '' },
      { field: 'customerDomain', header: 'Customer Domain', required: true, key: true, kind: { type: 'domain' }, aliases: ['Domain', 'Customer', 'Domaine', 'Domaine du client', 'Client'], note: 'Domain prefix of the customer that holds the subscription.', example: 'contoso' },
      { field: 'offerId', header: 'Offer ID', required: true, key: true, kind: text(128), aliases: ['Offer', 'Product ID', 'SKU', "ID de l'offre", 'Offre'], note: 'An offer of the catalog. Changing it on an existing subscription is an upgrade.', example: 'CFQ7TTC0LH18:0001' },
      { field: 'nickname', header: 'Nickname', required: false, kind: text(50), aliases: ['Friendly Name', 'Subscription Name', 'Surnom', 'Nom convivial', "Nom de l'abonnement"], note: 'Friendly name, at most 50 characters; part of the key when Subscription ID is empty.', example: 'Sales team' },
      { field: 'quantity', header: 'Quantity', required: true, kind: { type: 'integer', min: 1, max: 1_000_000 }, aliases: ['Qty', 'Licenses', 'Licences', 'Seats', 'Quantité', 'Nombre de licences'], note: "Number of seats. Up at any time; down only by seats added in the last 7 days (or at the renewal, with Apply At = renewal). A customer's subscriptions of one offer together stay within the offer's limits.", example: '25' },
      { field: 'term', header: 'Term', required: false, kind: { type: 'term' }, aliases: ['Term Duration', 'Commitment', 'Durée', "Durée d'engagement"], note: "P1M (1 month), P1Y (1 year) or P3Y (3 years), as the offer sells; blank on a new subscription: the offer's first term. Mid-term only a longer term.", example: 'P1Y' },
      { field: 'billingCycle', header: 'Billing Frequency', required: false, kind: { type: 'enum', values: ['monthly', 'annual', 'triennial'] }, default: 'monthly', aliases: ['Billing Cycle', 'Billing', 'Billing Plan', 'Cycle de facturation', 'Fréquence de facturation'], note: 'monthly, annual or triennial, at most as long as the term and as the offer allows. Mid-term changes wait for the renewal (Apply At = renewal).', example: 'monthly' },
      { field: 'autoRenew', header: 'Auto Renew', required: false, kind: { type: 'boolean' }, default: 'yes', aliases: ['Autorenew', 'Auto Renewal', 'Renouvellement automatique'], note: 'yes or no.', example: 'yes' },
      { field: 'partnerOfRecordMpnId', header: 'Partner of Record PartnerID', required: false, clearable: true, kind: MPN, aliases: ['Partner of Record MPN ID', 'Partner of Record', 'Reseller of Record', 'PoR PartnerID', 'PoR', 'PoR MPN ID', 'Partenaire officiel', 'ID MPN du partenaire officiel', 'Partenaire attitré'], note: "Location PartnerID of the active, authorized reseller credited for this subscription; blank: the provider transacts as a direct partner. '-' clears it.", example: '1234567' },
      { field: 'supportContactMpnId', header: 'Support Contact PartnerID', required: false, clearable: true, kind: MPN, aliases: ['Support Contact MPN ID', 'Support Contact', 'Designated Support Contact', 'Contact du support', 'ID MPN du contact du support', 'Contact de support désigné'], note: "Location PartnerID of the active reseller that handles support requests. '-' clears it.", example: '1234567' },
      { field: 'status', header: 'Status', required: false, kind: { type: 'enum', values: ['active', 'suspended', 'cancelled', 'expired'] }, choices: ['active', 'suspended', 'cancelled'], default: 'active', aliases: ['State', 'Statut', 'État'], note: 'active, suspended or cancelled. Suspended: billing continues and auto-renew turns off. Cancelled: only within 7 days of the purchase or last renewal, and final. Expired is written back for a subscription that reached its term end without renewing.', example: 'active' },
      { field: 'applyAt', header: 'Apply At', required: false, kind: { type: 'enum', values: ['now', 'renewal'] }, default: 'now', aliases: ['Effective', 'When', 'Appliquer', 'Date d’effet', "Date d'effet"], note: '"renewal" records a seat decrease, a term change or a billing change for the renewal (result "scheduled"); needs Auto Renew on.', example: 'now' },
      { field: 'termStart', header: 'Term Start', required: false, assigned: true, kind: { type: 'written', format: 'date and time, UTC (written back; ignored on input)' }, aliases: ['Début du terme', 'Start Date'], note: 'Written back: when the current term began (the purchase or the last renewal).', example: '' },
      { field: 'termEnd', header: 'Term End', required: false, assigned: true, kind: { type: 'written', format: 'date and time, UTC (written back; ignored on input)' }, aliases: ['Renewal Date', 'Fin du terme', 'Date de renouvellement', 'End Date'], note: 'Written back: the renewal date; an auto-renewing subscription renews then, any other expires.', example: '' },
      { field: 'refundableSeats', header: 'Refundable Seats', required: false, assigned: true, kind: { type: 'written', format: 'whole number (written back; ignored on input)' }, aliases: ['Seats That Can Be Removed', 'Licences remboursables'], note: 'Written back: how many seats can still be removed now (added in the last 7 days).', example: '' },
    ],
  },
};

/** Columns tiersync adds to results; read back from a results workbook they are ignored. */
export const RESULT_COLUMNS = ['Result', 'Code', 'Message', 'Changes'] as const;

/** Sheets tiersync itself writes next to the input sheets; read back from a results workbook they are skipped silently. */
export const REPORT_SHEETS: readonly string[] = ['Summary', 'Errors', 'Mapping', 'Drift', 'Invitations', 'Examples'];

const WRITTEN_COLUMNS = Object.fromEntries(SHEET_KINDS.map((kind) => [kind, Object.freeze(SHEETS[kind].columns.filter((c) => c.assigned))])) as unknown as Readonly<Record<SheetKind, readonly ColumnDef[]>>;

/** The columns tiersync writes back on a sheet, in column order: IDs and read-only values (see `ColumnDef.assigned`). */
export function writtenColumns(kind: SheetKind): readonly ColumnDef[] {
  return WRITTEN_COLUMNS[kind];
}

export function columnDef(kind: SheetKind, field: string): ColumnDef {
  const def = SHEETS[kind].columns.find((c) => c.field === field);
  if (!def) throw new Error(`No column ${field} on ${kind}`);
  return def;
}
