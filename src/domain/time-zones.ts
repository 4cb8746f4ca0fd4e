// The IANA time zones a digest can be scheduled in, and the canonical spelling of a zone a
// person typed ("europe/berlin" → "Europe/Berlin"). The list comes from the runtime's own
// ICU data, so it is the same list luxon resolves against.

import { IANAZone } from 'luxon';

let zones: readonly string[] | undefined;

/** Every zone the runtime knows, sorted, with `UTC` (which `Intl` leaves out of its list). */
export function supportedTimeZones(): readonly string[] {
  zones ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort();
  return zones;
}

/**
 * The canonical name of an IANA zone written in any case, or null when it is not one.
 * Offsets like `+02:00` are refused on purpose: they do not follow DST, so "09:00" would
 * drift by an hour twice a year.
 */
export function canonicalTimeZone(name: string): string | null {
  const trimmed = name.trim();
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed) || /^(?:UTC|GMT)?[+-]/i.test(trimmed)) return null;
  if (!IANAZone.isValidZone(trimmed)) return null;
  const lower = trimmed.toLowerCase();
  const listed = supportedTimeZones().find((z) => z.toLowerCase() === lower);
  if (listed) return listed;
  // Links the list leaves out (`US/Eastern`, `Asia/Calcutta`): keep the name Intl resolves them to.
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
