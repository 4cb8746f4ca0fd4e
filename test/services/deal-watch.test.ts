import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deal, DealQuery, Page } from '../../src/crm/port.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { seedDemoData } from '../../src/crm/local/seed.js';
import type { DealEvent, DealSnapshot } from '../../src/domain/deal-events.js';
import { createLogger } from '../../src/logger.js';
import { createDealWatch, CURSOR_KEY, SNAPSHOT_KEY_PREFIX, type DealWatchDeps } from '../../src/services/deal-watch.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const T0 = DateTime.fromISO('2026-03-02T09:00:00Z', { zone: 'utc' });
const at = (minutes: number) => T0.plus({ minutes });

/** A CRM whose deals the test changes, listing them as a CRM filtering on its side would, two to a page. */
function fakeCrm(initial: Deal[]) {
  const deals = new Map(initial.map((d) => [d.id, d]));
  const queries: DealQuery[] = [];
  const crm = stubCrm('deal-watch', {
    async listDeals(query: DealQuery): Promise<Page<Deal>> {
      queries.push(query);
      const since = query.updatedSince?.toMillis();
      const matching = [...deals.values()]
        .filter((d) => since === undefined || (d.updatedAt ?? d.createdAt).toMillis() >= since)
        .sort((a, b) => Number(a.id) - Number(b.id));
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = matching.slice(start, start + 2);
      return { items, nextCursor: start + 2 < matching.length ? String(start + 2) : null };
    },
  });
  return {
    crm,
    queries,
    set(deal: Deal) {
      deals.set(deal.id, deal);
    },
  };
}

const deal = (id: string, fields: Partial<Deal> = {}) =>
  buildDeal({ id, title: `Deal ${id}`, createdAt: T0.minus({ days: 10 }), updatedAt: T0.minus({ days: 1 }), ...fields });

let store: Store;
beforeEach(async () => {
  store = await createStore('memory://');
});
afterEach(async () => {
  await store.close();
});

function watchOf(crm: DealWatchDeps['crm'], overrides: Partial<DealWatchDeps> = {}) {
  const events: DealEvent[] = [];
  let clock = at(0);
  const watch = createDealWatch({
    crm,
    store: scopeStore(store, 'T1'),
    now: () => clock,
    logger: createLogger('silent'),
    onEvents: (batch) => {
      events.push(...batch);
    },
    instanceId: 'replica-a',
    pollSeconds: 60,
    ...overrides,
  });
  return {
    watch,
    events,
    tick(minutes: number) {
      clock = clock.plus({ minutes });
    },
  };
}

