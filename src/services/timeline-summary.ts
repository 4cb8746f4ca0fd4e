// The timeline summary behind `/pipeline timeline`: a pipeline's deals grouped into weeks,
// months or quarters by expected close date, won time or creation time, with open and won
// counts and values per currency for each period.
//
// Periods are read in one IANA zone (the viewer's) and weeks start on Monday (ISO). An
// expected close date is a calendar date with no zone, so "2026-03-31" is March everywhere;
// won and creation times are instants, converted to the zone before they are bucketed, so a
// deal won at 23:30 on Dec 31 in Los Angeles counts in December there and in January in UTC.

import { DateTime, type Zone } from 'luxon';
import type { CrmClient, Deal, DealQuery, Money } from '../crm/port.js';
import type { PeriodBasis, PeriodUnit } from '../parse/pipeline-command.js';
import { collectDeals } from './collect-deals.js';

export type { PeriodBasis, PeriodUnit };

export interface PeriodTotals {
  count: number;
  /** One sum per currency, ordered by currency code; deals without a value only count. */
  values: Money[];
}

export interface PeriodSummary {
  /** The period's first instant, in the summary's zone. */
  start: DateTime;
  /** The next period's first instant (exclusive end), in the summary's zone. */
  end: DateTime;
  /** "Nov 2026", "Q4 2026", "Week of Nov 16" (with the year when it is not the current one). */
  label: string;
  /** The period `now` falls in. */
  current: boolean;
  open: PeriodTotals;
  won: PeriodTotals;
  /** Only filled when grouping by creation time, the one basis that reads lost deals. */
  lost: PeriodTotals;
}

export interface PeriodOptions {
  unit: PeriodUnit;
  /** Number of periods, at least 1. */
  count: number;
  by: PeriodBasis;
  /** IANA zone the periods are read in. An unknown zone falls back to the zone `now` carries. */
  zone: string;
  now: DateTime;
}

export interface TimelineSummary {
  periods: PeriodSummary[];
  /** The deal cap was reached; the counts cover the first deals only. */
  truncated: boolean;
  /** Open or won deals without an expected close date (grouping by close date only). */
  undated: number;
  /** Open deals expected to close before the first period (grouping by close date only). */
  overdue: number;
}

/**
 * Which way the periods run from the current one. Closing dates lie ahead, so `close`
 * starts at the current period and goes forward; wins and creations lie behind, so those
 * end at the current period.
 */
const FORWARD: Record<PeriodBasis, boolean> = { close: true, won: false, created: false };

/** The periods for `options`, oldest first, with empty totals. */
function emptyPeriods(options: PeriodOptions): PeriodSummary[] {
  const now = inZone(options.now, options.zone);
  const current = now.startOf(options.unit);
  const count = Math.max(1, Math.floor(options.count));
  const first = FORWARD[options.by] ? 0 : -(count - 1);
  const periods: PeriodSummary[] = [];
  for (let i = first; i < first + count; i += 1) {
    // Each start is computed from the current period, not by adding to the previous one:
    // luxon keeps the wall-clock time across DST changes, so every start stays midnight.
    const start = current.plus({ [unitPlural(options.unit)]: i });
    const end = current.plus({ [unitPlural(options.unit)]: i + 1 });
    periods.push({
      start,
      end,
      label: periodLabel(start, options.unit, now),
      current: i === 0,
      open: { count: 0, values: [] },
      won: { count: 0, values: [] },
      lost: { count: 0, values: [] },
    });
  }
  return periods;
}

const unitPlural = (unit: PeriodUnit): 'weeks' | 'months' | 'quarters' => `${unit}s`;

function inZone(now: DateTime, zone: string): DateTime {
  const zoned = now.setZone(zone);
  return (zoned.isValid ? zoned : now).setLocale('en-US');
}

function periodLabel(start: DateTime, unit: PeriodUnit, now: DateTime): string {
  switch (unit) {
    case 'month':
      return start.toFormat('LLL yyyy');
    case 'quarter':
      return `Q${start.quarter} ${start.year}`;
    case 'week':
      return `Week of ${start.toFormat(start.year === now.year ? 'LLL d' : 'LLL d, yyyy')}`;
  }
}

