import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Deal, DealQuery, Page, Stage } from '../../src/crm/port.js';
import { CrmBadResponseError } from '../../src/errors.js';
import { collectDeals } from '../../src/services/collect-deals.js';
import { aggregateBoard, buildPipelineBoard, dealProbability, type BoardInput } from '../../src/services/pipeline-board.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { pageOfDeals } from '../helpers/deal-pages.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-11-20T10:00:00', { zone: 'Europe/Berlin' });

let nextId = 1;
function deal(overrides: Partial<Deal> = {}): Deal {
  const at = NOW.minus({ days: 30 });
  return buildDeal({ id: String(nextId++), stageId: 's1', createdAt: at, updatedAt: at, ...overrides });
}

const stage = (id: string, order: number, probability: number | null, pipelineId = '1'): Stage => ({
  id,
  pipelineId,
  name: `Stage ${id}`,
  order,
  probability,
});

const STAGES = [stage('s2', 2, 50), stage('s1', 1, 20), stage('s3', 3, null)];

function board(overrides: Partial<BoardInput> = {}) {
  return aggregateBoard({ pipelineId: '1', stages: STAGES, openDeals: [], closedDeals: [], zone: 'Europe/Berlin', now: NOW, ...overrides });
}

describe('aggregateBoard', () => {
  it('lists every stage of the pipeline in order, empty ones included', () => {
    const result = board({ stages: [...STAGES, stage('x', 0, null, '2')] });
    expect(result.stages.map((s) => [s.stage.id, s.count])).toEqual([
      ['s1', 0],
      ['s2', 0],
      ['s3', 0],
    ]);
    expect(result.totals).toEqual({ count: 0, values: [], weighted: [] });
  });

  it('counts, values and weighs open deals per stage and currency', () => {
    const result = board({
      openDeals: [
        deal({ stageId: 's1', value: { amount: 1000, currency: 'EUR' } }), // stage 20% → 200
        deal({ stageId: 's1', value: { amount: 500, currency: 'USD' }, probability: 80 }), // own 80% → 400
        deal({ stageId: 's1', value: null }),
        deal({ stageId: 's3', value: { amount: 300, currency: 'EUR' } }), // no probability anywhere → 100%
      ],
    });
    const [s1, s2, s3] = result.stages;
    expect(s1).toMatchObject({
      count: 3,
      values: [
        { amount: 1000, currency: 'EUR' },
        { amount: 500, currency: 'USD' },
      ],
      weighted: [
        { amount: 200, currency: 'EUR' },
        { amount: 400, currency: 'USD' },
      ],
    });
    expect(s2?.count).toBe(0);
    expect(s3).toMatchObject({ count: 1, values: [{ amount: 300, currency: 'EUR' }], weighted: [{ amount: 300, currency: 'EUR' }] });
    expect(result.totals).toEqual({
      count: 4,
      values: [
        { amount: 1300, currency: 'EUR' },
        { amount: 500, currency: 'USD' },
      ],
      weighted: [
        { amount: 500, currency: 'EUR' },
        { amount: 400, currency: 'USD' },
      ],
    });
  });

  it('uses the deal’s probability, else the stage’s, else 100%, kept within 0–100', () => {
    expect(dealProbability(deal({ probability: 0 }), stage('s', 1, 50))).toBe(0);
    expect(dealProbability(deal({ probability: null }), stage('s', 1, 50))).toBe(50);
    expect(dealProbability(deal({ probability: null }), stage('s', 1, null))).toBe(100);
    expect(dealProbability(deal({ probability: null }), undefined)).toBe(100);
    expect(dealProbability(deal({ probability: 150 }), undefined)).toBe(100);
  });

  it('keeps the top deals of each stage by value, biggest first', () => {
    const amounts = [5, 50, 20, 40, 30];
    const result = board({
      openDeals: [
        ...amounts.map((amount) => deal({ stageId: 's2', title: `D${amount}`, value: { amount, currency: 'EUR' } })),
        deal({ stageId: 's2', value: null }),
      ],
    });
    expect(result.stages[1]?.topDeals.map((d) => d.title)).toEqual(['D50', 'D40', 'D30']);
    expect(board({ openDeals: [deal({ value: null })], topN: 5 }).stages[0]?.topDeals).toHaveLength(1);
    expect(board({ openDeals: [deal()], topN: 0 }).stages[0]?.topDeals).toEqual([]);
  });

  it('counts open deals in a stage it does not know in the totals and apart', () => {
    const result = board({ openDeals: [deal({ stageId: 'gone' }), deal({ stageId: 's1' })] });
    expect(result.elsewhere.count).toBe(1);
    expect(result.totals.count).toBe(2);
    expect(result.stages.reduce((n, s) => n + s.count, 0)).toBe(1);
  });

  it('ignores deals of another pipeline and closed deals in the open list', () => {
    const result = board({ openDeals: [deal({ pipelineId: '2' }), deal({ status: 'won' }), deal()] });
    expect(result.totals.count).toBe(1);
  });

  it('counts what was won and lost this month in the viewer’s zone', () => {
    const berlin = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Berlin' });
    const result = board({
      closedDeals: [
        deal({ status: 'won', closedAt: berlin('2026-11-01T00:30:00'), value: { amount: 10, currency: 'EUR' } }), // Oct 31 23:30 UTC
        deal({ status: 'won', closedAt: berlin('2026-11-19T12:00:00'), value: { amount: 5, currency: 'USD' } }),
        deal({ status: 'won', closedAt: berlin('2026-10-31T23:59:00') }),
        deal({ status: 'lost', closedAt: berlin('2026-11-02T12:00:00'), value: null }),
        deal({ status: 'lost', closedAt: null, updatedAt: berlin('2026-11-03T12:00:00') }),
        deal({ status: 'lost', closedAt: berlin('2026-11-05T12:00:00'), pipelineId: '2' }),
      ],
    });
    expect(result.period.label).toBe('November 2026');
    expect(result.period.start.toISO()).toBe('2026-11-01T00:00:00.000+01:00');
    expect(result.won).toEqual({
      count: 2,
      values: [
        { amount: 10, currency: 'EUR' },
        { amount: 5, currency: 'USD' },
      ],
    });
    expect(result.lost).toEqual({ count: 2, values: [{ amount: 1000, currency: 'EUR' }] });
  });

  it('reads "this month" in the viewer’s zone: a win at Nov 1 00:30 in Berlin is October in New York', () => {
    const closedDeals = [deal({ status: 'won', closedAt: DateTime.fromISO('2026-11-01T00:30:00', { zone: 'Europe/Berlin' }) })];
    expect(board({ closedDeals }).won.count).toBe(1);
    const newYork = board({ closedDeals, zone: 'America/New_York' });
    expect(newYork.won.count).toBe(0);
    expect(newYork.period.start.toISO()).toBe('2026-11-01T00:00:00.000-04:00');
  });
});

