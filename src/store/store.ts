// The narrow storage interface everything stateful goes through: settings, idempotency
// keys, caches, digest schedules and the embedded CRM. Backed by keyv (SQLite file,
// Redis or memory, see `create-store.ts`), plus the two atomic primitives keyv lacks:
// `claim` (set-if-absent with expiry) and `withLock`, built on the backend's own atomic
// operation so they hold across processes sharing one SQLite file or one Redis.

export interface Store {
  /** `sqlite`, `redis` or `memory`. */
  readonly kind: StoreKind;
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
  /** `ttlMs` absent: kept until deleted. */
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /**
   * Atomically takes `key` for `ttlMs` if nobody holds it (or the holder's claim expired).
   * True when this call took it. Used for idempotency keys and "post this digest once".
   * The same `owner` claiming a key it still holds renews it for `ttlMs` (a lease kept alive
   * while working; a crashed holder's lease lapses on its own).
   */
  claim(key: string, ttlMs: number, owner?: string): Promise<boolean>;
  /** Gives a claim back early; only the owner that took it can release it. */
  release(key: string, owner: string): Promise<void>;
  /**
   * Runs `fn` while holding an exclusive lock named `name`, across every process that
   * shares the store. The lock expires after `ttlMs` so a dead holder cannot block
   * forever; waiting longer than `waitMs` throws `LockTimeoutError`.
   */
  withLock<T>(name: string, fn: () => Promise<T>, options?: { ttlMs?: number; waitMs?: number }): Promise<T>;
  close(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'redis' | 'memory';
