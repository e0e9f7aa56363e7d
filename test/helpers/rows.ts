import type { Cell } from './workbooks.js';

export const CUSTOMER_HEADERS: Cell[] = ['Customer Domain', 'Company Name', 'Contact First Name', 'Contact Last Name', 'Contact Email', 'Phone', 'Address Line 1', 'Address Line 2', 'City', 'State/Region', 'Postal Code', 'Country', 'Language', 'Reseller MPN ID'];
export const SUBSCRIPTION_HEADERS: Cell[] = ['Subscription ID', 'Customer Domain', 'Offer ID', 'Nickname', 'Quantity', 'Billing Cycle', 'Auto Renew', 'Partner of Record MPN ID', 'Support Contact MPN ID', 'Status'];

export function customer(domain: string, overrides: Partial<Record<string, Cell>> = {}): Cell[] {
  const base: Record<string, Cell> = {
    'Customer Domain': domain,
    'Company Name': `${domain} Ltd`,
    'Contact First Name': 'Ana',
    'Contact Last Name': 'Silva',
    'Contact Email': `ana@${domain}.example`,
    Phone: '',
    'Address Line 1': '1 Main Street',
    'Address Line 2': '',
    City: 'Paris',
    'State/Region': '',
    'Postal Code': '75002',
    Country: 'FR',
    Language: 'fr-FR',
    'Reseller MPN ID': '',
    ...overrides,
  };
  return CUSTOMER_HEADERS.map((h) => base[h as string] ?? '');
}

export function subscription(domain: string, offer: string, quantity: Cell, overrides: Partial<Record<string, Cell>> = {}): Cell[] {
  const base: Record<string, Cell> = { 'Customer Domain': domain, 'Offer ID': offer, Quantity: quantity, ...overrides };
  return SUBSCRIPTION_HEADERS.map((h) => base[h as string] ?? '');
}

