import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatExpectedClose, formatMoney, formatMoneyTotals, formatRelativeTime, statusLabel } from '../../src/ui/format.js';

describe('formatMoney', () => {
  it('shows whole amounts without decimals and keeps cents', () => {
    expect(formatMoney({ amount: 12000, currency: 'EUR' })).toBe('€12,000');
    expect(formatMoney({ amount: 1250.5, currency: 'USD' })).toBe('$1,250.50');
    expect(formatMoney({ amount: 0.1 + 0.2, currency: 'USD' })).toBe('$0.30');
    expect(formatMoney({ amount: 5000, currency: 'JPY' })).toBe('¥5,000');
  });

  it('follows the locale', () => {
    expect(formatMoney({ amount: 12000, currency: 'EUR' }, 'de-DE')).toBe('12.000\u00A0€');
  });

  it('does not break on a currency code Intl refuses', () => {
    expect(formatMoney({ amount: 12000, currency: 'EURO' })).toBe('12,000 EURO');
  });
});

describe('formatMoneyTotals', () => {
  it('sums per currency in the order they appear', () => {
    const totals = formatMoneyTotals([
      { amount: 10000, currency: 'EUR' },
      { amount: 3000, currency: 'USD' },
      { amount: 2000, currency: 'EUR' },
    ]);
    expect(totals).toBe('€12,000 + $3,000');
  });

  it('shows a dash for nothing', () => {
    expect(formatMoneyTotals([])).toBe('—');
  });
});

describe('formatExpectedClose', () => {
  const now = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });

  it.each([
    ['2026-03-10', 'today', false],
    ['2026-03-11', 'tomorrow', false],
    ['2026-03-09', 'yesterday', true],
    ['2026-03-13', 'in 3 days', false],
    ['2026-03-07', '3 days ago', true],
    ['2026-03-24', 'in 2 weeks', false],
    ['2026-06-10', 'in 3 months', false],
    ['2025-12-10', '3 months ago', true],
    ['2028-03-10', 'in 2 years', false],
  ])('%s is %s', (date, relative, overdue) => {
    expect(formatExpectedClose(date, now)).toMatchObject({ relative, overdue });
  });

  it('reads the date in the viewer’s zone: the same instant is "today" in New York and "yesterday" in Auckland', () => {
    const instant = DateTime.fromISO('2026-03-10T23:30:00', { zone: 'America/New_York' });
    expect(formatExpectedClose('2026-03-10', instant).relative).toBe('today');
    expect(formatExpectedClose('2026-03-10', instant.setZone('Pacific/Auckland'))).toMatchObject({ relative: 'yesterday', overdue: true });
  });

  it('gives the exact date too, with the year only when it is not this year', () => {
    expect(formatExpectedClose('2026-11-25', now).exact).toBe('Nov 25');
    expect(formatExpectedClose('2027-01-05', now).exact).toBe('Jan 5, 2027');
  });

  it('shows a malformed date as it is', () => {
    expect(formatExpectedClose('someday', now)).toEqual({ relative: 'someday', exact: 'someday', overdue: false });
  });
});

describe('formatRelativeTime', () => {
  const now = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });

  it.each([
    [{ seconds: 20 }, 'just now'],
    [{ minutes: 1 }, '1 minute ago'],
    [{ minutes: 5 }, '5 minutes ago'],
    [{ hours: 3 }, '3 hours ago'],
    [{ hours: 20 }, 'yesterday'],
    [{ days: 4 }, '4 days ago'],
    [{ days: 21 }, '3 weeks ago'],
    [{ months: 5 }, '5 months ago'],
  ])('%o before is %s', (ago, expected) => {
    expect(formatRelativeTime(now.minus(ago), now)).toBe(expected);
  });

  it('treats a little clock drift into the future as now', () => {
    expect(formatRelativeTime(now.plus({ seconds: 10 }), now)).toBe('just now');
    expect(formatRelativeTime(now.plus({ minutes: 5 }), now)).toBe('in 5 minutes');
  });

  it('counts days in the viewer’s zone', () => {
    const at = DateTime.fromISO('2026-03-09T23:30:00', { zone: 'UTC' });
    const viewer = DateTime.fromISO('2026-03-10T09:00:00', { zone: 'Asia/Tokyo' });
    // 23:30 UTC is 08:30 in Tokyo on the 10th: the same day, half an hour ago.
    expect(formatRelativeTime(at, viewer)).toBe('30 minutes ago');
    expect(formatRelativeTime(at.minus({ hours: 10 }), viewer)).toBe('yesterday');
  });
});

describe('statusLabel', () => {
  it('labels each status', () => {
    expect(statusLabel('open')).toBe('🟢 Open');
    expect(statusLabel('won')).toBe('🏆 Won');
    expect(statusLabel('lost')).toBe('✖ Lost');
  });
});
