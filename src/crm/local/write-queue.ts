// The embedded CRM's writes, one after another, without refusing any. Inside a process they
// wait in a FIFO queue (no wait limit: a burst of 2,000 creates is 2,000 deals, just later);
// across processes the queue holds the store lock named after the CRM's namespace while it
// runs a batch of queued writes, so at most one waiter per process contends for that lock and
// the lock is taken once per batch rather than once per write.
//
// The writes of a batch read and write through a `BatchStore`: a key is read from the store
// at most once per batch, and every key is written once, when the batch ends. Fifty creates
// landing in one stage-index shard (up to 1,000 rows, ~57 KB) read and rewrite it once, not
// fifty times; that read-modify-write of the whole shard per deal was most of a create's cost.
// A write's promise settles only after the batch's writes reached the store.
//
// The store lock keeps its own wait limit: if another process holds it past that (it died
// holding it; the lock expires on its own), the writes of that batch fail with
// `LockTimeoutError`, and those queued behind them try again.

import type { Store } from '../../store/store.js';

/**
 * The store as the writes of one batch see it: reads see the batch's own writes, and writes
 * wait until the batch ends. Values read are shared within the batch: parse (copy) them
 * before changing them, and do not change a value after staging it.
 */
export interface BatchStore {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
  /**
   * Stages `value` for `key`. When the batch ends the staged keys are written in ascending
   * `rank`, then in the order they were first staged, so a caller can say what must reach
   * the store first should the process die midway (an id counter before the records using
   * its ids, a record of truth last).
   */
  set<T>(key: string, value: T, rank?: number): void;
}

export interface WriteQueue {
  /** Runs `write` after every write queued before it, under the store lock. */
  run<T>(write: (batch: BatchStore) => Promise<T>): Promise<T>;
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
  write: (batch: BatchStore) => Promise<unknown>;
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
          const batch = createBatchStore(store);
          const outcomes: Array<{ item: Queued; ok: boolean; value: unknown }> = [];
          const since = Date.now();
          for (let done = 0; done < maxBatch && pending.length > 0 && Date.now() - since < maxHoldMs; done += 1) {
            const item = pending.shift() as Queued;
            running += 1;
            try {
              outcomes.push({ item, ok: true, value: await item.write(batch) });
            } catch (error) {
              outcomes.push({ item, ok: false, value: error });
            }
          }
          let flushError: { error: unknown } | null = null;
          try {
            await batch.flush();
          } catch (error) {
            flushError = { error };
          }
          // Settled only now: a write is done when what it wrote is in the store. If the
          // store refused the batch's writes, every write of the batch hears why.
          for (const { item, ok, value } of outcomes) {
            running -= 1;
            if (flushError) item.reject(ok ? flushError.error : value);
            else if (ok) item.resolve(value);
            else item.reject(value);
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
    run<T>(write: (batch: BatchStore) => Promise<T>): Promise<T> {
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

interface Staged {
  value: unknown;
  rank: number;
  seq: number;
}

function createBatchStore(store: Store): BatchStore & { flush(): Promise<void> } {
  const read = new Map<string, unknown>();
  const staged = new Map<string, Staged>();
  let seq = 0;
  const known = (key: string): { value: unknown } | null => {
    const own = staged.get(key);
    if (own) return { value: own.value };
    return read.has(key) ? { value: read.get(key) } : null;
  };
  return {
    async get<T>(key: string) {
      const hit = known(key);
      if (hit) return hit.value as T | undefined;
      const value = await store.get<T>(key);
      read.set(key, value);
      return value;
    },
    async getMany<T>(keys: string[]) {
      const missing = [...new Set(keys.filter((key) => known(key) === null))];
      if (missing.length > 0) {
        const values = await store.getMany<T>(missing);
        missing.forEach((key, i) => read.set(key, values[i]));
      }
      return keys.map((key) => known(key)?.value as T | undefined);
    },
    set<T>(key: string, value: T, rank = 0) {
      const own = staged.get(key);
      if (own) own.value = value;
      else staged.set(key, { value, rank, seq: seq++ });
    },
    async flush() {
      const ordered = [...staged].sort(([, a], [, b]) => a.rank - b.rank || a.seq - b.seq);
      staged.clear();
      read.clear();
      for (const [key, { value }] of ordered) await store.set(key, value);
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
