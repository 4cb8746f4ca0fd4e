// Retries a start-up step (open the store, verify the Slack token) until it works, with
// exponential backoff and full jitter, capped so a dependency's return is noticed within
// seconds. A fatal error (a refused token) ends the retries at once.

export interface BackoffOptions {
  /** First wait before jitter. Default 250 ms. */
  baseMs?: number;
  /** Longest wait. Default 5 s: a dependency that comes back is used within about that long. */
  maxMs?: number;
  /** Errors no retry can fix; thrown at once. */
  isFatal?: (error: unknown) => boolean;
  /** The wait the failure itself asks for (a 429's Retry-After), if any. */
  askedWaitMs?: (error: unknown) => number | null;
  /** Called before each wait, with the attempt that failed (1-based). */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  /** Stops retrying (shutdown); the last error is thrown. */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export async function retryWithBackoff<T>(step: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const { baseMs = 250, maxMs = 5000, isFatal = () => false, sleep = defaultSleep, random = Math.random } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (isFatal(error) || options.signal?.aborted) throw error;
      const asked = options.askedWaitMs?.(error) ?? null;
      const waitMs = asked ?? Math.max(50, Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1))));
      options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
