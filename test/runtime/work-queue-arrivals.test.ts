// The after-ack queue lets acks go first: while requests keep arriving (`arrived()`), work
// that is waiting for a slot waits: a pause of `quietMs` lets a trickle run, arrivals stopped
// for `settleMs` let it all run, and nothing waits more than `maxWaitMs` after it was queued.
// The clock and timers are vitest's fake ones, so every wait is stepped, not slept.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkQueue } from '../../src/runtime/work-queue.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A queue on the fake clock; `started` lists the tasks that got a slot, in order. */
function queueOnFakeClock(
  options: { concurrency?: number; quietMs?: number; settleMs?: number; trickle?: number; maxWaitMs?: number } = {},
) {
  const queue = createWorkQueue({
    concurrency: options.concurrency ?? 4,
    quietMs: options.quietMs ?? 5,
    settleMs: options.settleMs ?? 50,
    trickle: options.trickle ?? 1,
    maxWaitMs: options.maxWaitMs ?? 1000,
    now: () => Date.now(),
  });
  const started: string[] = [];
  const enqueue = (name: string) => void queue.acquire().then(() => started.push(name));
  return { queue, started, enqueue };
}

describe('the after-ack queue and arriving requests', () => {
  it('starts work on the next turn when no request has arrived', async () => {
    const { started, enqueue } = queueOnFakeClock();
    enqueue('alone');
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['alone']);
  });

  it('holds waiting work while requests keep arriving, and starts it after a lull', async () => {
    const { queue, started, enqueue } = queueOnFakeClock({ quietMs: 5 });
    queue.arrived();
    enqueue('first');
    // Requests keep coming every 3 ms: never 5 ms without one.
    for (let i = 0; i < 10; i += 1) {
      await vi.advanceTimersByTimeAsync(3);
      queue.arrived();
      expect(started).toEqual([]);
    }
    await vi.advanceTimersByTimeAsync(4);
    expect(started).toEqual([]);
    // 5 ms after the last arrival, looked at again once pending I/O has been polled (the
    // fake clock steps the setImmediate by a millisecond).
    await vi.advanceTimersByTimeAsync(2);
    expect(started).toEqual(['first']);
  });

  it('never holds work longer than maxWaitMs after it was queued, however busy the arrivals', async () => {
    const { queue, started, enqueue } = queueOnFakeClock({ quietMs: 5, maxWaitMs: 30 });
    queue.arrived();
    enqueue('first');
    for (let elapsed = 0; elapsed < 28; elapsed += 2) {
      await vi.advanceTimersByTimeAsync(2);
      queue.arrived();
    }
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    queue.arrived();
    expect(started).toEqual(['first']);
    expect(queue).toMatchObject({ running: 1, waiting: 0 });
  });

  it('a pause in the arrivals lets a trickle run; the rest waits until they have stopped', async () => {
    const { queue, started, enqueue } = queueOnFakeClock({ concurrency: 4, quietMs: 5, settleMs: 50, trickle: 1 });
    queue.arrived();
    for (const name of ['a', 'b', 'c']) enqueue(name);
    // A 6 ms pause (the sender's, or a long GC in the middle of a burst): one task starts.
    await vi.advanceTimersByTimeAsync(6);
    expect(started).toEqual(['a']);
    // The burst goes on: nothing more starts while requests keep coming.
    for (let i = 0; i < 10; i += 1) {
      await vi.advanceTimersByTimeAsync(3);
      queue.arrived();
    }
    expect(started).toEqual(['a']);
    // Arrivals stop: the trickle again at 5 ms (one is already running), everything at 50 ms.
    await vi.advanceTimersByTimeAsync(49);
    expect(started).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(2);
    expect(started).toEqual(['a', 'b', 'c']);
    expect(queue).toMatchObject({ running: 3, waiting: 0 });
  });

  it('still hands out no more slots than its concurrency once arrivals have stopped', async () => {
    const { queue, started, enqueue } = queueOnFakeClock({ concurrency: 2 });
    queue.arrived();
    for (const name of ['a', 'b', 'c']) enqueue(name);
    await vi.advanceTimersByTimeAsync(60);
    expect(started).toEqual(['a', 'b']);
    expect(queue).toMatchObject({ running: 2, waiting: 1 });
  });
});
