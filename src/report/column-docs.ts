import { PARTNER_ID_FORMAT } from '../core/mpn.js';
import { TERMS } from '../core/entities.js';
import { ROLES } from '../core/roles.js';
import type { ColumnDef } from '../normalize/columns.js';

/** The format of a column's values in words, from its kind: templates and the workbook reference say the same. */
export function formatOf(column: ColumnDef): string {
  const kind = column.kind;
  switch (kind.type) {
    case 'text':
      return `text, at most ${kind.max} characters`;
    case 'mpn':
      return `PartnerID: ${PARTNER_ID_FORMAT}`;
    case 'email':
      return 'email address';
    case 'country':
      return 'ISO 3166-1 alpha-2 country code (US, FR, DE…)';
    case 'language':
      return 'language-culture, e.g. en-US, fr-FR';
    case 'integer':
      return `whole number from ${kind.min} to ${kind.max.toLocaleString('en-US')}`;
    case 'boolean':
      return 'yes or no (also true/false, oui/non, 1/0)';
    case 'enum':
      return `one of: ${kind.values.join(', ')}`;
    case 'list':
      return 'a list separated by ";"';
    case 'roles':
      return `roles separated by ";": ${ROLES.join(', ')}`;
    case 'domain':
      return 'domain prefix: 1-27 letters a-z and digits';
    case 'uuid':
      return column.field === 'tenantId' && !column.assigned ? 'a tenant ID (GUID)' : 'an ID assigned on creation (leave empty for a new record)';
    case 'term':
      return `one of: ${TERMS.join(', ')}`;
    case 'written':
      return kind.format;
  }
}

/** Values a drop-down offers for a column, when it has a closed set. */
export function choicesOf(column: ColumnDef): readonly string[] | undefined {
  if (column.choices) return column.choices;
  switch (column.kind.type) {
    case 'enum':
      return column.kind.values;
    case 'boolean':
      return ['yes', 'no'];
    case 'roles':
      return ROLES;
    case 'term':
      return TERMS;
    default:
      return undefined;
  }
}

/** Everything a user needs to know about one column, as a cell note. */
export function noteOf(column: ColumnDef): string {
  const lines = [column.note, `Format: ${formatOf(column)}.`];
  if (column.key) lines.push('Required: it identifies the record.');
  else if (column.required) lines.push('Required when the record is created; blank on an existing record leaves it as is.');
  else lines.push('Optional: blank leaves the stored value as is.');
  if (column.default) lines.push(`Default: ${column.default}.`);
  if (column.clearable) lines.push('A single "-" clears the stored value.');
  if (column.aliases.length) lines.push(`Also accepted as header: ${column.aliases.join(', ')}.`);
  return lines.join('\n');
}
