// The after-ack queue lets acks go first: while requests keep arriving (`arrived()`), work
// that is waiting for a slot waits for a lull, at most `maxWaitMs` after it was queued. The
// clock and timers are vitest's fake ones, so every wait is stepped, not slept.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkQueue } from '../../src/runtime/work-queue.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A queue on the fake clock; `started` lists the tasks that got a slot, in order. */
function queueOnFakeClock(options: { concurrency?: number; quietMs?: number; maxWaitMs?: number } = {}) {
  const queue = createWorkQueue({
    concurrency: options.concurrency ?? 4,
    quietMs: options.quietMs ?? 5,
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
    await vi.advanceTimersByTimeAsync(1);
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

  it('still hands out no more slots than its concurrency once the lull comes', async () => {
    const { queue, started, enqueue } = queueOnFakeClock({ concurrency: 2 });
    queue.arrived();
    for (const name of ['a', 'b', 'c']) enqueue(name);
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['a', 'b']);
    expect(queue).toMatchObject({ running: 2, waiting: 1 });
  });
});
