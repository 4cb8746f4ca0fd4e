// A lease on one piece of work (a digest slot, an alert target) held by one replica at a time:
// taken with the store's atomic set-if-absent claim and a short expiry, renewed in the
// background every third of that expiry while the work goes on, and confirmed before each
// step that another replica could also be doing. A replica that lost it (paused too long, its
// store cut off) learns so at the next `confirm()` and stops there; one that dies holds it no
// longer than the expiry. Ending it lets go at once.

import { randomUUID } from 'node:crypto';
import type { Store } from './store.js';

/** Runs `fn` every `ms` until the returned function is called. */
export type Every = (fn: () => void, ms: number) => () => void;

/** `setInterval` that does not keep a finished process alive. */
export const unrefEvery: Every = (fn, ms) => {
  const handle = setInterval(fn, ms);
  handle.unref();
  return () => clearInterval(handle);
};

/** `setTimeout` that does not keep a finished process alive (a background loop's next wake). */
export const unrefTimer = (fn: () => void, ms: number): unknown => {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return handle;
};

export const clearUnrefTimer = (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout);

/** The lease lapsed and another replica may hold it: stop before the next step. */
export class LeaseLost extends Error {
  constructor(readonly key: string) {
    super(`the lease on ${key} was lost`);
    this.name = 'LeaseLost';
  }
}

export interface Lease {
  /** Renews the lease now; throws `LeaseLost` when another replica holds it. */
  confirm(): Promise<void>;
  /** Stops renewing and lets go, so the next taker need not wait for the expiry. */
  end(): Promise<void>;
}

export interface LeaseOptions {
  /** How long the lease holds unless renewed. */
  ms: number;
  /** This replica's id; a random suffix makes each taking its own owner. */
  instanceId: string;
  every?: Every;
  /** A renewal that failed on a store error (the next one, a third of the lease later, may work). */
  onRenewError?: (error: unknown) => void;
}

/** Takes the lease on `key`, or `null` when another replica holds it. */
export async function takeLease(store: Pick<Store, 'claim' | 'release'>, key: string, options: LeaseOptions): Promise<Lease | null> {
  const owner = `${options.instanceId}:${randomUUID()}`;
  if (!(await store.claim(key, options.ms, owner))) return null;
  let lost = false;
  const renew = (): Promise<void> =>
    store.claim(key, options.ms, owner).then(
      (held) => {
        if (!held) lost = true;
      },
      (error: unknown) => options.onRenewError?.(error),
    );
  const stop = (options.every ?? unrefEvery)(() => void renew(), Math.max(1, Math.floor(options.ms / 3)));
  return {
    async confirm() {
      await renew();
      if (lost) throw new LeaseLost(key);
    },
    async end() {
      stop();
      await store.release(key, owner).catch(() => undefined);
    },
  };
}
