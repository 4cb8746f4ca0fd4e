// Claims for the `memory://` store: a Map in this process. Atomic because JavaScript runs one
// callback at a time and nothing here awaits between the check and the write.

import type { ClaimBackend } from './claim-backend.js';
import { SWEEP_EVERY_MS } from './expiring-map.js';

// The clock is read at each call (not captured once), so a test that fakes `Date` moves claims too.
// Lapsed claims are swept out on a claim, at most once a minute (SWEEP_EVERY_MS): nothing else
// would ever read them again, and every delivery claims a key.
export function createMemoryClaims(clock: () => number = () => Date.now()): ClaimBackend & { readonly size: number } {
  const claims = new Map<string, { owner: string; expiresAt: number }>();
  let nextSweep = 0;
  const sweep = (now: number) => {
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, held] of claims) if (held.expiresAt <= now) claims.delete(key);
  };
  return {
    get size() {
      return claims.size;
    },
    async claim(key, ttlMs, owner) {
      const now = clock();
      sweep(now);
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
