import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CrmClient, Deal, DealQuery, Page } from '../../src/crm/port.js';
import {
  buildTimelineSummary,
  groupDealsByPeriod,
  sumByCurrency,
  type PeriodOptions,
  type PeriodSummary,
} from '../../src/services/timeline-summary.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { pageOfDeals } from '../helpers/deal-pages.js';
import { stubCrm } from '../helpers/stub-crm.js';

const utc = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'UTC' });

let nextId = 1;
function deal(overrides: Partial<Deal> = {}): Deal {
  const created = utc('2026-01-10T09:00:00Z');
  return buildDeal({ id: String(nextId++), createdAt: created, updatedAt: created, ...overrides });
}

const wonAt = (iso: string, overrides: Partial<Deal> = {}): Deal =>
  deal({ status: 'won', closedAt: utc(iso), updatedAt: utc(iso), ...overrides });
const createdAt = (iso: string, overrides: Partial<Deal> = {}): Deal => deal({ createdAt: utc(iso), updatedAt: utc(iso), ...overrides });

/** The label of the period each deal was counted in, by basis. */
function countedIn(periods: PeriodSummary[], column: 'open' | 'won' | 'lost' = 'open'): Record<string, number> {
  return Object.fromEntries(periods.filter((p) => p[column].count > 0).map((p) => [p.label, p[column].count]));
}

function group(deals: Deal[], options: Partial<PeriodOptions> & Pick<PeriodOptions, 'now'>): PeriodSummary[] {
  return groupDealsByPeriod(deals, { unit: 'month', count: 6, by: 'close', zone: 'UTC', ...options });
}

describe('groupDealsByPeriod: the periods', () => {
  it('by close date, starts at the current month and goes forward six months by default', () => {
    const periods = group([], { now: utc('2026-11-20T12:00:00Z') });
    expect(periods.map((p) => p.label)).toEqual(['Nov 2026', 'Dec 2026', 'Jan 2027', 'Feb 2027', 'Mar 2027', 'Apr 2027']);
    expect(periods.map((p) => p.current)).toEqual([true, false, false, false, false, false]);
  });

  it('by won or created time, ends at the current period and goes back', () => {
    const won = group([], { by: 'won', unit: 'quarter', count: 4, now: utc('2026-11-20T12:00:00Z') });
    expect(won.map((p) => p.label)).toEqual(['Q1 2026', 'Q2 2026', 'Q3 2026', 'Q4 2026']);
    expect(won.at(-1)?.current).toBe(true);
    const created = group([], { by: 'created', unit: 'week', count: 3, now: utc('2026-11-20T12:00:00Z') });
    expect(created.map((p) => p.label)).toEqual(['Week of Nov 2', 'Week of Nov 9', 'Week of Nov 16']);
  });

  it('starts weeks on Monday, a Sunday still belonging to the week before', () => {
    const sunday = group([], { unit: 'week', count: 1, now: utc('2026-11-22T23:00:00Z') });
    expect(sunday[0]?.label).toBe('Week of Nov 16');
    expect(sunday[0]?.start.weekday).toBe(1);
    const monday = group([], { unit: 'week', count: 1, now: utc('2026-11-23T00:00:00Z') });
    expect(monday[0]?.label).toBe('Week of Nov 23');
  });

  it('names a week of another year with its year', () => {
    const periods = group([], { by: 'created', unit: 'week', count: 2, now: utc('2027-01-02T10:00:00Z') });
    expect(periods.map((p) => p.label)).toEqual(['Week of Dec 21, 2026', 'Week of Dec 28, 2026']);
  });

  it('reads the current period in the given zone, not in the zone of `now`', () => {
    // 2026-12-01T02:00Z is still November 30 in Los Angeles.
    const periods = group([], { zone: 'America/Los_Angeles', count: 1, now: utc('2026-12-01T02:00:00Z') });
    expect(periods[0]?.label).toBe('Nov 2026');
    expect(periods[0]?.start.toISO()).toBe('2026-11-01T00:00:00.000-07:00');
    expect(periods[0]?.end.toISO()).toBe('2026-12-01T00:00:00.000-08:00');
  });

  it('treats a count below one as one', () => {
    expect(group([], { count: 0, now: utc('2026-11-20T12:00:00Z') })).toHaveLength(1);
  });
});

