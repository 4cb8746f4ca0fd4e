// What a SIGTERM waits for before the store is closed: a scheduled digest being posted (the
// scheduler's `track` hook puts it in flight), and work acked but still in the after-ack queue;
// both within one bound, saying what was left when the bound ran out. The scheduler's `onSlot`
// hook (the digest metrics) hears the outcome and the lag. Slack is the scheduler harness's
// fake, answered when the test says.

import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SchedulerOptions, SlotOutcome } from '../../src/runtime/scheduler.js';
import { createInFlight } from '../../src/runtime/in-flight.js';
import { drainWork } from '../../src/runtime/shutdown.js';
import { createWorkQueue } from '../../src/runtime/work-queue.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import { createClock, createHarness, schedule } from './scheduler-harness.js';
import { deferred } from '../helpers/deferred.js';

const ZONE = 'Europe/Berlin';
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const NINE = DateTime.fromObject({ year: 2026, month: 3, day: 9, hour: 9 }, { zone: ZONE });

afterEach(() => {
  vi.useRealTimers();
});

describe('shutdown drains digest posts in flight', () => {
  it('waits for a digest being posted, which the scheduler tracks, and reports its outcome and lag', async () => {
    const store = await createStore('memory://');
    const clock = createClock(SET_AT);
    await createScheduleStore(store).save(schedule(SET_AT));
    const inFlight = createInFlight();
    const slots: Array<{ outcome: SlotOutcome; lagMs: number }> = [];
    const hooks = {
      track: (work: Promise<unknown>) => inFlight.track(work),
      onSlot: (outcome: SlotOutcome, lagMs: number) => slots.push({ outcome, lagMs }),
    };
    const { scheduler, failNext, posted } = createHarness(store, clock, hooks as SchedulerOptions);
    const slack = deferred();
    failNext('chat.postMessage', slack.promise);

    clock.set(NINE.plus({ seconds: 42 }));
    const tick = scheduler.tick();
    await vi.waitFor(() => expect(inFlight.size).toBe(1));

    let drained: { left: number; queued: number } | null = null;
    const drain = drainWork(inFlight, null, 60_000).then((result) => (drained = result));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBeNull();

    slack.resolve();
    await tick;
    await drain;
    expect(drained).toEqual({ left: 0, queued: 0 });
    expect(posted).toHaveLength(1);
    expect(slots).toEqual([{ outcome: expect.objectContaining({ result: 'posted' }), lagMs: 42_000 }]);
    await store.close();
  });
});

describe('shutdown drains the after-ack queue', () => {
  it('waits for queued work to finish', async () => {
    const queue = createWorkQueue({ concurrency: 1 });
    const gate = deferred();
    const running = queue.run(() => gate.promise);
    const waiting = queue.run(async () => 'done');
    let drained: { left: number; queued: number } | null = null;
    const drain = drainWork(createInFlight(), queue, 60_000).then((result) => (drained = result));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBeNull();

    gate.resolve();
    await Promise.all([running, waiting, drain]);
    expect(drained).toEqual({ left: 0, queued: 0 });
  });

  it('gives up at the bound and says how much was still running or queued', async () => {
    vi.useFakeTimers();
    const queue = createWorkQueue({ concurrency: 1 });
    void queue.run(() => new Promise<void>(() => undefined));
    void queue.run(async () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    let drained: { left: number; queued: number } | null = null;
    const drain = drainWork(createInFlight(), queue, 8_000).then((result) => (drained = result));
    await vi.advanceTimersByTimeAsync(7_999);
    expect(drained).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await drain;
    expect(drained).toEqual({ left: 0, queued: 2 });
  });
});
