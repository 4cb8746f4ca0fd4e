// What a remote CRM adapter remembers of the account for its own needs (the currency, the
// stage list, loss reasons, the current user): one load trusted for a while, so a busy
// channel does not spend a request (or a Pipedrive token) on the same fact again and again.
// Concurrent reads share one request, and a failed load is never remembered: the next read
// tries again.

export interface AccountMemo<T> {
  /** The remembered value while it is fresh; otherwise a new load. */
  get(): Promise<T>;
  /** The remembered value, without loading; a load that is failing counts as nothing remembered. */
  peek(): Promise<T | null>;
  /** Forgets the value, so the next `get` loads again. */
  clear(): void;
}

/** A value loaded once and trusted for `ttlMs` by the clock `nowMs` (epoch ms). */
export function createAccountMemo<T>(load: () => Promise<T>, ttlMs: number, nowMs: () => number = Date.now): AccountMemo<T> {
  let entry: { at: number; value: Promise<T> } | null = null;
  return {
    get(): Promise<T> {
      if (entry && nowMs() - entry.at < ttlMs) return entry.value;
      const current = {
        at: nowMs(),
        value: load().catch((error: unknown) => {
          if (entry === current) entry = null;
          throw error;
        }),
      };
      entry = current;
      return current.value;
    },
    async peek(): Promise<T | null> {
      if (!entry || nowMs() - entry.at >= ttlMs) return null;
      return entry.value.catch(() => null);
    },
    clear(): void {
      entry = null;
    },
  };
}
