// The last line of defence: a promise nobody awaited, or an exception thrown from a timer or
// a socket callback. A rejection is logged and the process carries on (the work it belonged
// to is lost, nothing else is). An uncaught exception from the network (a peer resetting a
// socket) is logged and survived too; any other leaves the process in an unknown state, so
// it is logged with its stack and the process shuts down cleanly for its supervisor to restart.

import type { Logger } from '../logger.js';

/** Socket errors a peer can cause at any time; they break one connection, not the process. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export interface ProcessGuard {
  uninstall(): void;
}

export function installProcessGuard(options: {
  logger: Logger;
  /** Called once for an exception that is not safe to survive; should drain and exit non-zero. */
  fatal: (error: unknown) => void;
  target?: NodeJS.Process;
}): ProcessGuard {
  const target = options.target ?? process;
  const onRejection = (reason: unknown) => {
    options.logger.error({ err: reason }, 'a promise was rejected and nobody handled it; carrying on');
  };
  const onException = (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) {
      options.logger.error({ err: error }, 'a connection failed outside any handler; carrying on');
      return;
    }
    options.logger.fatal({ err: error }, 'uncaught exception; shutting down');
    options.fatal(error);
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    uninstall() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
    },
  };
}
