// The Map behind the `memory://` store. Keyv drops an expired entry only when it is read
// again, so a plain Map keeps every key a long-running process ever wrote (delivery claims,
// idempotency keys, caches): the heap grows with every request handled. Keyv hands the
// time to live to `set`; `get` and `has` never see an entry past it, and such entries are
// swept out on a write, at most once a minute (iterating may still meet one before then).

/** How often, at most, expired entries are swept (on a write). */
export const SWEEP_EVERY_MS = 60_000;

export class ExpiringMap<V> extends Map<string, V> {
  readonly #expiresAt = new Map<string, number>();
  readonly #clock: () => number;
  #nextSweep = 0;

  /** The clock is read at each call, so a test that fakes `Date` moves expiry too. */
  constructor(clock: () => number = () => Date.now()) {
    super();
    this.#clock = clock;
  }

  override set(key: string, value: V, ttlMs?: number): this {
    super.set(key, value);
    if (typeof ttlMs === 'number' && ttlMs > 0) this.#expiresAt.set(key, this.#clock() + ttlMs);
    else this.#expiresAt.delete(key);
    this.#sweep();
    return this;
  }

  override get(key: string): V | undefined {
    return this.#expired(key) ? undefined : super.get(key);
  }

  override has(key: string): boolean {
    return !this.#expired(key) && super.has(key);
  }

  override delete(key: string): boolean {
    this.#expiresAt.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.#expiresAt.clear();
    super.clear();
  }

  #expired(key: string): boolean {
    const expiresAt = this.#expiresAt.get(key);
    return expiresAt !== undefined && expiresAt <= this.#clock();
  }

  #sweep(): void {
    const now = this.#clock();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, expiresAt] of this.#expiresAt) {
      if (expiresAt > now) continue;
      this.#expiresAt.delete(key);
      super.delete(key);
    }
  }
}
