// Stopping on SIGTERM (systemd, a container runtime, a supervisor) or SIGINT (Ctrl-C): the
// steps run once, in order, and the whole shutdown is bounded — a second signal, or the
// hard deadline, ends the process at once with code 1.

import type { Logger } from '../logger.js';
import type { InFlight } from './in-flight.js';
import type { WorkQueue } from './work-queue.js';

export const DRAIN_TIMEOUT_MS = 8_000;

export interface ShutdownTrigger {
  /** Resolves with the signal (or reason) that asked the process to stop. */
  readonly requested: Promise<string>;
  /** Asks for a stop from inside (a fatal error). */
  request(reason: string): void;
  uninstall(): void;
}

export function onShutdownSignals(options: { logger: Logger; hardDeadlineMs?: number; target?: NodeJS.Process }): ShutdownTrigger {
  const target = options.target ?? process;
  let resolveRequested!: (reason: string) => void;
  const requested = new Promise<string>((resolve) => (resolveRequested = resolve));
  let asked = false;
  const request = (reason: string) => {
    if (asked) {
      options.logger.warn({ reason }, 'asked to stop again; stopping now');
      target.exit(1);
      return;
    }
    asked = true;
    // The drain has its own bound; this one catches a step that hangs past it.
    setTimeout(
      () => {
        options.logger.error('shutdown did not finish in time; stopping now');
        target.exit(1);
      },
      options.hardDeadlineMs ?? DRAIN_TIMEOUT_MS + 1_500,
    ).unref();
    resolveRequested(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => request(signal);
  target.on('SIGTERM', onSignal);
  target.on('SIGINT', onSignal);
  return {
    requested,
    request,
    uninstall() {
      target.off('SIGTERM', onSignal);
      target.off('SIGINT', onSignal);
    },
  };
}

/**
 * Waits, within one bound, for requests and digest posts in flight (`inFlight`) and then for
 * the after-ack queue to empty; says what was still running or queued when time ran out.
 */
export async function drainWork(inFlight: InFlight, queue: WorkQueue | null, timeoutMs: number): Promise<{ left: number; queued: number }> {
  const until = Date.now() + timeoutMs;
  const { left } = await inFlight.drain(timeoutMs);
  if (!queue) return { left, queued: 0 };
  let timer: NodeJS.Timeout | undefined;
  const idle = await Promise.race([
    queue.onIdle().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now())))),
  ]).finally(() => clearTimeout(timer));
  return { left, queued: idle ? 0 : queue.running + queue.waiting };
}
