// Writes the bundled sample workbooks in samples/ (run: node scripts/make-samples.mjs).
// Deterministic: the same files every time, so the demo's figures are stable.
import ExcelJS from 'exceljs';
import { mkdirSync } from 'node:fs';

const OUT = new URL('../samples/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });

async function write(name, sheets) {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'tiersync samples';
  for (const [sheetName, headers, rows] of sheets) {
    const ws = wb.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow(headers).font = { bold: true };
    for (const r of rows) ws.addRow(r);
    ws.columns.forEach((c, i) => (c.width = Math.max(12, headers[i].length + 4)));
  }
  await wb.xlsx.writeFile(OUT + name);
}

// Resellers and provider staff: step 1 of the demo.
// Location PartnerIDs, with each reseller's CSP tenant ID; one is a 5-digit PartnerID (Microsoft documents no lower bound).
const resellers = [
  ['4811021', 'Fabrikam Solutions', 'partners@fabrikam.example', '4811000', '3b33e682-00c3-41ee-9dd2-a548adf56438', 'US', 'active'],
  [4811022, 'Fabrikam Solutions West', 'west@fabrikam.example', '4811000', '484e548c-f5f3-4528-93a9-c16c6373cb59', 'US', 'active'],
  ['5230417', 'Adatum Services SARL', 'contact@adatum.example', '', '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d', 'FR', 'active'],
  ['60293', 'Northwind IT GmbH', 'vertrieb@northwind.example', '6029000', '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', 'DE', 'active'],
  ['7340112', 'Tailspin Cloud Ltd', 'hello@tailspin.example', '', '', 'GB', 'active'],
];
const users = [
  ['sales.agent@contoso-distribution.example', 'Sam Sales', 'Sales agent', 'active'],
  ['admin.agent@contoso-distribution.example', 'Alex Admin', 'Admin agent', 'active'],
  ['billing@contoso-distribution.example', 'Bea Billing', 'Billing admin', 'active'],
  ['helpdesk@contoso-distribution.example', 'Hal Helpdesk', 'Helpdesk agent', 'active'],
];
await write('partners.xlsx', [
  ['Users', ['Email', 'Display Name', 'Roles', 'Status'], users],
  ['Resellers', ['Reseller PartnerID', 'Reseller Name', 'Contact Email', 'Global PartnerID', 'Reseller Tenant ID', 'Country', 'Partnership'], resellers],
]);

// Customers and their subscriptions: step 2, after the resellers accepted (Tailspin does not).
const places = {
  US: [['100 Pine Street', 'Seattle', 'WA', '98101'], ['55 Water Street', 'New York', 'NY', '10041'], ['1 Congress Ave', 'Austin', 'TX', '78701']],
  FR: [['12 rue de la Paix', 'Paris', '', '75002'], ['4 quai Saint-Antoine', 'Lyon', '', '69002']],
  DE: [['Friedrichstraße 68', 'Berlin', '', '10117'], ['Marienplatz 1', 'München', '', '80331']],
  GB: [['10 Finsbury Square', 'London', '', 'EC2A 1AF']],
  CA: [['200 Bay Street', 'Toronto', 'ON', 'M5J 2J2']],
  AU: [['1 Martin Place', 'Sydney', 'NSW', '2000']],
  BR: [['Avenida Paulista 1578', 'São Paulo', 'SP', '01310-200']],
};
const companies = [
  ['contosobikes', 'Contoso Bikes Inc', 'Ana', 'Silva', 'US', '4811021'],
  ['woodgrovebank', 'Woodgrove Bank', 'Ben', 'Miller', 'US', '4811021'],
  ['litwareinc', 'Litware Inc', 'Chloe', 'Ng', 'US', 4811022],
  ['proseware', 'Proseware LLC', 'Dan', 'Park', 'US', '4811022'],
  ['lamnaheal', 'Lamna Healthcare', 'Eva', 'Lopez', 'US', '4811021'],
  ['boulangeriemartin', 'Boulangerie Martin', 'Élodie', 'Martin', 'FR', '5230417'],
  ['cabinetleroy', 'Cabinet Leroy & Associés', 'François', 'Leroy', 'FR', '5230417'],
  ['atelierdurand', 'Atelier Durand', 'Gaëlle', 'Durand', 'FR', '5230417'],
  ['musterbau', 'Musterbau AG', 'Jürgen', 'Schmidt', 'DE', '60293'],
  ['brauhausweber', 'Brauhaus Weber', 'Lena', 'Weber', 'DE', '60293'],
  ['fourthcoffee', 'Fourth Coffee Ltd', 'Oliver', 'Hughes', 'GB', ''],
  ['margiestravel', "Margie's Travel", 'Margie', 'Shoop', 'CA', '4811021'],
  ['wideworldimp', 'Wide World Importers', 'Priya', 'Raman', 'AU', '4811022'],
  ['alpineskihouse', 'Alpine Ski House', 'Quinn', 'Berg', 'CA', ''],
  ['bancosolar', 'Banco Solar Ltda', 'Rafael', 'Costa', 'BR', '4811021'], // Brazil: registration number and phone required, both given
  // Deliberate mistakes, each with its reason on the results workbook:
  ['north-wind', 'Northwind Traders', 'Sven', 'Olsen', 'DE', '60293'], // customer.invalid-domain
  ['fabrikamhq', 'Fabrikam Residences', 'Tom', 'Baker', 'US', '4811000'], // mpn.global-not-location
  ['tailspintoys', 'Tailspin Toys', 'Uma', 'Patel', 'GB', '7340112'], // partnership.not-active (invitation not accepted)
  ['coho', 'Coho Winery', 'Vic', 'Stone', 'US', '4811021'], // customer.address: no state for a US address
  ['graphicdesign', 'Graphic Design Institute', 'Wen', 'Li', 'FR', '5230417'], // its order has an unknown offer
];
const customerRows = companies.map(([domain, name, first, last, country, mpn], i) => {
  const [line1, city, state, postal] = places[country][i % places[country].length];
  const stateCell = domain === 'coho' ? '' : state;
  const email = `${first.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')}.${last.toLowerCase()}@${domain.replace('-', '')}.example`;
  const postalCell = /^\d+$/.test(postal) ? Number(postal) : postal; // numeric postal codes arrive as numbers from Excel
  const phone = country === 'BR' ? '+55 11 3555 0100' : i % 3 === 0 ? '+1 206 555 01' + String(10 + i) : '';
  const registration = country === 'BR' ? '12.345.678/0001-95' : '';
  return [domain, name, first, last, email, phone, line1, '', city, stateCell, postalCell, country, country === 'FR' ? 'fr-FR' : country === 'DE' ? 'de-DE' : '', registration, mpn];
});
const offers = ['CFQ7TTC0LH18:0001', 'CFQ7TTC0LDPB:0001', 'CFQ7TTC0LCHC:0002', 'CFQ7TTC0LFLX:0001', 'CFQ7TTC0LH16:0001', 'CFQ7TTC0LHSV:0001'];
const subscriptionRows = [];
companies.forEach(([domain, , , , , mpn], i) => {
  const n = 3;
  for (let k = 0; k < n; k++) {
    const offer = offers[(i + k * 2) % offers.length];
    const qty = 5 + ((i * 7 + k * 11) % 40);
    subscriptionRows.push(['', domain, offer, k === 0 ? 'Main' : k === 1 ? 'Staff' : 'Security', qty, k === 2 ? 'P1Y' : '', k === 2 ? 'annual' : 'monthly', k === 1 ? 'no' : 'yes', k === 0 ? mpn : '', '', 'active']);
  }
});
// More deliberate mistakes on existing-style rows:
const byDomain = (d) => subscriptionRows.filter((r) => r[1] === d);
byDomain('graphicdesign')[1][2] = 'CFQ7TTC0XXXX:0001'; // offer.unknown → the whole order is cancelled
byDomain('woodgrovebank')[1][4] = 20000; // subscription.quantity-out-of-range
byDomain('proseware')[0][9] = '7340112'; // support contact not active
byDomain('contosobikes')[1][8] = '5230417'; // partner of record set: fine for a Global admin
const subscriptionHeaders = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Term', 'Billing Frequency', 'Auto Renew', 'Partner of Record PartnerID', 'Support Contact PartnerID', 'Status'];
await write('orders.xlsx', [
  ['Customers', ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Phone', 'Address Line 1', 'Address Line 2', 'City', 'State/Region', 'Postal Code', 'Country', 'Language', 'Registration Number', 'Reseller PartnerID'], customerRows],
  ['Subscriptions', subscriptionHeaders, subscriptionRows],
]);

// Ten days later: seat changes under new commerce's 7-day window (step 3 of the demo, on a simulated clock).
const sub = (domain, nickname) => subscriptionRows.find((r) => r[1] === domain && r[3] === nickname);
const change = (domain, nickname, quantity, extra = {}) => {
  const [, , offer] = sub(domain, nickname);
  return ['', domain, offer, nickname, quantity, extra.status ?? '', extra.autoRenew ?? '', extra.applyAt ?? ''];
};
const changes = [
  change('contosobikes', 'Main', sub('contosobikes', 'Main')[4] - 2), // rejected: the seats were bought 10 days ago, the window closed
  change('litwareinc', 'Main', sub('litwareinc', 'Main')[4] - 2, { applyAt: 'renewal' }), // scheduled for the renewal instead
  change('lamnaheal', 'Main', sub('lamnaheal', 'Main')[4] + 5), // up: at any time
  change('boulangeriemartin', 'Staff', sub('boulangeriemartin', 'Staff')[4], { status: 'cancelled' }), // rejected: the cancellation window closed
  change('musterbau', 'Security', sub('musterbau', 'Security')[4], { status: 'suspended' }), // suspended: billing continues, auto-renew off
];
await write('changes.xlsx', [['Subscriptions', ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Status', 'Auto Renew', 'Apply At'], changes]]);
console.log(`samples written to ${OUT}`);
