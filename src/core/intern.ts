/**
 * A copy of `s` that holds only its own characters. Text cut out of a larger string (as an XML
 * parser cuts cell text out of the chunk it is reading) may keep that whole chunk alive for as long
 * as the text lives: kept for every row of a large sheet, that is the whole sheet's XML. V8 copies
 * short strings anyway; longer ones are copied here by flattening a concatenation.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

/**
 * Short texts kept once each (`active`, `monthly`, an offer or MPN ID, a customer domain…), this many
 * distinct ones at a time. When the table is full it starts again empty, and a text kept before is
 * kept again the next time it is seen: a text that stopped being kept once the table was full (a
 * hundred thousand customer domains, each on ten subscriptions) would be a new string on every row
 * from then on: half the memory of a million stored subscriptions.
 */
const MAX_ENTRIES = 65_536;
const MAX_LENGTH = 24;
const kept = new Map<string, string>();

/** The kept copy of a short text (kept now if new). */
function keptCopy(s: string): string {
  const known = kept.get(s);
  if (known !== undefined) return known;
  const own = ownString(s);
  if (kept.size >= MAX_ENTRIES) kept.clear();
  kept.set(own, own);
  return own;
}

/**
 * One string object for each short text that a million rows repeat: a sheet or a store holds a few
 * dozen distinct statuses, billing cycles and offer IDs, which read separately are millions of
 * strings, each one more object for every garbage collection to walk for as long as the run keeps
 * them. Longer texts come back as they are.
 */
export function internString(s: string): string {
  return s.length > MAX_LENGTH ? s : keptCopy(s);
}

/**
 * `make`, remembered for up to `limit` distinct keys at a time, the way kept texts are (the table starts
 * again empty when full): for values a million rows ask for from a handful of keys (a run's term ends,
 * its stored times).
 */
export function remembered<K, V>(make: (key: K) => V, limit = MAX_ENTRIES): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      if (known.size >= limit) known.clear();
      known.set(key, (value = make(key)));
    }
    return value;
  };
}

/** `internString` for text cut out of a larger string: a longer text comes back as its own copy. */
export function internOwnString(s: string): string {
  return s.length > MAX_LENGTH ? ownString(s) : keptCopy(s);
}
