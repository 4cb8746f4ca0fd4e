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
//
// A holder that dies after its side effect landed but before the completion record is
// written leaves only an expired lease behind: whoever takes the key over would do the work
// again. So the work records what it is about to do (an intent, kept beside the lease) before
// its side effect, and a takeover that finds an intent it did not write asks `recover` to look
// for the result first; only when none is found does the work run again.

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
  /**
   * Takes over from a holder that died after recording `intent` (see `Lease.recordIntent`):
   * the result that holder's work left, found only by evidence, or null when there is none
   * and the work should run. Throwing leaves the key free and the intent kept, so nothing is
   * done again without looking first. Without it an intent is ignored.
   */
  recover?: (intent: unknown) => Promise<T | null>;
}

/** What the work holds while it runs. */
export interface Lease {
  /**
   * Records what the work is about to do, before it does it (it must survive JSON): if this
   * process dies before the result is recorded, the next holder's `recover` is handed it.
   */
  recordIntent(intent: unknown): Promise<void>;
}

export const LEASE_MS = 30_000;
export const DONE_TTL_MS = 24 * 60 * 60 * 1000;
const POLL_MS = 100;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runOnce<T>(
  store: Store,
  key: string,
  work: (lease: Lease) => Promise<T>,
  {
    leaseMs = LEASE_MS,
    doneTtlMs = DONE_TTL_MS,
    waitMs = 10_000,
    sleep = defaultSleep,
    encode = (result) => result,
    decode = async (kept) => kept as T,
    recover,
  }: RunOnceOptions<T> = {},
): Promise<OnceResult<T>> {
  const claimKey = `idem:${key}`;
  const resultKey = `idem:${key}:result`;
  const intentKey = `idem:${key}:intent`;
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
      const lease: Lease = {
        // Kept as long as a completion record would be: a retry the next morning still looks first.
        recordIntent: (intent) => store.set(intentKey, { owner, intent }, doneTtlMs),
      };
      const result = await holdingLease(store, claimKey, owner, leaseMs, async () => {
        // A lease left by a holder that died mid-work: look for what it did before doing it again.
        const left = recover ? await store.get<{ intent: unknown }>(intentKey) : undefined;
        if (recover && left) {
          const recovered = await recover(left.intent);
          if (recovered !== null) return recovered;
        }
        try {
          return await work(lease);
        } catch (error) {
          // The failure is told to the person; what was intended is settled (nothing, or a
          // lost answer the work already looked for), so a retry does not search again. While
          // the lease is ours no other holder writes the key.
          await store.delete(intentKey).catch(() => undefined);
          throw error;
        }
      });
      // The record first, then the lease: a duplicate arriving in between finds one or the other.
      await store.set(resultKey, { value: encode(result) }, doneTtlMs);
      await store.delete(intentKey).catch(() => undefined);
      await store.release(claimKey, owner).catch(() => undefined);
      // A recovered result is not a duplicate: the one who did the work never told anyone, so
      // what follows it (the card, the note) has not happened yet.
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
  const renewal = setInterval(
    () => {
      // A renewal the store refuses is not the work's failure: the lease may lapse and a
      // duplicate run, which is what a crash would have allowed anyway.
      renewing = store.claim(key, leaseMs, owner).catch(() => undefined);
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
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
