// Claims for the `memory://` store: a Map in this process. Atomic because JavaScript runs one
// callback at a time and nothing here awaits between the check and the write.

import type { ClaimBackend } from './claim-backend.js';
import { ExpiringMap } from './expiring-map.js';

// The clock is read at each call (not captured once), so a test that fakes `Date` moves claims too.
// Lapsed claims are swept out as the memory store's values are (ExpiringMap): nothing else
// would ever read them again, and every delivery claims a key.
export function createMemoryClaims(clock: () => number = () => Date.now()): ClaimBackend & { readonly size: number } {
  const claims = new ExpiringMap<{ owner: string; expiresAt: number }>(clock);
  return {
    get size() {
      return claims.size;
    },
    async claim(key, ttlMs, owner) {
      const now = clock();
      const held = claims.get(key);
      // The holder claiming again renews its lease; anyone else waits for it to lapse.
      if (held && held.expiresAt > now && held.owner !== owner) return false;
      claims.set(key, { owner, expiresAt: now + ttlMs }, ttlMs);
      return true;
    },
    async release(key, owner) {
      if (claims.get(key)?.owner === owner) claims.delete(key);
    },
  };
}
