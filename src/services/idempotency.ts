// "Nothing is done twice": a retried Slack request (same trigger_id) or a double-clicked
// submit (same view id and hash) runs its side effect once. The first caller claims the
// key in the store (atomic across replicas), runs the work and keeps its result; a
// duplicate waits briefly for that result instead of doing the work again. A failed
// attempt gives the key back so the person can simply try again.

import { randomUUID } from 'node:crypto';
import { DuplicateInProgressError } from '../errors.js';
import type { Store } from '../store/store.js';

export interface OnceResult<T> {
  result: T;
  /** True when another request already did the work and this one reused its result. */
  duplicate: boolean;
}

export interface RunOnceOptions<T> {
  /** What to keep of the result for duplicates (it must survive JSON); the result itself by default. */
  encode?: (result: T) => unknown;
  /** Turns what was kept back into a result for a duplicate. */
  decode?: (kept: unknown) => Promise<T>;
  ttlMs?: number;
  /** How long a duplicate waits for the first request's result. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runOnce<T>(
  store: Store,
  key: string,
  work: () => Promise<T>,
  {
    ttlMs = 24 * 60 * 60 * 1000,
    waitMs = 10_000,
    sleep = defaultSleep,
    encode = (result) => result,
    decode = async (kept) => kept as T,
  }: RunOnceOptions<T> = {},
): Promise<OnceResult<T>> {
  const claimKey = `idem:${key}`;
  const resultKey = `idem:${key}:result`;
  const owner = randomUUID();
  for (let waited = 0; ; waited += 100) {
    if (await store.claim(claimKey, ttlMs, owner)) {
      let result: T;
      try {
        result = await work();
      } catch (error) {
        // Give the key back: the person (or a waiting duplicate) may try again.
        await store.release(claimKey, owner);
        throw error;
      }
      await store.set(resultKey, { value: encode(result) }, ttlMs);
      return { result, duplicate: false };
    }
    const stored = await store.get<{ value: unknown }>(resultKey);
    if (stored) return { result: await decode(stored.value), duplicate: true };
    if (waited >= waitMs) throw new DuplicateInProgressError(key);
    await sleep(100);
  }
}
