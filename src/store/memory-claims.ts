// Claims for the `memory://` store: a Map in this process. Atomic because JavaScript runs one
// callback at a time and nothing here awaits between the check and the write.

import type { ClaimBackend } from './claim-backend.js';

// The clock is read at each call (not captured once), so a test that fakes `Date` moves claims too.
export function createMemoryClaims(clock: () => number = () => Date.now()): ClaimBackend {
  const claims = new Map<string, { owner: string; expiresAt: number }>();
  return {
    async claim(key, ttlMs, owner) {
      const now = clock();
      const held = claims.get(key);
      // The holder claiming again renews its lease; anyone else waits for it to lapse.
      if (held && held.expiresAt > now && held.owner !== owner) return false;
      claims.set(key, { owner, expiresAt: now + ttlMs });
      return true;
    },
    async release(key, owner) {
      if (claims.get(key)?.owner === owner) claims.delete(key);
    },
  };
}
