// The `Store` every backend ends up as: keyv for plain values, a `ClaimBackend` for the atomic
// parts, and `withLock` built on claims. Backend failures surface as `StoreError` with the
// original error as cause; keys appear in messages, values never do.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Keyv from 'keyv';
import { LockTimeoutError, StoreError } from '../errors.js';
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
}

export const DEFAULT_LOCK_TTL_MS = 30_000;
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/** Lock retries start fast (a CRM write holds the lock for milliseconds) and back off to this. */
const MAX_LOCK_RETRY_MS = 100;

export function createKeyvStore(parts: KeyvStoreParts): Store {
  const { kind, keyv, claims } = parts;
  let closing: Promise<void> | undefined;

  async function attempt<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (closing) throw new StoreError(`The ${kind} store is closed (${what})`);
    try {
      return await operation();
    } catch (error) {
      if (isReadOnlyError(error)) throw new StoreError(`The ${kind} store is read-only and refused to ${what}`, { cause: error });
      throw new StoreError(`The ${kind} store failed to ${what}`, { cause: error });
    }
  }

  async function write<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (!closing) await parts.beforeWrite?.();
    return attempt(what, operation);
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
    claim: (key, ttlMs, owner = randomUUID()) => write(`claim ${key}`, () => claims.claim(key, ttlMs, owner)),
    release: (key, owner) => write(`release ${key}`, () => claims.release(key, owner)),

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