/** A CRM fake answering `listDeals` in pages of `pageSize`, recording every call. */
function fakeCrm(deals: Deal[], pageSize = 2) {
  const calls: Array<{ op: string; query?: DealQuery; pipelineId?: string }> = [];
  const crm = stubCrm('the board', {
    async listStages(pipelineId) {
      calls.push({ op: 'listStages', ...(pipelineId ? { pipelineId } : {}) });
      return STAGES.filter((s) => !pipelineId || s.pipelineId === pipelineId);
    },
    async listDeals(query): Promise<Page<Deal>> {
      calls.push({ op: 'listDeals', query });
      return pageOfDeals(deals, query, pageSize);
    },
  });
  return { crm, calls };
}

describe('buildPipelineBoard', () => {
  it('reads the stages once, the open deals of the pipeline once, and won+lost changed this month once', async () => {
    const thisMonth = NOW.minus({ days: 2 });
    const { crm, calls } = fakeCrm(
      [
        deal({ stageId: 's1' }),
        deal({ stageId: 's2' }),
        deal({ stageId: 's2' }),
        deal({ status: 'won', closedAt: thisMonth, updatedAt: thisMonth }),
        deal({ status: 'lost', closedAt: thisMonth, updatedAt: thisMonth }),
        deal({ status: 'won', closedAt: NOW.minus({ months: 3 }), updatedAt: NOW.minus({ months: 3 }) }),
        deal({ stageId: 's1', pipelineId: '2' }),
      ],
      2,
    );
    const result = await buildPipelineBoard(crm, { pipelineId: '1', zone: 'Europe/Berlin', now: NOW });
    expect(result.stages.map((s) => s.count)).toEqual([1, 2, 0]);
    expect([result.won.count, result.lost.count]).toEqual([1, 1]);

    expect(calls.filter((c) => c.op === 'listStages')).toEqual([{ op: 'listStages', pipelineId: '1' }]);
    const lists = calls.flatMap((c) => (c.query ? [c.query] : []));
    const open = lists.filter((q) => q.status?.join() === 'open');
    const closed = lists.filter((q) => q.status?.join() === 'won,lost');
    expect(open.map((q) => q.cursor)).toEqual([null, '2']);
    expect(open.every((q) => q.pipelineId === '1' && q.updatedSince === undefined)).toBe(true);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.pipelineId).toBe('1');
    expect(closed[0]?.updatedSince?.toISO()).toBe('2026-11-01T00:00:00.000+01:00');
    expect(lists).toHaveLength(open.length + closed.length);
  });

  it('counts every deal however many pages they take, with no cap', async () => {
    const { crm, calls } = fakeCrm(
      Array.from({ length: 2_501 }, () => deal()),
      100,
    );
    const result = await buildPipelineBoard(crm, { pipelineId: '1', zone: 'UTC', now: NOW });
    expect(result.truncated).toBe(false);
    expect(result.totals.count).toBe(2_501);
    // 26 pages of open deals, one of closed ones: each page read once.
    expect(calls.filter((c) => c.op === 'listDeals')).toHaveLength(27);
  });
});

