import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createDigestSchedule, digestScheduleId, dueSlot, nextRunAfter, type DigestFrequency } from '../../src/domain/digest-schedule.js';
import { describeSchedule } from '../../src/ui/digest-words.js';

const at = (iso: string, zone: string): DateTime => DateTime.fromISO(iso, { zone, setZone: true });
const daily = (time: string, zone: string) => ({ frequency: { kind: 'daily' } as DigestFrequency, time, zone });
const weekly = (day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', time: string, zone: string) => ({
  frequency: { kind: 'weekly', day } as DigestFrequency,
  time,
  zone,
});
const weekdays = (time: string, zone: string) => ({ frequency: { kind: 'weekdays' } as DigestFrequency, time, zone });

/** The run as a person in the zone reads it, with its offset, e.g. `2026-03-29T09:00:00.000+02:00`. */
const next = (schedule: Parameters<typeof nextRunAfter>[0], after: DateTime): string => nextRunAfter(schedule, after).toISO() ?? '';

describe('nextRunAfter across DST in Europe/Berlin', () => {
  const zone = 'Europe/Berlin';

  it('keeps 09:00 at 09:00 over the spring-forward night (2026-03-29)', () => {
    expect(next(daily('09:00', zone), at('2026-03-28T09:00:00+01:00', zone))).toBe('2026-03-29T09:00:00.000+02:00');
    expect(next(daily('09:00', zone), at('2026-03-29T09:00:00+02:00', zone))).toBe('2026-03-30T09:00:00.000+02:00');
  });

  it('runs a time that does not exist on the spring-forward day at the first minute after the gap', () => {
    const schedule = daily('02:30', zone);
    expect(next(schedule, at('2026-03-28T02:30:00+01:00', zone))).toBe('2026-03-29T03:00:00.000+02:00');
    expect(next(schedule, at('2026-03-29T03:00:00+02:00', zone))).toBe('2026-03-30T02:30:00.000+02:00');
    expect(next(daily('02:00', zone), at('2026-03-28T12:00:00+01:00', zone))).toBe('2026-03-29T03:00:00.000+02:00');
    expect(next(daily('02:59', zone), at('2026-03-28T12:00:00+01:00', zone))).toBe('2026-03-29T03:00:00.000+02:00');
  });

  it('runs the repeated hour of the fall-back day once, at its first occurrence (2026-10-25)', () => {
    const schedule = daily('02:30', zone);
    const first = next(schedule, at('2026-10-24T02:30:00+02:00', zone));
    expect(first).toBe('2026-10-25T02:30:00.000+02:00');
    // From the first occurrence, and from anywhere inside the repeated hour, the next run is the next day.
    expect(next(schedule, at(first, zone))).toBe('2026-10-26T02:30:00.000+01:00');
    expect(next(schedule, at('2026-10-25T02:45:00+02:00', zone))).toBe('2026-10-26T02:30:00.000+01:00');
    expect(next(schedule, at('2026-10-25T02:15:00+01:00', zone))).toBe('2026-10-26T02:30:00.000+01:00');
  });

  it('keeps 09:00 at 09:00 over the fall-back night', () => {
    expect(next(daily('09:00', zone), at('2026-10-24T09:00:00+02:00', zone))).toBe('2026-10-25T09:00:00.000+01:00');
  });

  it('moves a weekly Sunday 02:30 to 03:00 on the Sunday the clocks spring forward', () => {
    expect(next(weekly('sun', '02:30', zone), at('2026-03-22T02:30:00+01:00', zone))).toBe('2026-03-29T03:00:00.000+02:00');
    expect(next(weekly('sun', '02:30', zone), at('2026-03-29T03:00:00+02:00', zone))).toBe('2026-04-05T02:30:00.000+02:00');
  });
});

describe('nextRunAfter across DST in America/New_York', () => {
  const zone = 'America/New_York';

  it('keeps 09:00 at 09:00 on 2026-03-08 and 2026-11-01', () => {
    expect(next(daily('09:00', zone), at('2026-03-07T09:00:00-05:00', zone))).toBe('2026-03-08T09:00:00.000-04:00');
    expect(next(daily('09:00', zone), at('2026-10-31T09:00:00-04:00', zone))).toBe('2026-11-01T09:00:00.000-05:00');
  });

  it('runs 02:30 at 03:00 on the spring-forward day', () => {
    expect(next(daily('02:30', zone), at('2026-03-07T02:30:00-05:00', zone))).toBe('2026-03-08T03:00:00.000-04:00');
  });

  it('runs the repeated 01:30 once on the fall-back day', () => {
    const schedule = daily('01:30', zone);
    const first = next(schedule, at('2026-10-31T01:30:00-04:00', zone));
    expect(first).toBe('2026-11-01T01:30:00.000-04:00');
    expect(next(schedule, at(first, zone))).toBe('2026-11-02T01:30:00.000-05:00');
  });
});