describe('groupDealsByPeriod: expected close dates are calendar dates', () => {
  const now = utc('2026-03-10T12:00:00Z');

  it.each(['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Tokyo', 'America/Los_Angeles'])(
    'puts a deal closing on 2026-03-31 in March and one closing on 2026-04-01 in April in %s',
    (zone) => {
      const periods = group([deal({ expectedCloseDate: '2026-03-31' }), deal({ expectedCloseDate: '2026-04-01' })], { zone, now });
      expect(countedIn(periods)).toEqual({ 'Mar 2026': 1, 'Apr 2026': 1 });
    },
  );

  it('splits January 31 from February 1, and keeps February 29 of a leap year in February', () => {
    const periods = group(
      [
        deal({ expectedCloseDate: '2028-01-31' }),
        deal({ expectedCloseDate: '2028-02-01' }),
        deal({ expectedCloseDate: '2028-02-29' }),
        deal({ expectedCloseDate: '2028-03-01' }),
      ],
      { count: 3, zone: 'America/New_York', now: utc('2028-01-15T12:00:00Z') },
    );
    expect(countedIn(periods)).toEqual({ 'Jan 2028': 1, 'Feb 2028': 2, 'Mar 2028': 1 });
  });

  it('splits quarters at March 31 / April 1 and counts in weeks starting Monday', () => {
    const deals = [deal({ expectedCloseDate: '2026-03-31' }), deal({ expectedCloseDate: '2026-04-01' })];
    expect(countedIn(group(deals, { unit: 'quarter', count: 2, now }))).toEqual({ 'Q1 2026': 1, 'Q2 2026': 1 });
    const sundayMonday = [deal({ expectedCloseDate: '2026-03-29' }), deal({ expectedCloseDate: '2026-03-30' })];
    expect(countedIn(group(sundayMonday, { unit: 'week', count: 4, zone: 'Europe/Berlin', now }))).toEqual({
      'Week of Mar 23': 1,
      'Week of Mar 30': 1,
    });
  });

  it('counts open and won deals with their values per currency, and leaves lost deals out', () => {
    const periods = group(
      [
        deal({ expectedCloseDate: '2026-03-20', value: { amount: 1000, currency: 'EUR' } }),
        deal({ expectedCloseDate: '2026-03-21', value: { amount: 500.25, currency: 'USD' } }),
        deal({ expectedCloseDate: '2026-03-22', value: { amount: 250, currency: 'EUR' } }),
        deal({ expectedCloseDate: '2026-03-23', value: null }),
        deal({ expectedCloseDate: '2026-03-24', status: 'won', value: { amount: 7, currency: 'GBP' } }),
        deal({ expectedCloseDate: '2026-03-25', status: 'lost' }),
      ],
      { now },
    );
    const march = periods[0];
    expect(march?.open).toEqual({
      count: 4,
      values: [
        { amount: 1250, currency: 'EUR' },
        { amount: 500.25, currency: 'USD' },
      ],
    });
    expect(march?.won).toEqual({ count: 1, values: [{ amount: 7, currency: 'GBP' }] });
    expect(march?.lost.count).toBe(0);
  });

  it('leaves out deals without a date, with a malformed date, or outside the periods', () => {
    const periods = group(
      [deal(), deal({ expectedCloseDate: 'soon' }), deal({ expectedCloseDate: '2026-02-28' }), deal({ expectedCloseDate: '2027-01-01' })],
      { now },
    );
    expect(periods.every((p) => p.open.count === 0 && p.won.count === 0)).toBe(true);
  });
});