describe('collectDeals', () => {
  it('follows the cursor to the last page and asks for no page size of its own', async () => {
    const { crm, calls } = fakeCrm(
      Array.from({ length: 5 }, () => deal()),
      2,
    );
    const { deals, truncated } = await collectDeals(crm, { status: ['open'] });
    expect(deals).toHaveLength(5);
    expect(truncated).toBe(false);
    expect(calls.map((c) => c.query?.cursor)).toEqual([null, '2', '4']);
    expect(calls.every((c) => c.query?.limit === undefined)).toBe(true);
  });

  it('stops at the cap and says so, but not when the cap is exactly the number of deals', async () => {
    const five = Array.from({ length: 5 }, () => deal());
    const capped = await collectDeals(fakeCrm(five, 2).crm, {}, { maxDeals: 3 });
    expect([capped.deals.length, capped.truncated]).toEqual([3, true]);
    const exact = await collectDeals(fakeCrm(five, 5).crm, {}, { maxDeals: 5 });
    expect([exact.deals.length, exact.truncated]).toEqual([5, false]);
  });

  it('counts a deal that shows up on two pages once', async () => {
    const d = deal();
    const { crm } = fakeCrm([d, deal(), d], 2);
    expect((await collectDeals(crm, {})).deals).toHaveLength(2);
  });

  it('refuses a CRM that hands back a cursor it already gave instead of paging forever', async () => {
    const { crm } = fakeCrm([]);
    crm.listDeals = async () => ({ items: [deal()], nextCursor: 'same' });
    await expect(collectDeals(crm, {})).rejects.toBeInstanceOf(CrmBadResponseError);
  });
});
