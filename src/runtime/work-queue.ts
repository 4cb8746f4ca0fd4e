// A small bounded work queue: at most `concurrency` tasks hold a slot at once, the others
// wait their turn in arrival order. Dealbot puts the work a listener does after its ack (CRM
// calls, rendering, replies) through one, so that under a burst the event loop keeps time
// for the acks of requests still arriving, and the burst is worked off instead of refused.
//
// A slot is handed out on a later turn of the event loop (`setImmediate`), after pending I/O
// has been polled: a request that has just arrived gets parsed and acked before one more
// piece of queued work starts. And while requests keep arriving (`arrived()`, called for each
// by the app) work waits for them to stop: after `quietMs` without one a trickle of work may
// run (`trickle` tasks), after `settleMs` all of it (`concurrency`); work queued `maxWaitMs`
// ago starts whatever the arrivals. A burst of 200 requests is acked first and worked off
// after, and a pause in the middle of a burst (the sender's, a long GC) lets one task start,
// not sixteen that would then compete with the rest of the burst's acks. A lone request's
// work waits `quietMs`.

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
  /** A lull without arrivals this long lets `trickle` tasks run. Default 5 ms. */
  quietMs?: number;
  /** Tasks that may run once arrivals pause for `quietMs`, before they have stopped for `settleMs`. Default 1. */
  trickle?: number;
  /** Arrivals stopped this long: every slot may be used. Default 50 ms. */
  settleMs?: number;
  /** Work waits for a lull at most this long after it was queued. Default 1 s. */
  maxWaitMs?: number;
  /** The clock (milliseconds); tests pass their own. */
  now?: () => number;
}

/** How long work waits for a lull in arrivals, by default. */
const ARRIVAL_QUIET_MS = 5;
const ARRIVAL_SETTLE_MS = 50;
const ARRIVAL_TRICKLE = 1;
const ARRIVAL_MAX_WAIT_MS = 1_000;

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const quietMs = options.quietMs ?? ARRIVAL_QUIET_MS;
  const settleMs = Math.max(quietMs, options.settleMs ?? ARRIVAL_SETTLE_MS);
  const trickle = Math.min(concurrency, Math.max(1, Math.floor(options.trickle ?? ARRIVAL_TRICKLE)));
  const maxWaitMs = options.maxWaitMs ?? ARRIVAL_MAX_WAIT_MS;
  const now = options.now ?? (() => performance.now());
  const waiters: Array<{ grant: (release: () => void) => void; queuedAt: number }> = [];
  const idleWaiters: Array<() => void> = [];
  let running = 0;
  let granting = 0;
  let lastArrival = Number.NEGATIVE_INFINITY;

  /** Milliseconds the next waiter must still wait before it may start; 0: it may start now. */
  function holdFor(queuedAt: number): number {
    const at = now();
    const waited = at - queuedAt;
    if (waited >= maxWaitMs) return 0;
    const quiet = at - lastArrival;
    const allowed = quiet >= settleMs ? concurrency : quiet >= quietMs ? trickle : 0;
    if (running < allowed) return 0;
    // Until arrivals have paused long enough for more to run (or the waiter has waited enough).
    const nextStep = quiet < quietMs ? quietMs - quiet : settleMs - quiet;
    return Math.max(0, Math.min(nextStep, maxWaitMs - waited));
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
          // Timers run before the event loop polls for I/O: after a long turn (a GC pause, a
          // busy listener) the lull would look over while requests sit unread in their
          // sockets. Looking again after the poll (setImmediate) counts them first.
          setTimeout(() => setImmediate(handOut), Math.ceil(hold));
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
      const release = await queue.acquire();
      try {
        return await task();
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
