// A small bounded work queue: at most `concurrency` tasks hold a slot at once, the others
// wait their turn in arrival order. Dealbot puts the work a listener does after its ack (CRM
// calls, rendering, replies) through one, so that under a burst the event loop keeps time
// for the acks of requests still arriving, and the burst is worked off instead of refused.
//
// A slot is handed out on a later turn of the event loop (`setImmediate`), after pending I/O
// has been polled: a request that has just arrived gets parsed and acked before one more
// piece of queued work starts. And while requests keep arriving (`arrived()`, called for each
// by the app) a slot waits for a lull of `quietMs` without one, at most `maxWaitMs` after its
// work was queued: a burst of 200 requests is acked first and worked off after, instead of
// each ack waiting behind the work of the requests before it. A lone request waits `quietMs`.

import { bindToRequest } from './request-context.js';

export interface WorkQueue {
  /** Waits for a slot; call the returned function once the work is done (extra calls are ignored). */
  acquire(): Promise<() => void>;
  /** Runs `task` in a slot. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks holding a slot. */
  readonly running: number;
  /** Tasks waiting for one. */
  readonly waiting: number;
  /** Resolves when nothing runs or waits (for a graceful shutdown). */
  onIdle(): Promise<void>;
  /** A request has just arrived: work not yet started waits for a lull (see above). */
  arrived(): void;
}

export interface WorkQueueOptions {
  /** Tasks at once. */
  concurrency: number;
  /** A lull without arrivals this long lets waiting work start. Default 5 ms. */
  quietMs?: number;
  /** Work waits for a lull at most this long after it was queued. Default 1 s. */
  maxWaitMs?: number;
  /** The clock (milliseconds); tests pass their own. */
  now?: () => number;
}

/** How long work waits for a lull in arrivals, by default. */
export const ARRIVAL_QUIET_MS = 5;
export const ARRIVAL_MAX_WAIT_MS = 1_000;

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const quietMs = options.quietMs ?? ARRIVAL_QUIET_MS;
  const maxWaitMs = options.maxWaitMs ?? ARRIVAL_MAX_WAIT_MS;
  const now = options.now ?? (() => performance.now());
  const waiters: Array<{ grant: (release: () => void) => void; queuedAt: number }> = [];
  const idleWaiters: Array<() => void> = [];
  let running = 0;
  let granting = 0;
  let lastArrival = Number.NEGATIVE_INFINITY;

  /** Milliseconds the next waiter must still wait for a lull in arrivals; 0: it may start. */
  function holdFor(queuedAt: number): number {
    const at = now();
    const sinceArrival = at - lastArrival;
    if (sinceArrival >= quietMs) return 0;
    return Math.max(0, Math.min(quietMs - sinceArrival, queuedAt + maxWaitMs - at));
  }

  function slot(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      running -= 1;
      grant();
    };
  }

  function grant(): void {
    while (running + granting < concurrency && waiters.length > granting) {
      granting += 1;
      const handOut = () => {
        const next = waiters[0];
        const hold = next ? holdFor(next.queuedAt) : 0;
        if (hold > 0) {
          setTimeout(handOut, Math.ceil(hold));
          return;
        }
        granting -= 1;
        waiters.shift();
        if (!next) return;
        running += 1;
        next.grant(slot());
      };
      setImmediate(handOut);
    }
    if (running === 0 && granting === 0 && waiters.length === 0) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  const queue: WorkQueue = {
    acquire() {
      return new Promise((resolve) => {
        waiters.push({ grant: resolve, queuedAt: now() });
        grant();
      });
    },
    async run(task) {
      // Bound now, while the caller's request is current: the task starts later, from
      // whichever task freed the slot, and its log lines must still name its own request.
      const bound = bindToRequest(task);
      const release = await queue.acquire();
      try {
        return await bound();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiters.length;
    },
    arrived() {
      lastArrival = now();
    },
    onIdle() {
      if (running === 0 && granting === 0 && waiters.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
  return queue;
}
