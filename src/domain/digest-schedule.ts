// A channel's digest subscription and the one rule that says when it runs: `nextRunAfter`.
//
// A schedule is a wall-clock time in an IANA zone ("09:00 Europe/Berlin"), so the instant
// moves with DST and 09:00 stays 09:00. Two days a year the wall clock misbehaves, and the
// rule is explicit about both rather than leaving it to luxon (which resolves a repeated
// hour to the earlier instant in one zone and the later in another):
// - a time that does not exist (the spring-forward gap) runs at the first minute after the
//   gap, e.g. 02:30 on 2026-03-29 in Berlin runs at 03:00;
// - a time that happens twice (the fall-back hour) runs once, at its first occurrence.
//
// Schedules are plain JSON (timestamps as ISO strings) because they live in the store.
//
// Domain: pure, no words a person reads (ui/digest-words.ts says a schedule in words), so
// every layer (parse, store, services, ui, the scheduler) may import it.

import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type DigestFrequency = { kind: 'daily' } | { kind: 'weekdays' } | { kind: 'weekly'; day: Weekday };

/** What a digest can show, in the order it shows them. */
export const DIGEST_SECTIONS = ['board', 'chart', 'changes', 'closingSoon', 'overdue', 'stale', 'forecast'] as const;
export type DigestSection = (typeof DIGEST_SECTIONS)[number];

export const DEFAULT_STALE_DAYS = 14;
export const MAX_STALE_DAYS = 365;
export const DEFAULT_DIGEST_TIME = '09:00';

export interface DigestSchedule {
  /** One schedule per channel and pipeline; see `digestScheduleId`. */
  id: string;
  channelId: string;
  /** Null: the CRM's default pipeline, whichever it is when the digest runs. */
  pipelineId: string | null;
  /** The pipeline's name when the schedule was set, for lists and notices that read no CRM. */
  pipelineName: string | null;
  frequency: DigestFrequency;
  /** `HH:MM`, 24-hour, in `zone`. */
  time: string;
  /** IANA zone the time is read in. */
  zone: string;
  sections: DigestSection[];
  /** An open deal unchanged for this many days is stale. */
  staleDays: number;
  /** Slack user id of whoever set it; told when the schedule has to be paused. */
  createdBy: string;
  /** ISO instants. `updatedAt` also marks where the schedule's slots start counting. */
  createdAt: string;
  updatedAt: string;
  paused: boolean;
  /** Why the scheduler paused it (`is_archived`, `not_in_channel`…), for the owner and `list`. */
  pausedReason: string | null;
}

/** Same channel and pipeline, same schedule: setting it again replaces it. */
export function digestScheduleId(channelId: string, pipelineId: string | null): string {
  return `${channelId}.${pipelineId ?? 'default'}`;
}

export interface NewDigestSchedule {
  channelId: string;
  pipelineId: string | null;
  pipelineName?: string | null;
  frequency: DigestFrequency;
  time: string;
  zone: string;
  createdBy: string;
  sections?: DigestSection[];
  staleDays?: number;
}

/** A schedule with defaults filled in, starting now. Throws `RangeError` on a bad time or zone. */
export function createDigestSchedule(input: NewDigestSchedule, now: DateTime): DigestSchedule {
  if (!parseClockTime(input.time)) throw new RangeError(`Not a time of day: ${input.time}`);
  if (!IANAZone.isValidZone(input.zone)) throw new RangeError(`Not an IANA time zone: ${input.zone}`);
  const at = now.toUTC().toISO() ?? new Date().toISOString();
  const sections = input.sections ? DIGEST_SECTIONS.filter((s) => input.sections?.includes(s)) : [...DIGEST_SECTIONS];
  return {
    id: digestScheduleId(input.channelId, input.pipelineId),
    channelId: input.channelId,
    pipelineId: input.pipelineId,
    pipelineName: input.pipelineName ?? null,
    frequency: input.frequency,
    time: input.time,
    zone: input.zone,
    sections,
    staleDays: clampStaleDays(input.staleDays ?? DEFAULT_STALE_DAYS),
    createdBy: input.createdBy,
    createdAt: at,
    updatedAt: at,
    paused: false,
    pausedReason: null,
  };
}

export function clampStaleDays(days: number): number {
  return Number.isFinite(days) ? Math.min(MAX_STALE_DAYS, Math.max(1, Math.round(days))) : DEFAULT_STALE_DAYS;
}

