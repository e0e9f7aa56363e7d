import { z } from 'zod';
import { isMpnId, PARTNER_ID_FORMAT } from '../core/mpn.js';
import { TERMS, type Term } from '../core/entities.js';
import { domainPrefixOf, isDomainPrefix } from '../core/customer-domain.js';
import { parseRole, ROLES } from '../core/roles.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { CellKind } from './columns.js';

/**
 * One zod schema per kind of cell. Each takes a cell value as read (string, number, boolean, Date)
 * and yields the typed value, or issues whose `params.code` is the error code to report.
 */

/** A failed check with its stable code; read back by `codeOfIssue`. */
function fail(ctx: z.RefinementCtx, message: string, code: ErrorCode = 'row.invalid-value'): never {
  ctx.addIssue({ code: 'custom', message, params: { code } });
  return z.NEVER as never;
}

export function codeOfIssue(issue: z.core.$ZodIssue): ErrorCode {
  const code = (issue as { params?: { code?: ErrorCode } }).params?.code;
  return code ?? 'row.invalid-value';
}

/** Text of a cell: numbers as their digits (never 1.2E6), dates as ISO dates, booleans as yes/no. */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return Number.isSafeInteger(value) ? value.toFixed(0) : BigInt(value).toString();
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

const anyCell = z.union([z.string(), z.number(), z.boolean(), z.date()]);

const textCell = (max: number) =>
  anyCell.transform((v, ctx) => {
    const s = cellText(v);
    if (s.length > max) fail(ctx, `is ${s.length} characters long; at most ${max} are allowed`);
    return s;
  });

const mpnCell = anyCell.transform((v, ctx) => {
  if (typeof v === 'number' && !Number.isInteger(v)) return fail(ctx, `"${v}" is not a PartnerID: it has a decimal part`, 'mpn.invalid-format');
  const s = cellText(v);
  if (!isMpnId(s)) {
    return fail(ctx, `"${s}" is not a PartnerID (${PARTNER_ID_FORMAT})`, 'mpn.invalid-format');
  }
  return s;
});

/** Deliberately plain: one @, no spaces, a dot in the domain, ASCII only (look-alikes are refused). */
const EMAIL_PATTERN = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const emailCell = anyCell.transform((v, ctx) => {
  const s = cellText(v);
  if (s.length > 254 || !EMAIL_PATTERN.test(s)) return fail(ctx, `"${s}" is not a valid email address`);
  return s;
});

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** CLDR region codes that are not ISO 3166-1 countries. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'QO', 'XA', 'XB', 'XK']);
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
}
const countryCell = anyCell.transform((v, ctx) => {
  const s = cellText(v).toUpperCase();
  if (!isCountryCode(s)) return fail(ctx, `"${cellText(v)}" is not an ISO 3166-1 alpha-2 country code (e.g. US, FR, DE)`);
  return s;
});

const languageCell = anyCell.transform((v, ctx) => {
  const s = cellText(v).replace('_', '-');
  const m = /^([A-Za-z]{2,3})(?:-([A-Za-z]{2}))?$/.exec(s);
  if (!m) return fail(ctx, `"${s}" is not a language and culture such as en-US or fr-FR`);
  return m[2] ? `${m[1]!.toLowerCase()}-${m[2].toUpperCase()}` : m[1]!.toLowerCase();
});

const integerCell = (min: number, max: number) =>
  anyCell.transform((v, ctx) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+]?\d+$/.test(v.replace(/[\s\u00a0\u202f]/g, '')) ? Number(v.replace(/[\s\u00a0\u202f+]/g, '')) : NaN;
    if (!Number.isInteger(n)) return fail(ctx, `"${cellText(v)}" is not a whole number`);
    if (n < min || n > max) return fail(ctx, `${n} is outside ${min} to ${max}`);
    return n;
  });

