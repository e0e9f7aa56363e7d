import { RESULT_COLUMNS, SHEETS, SHEET_KINDS, type ColumnDef, type SheetDef, type SheetKind } from './columns.js';
import type { RawHeader } from '../read/raw-sheet.js';

/** How a header was matched, shown on the results workbook's Mapping sheet. */
export type HeaderMatchKind = 'exact' | 'case/spacing' | 'alias' | 'result column (ignored)' | 'duplicate (ignored)' | 'ignored';

export interface HeaderMatch {
  column: number;
  text: string;
  match: HeaderMatchKind;
  /** The canonical column, when matched. */
  def?: ColumnDef;
}

/** Lower-case, accents and punctuation removed: `Nom de l’entreprise` → `nomdelentreprise`. */
export function headerKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

interface IndexedSheet {
  byCanonical: Map<string, ColumnDef>;
  byAlias: Map<string, ColumnDef>;
}

function indexSheet(def: SheetDef): IndexedSheet {
  const byCanonical = new Map<string, ColumnDef>();
  const byAlias = new Map<string, ColumnDef>();
  for (const column of def.columns) byCanonical.set(headerKey(column.header), column);
  for (const column of def.columns) {
    for (const alias of column.aliases) {
      const key = headerKey(alias);
      if (byCanonical.has(key)) continue;
      const other = byAlias.get(key);
      if (other && other !== column) throw new Error(`Alias "${alias}" of ${def.kind} names two columns`);
      byAlias.set(key, column);
    }
  }
  return { byCanonical, byAlias };
}

const INDEX: Readonly<Record<SheetKind, IndexedSheet>> = Object.fromEntries(
  SHEET_KINDS.map((kind) => [kind, indexSheet(SHEETS[kind])]),
) as Record<SheetKind, IndexedSheet>;

const RESULT_KEYS = new Set(RESULT_COLUMNS.map(headerKey));

export function matchHeaders(kind: SheetKind, headers: readonly RawHeader[]): HeaderMatch[] {
  const index = INDEX[kind];
  const taken = new Set<string>();
  return headers.map(({ column, text }) => {
    const key = headerKey(text);
    let def = index.byCanonical.get(key);
    let match: HeaderMatchKind = text === def?.header ? 'exact' : 'case/spacing';
    if (!def) {
      def = index.byAlias.get(key);
      match = 'alias';
    }
    if (!def) return { column, text, match: RESULT_KEYS.has(key) ? 'result column (ignored)' : 'ignored' };
    if (taken.has(def.field)) return { column, text, match: 'duplicate (ignored)', def };
    taken.add(def.field);
    return { column, text, match, def };
  });
}

const SHEET_BY_KEY = new Map<string, SheetKind>();
for (const kind of SHEET_KINDS) {
  SHEET_BY_KEY.set(headerKey(kind), kind);
  for (const alias of SHEETS[kind].aliases) SHEET_BY_KEY.set(headerKey(alias), kind);
}

/** `customers`, `Customers `, `Clients` → `Customers`. Undefined for a sheet tiersync does not read. */
export function sheetKindOf(name: string): SheetKind | undefined {
  return SHEET_BY_KEY.get(headerKey(name));
}

/**
 * The sheet a header row most likely belongs to (a CSV whose name says nothing): the kind whose
 * required columns are all present, preferring the one matching most headers.
 */
export function guessSheetKind(headers: readonly RawHeader[]): SheetKind | undefined {
  let best: { kind: SheetKind; score: number } | undefined;
  for (const kind of SHEET_KINDS) {
    const matches = matchHeaders(kind, headers).filter((m) => m.def);
    const fields = new Set(matches.map((m) => m.def!.field));
    const complete = SHEETS[kind].columns.every((c) => !c.required || fields.has(c.field));
    if (!complete) continue;
    if (!best || matches.length > best.score) best = { kind, score: matches.length };
  }
  return best?.kind;
}
