// Work this process has started and must let finish before it exits: Slack requests whose
// listeners still run, digests being posted, queued after-ack work. Shutdown waits for it,
// bounded, then names what it gave up on.

export interface InFlight {
  /** Counts `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T>;
  readonly size: number;
  /**
   * Resolves once nothing is in flight, or when `timeoutMs` have passed; `left` says how many
   * were still running then.
   */
  drain(timeoutMs: number): Promise<{ left: number }>;
}

export function createInFlight(): InFlight {
  const running = new Set<Promise<unknown>>();
  let waiters: Array<() => void> = [];

  const settled = () => {
    if (running.size > 0) return;
    // A step that follows another (build, then post) starts within the same turn: look again
    // after the queued callbacks have run before calling the work done.
    setImmediate(() => {
      if (running.size > 0) return;
      const done = waiters;
      waiters = [];
      for (const wake of done) wake();
    });
  };

  return {
    track(work) {
      running.add(work);
      const forget = () => {
        running.delete(work);
        settled();
      };
      work.then(forget, forget);
      return work;
    },
    get size() {
      return running.size;
    },
    drain(timeoutMs) {
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          resolve({ left: running.size });
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== finish);
          finish();
        }, timeoutMs);
        waiters.push(finish);
        settled();
      });
    },
  };
}
