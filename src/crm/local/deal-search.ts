// Word search over the compact stage-index rows, so a search reads no deal. A deal matches
// when every word of the term is found in its title or its organization's or person's name;
// whole-word matches rank above prefixes, prefixes above fragments, the title above the
// names, and a title that is the term itself ranks first. Case and accents are ignored.

import type { IndexRow } from './local-records.js';

export interface RankedRow<Row extends IndexRow> {
  row: Row;
  score: number;
}

/** A fragment inside a word only counts from this length ("ac" matching "Isaac" is noise). */
const MIN_FRAGMENT_LENGTH = 3;

export function normalizeText(text: string): string {
  // Most titles are plain ASCII; skip the (slow) Unicode decomposition for them.
  // eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included, is the point
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export function wordsOf(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

function wordScore(queryWord: string, words: string[]): number {
  let best = 0;
  for (const word of words) {
    if (word === queryWord) return 3;
    if (word.startsWith(queryWord)) best = Math.max(best, 2);
    else if (queryWord.length >= MIN_FRAGMENT_LENGTH && word.includes(queryWord)) best = Math.max(best, 1);
  }
  return best;
}

/** Matching rows, best first (then open before closed, then most recently updated). */
export function rankRows<Row extends IndexRow>(rows: Iterable<Row>, term: string): Array<RankedRow<Row>> {
  const queryWords = wordsOf(term);
  if (queryWords.length === 0) return [];
  const phrase = queryWords.join(' ');
  const ranked: Array<RankedRow<Row>> = [];
  for (const row of rows) {
    // Every kind of match contains the query word, so a row missing one is out before any
    // splitting into words (most rows of a large CRM leave here).
    const haystack = normalizeText(`${row.title} ${row.organizationName ?? ''} ${row.personName ?? ''}`);
    if (!queryWords.every((queryWord) => haystack.includes(queryWord))) continue;
    const titleWords = wordsOf(row.title);
    const partyWords = wordsOf(`${row.organizationName ?? ''} ${row.personName ?? ''}`);
    let score = 0;
    let everyWordFound = true;
    for (const queryWord of queryWords) {
      // The same kind of match counts twice as much in the title as in a name.
      const found = Math.max(2 * wordScore(queryWord, titleWords), wordScore(queryWord, partyWords));
      if (found === 0) {
        everyWordFound = false;
        break;
      }
      score += found;
    }
    if (!everyWordFound) continue;
    const title = titleWords.join(' ');
    if (title === phrase) score += 100;
    else if (title.startsWith(phrase)) score += 10;
    ranked.push({ row, score });
  }
  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      Number(b.row.status === 'open') - Number(a.row.status === 'open') ||
      b.row.updatedAt - a.row.updatedAt ||
      Number(a.row.id) - Number(b.row.id),
  );
}

/**
 * Names (organizations, persons) matching `term` by the same word rules, best first, then
 * alphabetically: what a search-as-you-type picker offers.
 */
export function rankNames<Named extends { name: string }>(items: Iterable<Named>, term: string): Named[] {
  const queryWords = wordsOf(term);
  if (queryWords.length === 0) return [];
  const phrase = queryWords.join(' ');
  const ranked: Array<{ item: Named; score: number }> = [];
  for (const item of items) {
    const words = wordsOf(item.name);
    let score = 0;
    for (const queryWord of queryWords) {
      const found = wordScore(queryWord, words);
      if (found === 0) {
        score = 0;
        break;
      }
      score += found;
    }
    if (score === 0) continue;
    const name = words.join(' ');
    if (name === phrase) score += 100;
    else if (name.startsWith(phrase)) score += 10;
    ranked.push({ item, score });
  }
  return ranked.sort((a, b) => b.score - a.score || a.item.name.localeCompare(b.item.name)).map(({ item }) => item);
}
