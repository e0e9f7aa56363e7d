/**
 * The workbook contract of SPEC §2.2 as one table: every sheet, its columns in template order,
 * which are required, what kind of value each holds, and every header alias (English variants and
 * the French Partner Center labels). Header matching, validation, templates, results and the README's
 * workbook reference all read this table.
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
  | { type: 'uuid' };

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
  /** Filled in by tiersync (Tenant ID, Subscription ID): echoed and written back. */
  assigned?: boolean;
  kind: CellKind;
  /** Value used on creation when the cell is blank. */
  default?: string;
  aliases: readonly string[];
  /** What the column means, for template notes and the README reference. */
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

const MPN_ALIASES = ['MPN ID', 'MpnId', 'MPN', 'Reseller (MPN ID)', 'ID MPN', 'PartnerID', 'Partner ID', 'Location MPN ID', 'Reseller ID', 'ID MPN du revendeur', 'ID de partenaire'];
const EMAIL_ALIASES = ['Email', 'E-mail', 'Email Address', 'Contact E-mail', 'Adresse e-mail', 'E-mail du contact', 'Courriel'];
const COUNTRY_ALIASES = ['Country Code', 'Country/Region', 'Pays', 'Pays/région', 'Code pays'];

export const SHEETS: Readonly<Record<SheetKind, SheetDef>> = {
  Users: {
    kind: 'Users',
    aliases: ['Utilisateurs', 'User'],
    columns: [
      { field: 'email', header: 'Email', required: true, key: true, kind: EMAIL, aliases: ['E-mail', 'User', 'User Name', 'UPN', 'Email Address', 'Adresse e-mail', "Nom d'utilisateur", 'Courriel'], note: "The user's sign-in email; the key of the row.", example: 'jane.doe@provider.example' },
      { field: 'displayName', header: 'Display Name', required: true, kind: text(256), aliases: ['Name', 'Full Name', "Nom d'affichage", 'Nom complet', 'Nom'], note: 'Name shown in reports and the audit trail.', example: 'Jane Doe' },
      { field: 'roles', header: 'Roles', required: true, kind: { type: 'roles' }, aliases: ['Role', 'Rôles', 'Rôle'], note: 'Partner Center roles, separated by ";": Global admin, User admin, Admin agent, Sales agent, Billing admin.', example: 'Admin agent; Sales agent' },
      { field: 'status', header: 'Status', required: false, kind: { type: 'enum', values: ['active', 'removed'] }, default: 'active', aliases: ['Statut', 'État'], note: '"removed" deactivates the user; users are never deleted.', example: 'active' },
    ],
  },
  Offers: {
    kind: 'Offers',
    aliases: ['Offres', 'Catalog', 'Catalogue', 'Offer'],
    columns: [
      { field: 'offerId', header: 'Offer ID', required: true, key: true, kind: text(128), aliases: ['Offer', 'Product ID', 'SKU', "ID de l'offre", 'Offre'], note: 'Partner Center offer ID, compared case-insensitively.', example: 'CFQ7TTC0LH18:0001' },
      { field: 'name', header: 'Offer Name', required: true, kind: text(256), aliases: ['Name', 'Product Name', "Nom de l'offre", 'Nom du produit', 'Nom'], note: 'Display name of the offer.', example: 'Microsoft 365 Business Basic' },
      { field: 'minQuantity', header: 'Min Quantity', required: false, kind: { type: 'integer', min: 1, max: 1_000_000 }, default: '1', aliases: ['Minimum Quantity', 'Min', 'Quantité minimale', 'Quantité min'], note: 'Fewest licences a subscription may hold.', example: '1' },
      { field: 'maxQuantity', header: 'Max Quantity', required: false, kind: { type: 'integer', min: 1, max: 1_000_000 }, default: '300', aliases: ['Maximum Quantity', 'Max', 'Quantité maximale', 'Quantité max'], note: 'Most licences a subscription may hold.', example: '300' },
      { field: 'billingCycles', header: 'Billing Cycles', required: false, kind: { type: 'list' }, default: 'monthly; annual', aliases: ['Billing Cycle', 'Cycles de facturation', 'Cycle de facturation'], note: 'Allowed billing cycles, separated by ";": monthly, annual.', example: 'monthly; annual' },
      { field: 'upgradeTargets', header: 'Upgrade Targets', required: false, kind: { type: 'list' }, clearable: true, aliases: ['Upgrades', 'Upgrade To', 'Cibles de mise à niveau', 'Mises à niveau'], note: 'Offer IDs this offer can be upgraded to, separated by ";".', example: 'CFQ7TTC0LDPB:0001' },
    ],
  },
  Resellers: {
    kind: 'Resellers',
    aliases: ['Revendeurs', 'Reseller', 'Partners', 'Partenaires'],
    columns: [
      { field: 'mpnId', header: 'Reseller MPN ID', required: true, key: true, kind: MPN, aliases: MPN_ALIASES, note: "The reseller's location MPN ID (the account enrolled in CSP); the key of the row.", example: '1234567' },
      { field: 'name', header: 'Reseller Name', required: true, kind: text(256), aliases: ['Name', 'Reseller', 'Company', 'Company Name', 'Nom du revendeur', 'Nom de la société', 'Revendeur', 'Nom'], note: "The reseller's company name.", example: 'Fabrikam Solutions' },
      { field: 'contactEmail', header: 'Contact Email', required: true, kind: EMAIL, aliases: EMAIL_ALIASES, note: 'Where the partnership invitation is sent.', example: 'partners@fabrikam.example' },
      { field: 'globalMpnId', header: 'Global MPN ID', required: false, clearable: true, kind: MPN, aliases: ['Global PartnerID', 'Global Partner ID', 'HQ MPN ID', 'Headquarters MPN ID', 'ID MPN global', 'ID MPN international'], note: "The reseller's global (headquarters) MPN ID, if any.", example: '7654321' },
      { field: 'country', header: 'Country', required: false, clearable: true, kind: COUNTRY, aliases: COUNTRY_ALIASES, note: 'ISO 3166-1 alpha-2 country code.', example: 'FR' },
      { field: 'partnership', header: 'Partnership', required: true, kind: { type: 'enum', values: ['active', 'removed'] }, aliases: ['Partnership Status', 'Relationship', 'Status', 'Partenariat', 'Statut du partenariat', 'Statut'], note: '"active" invites the reseller (or keeps the partnership); "removed" ends it (needs --allow-removals).', example: 'active' },
    ],
  },
  Customers: {
    kind: 'Customers',
    aliases: ['Clients', 'Customer', 'Client'],
    columns: [
      { field: 'domain', header: 'Customer Domain', required: true, key: true, kind: { type: 'domain' }, aliases: ['Domain', 'Domain Prefix', 'Domain Name', 'Primary Domain', 'Customer Domain Prefix', 'Domaine', 'Nom de domaine', 'Domaine du client', 'Préfixe de domaine'], note: 'Domain prefix: contoso for contoso.onmicrosoft.com. 1-27 letters and digits; the key of the row.', example: 'contoso' },
      { field: 'companyName', header: 'Company Name', required: true, kind: text(256), aliases: ['Company', 'Customer Name', 'Organization', 'Organization Name', 'Nom de la société', "Nom de l'entreprise", "Nom de l'organisation", 'Société', 'Entreprise'], note: "The customer's legal company name.", example: 'Contoso Ltd' },
      { field: 'contactFirstName', header: 'Contact First Name', required: true, kind: text(128), aliases: ['First Name', 'Given Name', 'Prénom', 'Prénom du contact'], note: 'First name of the primary contact.', example: 'Ana' },
      { field: 'contactLastName', header: 'Contact Last Name', required: true, kind: text(128), aliases: ['Last Name', 'Surname', 'Family Name', 'Nom de famille', 'Nom de famille du contact'], note: 'Last name of the primary contact.', example: 'Silva' },
      { field: 'contactEmail', header: 'Contact Email', required: true, kind: EMAIL, aliases: EMAIL_ALIASES, note: 'Email of the primary contact.', example: 'ana.silva@contoso.example' },
      { field: 'phone', header: 'Phone', required: false, clearable: true, kind: text(64), aliases: ['Phone Number', 'Telephone', 'Téléphone', 'Numéro de téléphone'], note: 'Contact phone number.', example: '+33 1 23 45 67 89' },
      { field: 'addressLine1', header: 'Address Line 1', required: true, kind: text(256), aliases: ['Address', 'Address 1', 'Street', 'Street Address', 'Adresse', 'Adresse ligne 1', "Ligne d'adresse 1"], note: 'Street address.', example: '1 Main Street' },
      { field: 'addressLine2', header: 'Address Line 2', required: false, clearable: true, kind: text(256), aliases: ['Address 2', 'Adresse ligne 2', "Ligne d'adresse 2", "Complément d'adresse"], note: 'Building, suite, floor.', example: 'Suite 200' },
      { field: 'city', header: 'City', required: true, kind: text(128), aliases: ['Town', 'Ville'], note: 'City.', example: 'Seattle' },
      { field: 'stateRegion', header: 'State/Region', required: false, clearable: true, kind: text(128), aliases: ['State', 'Region', 'Province', 'State/Province', 'État/Région', 'État', 'Région'], note: 'Required where the country needs one (US, CA, AU, BR, IN, MX).', example: 'WA' },
      { field: 'postalCode', header: 'Postal Code', required: true, kind: text(32), aliases: ['Zip', 'Zip Code', 'Postcode', 'Post Code', 'Code postal'], note: 'Postal code, kept as written (a numeric cell is read as its digits).', example: '98052' },
      { field: 'country', header: 'Country', required: true, kind: COUNTRY, aliases: COUNTRY_ALIASES, note: 'ISO 3166-1 alpha-2 country code.', example: 'US' },
      { field: 'language', header: 'Language', required: false, kind: { type: 'language' }, default: 'en-US', aliases: ['Culture', 'Language/Culture', 'Locale', 'Langue', 'Culture/Langue'], note: 'Language and culture, e.g. en-US, fr-FR.', example: 'en-US' },
      { field: 'resellerMpnId', header: 'Reseller MPN ID', required: false, clearable: true, kind: MPN, aliases: [...MPN_ALIASES, 'Indirect Reseller', 'Revendeur', 'Revendeur indirect'], note: "Location MPN ID of the active reseller that manages this customer (delegated admin). '-' clears it.", example: '1234567' },
      { field: 'tenantId', header: 'Tenant ID', required: false, assigned: true, kind: { type: 'uuid' }, aliases: ['Microsoft ID', 'Customer Tenant ID', 'ID du locataire', 'ID de locataire', 'ID de client Microsoft'], note: 'Assigned by tiersync when the customer is created; written back in results and exports.', example: '' },
    ],
  },
  Subscriptions: {
    kind: 'Subscriptions',
    aliases: ['Abonnements', 'Subscription', 'Licences', 'Licenses'],
    columns: [
      { field: 'subscriptionId', header: 'Subscription ID', required: false, assigned: true, kind: { type: 'uuid' }, aliases: ["ID d'abonnement", "ID de l'abonnement", 'Subscription'], note: 'Assigned by tiersync on creation. When present it is the key of the row; leave empty to order a new subscription.', example: '' },
      { field: 'customerDomain', header: 'Customer Domain', required: true, key: true, kind: { type: 'domain' }, aliases: ['Domain', 'Customer', 'Domaine', 'Domaine du client', 'Client'], note: 'Domain prefix of the customer that holds the subscription.', example: 'contoso' },
      { field: 'offerId', header: 'Offer ID', required: true, key: true, kind: text(128), aliases: ['Offer', 'Product ID', 'SKU', "ID de l'offre", 'Offre'], note: 'An offer of the catalog. Changing it on an existing subscription is an upgrade.', example: 'CFQ7TTC0LH18:0001' },
      { field: 'nickname', header: 'Nickname', required: false, kind: text(50), aliases: ['Friendly Name', 'Subscription Name', 'Surnom', 'Nom convivial', "Nom de l'abonnement"], note: 'Friendly name, at most 50 characters; part of the key when Subscription ID is empty.', example: 'Sales team' },
      { field: 'quantity', header: 'Quantity', required: true, kind: { type: 'integer', min: 0, max: 1_000_000 }, aliases: ['Qty', 'Licenses', 'Licences', 'Seats', 'Quantité', 'Nombre de licences'], note: "Number of licences, within the offer's minimum and maximum.", example: '25' },
      { field: 'billingCycle', header: 'Billing Cycle', required: false, kind: { type: 'enum', values: ['monthly', 'annual'] }, default: 'monthly', aliases: ['Billing Frequency', 'Billing', 'Cycle de facturation', 'Fréquence de facturation'], note: 'monthly or annual, as the offer allows.', example: 'monthly' },
      { field: 'autoRenew', header: 'Auto Renew', required: false, kind: { type: 'boolean' }, default: 'yes', aliases: ['Autorenew', 'Auto Renewal', 'Renouvellement automatique'], note: 'yes or no.', example: 'yes' },
      { field: 'partnerOfRecordMpnId', header: 'Partner of Record MPN ID', required: false, clearable: true, kind: MPN, aliases: ['Partner of Record', 'PoR', 'PoR MPN ID', 'Partenaire officiel', 'ID MPN du partenaire officiel', 'Partenaire attitré'], note: "Location MPN ID of the active reseller credited for this subscription. '-' clears it.", example: '1234567' },
      { field: 'supportContactMpnId', header: 'Support Contact MPN ID', required: false, clearable: true, kind: MPN, aliases: ['Support Contact', 'Designated Support Contact', 'Contact du support', 'ID MPN du contact du support', 'Contact de support désigné'], note: "Location MPN ID of the active reseller that handles support requests. '-' clears it.", example: '1234567' },
      { field: 'status', header: 'Status', required: false, kind: { type: 'enum', values: ['active', 'suspended'] }, default: 'active', aliases: ['State', 'Statut', 'État'], note: 'active or suspended. A suspended subscription keeps its quantity.', example: 'active' },
    ],
  },
};

/** Columns tiersync adds to results; read back from a results workbook they are ignored. */
export const RESULT_COLUMNS = ['Result', 'Code', 'Message', 'Changes'] as const;

/** Sheets tiersync itself writes next to the input sheets; read back from a results workbook they are skipped silently. */
export const REPORT_SHEETS: readonly string[] = ['Summary', 'Errors', 'Mapping', 'Drift', 'Invitations', 'Examples'];

/** Countries whose addresses need a state or region (SPEC §1.4). */
export const COUNTRIES_REQUIRING_STATE: readonly string[] = ['US', 'CA', 'AU', 'BR', 'IN', 'MX'];

export function columnDef(kind: SheetKind, field: string): ColumnDef {
  const def = SHEETS[kind].columns.find((c) => c.field === field);
  if (!def) throw new Error(`No column ${field} on ${kind}`);
  return def;
}
