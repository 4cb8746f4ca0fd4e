// A view of a store whose keys, claims and locks all live under one prefix. Slack-side state
// (digest schedules, their progress, caches, idempotency claims) belongs to one Slack
// workspace, or to the console, and is read and written through such a view, so two
// workspaces, or a console and a real bot, sharing one SQLite file or one Redis never see
// each other's. The embedded CRM is given the unscoped store: its deals are a CRM account.

import type { Store } from './store.js';

export function scopeStore(store: Store, namespace: string): Store {
  const prefix = `${namespace}:`;
  const key = (k: string): string => `${prefix}${k}`;
  return {
    kind: store.kind,
    get: (k) => store.get(key(k)),
    getMany: (keys) => store.getMany(keys.map(key)),
    set: (k, value, ttlMs) => store.set(key(k), value, ttlMs),
    delete: (k) => store.delete(key(k)),
    claim: (k, ttlMs, owner) => store.claim(key(k), ttlMs, owner),
    release: (k, owner) => store.release(key(k), owner),
    withLock: (name, fn, options) => store.withLock(key(name), fn, options),
    // The underlying store belongs to whoever opened it; a view never closes it.
    close: () => Promise.resolve(),
  };
}
