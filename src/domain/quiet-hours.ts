// When an alert subscription's quiet hours hold its alerts: `from`–`to` on the wall clock of
// an IANA zone, spanning midnight when `from` is after `to` (22:00–07:00). Worked out from
// the wall clock each day, so a night that loses or gains an hour to daylight saving still
// ends at 07:00 local time. A wall time that does not exist that day (02:30 on a
// spring-forward night) means the first valid minute after it, as luxon resolves it; one
// that happens twice (a fall-back night) means the first.
//
// Domain: pure.

import { DateTime } from 'luxon';
import type { QuietHours } from './alert-subscription.js';

const HH_MM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of `HH:MM`, or null when it is not a time of day. */
export function minutesOfDay(text: string): number | null {
  const match = HH_MM.exec(text.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Whether `quiet` can be used: both times read, they differ, the zone is known. */
export function quietHoursValid(quiet: QuietHours): boolean {
  const from = minutesOfDay(quiet.from);
  const to = minutesOfDay(quiet.to);
  return from !== null && to !== null && from !== to && DateTime.now().setZone(quiet.zone).isValid;
}

function wallTime(day: DateTime, minutes: number): DateTime {
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: day.zone },
  );
}

/**
 * The quiet span `at` falls in, as instants, or null when `at` is outside quiet hours (or the
 * quiet hours cannot be read: nothing is held by a setting that makes no sense).
 */
export function quietSpanAt(quiet: QuietHours | null, at: DateTime): { start: DateTime; end: DateTime } | null {
  if (!quiet) return null;
  const from = minutesOfDay(quiet.from);
  const to = minutesOfDay(quiet.to);
  const local = at.setZone(quiet.zone);
  if (from === null || to === null || from === to || !local.isValid) return null;
  // The span starting yesterday may still be running (22:00–07:00 at 03:00); then today's.
  for (const offset of [-1, 0]) {
    const day = local.startOf('day').plus({ days: offset });
    const start = wallTime(day, from);
    const end = wallTime(from < to ? day : day.plus({ days: 1 }), to);
    if (start <= at && at < end) return { start, end };
  }
  return null;
}

/** Whether alerts are held at `at`. */
export function inQuietHours(quiet: QuietHours | null, at: DateTime): boolean {
  return quietSpanAt(quiet, at) !== null;
}
