// A small bounded work queue: at most `concurrency` tasks hold a slot at once, the others
// wait their turn in arrival order. Dealbot puts the work a listener does after its ack (CRM
// calls, rendering, replies) through one, so that under a burst the event loop keeps time
// for the acks of requests still arriving, and the burst is worked off instead of refused.
//
// A slot is handed out on a later turn of the event loop (`setImmediate`), after pending I/O
// has been polled: a request that has just arrived gets parsed and acked before one more
// piece of queued work starts.

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
}

export interface WorkQueueOptions {
  /** Tasks at once. */
  concurrency: number;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const waiters: Array<(release: () => void) => void> = [];
  const idleWaiters: Array<() => void> = [];
  let running = 0;
  let granting = 0;

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
      setImmediate(() => {
        granting -= 1;
        const next = waiters.shift();
        if (!next) return;
        running += 1;
        next(slot());
      });
    }
    if (running === 0 && granting === 0 && waiters.length === 0) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  const queue: WorkQueue = {
    acquire() {
      return new Promise((resolve) => {
        waiters.push(resolve);
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
    onIdle() {
      if (running === 0 && granting === 0 && waiters.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
  return queue;
}