describe('groupDealsByPeriod: won and creation times are instants read in the zone', () => {
  it('splits weeks around the Berlin spring change (2026-03-29, a 167-hour week)', () => {
    const periods = group(
      [
        createdAt('2026-03-29T01:30:00Z'), // 03:30 CEST, just after the clocks jumped
        createdAt('2026-03-29T21:59:00Z'), // 23:59 CEST on Sunday
        createdAt('2026-03-29T22:00:00Z'), // 00:00 CEST on Monday
      ],
      { by: 'created', unit: 'week', count: 2, zone: 'Europe/Berlin', now: utc('2026-04-01T10:00:00Z') },
    );
    expect(countedIn(periods)).toEqual({ 'Week of Mar 23': 2, 'Week of Mar 30': 1 });
    expect(periods[0]?.end.diff(periods[0].start, 'hours').hours).toBe(167);
    expect(periods[1]?.start.toISO()).toBe('2026-03-30T00:00:00.000+02:00');
  });

  it('splits weeks around the Berlin autumn change (2026-10-25, a 169-hour week)', () => {
    const periods = group([createdAt('2026-10-25T22:59:00Z'), createdAt('2026-10-25T23:00:00Z')], {
      by: 'created',
      unit: 'week',
      count: 2,
      zone: 'Europe/Berlin',
      now: utc('2026-10-28T10:00:00Z'),
    });
    expect(countedIn(periods)).toEqual({ 'Week of Oct 19': 1, 'Week of Oct 26': 1 });
    expect(periods[0]?.end.diff(periods[0].start, 'hours').hours).toBe(169);
  });

  it.each([
    ['2026-03-09T03:30:00Z', 'Week of Mar 2', 'Week of Mar 9'], // Sunday Mar 8, 23:30 EDT
    ['2026-11-02T04:30:00Z', 'Week of Oct 26', 'Week of Nov 2'], // Sunday Nov 1, 23:30 EST
  ])('counts a win at %s in New York in %s (in UTC: %s)', (instant, inNewYork, inUtc) => {
    const options = { by: 'won' as const, unit: 'week' as const, count: 6, now: utc(instant).plus({ days: 14 }) };
    expect(countedIn(group([wonAt(instant)], { ...options, zone: 'America/New_York' }), 'won')).toEqual({ [inNewYork]: 1 });
    expect(countedIn(group([wonAt(instant)], { ...options, zone: 'UTC' }), 'won')).toEqual({ [inUtc]: 1 });
  });

  it('splits weeks around the Sydney changes (2026-04-05 ends DST, 2026-10-04 starts it)', () => {
    const april = group(
      [wonAt('2026-04-05T13:30:00Z'), wonAt('2026-04-05T14:30:00Z')], // Sun 23:30 AEST, Mon 00:30 AEST
      { by: 'won', unit: 'week', count: 2, zone: 'Australia/Sydney', now: utc('2026-04-08T00:00:00Z') },
    );
    expect(countedIn(april, 'won')).toEqual({ 'Week of Mar 30': 1, 'Week of Apr 6': 1 });
    expect(april[0]?.end.diff(april[0].start, 'hours').hours).toBe(169);

    const october = group(
      [wonAt('2026-10-04T12:59:00Z'), wonAt('2026-10-04T13:00:00Z')], // Sun 23:59 AEDT, Mon 00:00 AEDT
      { by: 'won', unit: 'week', count: 2, zone: 'Australia/Sydney', now: utc('2026-10-07T00:00:00Z') },
    );
    expect(countedIn(october, 'won')).toEqual({ 'Week of Sep 28': 1, 'Week of Oct 5': 1 });
    expect(october[0]?.end.diff(october[0].start, 'hours').hours).toBe(167);
  });

  it('counts Dec 31 23:30 in Los Angeles in December and Q4, where UTC already has January and Q1', () => {
    const deals = [createdAt('2027-01-01T07:30:00Z')];
    const now = utc('2027-01-20T12:00:00Z');
    expect(countedIn(group(deals, { by: 'created', count: 2, zone: 'America/Los_Angeles', now }))).toEqual({ 'Dec 2026': 1 });
    expect(countedIn(group(deals, { by: 'created', count: 2, zone: 'UTC', now }))).toEqual({ 'Jan 2027': 1 });
    expect(countedIn(group(deals, { by: 'created', unit: 'quarter', count: 2, zone: 'America/Los_Angeles', now }))).toEqual({
      'Q4 2026': 1,
    });
    expect(countedIn(group(deals, { by: 'created', unit: 'quarter', count: 2, zone: 'UTC', now }))).toEqual({ 'Q1 2027': 1 });
  });

  it('counts February 29, 2028 23:30 in New York in February, where UTC already has March', () => {
    const deals = [wonAt('2028-03-01T04:30:00Z')];
    const now = utc('2028-03-10T12:00:00Z');
    expect(countedIn(group(deals, { by: 'won', count: 2, zone: 'America/New_York', now }), 'won')).toEqual({ 'Feb 2028': 1 });
    expect(countedIn(group(deals, { by: 'won', count: 2, zone: 'UTC', now }), 'won')).toEqual({ 'Mar 2028': 1 });
  });

  it('puts an instant that is Monday in Tokyo and Sunday in Los Angeles in different weeks', () => {
    const instant = DateTime.fromISO('2026-11-16T01:00:00', { zone: 'Asia/Tokyo' }).toUTC().toISO() ?? '';
    const deals = [createdAt(instant)];
    const now = utc('2026-11-18T12:00:00Z');
    expect(countedIn(group(deals, { by: 'created', unit: 'week', count: 2, zone: 'Asia/Tokyo', now }))).toEqual({ 'Week of Nov 16': 1 });
    expect(countedIn(group(deals, { by: 'created', unit: 'week', count: 2, zone: 'America/Los_Angeles', now }))).toEqual({
      'Week of Nov 9': 1,
    });
  });

  it('by won time counts only won deals, by their close time', () => {
    const now = utc('2026-11-20T12:00:00Z');
    const periods = group(
      [
        wonAt('2026-11-02T10:00:00Z', { value: { amount: 10, currency: 'USD' } }),
        wonAt('2026-10-02T10:00:00Z'),
        createdAt('2026-11-03T10:00:00Z'),
        deal({ status: 'lost', closedAt: utc('2026-11-04T10:00:00Z') }),
        deal({ status: 'won', closedAt: null }),
      ],
      { by: 'won', count: 2, now },
    );
    expect(countedIn(periods, 'won')).toEqual({ 'Oct 2026': 1, 'Nov 2026': 1 });
    expect(periods[1]?.won.values).toEqual([{ amount: 10, currency: 'USD' }]);
    expect(periods.every((p) => p.open.count === 0 && p.lost.count === 0)).toBe(true);
  });

  it('by creation time counts open, won and lost deals apart', () => {
    const periods = group(
      [
        createdAt('2026-11-02T10:00:00Z'),
        createdAt('2026-11-03T10:00:00Z', { status: 'won' }),
        createdAt('2026-11-04T10:00:00Z', { status: 'lost' }),
      ],
      { by: 'created', count: 1, now: utc('2026-11-20T12:00:00Z') },
    );
    expect([periods[0]?.open.count, periods[0]?.won.count, periods[0]?.lost.count]).toEqual([1, 1, 1]);
  });

  it('counts every instant in the one period that contains it, in any zone', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns'];
    const now = utc('2026-12-31T12:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2025-10-01T00:00:00Z').toMillis(), max: now.toMillis() }),
        fc.constantFrom(...zones),
        fc.constantFrom('week' as const, 'month' as const, 'quarter' as const),
        (millis, zone, unit) => {
          const at = DateTime.fromMillis(millis, { zone: 'UTC' });
          const periods = group([createdAt(at.toISO() ?? '')], { by: 'created', unit, count: 24, zone, now });
          const holder = periods.filter((p) => p.open.count === 1);
          const containing = periods.filter((p) => p.start <= at && at < p.end);
          expect(holder.map((p) => p.label)).toEqual(containing.map((p) => p.label));
          // Periods tile time: each ends where the next starts.
          periods.slice(1).forEach((p, i) => expect(p.start.equals(periods[i]?.end ?? p.start)).toBe(true));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sumByCurrency', () => {
  it('sums per currency in currency-code order without float noise', () => {
    expect(
      sumByCurrency([
        { amount: 0.1, currency: 'USD' },
        { amount: 0.2, currency: 'USD' },
        { amount: 5, currency: 'EUR' },
      ]),
    ).toEqual([
      { amount: 5, currency: 'EUR' },
      { amount: 0.3, currency: 'USD' },
    ]);
  });
});

