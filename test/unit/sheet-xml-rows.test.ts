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

  test('what XML allows is read as an XML parser reads it: references, CDATA, comments, either quote, spaces in tags, line ends', async () => {
    const xml =
      '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<!-- made by hand -->\r\n' +
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\r\n  <sheetPr><outlinePr summaryBelow="1"/></sheetPr>\r\n  <sheetData>\r\n' +
      "    <row r='1' spans=\"1:4\" >\r\n      <c r = 'A1' t='inlineStr' ><is><t>Fish &amp; Chips &lt;Ltd&gt; &quot;&apos; &#233;&#x20AC;&#x1F600;</t></is></c>\r\n" +
      '      <c r="B1" t="inlineStr"><is><t><![CDATA[a <b> & c]]></t></is></c>\r\n' +
      '      <c r="C1" t="inlineStr"><is><t xml:space="preserve">line one\r\nline two\rthree&#13;&#10;four</t></is></c>\r\n' +
      '      <c r="D1"><!-- cached --><v>4<?pi here?>2</v></c>\r\n' +
      '      <c r="E1" t="str" s="0"/><c r="F1"><v/></c><c r="G1" t="s"><v>0</v></c>\r\n' +
      '    </row>\r\n    <row r="2"/>\r\n    <row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>\r\n  </sheetData>\r\n</worksheet>\r\n';
    const expected = [
      { number: 1, cells: ['Fish & Chips <Ltd> "\' é€😀', 'a <b> & c', 'line one\nline two\nthree\r\nfour', 42, null, null, 'Reseller MPN ID'] },
      { number: 2, cells: [] },
      { number: 3, cells: ['x'] },
    ];
    // Every cut of the bytes gives the same rows: characters, tags, references and CDATA fall across chunks.
    for (const size of [1, 2, 3, 5, 8, 13, 64, 100_000]) {
      const out = [];
      for await (const row of readSheetXmlRows(part(xml, size), context)) out.push(row);
      expect(out).toEqual(expected);
    }
  });

  test.each([
    ['an element left open', sheet('<row r="1"><c r="A1"><v>1</v></c>').replace('</sheetData></worksheet>', ''), 'before <row> is closed'],
    ['an end tag out of order', sheet('<row r="1"><c r="A1"><v>1</c></v></row>'), 'does not close <v>'],
    ['an end tag with nothing open', `${sheet('')}</worksheet>`, 'does not close any element'],
    ['a second root', `${sheet('')}<worksheet/>`, 'second root'],
    ['text outside the root', `${sheet('')}trailing`, 'outside the worksheet'],
    ['an unknown entity', sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>'), '&nbsp;'],
    ['a bare ampersand', sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Fish & Chips</t></is></c></row>'), 'not a complete character reference'],
    ['a reference to a character XML cannot carry', sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>'), 'not a character XML allows'],
    ['an unquoted attribute', sheet('<row r=1><c r="A1"><v>1</v></c></row>'), 'not quoted'],
    ['attributes without space between them', sheet('<row r="1"><c r="A1"t="s"><v>0</v></c></row>'), 'not a well-formed tag'],
    ['a "<" in an attribute', sheet('<row r="1"><c r="A<1"><v>1</v></c></row>'), 'a "<" in an attribute'],
    ['a document type declaration', `<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>${sheet('')}`, 'document type declaration'],
    ['a part cut short inside a tag', sheet('<row r="1"><c r="A1"><v>1</v></c></row>').slice(0, -15), 'ends inside'],
    ['nothing at all', '', 'no root element'],
  ])('%s makes the part damaged', async (_what, xml, message) => {
    for (const size of [3, 100_000]) {
      const read = async () => {
        for await (const row of readSheetXmlRows(part(xml, size), context)) void row;
      };
      await expect(read()).rejects.toThrow(message);
    }
  });

  test('a tag longer than any a worksheet has is refused before it is held', async () => {
    await expect(rowsOf(sheet(`<row r="1"><c r="A1" x="${'a'.repeat(1_100_000)}"><v>1</v></c></row>`), context)).rejects.toThrow('more than 1048576 characters');
  });
});
