// runOnce on a real (memory) store under fake timers: a claim is a short lease renewed while
// the work runs, a crashed holder's claim frees within a minute, the completion record lasts
// the dedupe window. No sleeps: time moves only when a test moves it.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DuplicateInProgressError } from '../../src/errors.js';
import { DONE_TTL_MS, LEASE_MS, runOnce } from '../../src/services/idempotency.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { deferred } from '../helpers/deferred.js';

let store: Store;

beforeEach(async () => {
  vi.useFakeTimers({ now: new Date('2026-11-16T09:00:00Z') });
  // Created after the clock is faked: the memory claims read it.
  store = await createStore('memory://');
});
afterEach(async () => {
  await store.close();
  vi.useRealTimers();
});

describe('runOnce', () => {
  it('leases its claim for well under a minute', () => {
    expect(LEASE_MS).toBeLessThanOrEqual(60_000);
    expect(DONE_TTL_MS).toBe(24 * 60 * 60 * 1000);
  });

  it('frees the claim of a process that died mid-work within a minute, so the retry runs', async () => {
    // Process A claims and starts creating, then dies: from then on it neither renews nor releases.
    let dead = false;
    const processA: Store = {
      ...store,
      claim: (key, ttlMs, owner) => (dead ? new Promise<boolean>(() => undefined) : store.claim(key, ttlMs, owner)),
    };
    void runOnce(processA, 'create:T1', () => new Promise<string>(() => undefined));
    await vi.advanceTimersByTimeAsync(1_000);
    dead = true;
    const work = vi.fn(async () => 'deal-7');

    await expect(runOnce(store, 'create:T1', work, { waitMs: 0 })).rejects.toBeInstanceOf(DuplicateInProgressError);
    expect(work).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(59_000);
    await expect(runOnce(store, 'create:T1', work, { waitMs: 0 })).resolves.toEqual({ result: 'deal-7', duplicate: false });
    expect(work).toHaveBeenCalledOnce();
  });

  it('renews the lease while slow work runs: five minutes in, a duplicate still does not run it', async () => {
    const slow = deferred<string>();
    const first = runOnce(store, 'create:T2', () => slow.promise);
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    const work = vi.fn(async () => 'second');
    await expect(runOnce(store, 'create:T2', work, { waitMs: 0 })).rejects.toBeInstanceOf(DuplicateInProgressError);

    slow.resolve('deal-8');
    await expect(first).resolves.toEqual({ result: 'deal-8', duplicate: false });
    await expect(runOnce(store, 'create:T2', work, { waitMs: 0 })).resolves.toEqual({ result: 'deal-8', duplicate: true });
    expect(work).not.toHaveBeenCalled();
  });

  it('hands a waiting duplicate the first result as soon as it is recorded', async () => {
    const slow = deferred<string>();
    const first = runOnce(store, 'create:T3', () => slow.promise);
    const work = vi.fn(async () => 'second');
    const waiting = runOnce(store, 'create:T3', work);

    await vi.advanceTimersByTimeAsync(2_000);
    slow.resolve('deal-9');
    await vi.advanceTimersByTimeAsync(200);

    await expect(first).resolves.toEqual({ result: 'deal-9', duplicate: false });
    await expect(waiting).resolves.toEqual({ result: 'deal-9', duplicate: true });
    expect(work).not.toHaveBeenCalled();
  });

  it('keeps the completion record for the dedupe window, not the claim', async () => {
    await runOnce(store, 'create:T4', async () => 'deal-10', {
      encode: (id) => ({ id }),
      decode: async (kept) => (kept as { id: string }).id,
    });
    // The lease is gone at once; the record answers duplicates.
    expect(await store.claim('idem:create:T4', 1_000, 'someone')).toBe(true);
    await store.release('idem:create:T4', 'someone');

    await vi.advanceTimersByTimeAsync(DONE_TTL_MS - 60_000);
    const again = vi.fn(async () => 'deal-11');
    await expect(runOnce(store, 'create:T4', again, { decode: async (kept) => (kept as { id: string }).id })).resolves.toEqual({
      result: 'deal-10',
      duplicate: true,
    });

    await vi.advanceTimersByTimeAsync(2 * 60_000);
    await expect(runOnce(store, 'create:T4', again)).resolves.toEqual({ result: 'deal-11', duplicate: false });
  });

  it('gives the key back when the work fails, and no late renewal takes it again', async () => {
    const failing = deferred<string>();
    const first = runOnce(store, 'create:T5', () => failing.promise);
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    failing.reject(new Error('CRM down'));
    await expect(first).rejects.toThrow('CRM down');
    await vi.advanceTimersByTimeAsync(LEASE_MS);

    await expect(runOnce(store, 'create:T5', async () => 'deal-12', { waitMs: 0 })).resolves.toEqual({
      result: 'deal-12',
      duplicate: false,
    });
  });

  describe('taking over from a holder that died after recording what it was about to do', () => {
    /** Process A records its intent, then dies (it never renews, releases or finishes). */
    async function dieAfterIntent(key: string, intent: unknown): Promise<void> {
      let dead = false;
      const processA: Store = {
        ...store,
        claim: (k, ttlMs, owner) => (dead ? new Promise<boolean>(() => undefined) : store.claim(k, ttlMs, owner)),
      };
      const recorded = deferred<void>();
      void runOnce(processA, key, async (lease) => {
        await lease.recordIntent(intent);
        recorded.resolve();
        return new Promise<string>(() => undefined);
      });
      await recorded.promise;
      dead = true;
      await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    }

    it('reuses what the first holder made instead of running the work again, and records it', async () => {
      await dieAfterIntent('create:R1', { title: 'Acme' });
      const recover = vi.fn(async () => 'deal-20');
      const work = vi.fn(async () => 'deal-21');

      // Not a duplicate: the first holder never told anyone, so what follows the work still must happen.
      await expect(runOnce(store, 'create:R1', work, { recover, waitMs: 0 })).resolves.toEqual({ result: 'deal-20', duplicate: false });
      expect(recover).toHaveBeenCalledWith({ title: 'Acme' });
      expect(work).not.toHaveBeenCalled();
      await expect(runOnce(store, 'create:R1', work, { recover, waitMs: 0 })).resolves.toEqual({ result: 'deal-20', duplicate: true });
      expect(recover).toHaveBeenCalledOnce();
    });

    it('runs the work when nothing of the first holder is found', async () => {
      await dieAfterIntent('create:R2', { title: 'Acme' });
      const recover = vi.fn(async () => null);
      await expect(runOnce(store, 'create:R2', async () => 'deal-22', { recover, waitMs: 0 })).resolves.toEqual({
        result: 'deal-22',
        duplicate: false,
      });
      expect(recover).toHaveBeenCalledOnce();
    });

    it('does nothing when it cannot look, frees the key, and looks again on the next try', async () => {
      await dieAfterIntent('create:R3', { title: 'Acme' });
      const work = vi.fn(async () => 'deal-23');
      const blind = vi.fn(async (): Promise<string | null> => {
        throw new Error('CRM down');
      });
      await expect(runOnce(store, 'create:R3', work, { recover: blind, waitMs: 0 })).rejects.toThrow('CRM down');
      expect(work).not.toHaveBeenCalled();

      const recover = vi.fn(async () => 'deal-20');
      await expect(runOnce(store, 'create:R3', work, { recover, waitMs: 0 })).resolves.toEqual({ result: 'deal-20', duplicate: false });
      expect(recover).toHaveBeenCalledWith({ title: 'Acme' });
      expect(work).not.toHaveBeenCalled();
    });

    it('forgets the intent of work that failed in front of the person, so a retry does not search', async () => {
      await expect(
        runOnce(store, 'create:R4', async (lease) => {
          await lease.recordIntent({ title: 'Acme' });
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      const recover = vi.fn(async () => 'deal-20');
      await expect(runOnce(store, 'create:R4', async () => 'deal-24', { recover, waitMs: 0 })).resolves.toEqual({
        result: 'deal-24',
        duplicate: false,
      });
      expect(recover).not.toHaveBeenCalled();
    });
  });
});
