// The store's readiness probe, also run once when a store is opened: write a value, read it
// back, delete it. A read alone passes on a store that vanished or turned read-only, which
// then fails every write while reporting itself healthy; a write finds both out (the SQLite
// store checks its file before each write, see `sqlite-file-guard.ts`).

import { randomUUID } from 'node:crypto';
import { StoreError } from '../errors.js';
import { isReadOnlyError } from './read-only.js';
import type { Store } from './store.js';

/** Each probe writes its own key, so replicas, or two stores of one process, never read each other's value. */
const PROBE_PREFIX = 'readyz:probe:';
/** Left behind only if the process dies between the write and the delete. */
const PROBE_TTL_MS = 60_000;

export async function probeStore(store: Store): Promise<void> {
  const nonce = randomUUID();
  const key = `${PROBE_PREFIX}${nonce}`;
  try {
    await store.set(key, nonce, PROBE_TTL_MS);
    const read = await store.get<string>(key);
    if (read !== nonce) throw new StoreError(`The ${store.kind} store did not give back a value it had just been given`);
    await store.delete(key);
  } catch (error) {
    if (isReadOnlyError(error)) {
      throw new StoreError(`The ${store.kind} store is read-only: it answers reads but refuses every write`, { cause: error });
    }
    throw error;
  }
}
