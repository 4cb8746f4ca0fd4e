// How values read in Slack: money in its own currency, dates relative to the reader's day
// in the reader's time zone, statuses with a small emoji. Pure: the clock is passed in as
// `now`, already set to the reader's zone.

import { DateTime } from 'luxon';
import type { DealStatus, IsoDate, Money } from '../crm/port.js';

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(locale: string, currency: string, whole: boolean): Intl.NumberFormat {
  const key = `${locale}|${currency}|${whole}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      // Whole amounts read better without ".00"; cents are kept when there are any.
      ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
    });
    moneyFormats.set(key, format);
  }
  return format;
}

/** `€12,000`, `$1,250.50`. A code Intl does not accept is shown after the number. */
export function formatMoney(m: Money, locale = 'en-US'): string {
  const whole = Math.abs(m.amount - Math.round(m.amount)) < 0.005;
  try {
    return moneyFormat(locale, m.currency, whole).format(whole ? Math.round(m.amount) : m.amount);
  } catch {
    // A malformed code from a CRM must not break the card: `12,000 EURO`.
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(m.amount);
    return `${number} ${m.currency}`;
  }
}

/** Sums per currency, in the order currencies first appear: `€12,000 + $3,000`. `—` for none. */
export function formatMoneyTotals(list: Money[], locale = 'en-US'): string {
  const totals = new Map<string, number>();
  for (const m of list) totals.set(m.currency, (totals.get(m.currency) ?? 0) + m.amount);
  if (totals.size === 0) return '—';
  return [...totals].map(([currency, amount]) => formatMoney({ amount, currency }, locale)).join(' + ');
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** `in 3 days` / `3 days ago`. */
const distance = (n: number, unit: string, future: boolean): string => (future ? `in ${plural(n, unit)}` : `${plural(n, unit)} ago`);

/** Whole calendar days from `from`'s day to `to`'s day, both read in `from`'s zone. */
function calendarDays(from: DateTime, to: DateTime): number {
  const a = from.startOf('day');
  const b = to.setZone(from.zone).startOf('day');
  return Math.round(b.diff(a, 'days').days);
}

/** Days, weeks, months or years, whichever reads naturally for a distance of `days` calendar days. */
function relativeDays(days: number, today: DateTime, day: DateTime): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  const future = days > 0;
  const n = Math.abs(days);
  if (n < 14) return distance(n, 'day', future);
  if (n < 60) return distance(Math.floor(n / 7), 'week', future);
  const [early, late] = future ? [today, day] : [day, today];
  const months = Math.floor(late.diff(early, 'months').months);
  if (months < 12) return distance(Math.max(months, 2), 'month', future);
  return distance(Math.floor(months / 12), 'year', future);
}

export interface ExpectedClose {
  /** `today`, `in 3 days`, `2 weeks ago`… relative to the reader's today. */
  relative: string;
  /** The date itself, `Nov 25`, with the year when it is not this year. */
  exact: string;
  /** The date is before the reader's today. */
  overdue: boolean;
}

/**
 * An expected close date (a calendar date, no zone) against the reader's today: "tomorrow"
 * in Auckland can be "today" in New York at the same instant.
 */
export function formatExpectedClose(date: IsoDate, now: DateTime): ExpectedClose {
  const today = now.startOf('day');
  const day = DateTime.fromISO(date, { zone: now.zone, locale: 'en-US' });
  if (!day.isValid) return { relative: date, exact: date, overdue: false };
  const days = calendarDays(today, day);
  return {
    relative: relativeDays(days, today, day),
    exact: formatDay(day, now),
    overdue: days < 0,
  };
}

/** `Nov 25`, or `Nov 25, 2027` outside the reader's current year. */
export function formatDay(day: DateTime, now: DateTime): string {
  const local = day.setZone(now.zone).setLocale('en-US');
  return local.year === now.year ? local.toFormat('LLL d') : local.toFormat('LLL d, yyyy');
}

/** `just now`, `5 minutes ago`, `3 hours ago`, `yesterday`, `4 days ago`… (and the future mirror). */
export function formatRelativeTime(at: DateTime, now: DateTime): string {
  const seconds = now.diff(at, 'seconds').seconds;
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  // Clocks of the CRM and the bot drift a little; a few seconds ahead is still "just now".
  if (abs < 60) return 'just now';
  if (abs < 3600) return distance(Math.floor(abs / 60), 'minute', future);
  const days = calendarDays(now, at);
  if (days === 0) return distance(Math.floor(abs / 3600), 'hour', future);
  return relativeDays(days, now.startOf('day'), at.setZone(now.zone).startOf('day'));
}

const STATUS_LABELS: Record<DealStatus, string> = {
  open: '🟢 Open',
  won: '🏆 Won',
  lost: '✖ Lost',
};

export function statusLabel(status: DealStatus): string {
  return STATUS_LABELS[status];
}