describe('polling', () => {
  it('records every existing deal on the first poll without announcing any, then announces what changed', async () => {
    const fake = fakeCrm([deal('1'), deal('2'), deal('3')]);
    const { watch, events } = watchOf(fake.crm);

    await expect(watch.pollOnce()).resolves.toEqual({ result: 'baseline', pages: 2, deals: 3, events: 0 });
    expect(events).toEqual([]);
    expect(fake.queries.map((q) => q.updatedSince)).toEqual([undefined, undefined]);
    const snapshot = await scopeStore(store, 'T1').get<DealSnapshot>(`${SNAPSHOT_KEY_PREFIX}2`);
    expect(snapshot).toMatchObject({ dealId: '2', title: 'Deal 2', stageId: '1', status: 'open' });
    // The cursor is the latest change the CRM reported.
    await expect(scopeStore(store, 'T1').get(CURSOR_KEY)).resolves.toBe(T0.minus({ days: 1 }).toISO());

    fake.set(deal('2', { status: 'won', updatedAt: at(1) }));
    fake.set(deal('3', { stageId: '4', updatedAt: at(2) }));
    fake.set(deal('4', { createdAt: at(3), updatedAt: at(3), title: 'Brand new' }));
    const report = await watch.pollOnce();

    expect(report).toMatchObject({ result: 'polled', events: 3 });
    expect(events.map((e) => [e.kind, e.deal.title])).toEqual([
      ['won', 'Deal 2'],
      ['moved', 'Deal 3'],
      ['created', 'Brand new'],
    ]);
    expect(events[1]).toMatchObject({ fromStageId: '1', toStageId: '4', source: 'poll' });
    // Asked only for what changed since the cursor, less the overlap (2 minutes).
    expect(fake.queries.at(-1)?.updatedSince?.toISO()).toBe(T0.minus({ days: 1, minutes: 2 }).toISO());
    await expect(scopeStore(store, 'T1').get(CURSOR_KEY)).resolves.toBe(at(3).toISO());

    // The overlap (2 minutes before the latest change) reads the three again: nothing new, nothing said.
    await expect(watch.pollOnce()).resolves.toMatchObject({ result: 'polled', deals: 3, events: 0 });
    expect(events).toHaveLength(3);
  });

  it('records a deal first seen late (changed, but created before the poll window) without calling it new', async () => {
    const fake = fakeCrm([deal('1')]);
    const { watch, events } = watchOf(fake.crm);
    await watch.pollOnce();
    fake.set(deal('9', { createdAt: T0.minus({ days: 30 }), updatedAt: at(5) }));
    await watch.pollOnce();
    expect(events).toEqual([]);
    fake.set(deal('9', { createdAt: T0.minus({ days: 30 }), updatedAt: at(6), status: 'lost', lostReason: 'Budget' }));
    await watch.pollOnce();
    expect(events.map((e) => [e.kind, e.dealId, e.kind === 'lost' ? e.lostReason : null])).toEqual([['lost', '9', 'Budget']]);
  });

  it('lets exactly one of two replicas sharing a store poll, until the holder stops', async () => {
    const fake = fakeCrm([deal('1')]);
    const a = watchOf(fake.crm, { instanceId: 'replica-a' });
    const b = watchOf(fake.crm, { instanceId: 'replica-b' });

    await expect(a.watch.pollOnce()).resolves.toMatchObject({ result: 'baseline' });
    await expect(b.watch.pollOnce()).resolves.toEqual({ result: 'elsewhere', pages: 0, deals: 0, events: 0 });
    // The holder keeps its lease from one poll to the next.
    await expect(a.watch.pollOnce()).resolves.toMatchObject({ result: 'polled' });
    await expect(b.watch.pollOnce()).resolves.toMatchObject({ result: 'elsewhere' });
    expect(fake.queries).toHaveLength(2);

    await a.watch.stop();
    await expect(b.watch.pollOnce()).resolves.toMatchObject({ result: 'polled' });
  });

  it("keeps a console's cursor, lease and snapshots apart from the bot's on the same store", async () => {
    const fake = fakeCrm([deal('1')]);
    const bot = watchOf(fake.crm, { store: scopeStore(store, 'T1') });
    const consoleWatch = watchOf(fake.crm, { store: scopeStore(store, 'console'), instanceId: 'console' });
    await bot.watch.pollOnce();
    await expect(consoleWatch.watch.pollOnce()).resolves.toMatchObject({ result: 'baseline' });
    fake.set(deal('1', { status: 'won', updatedAt: at(1) }));
    await bot.watch.pollOnce();
    expect(bot.events.map((e) => e.kind)).toEqual(['won']);
    // The console announces in its own namespace only; the bot's snapshots did not hide the change from it.
    await consoleWatch.watch.pollOnce();
    expect(consoleWatch.events.map((e) => e.kind)).toEqual(['won']);
  });

  it('leaves the snapshots as they were when the events could not be handed on, so the next poll says them again with the same ids', async () => {
    const fake = fakeCrm([deal('1')]);
    let fail = true;
    const handed: DealEvent[] = [];
    const { watch } = watchOf(fake.crm, {
      onEvents: (batch) => {
        if (fail) throw new Error('the delivery queue is down');
        handed.push(...batch);
      },
    });
    await watch.pollOnce();
    fake.set(deal('1', { status: 'won', updatedAt: at(1) }));
    await expect(watch.pollOnce()).rejects.toThrow('the delivery queue is down');
    fail = false;
    await watch.pollOnce();
    expect(handed.map((e) => e.id)).toEqual([`1:won:won:${at(1).toISO()}`]);
  });

  it('polls on its timer every CRM_POLL_SECONDS, and not at all with 0', async () => {
    const fake = fakeCrm([deal('1')]);
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const { watch } = watchOf(fake.crm, { setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => undefined });
    watch.start();
    expect(timers.map((t) => t.ms)).toEqual([0]);
    timers[0]!.fn();
    await expect.poll(() => timers.length).toBe(2);
    expect(timers[1]!.ms).toBe(60_000);
    expect(fake.queries).toHaveLength(1);
    await watch.stop();

    const off: unknown[] = [];
    const idle = watchOf(fake.crm, { pollSeconds: 0, setTimer: (fn) => off.push(fn) });
    idle.watch.start();
    expect(off).toEqual([]);
  });
});

