import { describe, expect, it } from '@jest/globals';
import { SHEETS, SHEET_KINDS } from '../../src/normalize/columns.js';
import { guessSheetKind, headerKey, matchHeaders, sheetKindOf } from '../../src/normalize/headers.js';
import { startSheet } from '../../src/normalize/normalize-sheet.js';
import type { CellValue } from '../../src/read/raw-sheet.js';

function sheet(kind: (typeof SHEET_KINDS)[number], headers: string[], rows: CellValue[][]) {
  const n = startSheet(kind, { name: kind, headerRow: 1, headers: headers.map((text, i) => ({ column: i + 1, text })) }, 0);
  rows.forEach((cells, i) => n.add(i + 2, cells));
  return n.sheet;
}

describe('headers', () => {
  it('folds case, spacing, punctuation and accents', () => {
    expect(headerKey('  Nom de l’Entreprise ')).toBe('nomdelentreprise');
    expect(headerKey('Quantité')).toBe('quantite');
    expect(headerKey('Reseller (MPN ID)')).toBe('resellermpnid');
  });

  it('matches canonical headers, aliases and French labels, and reports the others', () => {
    const m = matchHeaders('Subscriptions', [
      { column: 1, text: 'Customer Domain' },
      { column: 2, text: 'offer id' },
      { column: 3, text: 'Quantité' },
      { column: 4, text: 'Result' },
      { column: 5, text: 'Cost centre' },
      { column: 6, text: 'Qty' },
    ]);
    expect(m.map((x) => [x.text, x.def?.header ?? null, x.match])).toEqual([
      ['Customer Domain', 'Customer Domain', 'exact'],
      ['offer id', 'Offer ID', 'case/spacing'],
      ['Quantité', 'Quantity', 'alias'],
      ['Result', null, 'result column (ignored)'],
      ['Cost centre', null, 'ignored'],
      ['Qty', 'Quantity', 'duplicate (ignored)'],
    ]);
  });

  it('names sheets in English and French and guesses a CSV sheet from its headers', () => {
    expect(sheetKindOf(' customers ')).toBe('Customers');
    expect(sheetKindOf('Abonnements')).toBe('Subscriptions');
    expect(sheetKindOf('Notes')).toBeUndefined();
    expect(guessSheetKind(['ID MPN du revendeur', 'Nom du revendeur', 'E-mail du contact', 'Partenariat'].map((text, i) => ({ column: i + 1, text })))).toBe('Resellers');
  });

  it('has no alias that names two columns of one sheet', () => {
    for (const kind of SHEET_KINDS) {
      const seen = new Map<string, string>();
      for (const c of SHEETS[kind].columns) {
        for (const a of [c.header, ...c.aliases]) {
          const k = headerKey(a);
          expect([kind, k, seen.get(k) ?? c.field]).toEqual([kind, k, c.field]);
          seen.set(k, c.field);
        }
      }
    }
  });
});

describe('row validation', () => {
  it('reads numeric MPN and postal cells as digits and collects every problem of a row', () => {
    const required = ['Contact First Name', 'Contact Last Name', 'Address Line 1', 'City'];
    const s = sheet('Customers', ['Customer Domain', 'Company Name', 'Contact Email', 'Postal Code', 'Country', 'Reseller MPN ID', 'Language', ...required], [
      ['Contoso.onmicrosoft.com', 'Contoso', 'a@contoso.example', 75002, 'fr', 1234567, 'FR_fr'],
      ['bad domain', 'X', 'not-email', 1, 'ZZ', '１２３４５６７', 'english'],
      ['cyrillicсо', 'X', 'a@b.example', 1, 'FR', '-', ''],
    ]);
    expect(s.diags).toEqual([]);
    expect(s.rows[0]!.value).toEqual({ domain: 'contoso', companyName: 'Contoso', contactEmail: 'a@contoso.example', postalCode: '75002', country: 'FR', resellerMpnId: '1234567', language: 'fr-FR' });
    expect(s.rows[1]!.value).toBeUndefined();
    expect(s.rows[1]!.diags.map((d) => [d.code, d.at?.column])).toEqual([
      ['customer.invalid-domain', 1],
      ['row.invalid-value', 3],
      ['row.invalid-value', 5],
      ['mpn.invalid-format', 6],
      ['row.invalid-value', 7],
    ]);
    expect(s.rows[2]!.diags.map((d) => d.code)).toEqual(['customer.invalid-domain']);
  });

  it('treats "-" as clear only where a column may be cleared, and blanks as "leave as is"', () => {
    const s = sheet('Subscriptions', ['Customer Domain', 'Offer ID', 'Quantity', 'Partner of Record MPN ID', 'Auto Renew', 'Status'], [
      ['contoso', 'X', '12', '-', 'Oui', ''],
      ['contoso', 'Y', '-', '', 'maybe', 'paused'],
      ['contoso', '', 3.5, '', '', ''],
    ]);
    expect(s.rows[0]!.value).toEqual({ customerDomain: 'contoso', offerId: 'X', quantity: 12, partnerOfRecordMpnId: null, autoRenew: true });
    expect(s.rows[1]!.diags.map((d) => d.code)).toEqual(['row.required', 'row.invalid-value', 'row.invalid-value']);
    expect(s.rows[2]!.diags.map((d) => d.code)).toEqual(['row.required', 'row.invalid-value']);
  });

  it('rejects a sheet missing a required column with one diagnostic', () => {
    const s = sheet('Users', ['Email', 'Display Name'], [['a@b.example', 'A']]);
    expect(s.diags.map((d) => [d.code, d.message])).toEqual([['row.missing-column', 'Sheet Users has no "Roles" column; no row of this sheet can be processed']]);
    expect(s.rows[0]!.value).toBeUndefined();
  });
});
