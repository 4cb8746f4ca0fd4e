import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { composeDigest, createDigestBuilder, type DigestInput } from '../../src/services/pipeline-digest.js';
import { digestRenderer } from '../../src/ui/digest-message.js';
import type { DigestRun } from '../../src/domain/digest-schedule.js';
import { renderDigestJob } from '../../src/runtime/digest-job.js';
import { snapshotOf } from '../../src/store/digest-snapshot.js';
import { DIGEST_SECTIONS } from '../../src/domain/digest-schedule.js';
import { CrmNotFoundError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { assertWithinBlockKitLimits, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { createFakeCrm, deal, salesPipeline, salesStages } from '../helpers/digest-fake-crm.js';
import { createClock, schedule } from '../runtime/scheduler-harness.js';

const ZONE = 'Europe/Berlin';
/** Tuesday 2026-03-10, 09:00 in Berlin; the previous digest read the CRM a day earlier. */
const NOW = DateTime.fromISO('2026-03-10T09:00:00', { zone: ZONE });
const BEFORE = NOW.minus({ days: 1 });
const RUN: DigestRun = { trigger: 'schedule', slot: NOW, late: false, missedSlots: 1 };
const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** What the CRM holds now, and what the previous digest saw. */
function scenario() {
  const recent = BEFORE.plus({ hours: 3 });
  const open = [
    deal('1', { title: 'Moved ahead', stageId: '3', updatedAt: recent }),
    deal('2', { title: 'Moved back', stageId: '2', updatedAt: recent }),
    deal('5', { title: 'Brand new', stageId: '1', createdAt: recent, updatedAt: recent, value: eur(7000) }),
    deal('7', { title: 'Reopened', stageId: '2', updatedAt: recent }),
    deal('9', { title: 'Closes Thursday', stageId: '4', expectedCloseDate: '2026-03-12', value: eur(20000), probability: 50 }),
    deal('10', { title: 'Was due last week', stageId: '3', expectedCloseDate: '2026-03-05', value: eur(4000) }),
    deal('11', { title: 'Forgotten', stageId: '2', updatedAt: NOW.minus({ days: 40 }) }),
    deal('12', { title: 'Closes in a week', stageId: '4', expectedCloseDate: '2026-03-17', value: eur(3000) }),
    deal('13', { title: 'Closes in eight days', stageId: '4', expectedCloseDate: '2026-03-18', value: eur(3000) }),
    deal('14', { title: 'In another currency', stageId: '1', value: { amount: 500, currency: 'USD' } }),
  ];
  const closed = [
    deal('3', { title: 'Big win', status: 'won', stageId: '4', value: eur(50000), closedAt: recent, updatedAt: recent }),
    deal('4', {
      title: 'Lost one',
      status: 'lost',
      stageId: '3',
      value: eur(8000),
      lostReason: 'Price too high',
      closedAt: recent,
      updatedAt: recent,
    }),
    // Won in February, touched yesterday (a note): not news.
    deal('8', { title: 'Old win', status: 'won', closedAt: NOW.minus({ days: 30 }), updatedAt: recent }),
  ];
  const previous = snapshotOf(
    [
      deal('1', { stageId: '1' }),
      deal('2', { stageId: '3' }),
      deal('3', { stageId: '4' }),
      deal('4', { stageId: '3' }),
      deal('6', { stageId: '2' }),
      deal('7', { status: 'lost', stageId: '2' }),
      deal('9', { stageId: '4' }),
      deal('10', { stageId: '3' }),
      deal('11', { stageId: '2' }),
      deal('12', { stageId: '4' }),
      deal('13', { stageId: '4' }),
      deal('14', { stageId: '1' }),
    ],
    BEFORE,
  );
  return { open, closed, previous };
}

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  const { open, closed, previous } = scenario();
  return {
    pipeline: salesPipeline,
    stages: salesStages,
    openDeals: open,
    closedDeals: closed,
    previous,
    crmName: 'Pipedrive',
    zone: ZONE,
    now: NOW,
    run: RUN,
    sections: DIGEST_SECTIONS,
    staleDays: 14,
    ...overrides,
  };
}

const ids = (list: { top: Array<{ id: string }> }) => list.top.map((d) => d.id);

describe('composeDigest', () => {
  it('tells what changed since the last digest by comparing with its snapshot', () => {
    const { digest } = composeDigest(input());
    const changes = digest.changes;
    expect(changes?.since.toMillis()).toBe(BEFORE.toMillis());
    expect(ids(changes!.added)).toEqual(['5']);
    expect(changes!.moved.top.map((m) => [m.deal.id, m.from?.name, m.to?.name, m.forward])).toEqual([
      ['1', 'Lead in', 'Proposal made', true],
      ['2', 'Proposal made', 'Qualified', false],
    ]);
    expect(ids(changes!.won)).toEqual(['3']);
    expect(changes!.won.values).toEqual([eur(50000)]);
    expect(ids(changes!.lost)).toEqual(['4']);
    expect(changes!.lost.top[0]?.lostReason).toBe('Price too high');
    expect(ids(changes!.reopened)).toEqual(['7']);
    expect(changes!.left).toBe(1);
  });

  it('lists deals closing within 7 days, overdue deals and stale deals, most urgent first', () => {
    const { digest } = composeDigest(input());
    expect(ids(digest.closingSoon)).toEqual(['9', '12']);
    expect(digest.closingSoon.values).toEqual([eur(23000)]);
    expect(ids(digest.overdue)).toEqual(['10']);
    expect(ids(digest.stale)).toEqual(['11']);
    expect(composeDigest(input({ staleDays: 60 })).digest.stale.total).toBe(0);
  });

  it('forecasts the month: won so far plus the weighted value of deals expected to close in it', () => {
    const { digest } = composeDigest(input());
    expect(digest.forecast.period.label).toBe('March 2026');
    // Won in March: deal 3 (50,000). Deal 8 was won in February.
    expect(digest.forecast.won).toEqual({ count: 1, values: [eur(50000)] });
    // Expected in March: 9 (20,000 × 50%), 10 (4,000 × Proposal's 60%), 12 and 13 (3,000 × Negotiation's 80% each).
    expect(digest.forecast.expected.count).toBe(4);
    expect(digest.forecast.expected.weighted).toEqual([eur(10000 + 2400 + 2400 + 2400)]);
    expect(digest.forecast.total).toEqual([eur(50000 + 17200)]);
  });

  it('has no changes on the channel’s first digest', () => {
    expect(composeDigest(input({ previous: null })).digest.changes).toBeNull();
  });

  it('is quiet when nothing changed and nothing is closing, overdue or stale', () => {
    const calm = [deal('1', { stageId: '2' }), deal('2', { stageId: '3', expectedCloseDate: '2026-04-30' })];
    const { digest } = composeDigest(input({ openDeals: calm, closedDeals: [], previous: snapshotOf(calm, BEFORE) }));
    expect(digest.quiet).toBe(true);
    expect(digest.board.totals.count).toBe(2);
    // A stale deal is news only when the digest shows stale deals.
    const stale = [deal('1', { updatedAt: NOW.minus({ days: 30 }) })];
    const base = { openDeals: stale, closedDeals: [], previous: snapshotOf(stale, BEFORE) };
    expect(composeDigest(input(base)).digest.quiet).toBe(false);
    expect(composeDigest(input({ ...base, sections: ['board', 'changes'] })).digest.quiet).toBe(true);
  });

  it('does not claim deals left the pipeline when it read only the first deals', () => {
    expect(composeDigest(input({ truncated: true })).digest.changes?.left).toBe(0);
  });

  it('remembers every deal it saw, open and closed, as the next digest’s baseline', () => {
    const { snapshot } = composeDigest(input());
    expect(snapshot.at.toMillis()).toBe(NOW.toMillis());
    expect(snapshot.deals.get('1')).toEqual(['3', 'open', 1000, 'EUR']);
    expect(snapshot.deals.get('4')).toEqual(['3', 'lost', 8000, 'EUR']);
    expect(snapshot.deals.has('6')).toBe(false);
  });
});

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('createDigestBuilder', () => {
  async function setUp(renderChart = vi.fn(async () => Buffer.from('png'))) {
    const store = await createStore('memory://');
    stores.push(store);
    const crm = createFakeCrm({ pageSize: 3 });
    const clock = createClock(NOW);
    const raw = createDigestBuilder({ crm, store, now: clock.now });
    // The builder hands over data; the scheduler's Slack side draws it (runtime/digest-job.ts), as here.
    const render = { ...digestRenderer, drawChart: renderChart };
    const builder = {
      raw,
      compose: raw.compose,
      build: async (sub: Parameters<typeof raw.build>[0], run: DigestRun) => renderDigestJob(await raw.build(sub, run), { render }),
    };
    return { store, crm, clock, builder, renderChart };
  }

  it('shows what changed from one digest to the next, once the first was committed', async () => {
    const { crm, clock, builder } = await setUp();
    crm.put(deal('1', { title: 'Acme', stageId: '1', updatedAt: BEFORE }), deal('2', { title: 'Globex', stageId: '2', updatedAt: BEFORE }));
    const sub = schedule(BEFORE, { channelId: 'C0SALES' });

    const first = await builder.build(sub, RUN);
    expect(mrkdwnTexts(first.message).join('\n')).toContain('first digest of this pipeline here');
    await first.commit();

    clock.advance({ days: 1 });
    crm.put(
      deal('1', { title: 'Acme', stageId: '3', updatedAt: clock.now() }),
      deal('2', { title: 'Globex', status: 'won', stageId: '2', value: eur(9000), closedAt: clock.now(), updatedAt: clock.now() }),
    );
    const second = await builder.build(sub, { ...RUN, slot: clock.now() });
    const text = mrkdwnTexts(second.message).join('\n');
    expect(text).toContain('What changed since');
    expect(text).toMatch(/Won\* · 1 deal · €9,000/);
    expect(text).toContain('Lead in → Proposal made');
    assertWithinBlockKitLimits(second.message);
  });

  it('compares with the last posted digest when a later one was never committed', async () => {
    const { crm, clock, builder } = await setUp();
    crm.put(deal('1', { stageId: '1', updatedAt: BEFORE }));
    const sub = schedule(BEFORE);
    await (await builder.build(sub, RUN)).commit();
    clock.advance({ days: 1 });
    crm.put(deal('1', { stageId: '2', updatedAt: clock.now() }));
    // This one failed to post, so it was not committed.
    await builder.build(sub, RUN);
    clock.advance({ days: 1 });
    const third = await builder.compose(sub, RUN);
    expect(third.digest.changes?.moved.total).toBe(1);
  });

  it('reads open deals and the month’s closed deals, following every page', async () => {
    const { crm, builder } = await setUp();
    for (let i = 1; i <= 10; i += 1) crm.put(deal(String(i)));
    const { digest } = await builder.compose(schedule(BEFORE), RUN);
    expect(digest.board.totals.count).toBe(10);
    const queries = crm.calls.listDeals.filter((q) => !q.cursor);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ pipelineId: '1', status: ['open'] });
    expect(queries[0]?.updatedSince).toBeUndefined();
    expect(queries[1]).toMatchObject({ pipelineId: '1', status: ['won', 'lost'] });
    expect(queries[1]?.updatedSince?.toMillis()).toBe(NOW.startOf('month').toMillis());
    // Three to a page: four pages of open deals.
    expect(crm.calls.listDeals.filter((q) => q.status?.includes('open'))).toHaveLength(4);
  });

  it('asks for closed deals since the last digest when that is before the month began', async () => {
    const { crm, clock, builder } = await setUp();
    clock.set(DateTime.fromISO('2026-02-27T09:00:00', { zone: ZONE }));
    const sub = schedule(clock.now());
    await (await builder.build(sub, RUN)).commit();
    clock.set(DateTime.fromISO('2026-03-02T09:00:00', { zone: ZONE }));
    crm.calls.listDeals.length = 0;
    await builder.compose(sub, RUN);
    const closedQuery = crm.calls.listDeals.find((q) => q.status?.includes('won'));
    expect(closedQuery?.updatedSince?.toISO()).toBe('2026-02-27T08:00:00.000Z');
  });

  it('uses the default pipeline when the schedule names none, and fails clearly when its pipeline is gone', async () => {
    const { builder } = await setUp();
    expect((await builder.compose(schedule(BEFORE), RUN)).digest.pipeline.name).toBe('Sales');
    await expect(builder.build(schedule(BEFORE, { pipelineId: '99' }), RUN)).rejects.toBeInstanceOf(CrmNotFoundError);
  });

  it('attaches a chart when there is value to draw, and none for a quiet pipeline or when the chart is off', async () => {
    const { crm, builder, renderChart } = await setUp();
    crm.put(deal('1', { expectedCloseDate: '2026-03-11' }));
    const job = await builder.build(schedule(BEFORE), RUN);
    expect(job.chart).toMatchObject({ filename: 'pipeline-digest-2026-03-10.png', title: 'Sales: open value by stage (2026-03-10)' });
    expect(mrkdwnTexts(job.message).join('\n')).toContain('chart of open value by stage attached');
    expect(renderChart).toHaveBeenCalledTimes(1);

    const noChart = await builder.build(schedule(BEFORE, { sections: ['board', 'closingSoon'] }), RUN);
    expect(noChart.chart).toBeNull();
    expect((await builder.raw.build(schedule(BEFORE), RUN)).withChart).toBe(true);
    expect((await builder.raw.build(schedule(BEFORE, { sections: ['board', 'closingSoon'] }), RUN)).withChart).toBe(false);
    // The use case only decides; drawing is the Slack side's (the chart was drawn once, above).
    expect(renderChart).toHaveBeenCalledTimes(1);
  });

  it('posts without a picture when the chart fails to render', async () => {
    const { crm, builder } = await setUp(vi.fn(async () => Promise.reject(new Error('no font'))));
    crm.put(deal('1', { expectedCloseDate: '2026-03-11' }));
    const job = await builder.build(schedule(BEFORE), RUN);
    expect(job.chart).toBeNull();
    expect(job.message.blocks.length).toBeGreaterThan(1);
  });

  it('renders a real PNG chart by default', async () => {
    const store = await createStore('memory://');
    stores.push(store);
    const crm = createFakeCrm();
    crm.put(deal('1', { expectedCloseDate: '2026-03-11' }));
    const job = await renderDigestJob(await createDigestBuilder({ crm, store, now: () => NOW }).build(schedule(BEFORE), RUN));
    expect(job.chart?.png.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});