const TRUE_WORDS = new Set(['yes', 'true', 'oui', '1', 'y', 'vrai', 'o']);
const FALSE_WORDS = new Set(['no', 'false', 'non', '0', 'n', 'faux']);
const booleanCell = anyCell.transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = cellText(v).toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return fail(ctx, `"${cellText(v)}" is not yes or no`);
});

const enumCell = (values: readonly string[]) =>
  anyCell.transform((v, ctx) => {
    const s = cellText(v).toLowerCase();
    const found = values.find((x) => x === s);
    if (!found) return fail(ctx, `"${cellText(v)}" is not one of: ${values.join(', ')}`);
    return found;
  });

/** `a; b, c` → [a, b, c]: semicolons or commas, blanks dropped, duplicates (case-insensitive) dropped. */
export function splitList(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(/[;,\n]/)) {
    const item = part.trim();
    if (item && !seen.has(item.toLowerCase())) {
      seen.add(item.toLowerCase());
      out.push(item);
    }
  }
  return out;
}

const listCell = anyCell.transform((v) => splitList(cellText(v)));

const rolesCell = anyCell.transform((v, ctx) => {
  const names = splitList(cellText(v));
  const roles = names.map(parseRole);
  const unknown = names.filter((_, i) => !roles[i]);
  if (unknown.length) return fail(ctx, `unknown role ${unknown.map((u) => `"${u}"`).join(', ')}; roles are ${ROLES.join(', ')}`);
  if (!roles.length) return fail(ctx, 'names no role', 'row.required');
  return [...new Set(roles)].sort((a, b) => ROLES.indexOf(a!) - ROLES.indexOf(b!));
});

const domainCell = anyCell.transform((v, ctx) => {
  const s = domainPrefixOf(cellText(v));
  if (!isDomainPrefix(s)) return fail(ctx, `"${cellText(v)}" is not a domain prefix (1-27 letters a-z and digits, e.g. contoso)`, 'customer.invalid-domain');
  return s;
});

/** `P1Y`, `p1y`, `1 year`, `12 months`, `3 years`… → the ISO 8601 term. */
const TERM_WORDS: ReadonlyArray<[RegExp, Term]> = [
  [/^(p1m|1 ?months?|monthly|1 ?mois|mensuel)$/, 'P1M'],
  [/^(p1y|p12m|1 ?years?|12 ?months?|annual|yearly|1 ?an|annuel)$/, 'P1Y'],
  [/^(p3y|p36m|3 ?years?|36 ?months?|triennial|3 ?ans|triennal)$/, 'P3Y'],
];
const termCell = anyCell.transform((v, ctx) => {
  const s = cellText(v).toLowerCase().replace(/\s+/g, ' ');
  const found = TERM_WORDS.find(([pattern]) => pattern.test(s));
  if (!found) return fail(ctx, `"${cellText(v)}" is not a term: ${TERMS.join(', ')} (1 month, 1 year, 3 years)`);
  return found[1];
});

/** A column tiersync writes back: recognized, never read. */
const writtenCell = z.unknown().transform(() => undefined);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const uuidCell = anyCell.transform((v, ctx) => {
  const s = cellText(v).toLowerCase();
  if (!UUID_PATTERN.test(s)) return fail(ctx, `"${cellText(v)}" is not an ID assigned by tiersync (a UUID)`);
  return s;
});

export function cellSchema(kind: CellKind): z.ZodType<unknown> {
  switch (kind.type) {
    case 'text':
      return textCell(kind.max);
    case 'mpn':
      return mpnCell;
    case 'email':
      return emailCell;
    case 'country':
      return countryCell;
    case 'language':
      return languageCell;
    case 'integer':
      return integerCell(kind.min, kind.max);
    case 'boolean':
      return booleanCell;
    case 'enum':
      return enumCell(kind.values);
    case 'list':
      return listCell;
    case 'roles':
      return rolesCell;
    case 'domain':
      return domainCell;
    case 'uuid':
      return uuidCell;
    case 'term':
      return termCell;
    case 'written':
      return writtenCell;
  }
}