describe('nextRunAfter across DST in Australia/Sydney', () => {
  const zone = 'Australia/Sydney';

  it('runs the repeated 02:30 once when the clocks go back on 2026-04-05', () => {
    const schedule = daily('02:30', zone);
    const first = next(schedule, at('2026-04-04T02:30:00+11:00', zone));
    expect(first).toBe('2026-04-05T02:30:00.000+11:00');
    expect(next(schedule, at(first, zone))).toBe('2026-04-06T02:30:00.000+10:00');
  });

  it('runs 02:30 at 03:00 when the clocks go forward on 2026-10-04', () => {
    expect(next(daily('02:30', zone), at('2026-10-03T02:30:00+10:00', zone))).toBe('2026-10-04T03:00:00.000+11:00');
    expect(next(daily('09:00', zone), at('2026-10-03T09:00:00+10:00', zone))).toBe('2026-10-04T09:00:00.000+11:00');
  });
});

describe('nextRunAfter over calendar edges', () => {
  it('crosses the year end', () => {
    expect(next(daily('09:00', 'Europe/Berlin'), at('2026-12-31T09:00:00+01:00', 'Europe/Berlin'))).toBe('2027-01-01T09:00:00.000+01:00');
    // Friday 2027-12-31 → Monday 2028-01-03.
    expect(next(weekdays('08:30', 'America/New_York'), at('2027-12-31T08:30:00-05:00', 'America/New_York'))).toBe(
      '2028-01-03T08:30:00.000-05:00',
    );
    expect(next(weekly('sun', '18:00', 'Australia/Sydney'), at('2026-12-27T18:00:00+11:00', 'Australia/Sydney'))).toBe(
      '2027-01-03T18:00:00.000+11:00',
    );
  });

  it('runs on the leap day 2028-02-29 and goes on to March 1st', () => {
    const schedule = daily('09:00', 'Europe/Berlin');
    expect(next(schedule, at('2028-02-28T09:00:00+01:00', 'Europe/Berlin'))).toBe('2028-02-29T09:00:00.000+01:00');
    expect(next(schedule, at('2028-02-29T09:00:00+01:00', 'Europe/Berlin'))).toBe('2028-03-01T09:00:00.000+01:00');
    // 2028-02-29 is a Tuesday.
    expect(next(weekly('tue', '09:00', 'Europe/Berlin'), at('2028-02-22T10:00:00+01:00', 'Europe/Berlin'))).toBe(
      '2028-02-29T09:00:00.000+01:00',
    );
  });

  it('runs weekly on its day across month ends', () => {
    const zone = 'Europe/Berlin';
    expect(next(weekly('mon', '09:00', zone), at('2026-03-30T09:00:00+02:00', zone))).toBe('2026-04-06T09:00:00.000+02:00');
    expect(next(weekly('fri', '09:00', zone), at('2026-01-30T09:00:00+01:00', zone))).toBe('2026-02-06T09:00:00.000+01:00');
    expect(next(weekly('sat', '09:00', zone), at('2026-02-28T09:00:00+01:00', zone))).toBe('2026-03-07T09:00:00.000+01:00');
    expect(next(weekly('thu', '17:00', zone), at('2026-04-30T17:00:01+02:00', zone))).toBe('2026-05-07T17:00:00.000+02:00');
  });

  it('skips weekends for weekdays and runs later the same day when the time has not come', () => {
    const zone = 'Europe/Berlin';
    expect(next(weekdays('08:30', zone), at('2026-03-06T08:30:00+01:00', zone))).toBe('2026-03-09T08:30:00.000+01:00');
    expect(next(weekdays('08:30', zone), at('2026-03-09T07:00:00+01:00', zone))).toBe('2026-03-09T08:30:00.000+01:00');
  });

  it('is strictly after: a run exactly at `after` is not returned again', () => {
    const schedule = daily('09:00', 'UTC');
    const slot = at('2026-05-01T09:00:00Z', 'UTC');
    expect(nextRunAfter(schedule, slot.minus({ milliseconds: 1 })).toMillis()).toBe(slot.toMillis());
    expect(nextRunAfter(schedule, slot).toMillis()).toBe(slot.plus({ days: 1 }).toMillis());
  });

  it('reads `after` in the schedule’s zone whatever zone it carries', () => {
    // 23:30 UTC on May 1st is already May 2nd 01:30 in Berlin.
    expect(next(daily('09:00', 'Europe/Berlin'), at('2026-05-01T23:30:00Z', 'UTC'))).toBe('2026-05-02T09:00:00.000+02:00');
  });
});

