// "Nothing is done twice": a retried Slack request (same trigger_id) or a double-clicked
// submit (same view id and hash) runs its side effect once. Two records in the store:
//
// - a claim, held as a short lease (30 s) and renewed while the work runs, so two replicas
//   never run the work at once, and a process that dies mid-work frees it within a lease;
// - a completion record kept for the dedupe window (24 h), holding what duplicates need of
//   the result.
//
// A duplicate that finds the completion record reuses it; one that finds the lease held
// waits briefly for the result. A failed attempt gives the lease back so the person can
// simply try again.

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
  /** How long the claim lives unless renewed: a crashed holder blocks a retry this long at most. */
  leaseMs?: number;
  /** How long the completion record is kept: the window in which a duplicate reuses the result. */
  doneTtlMs?: number;
  /** How long a duplicate waits for the first request's result. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const LEASE_MS = 30_000;
export const DONE_TTL_MS = 24 * 60 * 60 * 1000;
const POLL_MS = 100;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runOnce<T>(
  store: Store,
  key: string,
  work: () => Promise<T>,
  {
    leaseMs = LEASE_MS,
    doneTtlMs = DONE_TTL_MS,
    waitMs = 10_000,
    sleep = defaultSleep,
    encode = (result) => result,
    decode = async (kept) => kept as T,
  }: RunOnceOptions<T> = {},
): Promise<OnceResult<T>> {
  const claimKey = `idem:${key}`;
  const resultKey = `idem:${key}:result`;
  const owner = randomUUID();
  const done = async (): Promise<OnceResult<T> | null> => {
    const stored = await store.get<{ value: unknown }>(resultKey);
    return stored ? { result: await decode(stored.value), duplicate: true } : null;
  };

  for (let waited = 0; ; waited += POLL_MS) {
    const finished = await done();
    if (finished) return finished;
    if (await store.claim(claimKey, leaseMs, owner)) {
      // The holder may have finished (and let go) between our read and our claim.
      const meanwhile = await done();
      if (meanwhile) {
        await store.release(claimKey, owner);
        return meanwhile;
      }
      const result = await holdingLease(store, claimKey, owner, leaseMs, work);
      // The record first, then the lease: a duplicate arriving in between finds one or the other.
      await store.set(resultKey, { value: encode(result) }, doneTtlMs);
      await store.release(claimKey, owner).catch(() => undefined);
      return { result, duplicate: false };
    }
    if (waited >= waitMs) throw new DuplicateInProgressError(key);
    await sleep(POLL_MS);
  }
}

/**
 * Runs `work` while renewing the lease (claiming a held key again as its owner renews it) at a
 * third of its length, so two missed renewals still leave it held. A failure gives it back.
 */
async function holdingLease<T>(store: Store, key: string, owner: string, leaseMs: number, work: () => Promise<T>): Promise<T> {
  let renewing: Promise<unknown> = Promise.resolve();
  const renewal = setInterval(() => {
    // A renewal the store refuses is not the work's failure: the lease may lapse and a
    // duplicate run, which is what a crash would have allowed anyway.
    renewing = store.claim(key, leaseMs, owner).catch(() => undefined);
  }, Math.max(1, Math.floor(leaseMs / 3)));
  renewal.unref?.();
  const stopRenewing = async () => {
    clearInterval(renewal);
    // A renewal still on its way would otherwise take the key again after we let it go.
    await renewing;
  };
  try {
    const result = await work();
    await stopRenewing();
    return result;
  } catch (error) {
    await stopRenewing();
    // Give the key back: the person (or a waiting duplicate) may try again.
    await store.release(key, owner).catch(() => undefined);
    throw error;
  }
}