/**
 * The calendar day that starts the period a day falls in, as `YYYY-MM-DD`. Comparing days
 * rather than instants keeps calendar dates free of zones and makes DST changes (a 23- or
 * 25-hour day, a midnight that does not exist) irrelevant.
 */
function periodKey(day: DateTime, unit: PeriodUnit): string | null {
  return day.isValid ? day.startOf(unit).toISODate() : null;
}

/** The day a deal counts on for `by`, in `zone`; null when the deal has none. */
function dealDay(deal: Deal, by: PeriodBasis, zone: Zone): DateTime | null {
  switch (by) {
    case 'close': {
      if (!deal.expectedCloseDate) return null;
      // Read in UTC only to get a calendar date; no instant is derived from it.
      const day = DateTime.fromISO(deal.expectedCloseDate, { zone: 'UTC' });
      return day.isValid ? day : null;
    }
    case 'won':
      return deal.status === 'won' && deal.closedAt ? deal.closedAt.setZone(zone) : null;
    case 'created':
      return deal.createdAt.setZone(zone);
  }
}

/** Sums amounts per currency; the result is ordered by currency code so columns line up. */
export function sumByCurrency(values: Iterable<Money>): Money[] {
  const sums = new Map<string, number>();
  for (const m of values) sums.set(m.currency, (sums.get(m.currency) ?? 0) + m.amount);
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, amount]) => ({ currency, amount: Math.round(amount * 100) / 100 }));
}

function tally(deals: Deal[], options: PeriodOptions): { periods: PeriodSummary[]; undated: number; overdue: number } {
  const periods = emptyPeriods(options);
  const zone = periods[0]?.start.zone ?? options.now.zone;
  const byKey = new Map(periods.map((p, index) => [p.start.toISODate(), index]));
  const firstDay = periods[0]?.start.toISODate() ?? '';
  const amounts = periods.map(() => ({ open: [] as Money[], won: [] as Money[], lost: [] as Money[] }));
  let undated = 0;
  let overdue = 0;

  for (const deal of deals) {
    if (options.by === 'close' && deal.status === 'lost') continue;
    const day = dealDay(deal, options.by, zone);
    const key = day ? periodKey(day, options.unit) : null;
    if (key === null) {
      if (options.by === 'close') undated += 1;
      continue;
    }
    const index = byKey.get(key);
    if (index === undefined) {
      if (options.by === 'close' && deal.status === 'open' && key < firstDay) overdue += 1;
      continue;
    }
    const period = periods[index];
    const sums = amounts[index];
    if (!period || !sums) continue;
    period[deal.status].count += 1;
    if (deal.value) sums[deal.status].push(deal.value);
  }

  periods.forEach((period, index) => {
    const sums = amounts[index];
    if (!sums) return;
    period.open.values = sumByCurrency(sums.open);
    period.won.values = sumByCurrency(sums.won);
    period.lost.values = sumByCurrency(sums.lost);
  });
  return { periods, undated, overdue };
}

/**
 * Groups deals into `count` periods. `close` counts open and won deals by expected close
 * date from the current period forward; `won` counts won deals by the time they were won
 * and `created` every deal by its creation time, both ending at the current period.
 */
export function groupDealsByPeriod(deals: Deal[], options: PeriodOptions): PeriodSummary[] {
  return tally(deals, options).periods;
}

export interface TimelineSummaryRequest extends PeriodOptions {
  pipelineId?: string;
  maxDeals?: number;
}

/**
 * Reads only the deals the basis needs, in one paged list: open and won deals for `close`;
 * won deals changed since the first period for `won`, and every deal changed since then for
 * `created` (winning or creating a deal changes it, so nothing that belongs is missed).
 */
export async function buildTimelineSummary(crm: CrmClient, request: TimelineSummaryRequest): Promise<TimelineSummary> {
  const { pipelineId, maxDeals, ...options } = request;
  const first = emptyPeriods(options)[0]?.start;
  const query: Omit<DealQuery, 'cursor'> = pipelineId ? { pipelineId } : {};
  if (options.by === 'close') query.status = ['open', 'won'];
  if (options.by === 'won') query.status = ['won'];
  if (options.by !== 'close' && first) query.updatedSince = first;
  const { deals, truncated } = await collectDeals(crm, query, maxDeals === undefined ? {} : { maxDeals });
  return { ...tally(deals, options), truncated };
}
