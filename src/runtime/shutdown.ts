// Stopping on SIGTERM (systemd, a container runtime, a supervisor) or SIGINT (Ctrl-C): the
// steps run once, in order, and the whole shutdown is bounded — a second signal, or the
// hard deadline, ends the process at once with code 1.

import type { Logger } from '../logger.js';

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
    setTimeout(() => {
      options.logger.error('shutdown did not finish in time; stopping now');
      target.exit(1);
    }, options.hardDeadlineMs ?? DRAIN_TIMEOUT_MS + 1_500).unref();
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