describe('forward only', () => {
  it('never rolls a snapshot back: a stale sighting after a newer one says nothing and changes nothing', async () => {
    const { watch, events } = watchOf(stubCrm('forward-only', {}));
    await watch.ingest([deal('5')], 'poll');
    await watch.ingest([deal('5', { status: 'won', updatedAt: at(10) })], 'webhook');
    expect(events.map((e) => e.kind)).toEqual(['won']);

    // A webhook retried late, carrying the deal as it was before it was won.
    await expect(watch.ingest([deal('5', { updatedAt: at(5) })], 'webhook')).resolves.toEqual([]);
    const kept = await scopeStore(store, 'T1').get<DealSnapshot>(`${SNAPSHOT_KEY_PREFIX}5`);
    expect(kept).toMatchObject({ status: 'won', changedAt: at(10).toISO() });

    // The poll then sees the same won state: announced once in all.
    await expect(watch.ingest([deal('5', { status: 'won', updatedAt: at(10) })], 'poll')).resolves.toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('announces a webhook-seen change once when the poll sees it after (the webhook carried no update time)', async () => {
    const fake = fakeCrm([deal('7')]);
    const { watch, events } = watchOf(fake.crm);
    await watch.pollOnce();
    const moved = deal('7', { stageId: '3', updatedAt: at(1) });
    // Pipedrive's v2 webhook deal says `update_time: null`; the webhook's own time stands in.
    await watch.ingestPushed({
      action: 'change',
      deal: { ...moved, updatedAt: null },
      before: deal('7', { updatedAt: null }),
      at: at(1).plus({ milliseconds: 400 }),
      crmUserId: '123',
    });
    expect(events).toEqual([expect.objectContaining({ kind: 'moved', toStageId: '3', source: 'webhook', actor: { crmUserId: '123' } })]);
    fake.set(moved);
    await watch.pollOnce();
    expect(events).toHaveLength(1);
  });

  it('takes a change the webhook saw for a deal it keeps no snapshot of from the webhook\'s "previous"', async () => {
    const { watch, events } = watchOf(stubCrm('previous', {}));
    await watch.ingestPushed({
      action: 'change',
      deal: deal('8', { value: { amount: 5000, currency: 'EUR' }, updatedAt: at(1) }),
      before: deal('8', { updatedAt: at(0) }),
      at: at(1),
      crmUserId: null,
    });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'value', from: { amount: 1000, currency: 'EUR' }, to: { amount: 5000, currency: 'EUR' } }),
    ]);

    // A create says created; a delete forgets the deal and says nothing.
    await watch.ingestPushed({
      action: 'create',
      deal: deal('9', { createdAt: at(2), updatedAt: null }),
      before: null,
      at: at(2),
      crmUserId: '1',
    });
    expect(events.at(-1)).toMatchObject({ kind: 'created', dealId: '9' });
    await watch.ingestPushed({
      action: 'delete',
      deal: null,
      before: deal('9', { createdAt: at(2), updatedAt: null }),
      at: at(3),
      crmUserId: '1',
    });
    await expect(scopeStore(store, 'T1').get(`${SNAPSHOT_KEY_PREFIX}9`)).resolves.toBeUndefined();
    expect(events).toHaveLength(2);
  });
});

describe('on the embedded CRM', () => {
  it('announces a deal won and another moved, by another process sharing the store, once each', async () => {
    const crm = createLocalCrm({ store });
    await seedDemoData(crm, store, DateTime.utc().minus({ hours: 1 }));
    const { watch, events } = watchOf(crm, { now: () => DateTime.utc() });
    await watch.pollOnce();
    expect(events).toEqual([]);

    // "The console" changes two deals through its own client on the same store.
    const elsewhere = createLocalCrm({ store });
    const { items } = await elsewhere.listDeals({ status: ['open'], limit: 2 });
    const [first, second] = items;
    const stages = await elsewhere.listStages(second!.pipelineId);
    const target = stages.find((s) => s.id !== second!.stageId && !s.closes)!;
    await elsewhere.markWon(first!.id);
    await elsewhere.moveDeal(second!.id, target.id);

    await watch.pollOnce();
    expect(events.map((e) => [e.kind, e.deal.title, e.kind === 'moved' ? e.toStageId : null])).toEqual([
      ['won', first!.title, null],
      ['moved', second!.title, target.id],
    ]);
    await watch.pollOnce();
    expect(events).toHaveLength(2);
  });
});
