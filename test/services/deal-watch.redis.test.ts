// The deal watch on replicas sharing the real Redis at 127.0.0.1:6379, each with its own
// connection as separate processes would have: one poll per round whoever ticks, and a change
// seen at the same moment by a webhook on one replica and a poll on another announced once.
// Every run uses its own key namespace and deletes it afterwards. Without Redis, every test
// fails at once saying so.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deal, DealQuery, Page } from '../../src/crm/port.js';
import type { DealEvent } from '../../src/domain/deal-events.js';
import { createLogger } from '../../src/logger.js';
import { createDealWatch, type DealWatch } from '../../src/services/deal-watch.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const T0 = DateTime.fromISO('2026-03-02T09:00:00Z', { zone: 'utc' });

let admin: RedisAdmin | null = null;
const namespaces: string[] = [];
const opened: Store[] = [];
const watches: DealWatch[] = [];

beforeAll(async () => {
  admin = await requireRedis();
});
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
});
afterAll(async () => {
  if (!admin) return;
  for (const namespace of namespaces) {
    const keys: string[] = [];
    for await (const batch of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) keys.push(...batch);
    if (keys.length > 0) await admin.del(keys);
  }
  await admin.close();
});

function sharedCrm(initial: Deal[]) {
  const deals = new Map(initial.map((d) => [d.id, d]));
  let lists = 0;
  const crm = stubCrm('deal-watch on Redis', {
    async listDeals(query: DealQuery): Promise<Page<Deal>> {
      lists += 1;
      const since = query.updatedSince?.toMillis();
      return { items: [...deals.values()].filter((d) => since === undefined || d.updatedAt!.toMillis() >= since), nextCursor: null };
    },
  });
  return { crm, set: (deal: Deal) => deals.set(deal.id, deal), lists: () => lists };
}

async function replicas(count: number, crm: ReturnType<typeof sharedCrm>['crm'], events: DealEvent[]): Promise<DealWatch[]> {
  const namespace = `test-deal-watch-${randomUUID()}`;
  namespaces.push(namespace);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const store = await createStore(REDIS_URL, { namespace });
      opened.push(store);
      const watch = createDealWatch({
        crm,
        store: scopeStore(store, 'T1'),
        now: () => T0,
        logger: createLogger('silent'),
        onEvents: (batch) => {
          events.push(...batch);
        },
        instanceId: `replica-${i}`,
        pollSeconds: 60,
      });
      watches.push(watch);
      return watch;
    }),
  );
}

const deal = (id: string, fields: Partial<Deal> = {}) =>
  buildDeal({ id, title: `Deal ${id}`, createdAt: T0.minus({ days: 3 }), updatedAt: T0.minus({ days: 1 }), ...fields });

describe('deal watch on a shared Redis', () => {
  it('polls once per round across three replicas ticking together, always the same one', async () => {
    const shared = sharedCrm([deal('1'), deal('2')]);
    const events: DealEvent[] = [];
    const watches = await replicas(3, shared.crm, events);

    const rounds: string[][] = [];
    for (let round = 0; round < 4; round += 1) {
      if (round === 2) shared.set(deal('2', { status: 'won', updatedAt: T0 }));
      const reports = await Promise.all(watches.map((w) => w.pollOnce()));
      rounds.push(reports.map((r) => r.result));
    }
    const pollers = rounds.map((results) => results.findIndex((r) => r !== 'elsewhere'));
    expect(rounds.map((results) => results.filter((r) => r !== 'elsewhere').length)).toEqual([1, 1, 1, 1]);
    expect(new Set(pollers).size).toBe(1);
    expect(shared.lists()).toBe(4);
    expect(events.map((e) => [e.kind, e.dealId])).toEqual([['won', '2']]);
  });

  it('announces once a change a webhook on one replica and a poll on another see at the same moment', async () => {
    const shared = sharedCrm([deal('7')]);
    const events: DealEvent[] = [];
    const [a, b] = await replicas(2, shared.crm, events);
    await a!.pollOnce();

    for (let i = 1; i <= 5; i += 1) {
      const changed = deal('7', { stageId: String(10 + i), updatedAt: T0.plus({ minutes: i }) });
      shared.set(changed);
      // The poll's own sighting and the webhook's, diffed at once on two connections.
      await Promise.all([
        a!.ingest([changed], 'poll'),
        b!.ingestPushed({ action: 'change', deal: changed, before: null, at: null, crmUserId: '5' }),
        a!.pollOnce(),
      ]);
    }
    expect(events.map((e) => (e.kind === 'moved' ? e.toStageId : e.kind))).toEqual(['11', '12', '13', '14', '15']);
  });
});
