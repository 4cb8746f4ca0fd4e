// Claims for the `memory://` store: a Map in this process. Atomic because JavaScript runs one
// callback at a time and nothing here awaits between the check and the write.

import type { ClaimBackend } from './claim-backend.js';
import { ExpiringMap } from './expiring-map.js';

// The clock is read at each call (not captured once), so a test that fakes `Date` moves claims too.
// A claim is its owner in an ExpiringMap for the lease's length: a lapsed one reads as free
// and is swept out as the memory store's values are (every delivery claims a key).
export function createMemoryClaims(clock: () => number = () => Date.now()): ClaimBackend & { readonly size: number } {
  const claims = new ExpiringMap<string>(clock);
  return {
    get size() {
      return claims.size;
    },
    async claim(key, ttlMs, owner) {
      const holder = claims.get(key);
      // The holder claiming again renews its lease; anyone else waits for it to lapse.
      if (holder !== undefined && holder !== owner) return false;
      // Always with a lease: a time to live of 0 would be "forever" to the map.
      claims.set(key, owner, Math.max(ttlMs, 1));
      return true;
    },
    async release(key, owner) {
      if (claims.get(key) === owner) claims.delete(key);
    },
  };
}
