import { describe, expect, test } from '@jest/globals';
import { Readable } from 'node:stream';
import { readSheetXmlRows, type SheetXmlContext } from '../../src/read/sheet-xml-rows.js';

const context: SheetXmlContext = {
  sharedStrings: ['Reseller MPN ID', { richText: [{ text: 'Fabri' }, { text: 'kam ' }] }],
  isDateStyle: (id) => id === 7,
  date1904: false,
};

/** The part's bytes cut into pieces of `size` bytes, so characters and tags fall across chunks. */
function part(xml: string, size = 7): Readable {
  const bytes = Buffer.from(xml, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function rowsOf(xml: string, ctx = context) {
  const out = [];
  for await (const row of readSheetXmlRows(part(xml), ctx)) out.push(row);
  return out;
}

const sheet = (rows: string, prefix = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><${prefix}worksheet xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><${prefix}sheetData>${rows}</${prefix}sheetData></${prefix}worksheet>`;

describe('worksheet rows read from the sheet XML', () => {
  test('every cell type becomes the value a user typed', async () => {
    const rows = await rowsOf(
      sheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>' +
          '<row r="3"><c r="A3"><v>1234567</v></c><c r="B3" t="inlineStr"><is><r><t>Contoso </t></r><r><t xml:space="preserve">Café &amp; Co</t></r><rPh><t>コントソ</t></rPh></is></c>' +
          '<c r="C3" t="b"><v>1</v></c><c r="D3" t="e"><v>#N/A</v></c><c r="E3" s="7"><v>45658</v></c><c r="F3" t="str"><f>A3&amp;"x"</f><v>1234567x</v></c>' +
          '<c r="G3"><f>1+1</f></c><c r="H3" s="3"><v>2.5</v></c><c r="I3" t="inlineStr"><is><t>  € ’ ñ  </t></is></c></row>',
      ),
    );
    expect(rows).toEqual([
      { number: 1, cells: ['Reseller MPN ID', null, 'Fabrikam'] },
      { number: 3, cells: [1234567, 'Contoso Café & Co', true, { error: '#N/A' }, new Date('2025-01-01T00:00:00.000Z'), '1234567x', null, 2.5, '€ ’ ñ'] },
    ]);
  });

  test('cells and rows without references follow the previous ones; prefixed elements are read', async () => {
    const rows = await rowsOf(sheet('<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>2</x:v></x:c></x:row><x:row><x:c r="C2"><x:v>3</x:v></x:c></x:row>', 'x:'));
    expect(rows).toEqual([
      { number: 1, cells: ['a', 2] },
      { number: 2, cells: [null, null, 3] },
    ]);
  });

  test('the 1904 date system shifts dates by 1,462 days', async () => {
    const rows = await rowsOf(sheet('<row r="1"><c r="A1" s="7"><v>44196</v></c></row>'), { ...context, date1904: true });
    expect(rows[0]!.cells).toEqual([new Date('2025-01-01T00:00:00.000Z')]);
  });

  test('a shared string the workbook does not have, or malformed XML, is an error', async () => {
    await expect(rowsOf(sheet('<row r="1"><c r="A1" t="s"><v>9</v></c></row>'))).rejects.toThrow('shared string 9');
    await expect(rowsOf(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), { ...context, sharedStrings: undefined })).rejects.toThrow('has none');
    await expect(rowsOf(sheet('<row r="1"><c r="A1"><v>1</c></row>'))).rejects.toThrow();
  });

  test('rows out of order, or a cell past column XFD, make the part damaged', async () => {
    await expect(rowsOf(sheet('<row r="5"><c r="A5"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row>'))).rejects.toThrow('row 3 comes after row 5');
    await expect(rowsOf(sheet('<row r="2"><c r="A2"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row>'))).rejects.toThrow('out of order');
    await expect(rowsOf(sheet('<row r="1"><c r="XFE1"><v>1</v></c></row>'))).rejects.toThrow('beyond column XFD');
    // A forged reference of many letters is refused at once, not filled with billions of empty cells.
    await expect(rowsOf(sheet(`<row r="1"><c r="${'Z'.repeat(40)}1"><v>1</v></c></row>`))).rejects.toThrow('beyond column XFD');
    const widest = await rowsOf(sheet('<row r="1"><c r="XFD1"><v>1</v></c></row>'));
    expect(widest[0]!.cells).toHaveLength(16_384);
  });
});
