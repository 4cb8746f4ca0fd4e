// Two alert deliveries (two replicas, each with its own connection) on one real Redis: both
// queue the same changes (a webhook on one, a poll on the other) and both deliver at once.
// Every channel gets each change exactly once, one message a second at most; and when a
// replica dies mid-post (Slack took the message, the ts never recorded), the other takes the
// channel over when the lease lapses — by Redis's own clock — without posting it again.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAlertStore } from '../../src/store/alert-store.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';
import {
  alertSubscription,
  createClock,
  createFakeSlack,
  createTestDelivery,
  dealEvent,
  saveSubscriptions,
} from '../services/alert-harness.js';

const namespace = `dealbot-test-alerts-${randomUUID().slice(0, 8)}`;
const WORKSPACE = 'slack:T0ALERTS';
const T0 = DateTime.fromISO('2026-03-09T08:00:00Z', { zone: 'utc' });
let admin: RedisAdmin | undefined;
const opened: Store[] = [];

beforeAll(async () => {
  admin = await requireRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  if (!admin) return;
  for await (const keys of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

/** A replica's own connection to the shared Redis, scoped to the workspace. */
async function replicaStore(run: string): Promise<Store> {
  const store = await createStore(REDIS_URL, { namespace: `${namespace}-${run}` });
  opened.push(store);
  return scopeStore(store, WORKSPACE);
}

describe('two replicas on one Redis', () => {
  it('deliver each change to each channel exactly once, one message a second at most', async () => {
    const run = randomUUID().slice(0, 8);
    const [storeA, storeB] = await Promise.all([replicaStore(run), replicaStore(run)]);
    const clock = createClock(T0);
    const a = createFakeSlack(clock, 'replica-a');
    const b = createFakeSlack(clock, 'replica-b', a);
    const replicaA = createTestDelivery(storeA, clock, a, { instanceId: 'replica-a' });
    const replicaB = createTestDelivery(storeB, clock, b, { instanceId: 'replica-b' });
    const channels = ['C0ONE', 'C0TWO', 'C0THREE'];
    await saveSubscriptions(
      storeA,
      ...channels.map((channelId) => alertSubscription(channelId, { target: { kind: 'channel', channelId } })),
    );
    const events = Array.from({ length: 12 }, (_, i) => dealEvent(String(100 + i), { kind: i % 2 ? 'won' : 'created' }));
    // A webhook on one replica and a poll on the other see the same changes.
    const [queuedA, queuedB] = await Promise.all([replicaA.enqueue(events), replicaB.enqueue(events)]);
    expect(queuedA.queued + queuedB.queued).toBe(events.length * channels.length);

    const results: string[] = [];
    for (let round = 0; round < 40; round += 1) {
      const targets = channels.map((c) => `channel:${c}`);
      // Each round the other replica asks first, as timers on two machines would.
      const [first, second] = round % 2 === 0 ? [replicaA, replicaB] : [replicaB, replicaA];
      const outcomes = await Promise.all(targets.flatMap((t) => [first.deliver(t), second.deliver(t)]));
      results.push(...outcomes.map((o) => o.result));
      clock.advance({ seconds: 1 });
    }

    for (const channel of channels) {
      const here = a.posts.filter((p) => p.post.conversation === channel);
      const dealIds = here.map((p) => (p.post.kind === 'alert' ? p.post.event.dealId : p.post.kind));
      expect(dealIds.sort()).toEqual(events.map((e) => e.dealId).sort());
      const times = here.map((p) => p.at.toMillis()).sort((x, y) => x - y);
      for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
      expect(await createAlertStore(storeA).outbox(`channel:${channel}`)).toEqual([]);
    }
    // Both replicas worked, and met each other at the lease.
    expect(new Set(a.posts.map((p) => p.instance))).toEqual(new Set(['replica-a', 'replica-b']));
    expect(results).toContain('elsewhere');
  });

  it('a replica dying mid-post leaves the channel to the other once its lease lapses, with no second post', async () => {
    const run = randomUUID().slice(0, 8);
    const [storeA, storeB] = await Promise.all([replicaStore(run), replicaStore(run)]);
    const clock = createClock(T0);
    const a = createFakeSlack(clock, 'replica-a');
    const b = createFakeSlack(clock, 'replica-b', a);
    const leaseMs = 500;
    const replicaA = createTestDelivery(storeA, clock, a, { instanceId: 'replica-a', leaseMs });
    const replicaB = createTestDelivery(storeB, clock, b, { instanceId: 'replica-b', leaseMs });
    await saveSubscriptions(storeA, alertSubscription('all'));
    await replicaA.enqueue([dealEvent('7', { kind: 'won' }), dealEvent('8', { kind: 'lost' })]);

    a.failNext('post', 'took-then-hang');
    void replicaA.deliver('channel:C0SALES');
    await vi.waitFor(() => expect(a.posts).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect((await replicaB.deliver('channel:C0SALES')).result).toBe('elsewhere');

    // Redis expires A's lease on its own clock; B then finds A's intent without a ts.
    clock.advance({ seconds: 2 });
    let takenOver: Awaited<ReturnType<typeof replicaB.deliver>> | undefined;
    await vi.waitFor(
      async () => {
        takenOver = await replicaB.deliver('channel:C0SALES');
        expect(takenOver.result).not.toBe('elsewhere');
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(takenOver).toEqual({ target: 'channel:C0SALES', result: 'skipped', code: 'outcome_unknown' });
    clock.advance({ seconds: 1 });
    expect((await replicaB.deliver('channel:C0SALES')).result).toBe('sent');
    expect(a.posts.map((p) => [p.instance, p.post.kind === 'alert' && p.post.event.dealId])).toEqual([
      ['replica-a', '7'],
      ['replica-b', '8'],
    ]);
    expect(await createAlertStore(storeB).outbox('channel:C0SALES')).toEqual([]);
  });
});
