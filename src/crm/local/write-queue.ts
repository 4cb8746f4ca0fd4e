// The embedded CRM's writes, one after another, without refusing any. Inside a process they
// wait in a FIFO queue (no wait limit: a burst of 2,000 creates is 2,000 deals, just later);
// across processes the queue holds the store lock named after the CRM's namespace while it
// runs a batch of queued writes, so at most one waiter per process contends for that lock and
// the lock is taken once per batch rather than once per write.
//
// The store lock keeps its own wait limit: if another process holds it past that (it died
// holding it; the lock expires on its own), the writes of that batch fail with
// `LockTimeoutError`, and those queued behind them try again.

import type { Store } from '../../store/store.js';

export interface WriteQueue {
  /** Runs `write` after every write queued before it, under the store lock. */
  run<T>(write: () => Promise<T>): Promise<T>;
  /** Writes waiting or running. */
  readonly size: number;
}

export interface WriteQueueOptions {
  /** The most writes run under one hold of the store lock. */
  maxBatch?: number;
  /** A batch stops taking writes after this long, so other processes get their turn. */
  maxHoldMs?: number;
  /** Passed to `store.withLock`. */
  lockTtlMs?: number;
  lockWaitMs?: number;
}

const DEFAULT_MAX_BATCH = 50;
const DEFAULT_MAX_HOLD_MS = 1_000;

interface Queued {
  write: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createWriteQueue(store: Store, lockName: string, options: WriteQueueOptions = {}): WriteQueue {
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const lockOptions = {
    ...(options.lockTtlMs === undefined ? {} : { ttlMs: options.lockTtlMs }),
    ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
  };
  const pending: Queued[] = [];
  let running = 0;
  let draining = false;

  async function runBatch(): Promise<void> {
    let started = false;
    try {
      await store.withLock(
        lockName,
        async () => {
          started = true;
          const since = Date.now();
          for (let done = 0; done < maxBatch && pending.length > 0 && Date.now() - since < maxHoldMs; done += 1) {
            const item = pending.shift() as Queued;
            running += 1;
            try {
              item.resolve(await item.write());
            } catch (error) {
              item.reject(error);
            } finally {
              running -= 1;
            }
          }
        },
        lockOptions,
      );
    } catch (error) {
      // Only reaching the lock can fail here (each write settles its own promise): the write
      // at the head of the queue hears why, the others wait for the next batch.
      if (!started) pending.shift()?.reject(error);
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (pending.length > 0) await runBatch();
    } finally {
      draining = false;
    }
  }

  return {
    run<T>(write: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) void drain();
      });
    },
    get size() {
      return pending.length + running;
    },
  };
}

const shared = new WeakMap<Store, Map<string, WriteQueue>>();

/** The one queue of a store and lock name in this process, however many CRM objects use it. */
export function writeQueueFor(store: Store, lockName: string): WriteQueue {
  let byName = shared.get(store);
  if (!byName) shared.set(store, (byName = new Map()));
  let queue = byName.get(lockName);
  if (!queue) byName.set(lockName, (queue = createWriteQueue(store, lockName)));
  return queue;
}