/** A CRM fake answering `listDeals` in pages of two, recording every query. */
function fakeCrm(deals: Deal[]): { crm: CrmClient; queries: DealQuery[] } {
  const queries: DealQuery[] = [];
  const crm = stubCrm('the timeline summary', {
    async listDeals(query): Promise<Page<Deal>> {
      queries.push(query);
      return pageOfDeals(deals, query, 2);
    },
  });
  return { crm, queries };
}

describe('buildTimelineSummary', () => {
  const now = DateTime.fromISO('2026-11-20T10:00:00', { zone: 'Europe/Berlin' });

  it('by close date reads open and won deals of the pipeline, all pages, and counts what falls outside', async () => {
    const { crm, queries } = fakeCrm([
      deal({ expectedCloseDate: '2026-11-25' }),
      deal({ expectedCloseDate: '2026-12-01', status: 'won' }),
      deal({ expectedCloseDate: '2026-10-01' }), // overdue
      deal({ expectedCloseDate: '2026-10-01', status: 'won' }), // won earlier: neither counted nor overdue
      deal({ expectedCloseDate: null }),
      deal({ expectedCloseDate: '2026-11-26', status: 'lost' }),
      deal({ expectedCloseDate: '2026-11-27', pipelineId: '2' }),
    ]);
    const summary = await buildTimelineSummary(crm, { pipelineId: '1', unit: 'month', count: 3, by: 'close', zone: 'Europe/Berlin', now });
    expect(queries.map((q) => ({ ...q, cursor: undefined }))).toEqual([
      { pipelineId: '1', status: ['open', 'won'], cursor: undefined },
      { pipelineId: '1', status: ['open', 'won'], cursor: undefined },
      { pipelineId: '1', status: ['open', 'won'], cursor: undefined },
    ]);
    expect(summary.periods.map((p) => [p.label, p.open.count, p.won.count])).toEqual([
      ['Nov 2026', 1, 0],
      ['Dec 2026', 0, 1],
      ['Jan 2027', 0, 0],
    ]);
    expect(summary).toMatchObject({ overdue: 1, undated: 1, truncated: false });
  });

  it('by won time reads only won deals changed since the first period began, in the zone', async () => {
    const { crm, queries } = fakeCrm([wonAt('2026-10-15T10:00:00Z'), wonAt('2026-06-15T10:00:00Z')]);
    const summary = await buildTimelineSummary(crm, { unit: 'month', count: 3, by: 'won', zone: 'Europe/Berlin', now });
    expect(queries).toHaveLength(1);
    expect(queries[0]?.status).toEqual(['won']);
    expect(queries[0]?.updatedSince?.toISO()).toBe('2026-09-01T00:00:00.000+02:00');
    expect(queries[0]?.pipelineId).toBeUndefined();
    expect(summary.periods.map((p) => p.won.count)).toEqual([0, 1, 0]);
  });

  it('by creation time reads deals of every status changed since the first period began', async () => {
    const { crm, queries } = fakeCrm([createdAt('2026-11-02T10:00:00Z', { status: 'lost' })]);
    const summary = await buildTimelineSummary(crm, { pipelineId: '1', unit: 'quarter', count: 2, by: 'created', zone: 'UTC', now });
    expect(queries[0]?.status).toBeUndefined();
    expect(queries[0]?.updatedSince?.toISO()).toBe('2026-07-01T00:00:00.000Z');
    expect(summary.periods.map((p) => p.lost.count)).toEqual([0, 1]);
  });

  it('says when the deal cap cut the reading short', async () => {
    const { crm } = fakeCrm(Array.from({ length: 7 }, () => deal({ expectedCloseDate: '2026-11-25' })));
    const summary = await buildTimelineSummary(crm, { unit: 'month', count: 1, by: 'close', zone: 'UTC', now, maxDeals: 5 });
    expect(summary.truncated).toBe(true);
    expect(summary.periods[0]?.open.count).toBe(5);
  });
});
