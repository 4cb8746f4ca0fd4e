// What `GET /readyz` answers: whether this replica should be sent work. Each dependency
// (store, Slack token, CRM) has a check with a short budget; answers are cached briefly so
// a load balancer polling every second costs the store, Slack and the CRM almost nothing.
// While start-up is still waiting on something, or shutdown has begun, it says so.

import { DeadlineError } from '../errors.js';
import type { Metrics } from './metrics.js';

export interface CheckResult {
  ok: boolean;
  /** Why not, in a few words. */
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Start-up step still waited on, or `draining` during shutdown. */
  state: string;
  checks: Record<string, CheckResult>;
}

export interface CheckOptions {
  /** Longest a check may take before it counts as failed. Default 2 s. */
  timeoutMs?: number;
  /** How long an answer is reused. Default 2 s. */
  cacheMs?: number;
}

export interface Readiness {
  /** A start-up step not yet done (`waiting for the store`), or null once started. */
  setStarting(state: string | null): void;
  /** A check that cannot run yet (Slack before the store) reports this until it can. */
  setPending(name: string, reason: string): void;
  addCheck(name: string, check: () => Promise<void>, options?: CheckOptions): void;
  setDraining(): void;
  report(): Promise<ReadinessReport>;
}

export function withDeadline<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function createReadiness(options: { metrics?: Metrics | null; now?: () => number } = {}): Readiness {
  const now = options.now ?? Date.now;
  let starting: string | null = 'starting';
  let draining = false;
  const pending = new Map<string, string>();
  const checks = new Map<
    string,
    { run: () => Promise<void>; timeoutMs: number; cacheMs: number; last?: { at: number; result: CheckResult } }
  >();

  async function run(name: string): Promise<CheckResult> {
    const pendingReason = pending.get(name);
    if (pendingReason !== undefined) return { ok: false, reason: pendingReason };
    const check = checks.get(name)!;
    if (check.last && now() - check.last.at < check.cacheMs) return check.last.result;
    let result: CheckResult;
    try {
      await withDeadline(name, check.run(), check.timeoutMs);
      result = { ok: true };
    } catch (error) {
      result = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    check.last = { at: now(), result };
    return result;
  }

  return {
    setStarting(state) {
      starting = state;
    },
    setPending(name, reason) {
      pending.set(name, reason);
    },
    addCheck(name, check, { timeoutMs = 2000, cacheMs = 2000 } = {}) {
      pending.delete(name);
      checks.set(name, { run: check, timeoutMs, cacheMs });
    },
    setDraining() {
      draining = true;
    },
    async report() {
      const names = [...new Set([...pending.keys(), ...checks.keys()])];
      const results = await Promise.all(names.map(async (name) => [name, await run(name)] as const));
      for (const [name, result] of results) options.metrics?.ready.set({ check: name }, result.ok ? 1 : 0);
      const allOk = results.every(([, r]) => r.ok);
      const state = draining ? 'draining' : (starting ?? (allOk ? 'ready' : 'degraded'));
      return { ready: !draining && starting === null && allOk, state, checks: Object.fromEntries(results) };
    },
  };
}
