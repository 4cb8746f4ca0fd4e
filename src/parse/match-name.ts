// Forgiving name matching for what people type instead of picking: stages, pipelines,
// subcommands. It forgives case, accents, punctuation, prefixes and small typos, but it
// never guesses: when two names fit equally well the caller gets both and asks.

export type NameMatch<T> =
  { kind: 'match'; item: T; how: 'exact' | 'prefix' | 'typo' } | { kind: 'ambiguous'; candidates: T[] } | { kind: 'none' };

/** Lower case, diacritics stripped, punctuation and symbols turned into spaces, whitespace collapsed. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Finds the item a person meant by `query`. Tried in order, the first rule that fits wins:
 * the exact (normalized) name; a prefix of the name, of one of its words, or of successive
 * words ("needs def" → "Needs defined"); a small typo in the name or one of its words.
 */
export function matchByName<T>(query: string, items: readonly T[], nameOf: (item: T) => string): NameMatch<T> {
  const q = normalizeName(query);
  if (q === '') return { kind: 'none' };
  const named = items.map((item) => ({ item, name: normalizeName(nameOf(item)) }));

  const exact = named.filter((n) => n.name === q);
  if (exact.length > 0) return decide(exact, 'exact');

  const queryWords = q.split(' ');
  const prefixed = named.filter((n) => n.name.startsWith(q) || wordsArePrefixes(queryWords, n.name.split(' ')));
  if (prefixed.length > 0) return decide(prefixed, 'prefix');

  return matchTypo(q, named);
}

interface Named<T> {
  item: T;
  name: string;
}

function decide<T>(found: Named<T>[], how: 'exact' | 'prefix' | 'typo'): NameMatch<T> {
  const [only] = found;
  if (found.length === 1 && only) return { kind: 'match', item: only.item, how };
  return { kind: 'ambiguous', candidates: found.map((f) => f.item) };
}

/** True when the query words are prefixes of successive name words, starting at any word. */
function wordsArePrefixes(queryWords: readonly string[], nameWords: readonly string[]): boolean {
  for (let start = 0; start + queryWords.length <= nameWords.length; start++) {
    if (queryWords.every((w, i) => (nameWords[start + i] ?? '').startsWith(w))) return true;
  }
  return false;
}

/** Longer queries than this are pasted, not typed; a typo search on them would only cost time. */
const MAX_TYPO_QUERY = 64;

function allowedTypos(length: number): number {
  if (length < 3) return 0;
  return length <= 5 ? 1 : 2;
}

function matchTypo<T>(q: string, named: Named<T>[]): NameMatch<T> {
  const qChars = Array.from(q);
  const allowed = allowedTypos(qChars.length);
  if (allowed === 0 || qChars.length > MAX_TYPO_QUERY) return { kind: 'none' };

  const close: Array<Named<T> & { distance: number }> = [];
  for (const n of named) {
    const targets = [n.name, ...n.name.split(' ')];
    let best = Infinity;
    for (const target of targets) best = Math.min(best, typoDistance(qChars, Array.from(target), allowed));
    if (best <= allowed) close.push({ ...n, distance: best });
  }
  if (close.length === 0) return { kind: 'none' };
  close.sort((a, b) => a.distance - b.distance || compareText(a.name, b.name));
  const [first, second] = close;
  if (first && (!second || second.distance > first.distance)) return { kind: 'match', item: first.item, how: 'typo' };
  return { kind: 'ambiguous', candidates: close.map((c) => c.item) };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, the most
 * common typo: "mvoe" is one slip from "move", not two). Returns `limit + 1` as soon as the
 * distance is known to exceed `limit`, so long names cost nothing.
 */
function typoDistance(a: readonly string[], b: readonly string[], limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
