// The `Store` every backend ends up as: keyv for plain values, a `ClaimBackend` for the atomic
// parts, and `withLock` built on claims. Backend failures surface as `StoreError` with the
// original error as cause; keys appear in messages, values never do. Every operation has a
// deadline here, in one place: a backend that stops answering (a frozen Redis) fails the
// operation with a `DeadlineError` cause instead of holding the request forever.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Keyv from 'keyv';
import { DeadlineError, LockTimeoutError, StoreError } from '../errors.js';
import type { ClaimBackend } from './claim-backend.js';
import { isReadOnlyError } from './read-only.js';
import type { Store, StoreKind } from './store.js';

export interface KeyvStoreParts {
  kind: StoreKind;
  keyv: Keyv;
  claims: ClaimBackend;
  /** Closes the backend's connections; called once. */
  close: () => Promise<void>;
  /**
   * Runs before every write and throws `StoreError` when the backend can no longer keep
   * what it is given (the SQLite file was deleted under the process), so no write that
   * would be lost is ever reported as done.
   */
  beforeWrite?: () => Promise<void>;
  /** Longest one operation may take. Default `DEFAULT_STORE_DEADLINE_MS`. */
  deadlineMs?: number;
}

export const DEFAULT_LOCK_TTL_MS = 30_000;
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/**
 * A healthy Redis or memory store answers in a millisecond or two. Some requests touch the
 * store before their ack (the replay guard's claim), so a store that stopped answering must
 * fail fast enough to leave the ack inside Slack's 3 s; the person is then told to try again.
 */
export const DEFAULT_STORE_DEADLINE_MS = 1_500;
/** Lock retries start fast (a CRM write holds the lock for milliseconds) and back off to this. */
const MAX_LOCK_RETRY_MS = 100;

export function createKeyvStore(parts: KeyvStoreParts): Store {
  const { kind, keyv, claims } = parts;
  const deadlineMs = parts.deadlineMs ?? DEFAULT_STORE_DEADLINE_MS;
  let closing: Promise<void> | undefined;

  /** `operation`, or a `DeadlineError` once `deadlineMs` have passed (the operation is left to settle on its own). */
  function withinDeadline<T>(what: string, operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError(`the ${kind} store (${what})`, deadlineMs)), deadlineMs);
    });
    // A late rejection of the abandoned operation must not surface as unhandled.
    operation.catch(() => undefined);
    return Promise.race([operation, late]).finally(() => clearTimeout(timer));
  }

  async function attempt<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (closing) throw new StoreError(`The ${kind} store is closed (${what})`);
    try {
      return await withinDeadline(what, operation());
    } catch (error) {
      if (error instanceof DeadlineError) throw new StoreError(`The ${kind} store did not answer in time to ${what}`, { cause: error });
      if (isReadOnlyError(error)) throw new StoreError(`The ${kind} store is read-only and refused to ${what}`, { cause: error });
      throw new StoreError(`The ${kind} store failed to ${what}`, { cause: error });
    }
  }

  /**
   * A write of data: checked by `beforeWrite` first. Claims and releases are not: they are
   * only ever followed by a data write (which is checked), and an extra turn of the event
   * loop between a lock's release and its next claim changes who gets the lock next.
   */
  function write<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const check = closing ? undefined : parts.beforeWrite;
    return check ? check().then(() => attempt(what, operation)) : attempt(what, operation);
  }

  const store: Store = {
    kind,
    // Adapters answer a missing key with undefined or null; callers only ever see undefined.
    get: <T>(key: string) => attempt(`get ${key}`, async () => (await keyv.get<T>(key)) ?? undefined),
    getMany: <T>(keys: string[]) =>
      keys.length === 0
        ? Promise.resolve([])
        : attempt(`get ${keys.length} keys`, async () => {
            const values = await keyv.getMany<T>(keys);
            return values.map((value) => value ?? undefined);
          }),
    set: <T>(key: string, value: T, ttlMs?: number) =>
      write(`set ${key}`, async () => {
        await keyv.set(key, value, ttlMs && ttlMs > 0 ? ttlMs : undefined);
      }),
    delete: (key) => write(`delete ${key}`, () => keyv.delete(key)),
    claim: (key, ttlMs, owner = randomUUID()) => attempt(`claim ${key}`, () => claims.claim(key, ttlMs, owner)),
    release: (key, owner) => attempt(`release ${key}`, () => claims.release(key, owner)),

    async withLock(name, fn, options = {}) {
      const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
      const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
      const key = `lock:${name}`;
      const owner = randomUUID();
      const started = Date.now();
      let retryMs = 2;
      while (!(await store.claim(key, ttlMs, owner))) {
        const waited = Date.now() - started;
        if (waited >= waitMs) throw new LockTimeoutError(name, waitMs);
        // Jitter keeps two waiters from retrying in lockstep.
        await sleep(Math.min(retryMs * (0.5 + Math.random()), waitMs - waited));
        retryMs = Math.min(retryMs * 2, MAX_LOCK_RETRY_MS);
      }
      try {
        return await fn();
      } finally {
        // A failed release must not turn finished work into an error (the caller would redo
        // it); the claim expires after `ttlMs` anyway.
        await store.release(key, owner).catch(() => undefined);
      }
    },

    close() {
      closing ??= parts.close().catch((error: unknown) => {
        throw new StoreError(`The ${kind} store failed to close`, { cause: error });
      });
      return closing;
    },
  };
  return store;
}