describe('nextRunAfter properties', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const frequencies: DigestFrequency[] = [
    { kind: 'daily' },
    { kind: 'weekdays' },
    { kind: 'weekly', day: 'sun' },
    { kind: 'weekly', day: 'wed' },
  ];
  const arbitrary = fc.record({
    zone: fc.constantFrom(...zones),
    frequency: fc.constantFrom(...frequencies),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.constantFrom(0, 15, 30, 59),
    // 2026 through 2028, covering every DST change of those years.
    start: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 11, 31) }),
  });

  it('runs at the wall-clock time (or right after a DST gap), on a matching day, once per day', () => {
    fc.assert(
      fc.property(arbitrary, ({ zone, frequency, hour, minute, start }) => {
        const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
        const schedule = { frequency, time, zone };
        let after: DateTime = DateTime.fromMillis(start, { zone });
        let previousDay = '';
        for (let i = 0; i < 6; i += 1) {
          const run = nextRunAfter(schedule, after);
          expect(run > after).toBe(true);
          const local = run.setZone(zone);
          const wanted = hour * 60 + minute;
          const got = local.hour * 60 + local.minute;
          // Only inside a gap may the run differ, and then it is later the same day, never earlier.
          if (got !== wanted) {
            expect(got).toBeGreaterThan(wanted);
            expect(local.minus({ minutes: 1 }).offset).not.toBe(local.offset);
          }
          if (frequency.kind === 'weekdays') expect(local.weekday).toBeLessThanOrEqual(5);
          if (frequency.kind === 'weekly') expect(local.toFormat('ccc').toLowerCase()).toBe(frequency.day);
          const day = local.toISODate() ?? '';
          expect(day).not.toBe(previousDay);
          previousDay = day;
          const maxGapDays = frequency.kind === 'daily' ? 1 : frequency.kind === 'weekdays' ? 3 : 7;
          expect(run.diff(after, 'hours').hours).toBeLessThanOrEqual(maxGapDays * 24 + 2);
          after = run;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('dueSlot', () => {
  const schedule = daily('09:00', 'Europe/Berlin');

  it('is null before the next run', () => {
    expect(
      dueSlot(schedule, at('2026-03-10T09:00:00+01:00', 'Europe/Berlin'), at('2026-03-11T08:59:59+01:00', 'Europe/Berlin')),
    ).toBeNull();
  });

  it('gives the run that came due', () => {
    const due = dueSlot(schedule, at('2026-03-10T09:00:00+01:00', 'Europe/Berlin'), at('2026-03-11T09:00:30+01:00', 'Europe/Berlin'));
    expect(due?.slot.toISO()).toBe('2026-03-11T09:00:00.000+01:00');
    expect(due?.missed).toBe(1);
  });

  it('after downtime gives only the latest missed run, and counts the missed ones', () => {
    const due = dueSlot(schedule, at('2026-03-07T09:00:00+01:00', 'Europe/Berlin'), at('2026-03-10T12:00:00+01:00', 'Europe/Berlin'));
    expect(due?.slot.toISO()).toBe('2026-03-10T09:00:00.000+01:00');
    expect(due?.missed).toBe(3);
  });

  it('does not walk months of missed runs', () => {
    const due = dueSlot(schedule, at('2025-01-01T09:00:00+01:00', 'Europe/Berlin'), at('2026-03-10T12:00:00+01:00', 'Europe/Berlin'));
    expect(due?.slot.toISO()).toBe('2026-03-10T09:00:00.000+01:00');
    expect(due?.missed).toBeLessThanOrEqual(9);
  });
});

describe('createDigestSchedule', () => {
  const now = at('2026-03-10T10:00:00+01:00', 'Europe/Berlin');

  it('fills in every section, 14 stale days, and an id per channel and pipeline', () => {
    const schedule = createDigestSchedule(
      { channelId: 'C1', pipelineId: null, frequency: { kind: 'daily' }, time: '09:00', zone: 'Europe/Berlin', createdBy: 'U1' },
      now,
    );
    expect(schedule).toMatchObject({ id: digestScheduleId('C1', null), staleDays: 14, paused: false, pipelineName: null });
    expect(schedule.sections).toEqual(['board', 'chart', 'changes', 'closingSoon', 'overdue', 'stale', 'forecast']);
    expect(digestScheduleId('C1', '7')).not.toBe(digestScheduleId('C1', null));
  });

  it('refuses a bad time or zone', () => {
    const base = { channelId: 'C1', pipelineId: null, frequency: { kind: 'daily' } as DigestFrequency, createdBy: 'U1' };
    expect(() => createDigestSchedule({ ...base, time: '24:00', zone: 'UTC' }, now)).toThrow(RangeError);
    expect(() => createDigestSchedule({ ...base, time: '09:00', zone: 'Mars/Olympus' }, now)).toThrow(RangeError);
  });

  it('describes itself in plain words', () => {
    expect(describeSchedule(weekdays('08:30', 'Europe/Berlin'))).toBe('every weekday at 08:30 (Europe/Berlin)');
    expect(describeSchedule(weekly('mon', '09:00', 'UTC'))).toBe('every Monday at 09:00 (UTC)');
  });
});