/** `{hour, minute}` of an `HH:MM` (or `H:MM`) 24-hour time, or null. */
export function parseClockTime(time: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

const LUXON_WEEKDAY: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

function runsOn(frequency: DigestFrequency, weekday: number): boolean {
  switch (frequency.kind) {
    case 'daily':
      return true;
    case 'weekdays':
      return weekday <= 5;
    case 'weekly':
      return LUXON_WEEKDAY[frequency.day] === weekday;
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The instant the wall-clock time `hour:minute` on the calendar day `date` (`year`,
 * `month`, `day`) happens in `zone`: its first occurrence when it happens twice, the end
 * of the gap when it does not happen at all.
 */
export function wallClockInstant(
  date: { year: number; month: number; day: number },
  hour: number,
  minute: number,
  zone: IANAZone,
): DateTime {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // A zone changes offset at most once around any given day, so the offsets a day before
  // and a day after are the only ones this wall time can carry.
  const offsets = [...new Set([zone.offset(wall - DAY_MS), zone.offset(wall + DAY_MS)])];
  const instants = offsets.map((offset) => wall - offset * MINUTE_MS).filter((ts) => zone.offset(ts) * MINUTE_MS === wall - ts);
  if (instants.length > 0) return DateTime.fromMillis(Math.min(...instants), { zone });

  // In the gap: the first valid minute is the transition itself. Read with the old offset
  // the wall time lands after it, read with the new one before; search between.
  const [before, after] = offsets.length === 2 ? offsets : [offsets[0] ?? 0, offsets[0] ?? 0];
  let low = wall - (after ?? 0) * MINUTE_MS;
  let high = wall - (before ?? 0) * MINUTE_MS;
  if (low > high) [low, high] = [high, low];
  const newOffset = zone.offset(high);
  while (high - low > MINUTE_MS) {
    const mid = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (zone.offset(mid) === newOffset) high = mid;
    else low = mid;
  }
  return DateTime.fromMillis(high, { zone });
}

/** Beyond a week every frequency has run at least once; a day more covers a DST shift. */
const SEARCH_DAYS = 8;

/**
 * The first time `schedule` runs strictly after `after`, in the schedule's zone. Pure.
 * Throws `RangeError` for a schedule with a bad time or zone (schedules are checked when set).
 */
export function nextRunAfter(schedule: Pick<DigestSchedule, 'frequency' | 'time' | 'zone'>, after: DateTime): DateTime {
  const clock = parseClockTime(schedule.time);
  if (!clock) throw new RangeError(`Not a time of day: ${schedule.time}`);
  const zone = IANAZone.create(schedule.zone);
  if (!zone.isValid) throw new RangeError(`Not an IANA time zone: ${schedule.zone}`);
  const day = after.setZone(zone).startOf('day');
  for (let i = 0; i <= SEARCH_DAYS; i += 1) {
    // `plus({ days })` on a start of day keeps the calendar date right across DST.
    const date = day.plus({ days: i });
    if (!runsOn(schedule.frequency, date.weekday)) continue;
    const slot = wallClockInstant(date, clock.hour, clock.minute, zone);
    if (slot > after) return slot;
  }
  throw new RangeError(`No run of the schedule within ${SEARCH_DAYS} days after ${after.toISO()}`);
}

/**
 * `HH:MM` for `9:00`, `09:00`, `9am`, `9:30 pm`, `21h`; `'bad'` for something shaped like
 * a time that is not one (`25:00`, `13pm`); null for anything else (a bare `9` is not a time).
 */
export function readTimeOfDay(text: string): string | 'bad' | null {
  const compact = text.trim().toLowerCase().replace(/\s+/g, '').replace(/\./g, '');
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm|h)?$/.exec(compact);
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const half = m[3];
  if (half === 'am' || half === 'pm') {
    if (hour < 1 || hour > 12) return 'bad';
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return 'bad';
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** One run of a schedule: which slot, how late. The scheduler makes it, the digest shows it. */
export interface DigestRun {
  /** `schedule`: a slot came due; `now`: someone asked with `/pipeline digest now`. */
  trigger: 'schedule' | 'now';
  /** The slot this digest is for (for `now`, the moment it was asked). */
  slot: DateTime;
  /** Posted well after its slot (Dealbot was down, or retries took long); the digest says so. */
  late: boolean;
  /** Slots that passed since the last digest, this one included; more than one after downtime. */
  missedSlots: number;
}

/**
 * What a failed digest means for its schedule (runtime/digest-failure.ts reads errors into
 * it): `retry` later, `pause` until a person acts, or `skip` this slot only. `code` names
 * the cause (a Slack error code, `pipeline_not_found`, a CRM error code); `detail` is the
 * error's own message, for logs and the owner.
 */
export type DigestFailure =
  | { kind: 'retry'; code: string; detail: string; retryAfterMs: number | null }
  | { kind: 'pause'; code: string; detail: string }
  | { kind: 'skip'; code: string; detail: string };

/**
 * The bot cannot post in the channel because it is not in it (Slack says `channel_not_found`
 * for a private channel it was never invited to): the person is asked to invite it.
 */
export function isNotInChannel(failure: DigestFailure): boolean {
  return failure.code === 'not_in_channel' || failure.code === 'channel_not_found';
}

export interface DueSlot {
  /** The latest run time at or before `now`. */
  slot: DateTime;
  /** How many run times passed since `since`, this one included, counting the last 8 days at most. */
  missed: number;
}

/**
 * The latest run of `schedule` after `since` and at or before `now`, or null when none is
 * due. After downtime only the latest counts: a missed digest is posted once, not once
 * per missed run.
 */
export function dueSlot(schedule: Pick<DigestSchedule, 'frequency' | 'time' | 'zone'>, since: DateTime, now: DateTime): DueSlot | null {
  // Anything older than a week would be skipped anyway; don't walk months of slots.
  const floor = now.minus({ days: SEARCH_DAYS });
  let cursor = since < floor ? floor : since;
  let found: DateTime | null = null;
  let missed = 0;
  for (;;) {
    const next = nextRunAfter(schedule, cursor);
    if (next > now) break;
    found = next;
    missed += 1;
    cursor = next;
  }
  return found ? { slot: found, missed } : null;
}
