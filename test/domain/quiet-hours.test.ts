import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { inQuietHours, quietHoursValid, quietSpanAt } from '../../src/domain/quiet-hours.js';

const berlin = { from: '22:00', to: '07:00', zone: 'Europe/Berlin' };
const at = (iso: string, zone = 'Europe/Berlin') => DateTime.fromISO(iso, { zone });
const utc = (t: DateTime | undefined) => t?.toUTC().toISO();

describe('quiet hours', () => {
  it('span midnight: 22:00–07:00 holds at 23:00 and 03:00, not at 07:00 or 21:59', () => {
    expect(inQuietHours(berlin, at('2026-06-10T23:00'))).toBe(true);
    expect(inQuietHours(berlin, at('2026-06-11T03:00'))).toBe(true);
    expect(inQuietHours(berlin, at('2026-06-11T07:00'))).toBe(false);
    expect(inQuietHours(berlin, at('2026-06-10T21:59'))).toBe(false);
    expect(utc(quietSpanAt(berlin, at('2026-06-11T03:00'))?.end)).toBe('2026-06-11T05:00:00.000Z');
  });

  it('within a day: 12:00–13:30 holds at lunch only', () => {
    const lunch = { from: '12:00', to: '13:30', zone: 'America/New_York' };
    expect(inQuietHours(lunch, at('2026-06-10T12:45', 'America/New_York'))).toBe(true);
    expect(inQuietHours(lunch, at('2026-06-10T13:30', 'America/New_York'))).toBe(false);
    expect(inQuietHours(lunch, at('2026-06-10T23:00', 'America/New_York'))).toBe(false);
  });

  it('end at 07:00 local on the night Berlin loses an hour (05:00 UTC, not 06:00)', () => {
    const span = quietSpanAt(berlin, at('2026-03-29T01:30'));
    expect(utc(span?.start)).toBe('2026-03-28T21:00:00.000Z');
    expect(utc(span?.end)).toBe('2026-03-29T05:00:00.000Z');
    expect(span!.end.diff(span!.start, 'hours').hours).toBe(8);
  });

  it('end at 07:00 local on the night New York gains an hour (12:00 UTC, not 11:00)', () => {
    const ny = { from: '22:00', to: '07:00', zone: 'America/New_York' };
    const span = quietSpanAt(ny, DateTime.fromISO('2026-11-01T06:30:00Z'));
    expect(utc(span?.start)).toBe('2026-11-01T02:00:00.000Z');
    expect(utc(span?.end)).toBe('2026-11-01T12:00:00.000Z');
    expect(span!.end.diff(span!.start, 'hours').hours).toBe(10);
  });

  it('starting inside the hour a spring-forward skips begins at the first valid minute', () => {
    const odd = { from: '02:30', to: '04:00', zone: 'Europe/Berlin' };
    // 02:30 does not exist on 2026-03-29 in Berlin: the span starts at 03:30 CEST (luxon moves it forward).
    expect(inQuietHours(odd, DateTime.fromISO('2026-03-29T01:15:00Z'))).toBe(false);
    expect(inQuietHours(odd, DateTime.fromISO('2026-03-29T01:45:00Z'))).toBe(true);
  });

  it('refuses what cannot be read: equal times, a bad time, an unknown zone — and holds nothing', () => {
    expect(quietHoursValid({ from: '22:00', to: '22:00', zone: 'UTC' })).toBe(false);
    expect(quietHoursValid({ from: '25:00', to: '07:00', zone: 'UTC' })).toBe(false);
    expect(quietHoursValid({ from: '22:00', to: '07:00', zone: 'Mars/Olympus' })).toBe(false);
    expect(quietHoursValid(berlin)).toBe(true);
    expect(inQuietHours({ from: '22:00', to: '07:00', zone: 'Mars/Olympus' }, at('2026-06-10T23:00'))).toBe(false);
    expect(inQuietHours(null, at('2026-06-10T23:00'))).toBe(false);
  });
});
