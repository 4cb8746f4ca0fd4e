// Replicas sharing the real Redis at 127.0.0.1:6379: each due digest is posted by exactly
// one of them, a replica that dies mid-post neither loses its slot nor blocks the next, and
// a restart after downtime posts one late catch-up. Every run uses its own key namespace
// and deletes it afterwards. Claims expire by Redis's own clock, so the takeover test waits
// (in real time) for a short claim to lapse.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScheduleStore } from '../../src/digest/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createClock, createHarness, schedule, type Clock, type Harness, type Posted } from './scheduler-harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const ZONE = 'Europe/Berlin';
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const nineOn = (day: number): DateTime => DateTime.fromObject({ year: 2026, month: 3, day, hour: 9 }, { zone: ZONE });
const iso = (at: DateTime): string => at.toUTC().toISO() ?? '';
const CLAIM_TTL_MS = 1_500;

const namespaces: string[] = [];
const opened: Store[] = [];
const running: Harness[] = [];

async function redisStore(namespace: string): Promise<Store> {
  const store = await createStore(REDIS_URL, { namespace });
  opened.push(store);
  return store;
}

/** `count` replicas, each with its own Redis connection, as separate processes would have. */
async function replicas(namespace: string, clock: Clock, count: number, posted: Posted[]): Promise<Harness[]> {
  const made: Harness[] = [];
  for (let i = 0; i < count; i += 1) {
    const harness = createHarness(await redisStore(namespace), clock, {
      instanceId: `replica-${i}`,
      posted,
      claimTtlMs: CLAIM_TTL_MS,
      concurrency: 3,
    });
    made.push(harness);
    running.push(harness);
  }
  return made;
}

async function seed(namespace: string, count: number): Promise<string[]> {
  const schedules = createScheduleStore(await redisStore(namespace));
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await schedules.save(schedule(SET_AT, { channelId: `C0CHAN${i}` }))).id);
  return ids;
}

function newNamespace(): string {
  const namespace = `dealbot-test-digest-${randomUUID()}`;
  namespaces.push(namespace);
  return namespace;
}

/** How many times each schedule was posted for `slot`. */
function postsPerSchedule(posted: Posted[], slot: DateTime): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of posted) if (p.slot === iso(slot) && p.scheduleId) counts.set(p.scheduleId, (counts.get(p.scheduleId) ?? 0) + 1);
  return counts;
}

const admin = createClient({ url: REDIS_URL });
beforeAll(async () => {
  await admin.connect();
});
afterEach(async () => {
  for (const harness of running.splice(0)) harness.scheduler.stop();
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
});
afterAll(async () => {
  for (const namespace of namespaces) {
    const keys: string[] = [];
    for await (const batch of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) keys.push(...batch);
    if (keys.length > 0) await admin.del(keys);
  }
  await admin.close();
});

describe('scheduler on a shared Redis', () => {
  it('posts each of twenty due digests exactly once across three replicas', async () => {
    const namespace = newNamespace();
    const ids = await seed(namespace, 20);
    const clock = createClock(nineOn(9).plus({ seconds: 1 }));
    const posted: Posted[] = [];
    const [a, b, c] = await replicas(namespace, clock, 3, posted);
    if (!a || !b || !c) throw new Error('three replicas expected');

    // Every replica ticks at once, twice, as their timers would on a shared schedule.
    await Promise.all([a.scheduler.start(), b.scheduler.start(), c.scheduler.start(), a.scheduler.tick(), b.scheduler.tick(), c.scheduler.tick()]);

    const counts = postsPerSchedule(posted, nineOn(9));
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(posted).toHaveLength(20);
    expect(posted.every((p) => !p.run.late)).toBe(true);
  });

  it('takes over the slots of a replica that died mid-post, posts them once, and the next slot is not blocked', async () => {
    const namespace = newNamespace();
    const ids = await seed(namespace, 20);
    const clock = createClock(nineOn(9).plus({ seconds: 1 }));
    const posted: Posted[] = [];
    const [dying, b, c] = await replicas(namespace, clock, 3, posted);
    if (!dying || !b || !c) throw new Error('three replicas expected');

    // The dying replica claims the first schedules it reaches and its posts never come back.
    dying.failNext.push(...Array.from({ length: 20 }, () => 'hang' as const));
    void dying.scheduler.tick();
    await vi.waitFor(() => expect(dying.failNext.length).toBeLessThan(20));
    const claimedByDying = 20 - dying.failNext.length;
    dying.scheduler.stop();

    await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);
    expect(postsPerSchedule(posted, nineOn(9)).size).toBe(20 - claimedByDying);

    // Its claims lapse (by Redis's clock); the survivors' next ticks post what it held.
    await sleep(CLAIM_TTL_MS + 300);
    clock.advance({ minutes: 1 });
    await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);
    await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);

    const first = postsPerSchedule(posted, nineOn(9));
    expect([...first.keys()].sort()).toEqual([...ids].sort());
    expect([...first.values()].every((n) => n === 1)).toBe(true);
    expect(posted.every((p) => p.instance !== 'replica-0')).toBe(true);

    clock.set(nineOn(10).plus({ seconds: 1 }));
    await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);
    const second = postsPerSchedule(posted, nineOn(10));
    expect([...second.keys()].sort()).toEqual([...ids].sort());
    expect([...second.values()].every((n) => n === 1)).toBe(true);
  });

  it('after downtime, restarted replicas post exactly one late catch-up per schedule', async () => {
    const namespace = newNamespace();
    const ids = await seed(namespace, 5);
    const clock = createClock(nineOn(9).plus({ seconds: 1 }));
    const posted: Posted[] = [];
    const [before] = await replicas(namespace, clock, 1, posted);
    await before?.scheduler.start();
    before?.scheduler.stop();
    expect(posted).toHaveLength(5);

    // Every replica is down from Monday until Thursday afternoon, then three start together.
    clock.set(nineOn(12).plus({ hours: 5 }));
    const restarted = await replicas(namespace, clock, 3, posted);
    await Promise.all(restarted.map((r) => r.scheduler.start()));
    await Promise.all(restarted.map((r) => r.scheduler.tick()));

    const catchUp = posted.slice(5);
    expect(catchUp).toHaveLength(5);
    expect(new Set(catchUp.map((p) => p.scheduleId))).toEqual(new Set(ids));
    expect(catchUp.every((p) => p.slot === iso(nineOn(12)) && p.run.late && p.run.missedSlots === 3)).toBe(true);
  });
});
