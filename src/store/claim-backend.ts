// The one atomic primitive each store backend must provide itself: take a key for a while
// if nobody holds it, and give it back only as its owner. keyv has no set-if-absent, so
// `claim`, `release` and `withLock` (see `keyv-store.ts`) are built on this instead.

export interface ClaimBackend {
  /**
   * True when this call took `key`: it was free, the previous claim had expired, or `owner`
   * already held it (then its expiry moves to `ttlMs` from now: a lease renewal).
   */
  claim(key: string, ttlMs: number, owner: string): Promise<boolean>;
  /** Deletes the claim only if `owner` still holds it (a late release never frees someone else's claim). */
  release(key: string, owner: string): Promise<void>;
}
