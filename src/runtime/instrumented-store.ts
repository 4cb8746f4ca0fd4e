// The store as the running service uses it, counting claim conflicts: a claim found already
// held by another request or replica (a replayed delivery, a duplicate submission, a digest
// slot another replica posts, a lease lost) and a lock not obtained in time. Claims are the
// hinge of "nothing is done twice", so a rise here is worth seeing on a dashboard.

import { LockTimeoutError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Metrics } from './metrics.js';

/** What the claim is for, from its key (after any workspace prefix); a small fixed set, fit for a label. */
export function claimKind(key: string): string {
  const bare = key.replace(/^(slack:[^:]+|console):/, '');
  const head = bare.split(':')[0] ?? '';
  switch (head) {
    case 'delivery':
      return 'replay';
    case 'idem':
      return 'idempotency';
    case 'digest':
      return 'digest';
    case 'undo':
      return 'undo';
    case 'lock':
      return 'lock';
    default:
      return 'other';
  }
}

export function instrumentStore(store: Store, metrics: Pick<Metrics, 'claimConflicts'>): Store {
  return {
    kind: store.kind,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    set: (key, value, ttlMs) => store.set(key, value, ttlMs),
    delete: (key) => store.delete(key),
    async claim(key, ttlMs, owner) {
      const took = await store.claim(key, ttlMs, owner);
      if (!took) metrics.claimConflicts.inc({ kind: claimKind(key) });
      return took;
    },
    release: (key, owner) => store.release(key, owner),
    async withLock(name, fn, options) {
      try {
        return await store.withLock(name, fn, options);
      } catch (error) {
        if (error instanceof LockTimeoutError) metrics.claimConflicts.inc({ kind: 'lock' });
        throw error;
      }
    },
    close: () => store.close(),
  };
}
