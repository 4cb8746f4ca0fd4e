// The word-level grammar the settings commands share (`/pipeline digest …`, `/pipeline alerts
// …`): splitting what was typed into words with quoted runs kept whole, and reading a word
// that names a time zone.

import { canonicalTimeZone, supportedTimeZones } from '../domain/time-zones.js';

export interface Token {
  text: string;
  /** Typed in quotes: a name, never a keyword. */
  quoted: boolean;
}

/** Words, with a quoted run (`"Sales EU"`, curly quotes too) kept as one; `,` stays on its word. */
export function tokenize(args: string): Token[] {
  const tokens: Token[] = [];
  for (const m of args.matchAll(/["“”«]([^"“”«»]*)["“”»]?|'([^']*)'(?=\s|$)|(\S+)/gu)) {
    const quoted = m[1] ?? m[2];
    if (quoted !== undefined) {
      if (quoted.trim() !== '') tokens.push({ text: quoted.trim().replace(/\s+/g, ' '), quoted: true });
    } else if (m[3]) tokens.push({ text: m[3], quoted: false });
  }
  return tokens;
}

/** What to suggest for a zone not known. */
export type ZoneHint = { kind: 'offset' } | { kind: 'did-you-mean'; zone: string } | { kind: 'none' };

/** A word meant as a time zone: `Europe/Berlin`, `UTC`, `GMT+2` (which is then refused with a hint). */
export function looksLikeZone(word: string): boolean {
  return word.includes('/') || /^(utc|gmt)$/i.test(word) || /^(utc|gmt)[+-]/i.test(word);
}

/** The canonical zone a word names, or why not with what to suggest. */
export function readZone(word: string): { zone: string } | { unknown: string; hint: ZoneHint } {
  const zone = canonicalTimeZone(word);
  return zone ? { zone } : { unknown: word, hint: zoneHint(word) };
}

/** An offset (which does not follow DST), or the zone whose city was typed. */
function zoneHint(typed: string): ZoneHint {
  if (/^(utc|gmt)?[+-]/i.test(typed)) return { kind: 'offset' };
  const city = (typed.split('/').pop() ?? '').toLowerCase().replace(/[\s-]+/g, '_');
  const match = city === '' ? undefined : supportedTimeZones().find((z) => (z.split('/').pop() ?? '').toLowerCase() === city);
  return match ? { kind: 'did-you-mean', zone: match } : { kind: 'none' };
}
