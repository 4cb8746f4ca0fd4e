// Replicas sharing the real Redis at 127.0.0.1:6379: each due digest is posted by exactly
// one of them, a replica that dies mid-digest (its message posted, its chart upload never
// answered) neither loses its slot nor blocks the next, and a restart after downtime posts
// one late catch-up. Every run uses its own key namespace and deletes it afterwards. Leases
// expire by Redis's own clock, so the takeover test polls the survivors until they have
// finished the dead replica's digests (no fixed sleep; a generous bound only for failure).
// Without Redis, every test fails at once saying so.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createClock, createHarness, schedule, type Clock, type Harness, type Posted, type UploadedChart } from './scheduler-harness.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';

const ZONE = 'Europe/Berlin';
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const nineOn = (day: number): DateTime => DateTime.fromObject({ year: 2026, month: 3, day, hour: 9 }, { zone: ZONE });
const iso = (at: DateTime): string => at.toUTC().toISO() ?? '';
const LEASE_MS = 1_500;
/** Only a failing run waits this long. */
const TAKEOVER_BOUND_MS = 30_000;

const namespaces: string[] = [];
const opened: Store[] = [];
const running: Harness[] = [];

async function redisStore(namespace: string): Promise<Store> {
  const store = await createStore(REDIS_URL, { namespace });
  opened.push(store);
  return store;
}

/** `count` replicas, each with its own Redis connection, as separate processes would have. */
async function replicas(
  namespace: string,
  clock: Clock,
  count: number,
  posted: Posted[],
  charts: UploadedChart[] = [],
): Promise<Harness[]> {
  const made: Harness[] = [];
  for (let i = 0; i < count; i += 1) {
    const harness = createHarness(await redisStore(namespace), clock, {
      instanceId: `replica-${i}`,
      posted,
      charts,
      leaseMs: LEASE_MS,
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

let admin: RedisAdmin | undefined;
beforeAll(async () => {
  admin = await requireRedis();
});
afterEach(async () => {
  for (const harness of running.splice(0)) harness.scheduler.stop();
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

describe('scheduler on a shared Redis', () => {
  it('posts each of twenty due digests exactly once across three replicas', async () => {
    const namespace = newNamespace();
    const ids = await seed(namespace, 20);
    const clock = createClock(nineOn(9).plus({ seconds: 1 }));
    const posted: Posted[] = [];
    const [a, b, c] = await replicas(namespace, clock, 3, posted);
    if (!a || !b || !c) throw new Error('three replicas expected');

    // Every replica ticks at once, twice, as their timers would on a shared schedule.
    await Promise.all([
      a.scheduler.start(),
      b.scheduler.start(),
      c.scheduler.start(),
      a.scheduler.tick(),
      b.scheduler.tick(),
      c.scheduler.tick(),
    ]);

    const counts = postsPerSchedule(posted, nineOn(9));
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(posted).toHaveLength(20);
    expect(posted.every((p) => !p.run.late)).toBe(true);
  });

  it('finishes the digests of a replica that died mid-digest: no message twice, no chart lost, the next slot not blocked', async () => {
    const namespace = newNamespace();
    const ids = await seed(namespace, 20);
    const clock = createClock(nineOn(9).plus({ seconds: 1 }));
    const posted: Posted[] = [];
    const charts: UploadedChart[] = [];
    const [dying, b, c] = await replicas(namespace, clock, 3, posted, charts);
    if (!dying || !b || !c) throw new Error('three replicas expected');

    // The dying replica posts the messages of the first schedules it reaches; their chart
    // uploads never come back, and it stops renewing its leases (it is gone).
    dying.failNext('files.uploadV2', ...Array.from({ length: 20 }, () => 'hang'));
    void dying.scheduler.tick();
    await vi.waitFor(() => expect(dying.pending('files.uploadV2')).toBeLessThan(20));
    const heldByDying = 20 - dying.pending('files.uploadV2');
    dying.scheduler.stop();

    await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);
    expect(charts).toHaveLength(20 - heldByDying);

    // Its leases lapse by Redis's clock; the survivors keep ticking until they finish its digests.
    clock.advance({ minutes: 1 });
    await vi.waitFor(
      async () => {
        await Promise.all([b.scheduler.tick(), c.scheduler.tick()]);
        expect(charts).toHaveLength(20);
      },
      { timeout: TAKEOVER_BOUND_MS, interval: 50 },
    );

    const first = postsPerSchedule(posted, nineOn(9));
    expect([...first.keys()].sort()).toEqual([...ids].sort());
    expect([...first.values()].every((n) => n === 1)).toBe(true);
    // The dead replica's messages stand; the survivors threaded the charts under them.
    expect(posted.filter((p) => p.instance === 'replica-0')).toHaveLength(heldByDying);
    for (const message of posted) {
      expect(charts.filter((chart) => chart.threadTs === message.ts && chart.channelId === message.channelId)).toHaveLength(1);
    }
    expect(charts.every((chart) => chart.instance !== 'replica-0')).toBe(true);

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
