// Who a piece of work is for: the Slack request id, team and user of the request being
// handled. Every log line written while handling a request names them, because the request's
// code logs through a child logger that carries them (`requestLogger`): the instrumented
// receiver makes one per request and hands it to the app as `context.requestLogger`; the
// context middleware puts it on `context.logger`, which middleware, listeners, use cases and
// `app.error()` log through, before the ack and after it.
//
// Passed along, not kept in AsyncLocalStorage: on Node 20 an AsyncLocalStorage runs hooks on
// every promise the process creates and awaits (Bolt's middleware makes many per request);
// it cost about a quarter of Dealbot's CPU before each ack (README "Performance"). Fastify
// gives each request its logger the same way.

import type { Logger } from '../logger.js';

export interface RequestContext {
  /** `trigger_id`, `event_id` or Socket Mode's envelope id; generated when Slack sends none. */
  requestId: string;
  team: string | null;
  user: string | null;
  /** command, action, view_submission, shortcut, options, event… */
  kind: string;
}

const LEVELS: ReadonlySet<PropertyKey> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const skip = (): void => undefined;

/**
 * `logger`, naming the request on every line it writes. The child logger is made at the
 * first line actually written (or the first other use), not per request: most requests
 * write none before their ack, and making one costs a pass of the redaction over its
 * bindings (the wildcard paths of `logger.ts` apply to every key). A call at a level the
 * parent does not write is dropped without making it.
 */
export function requestLogger(logger: Logger, request: RequestContext): Logger {
  let child: Logger | undefined;
  const made = (): Logger => (child ??= logger.child({ requestId: request.requestId, team: request.team, user: request.user }));
  return new Proxy(logger, {
    get(_parent, key) {
      if (child === undefined && LEVELS.has(key) && !logger.isLevelEnabled(key as string)) return skip;
      const target = made();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_parent, key, value) {
      return Reflect.set(made(), key, value);
    },
    has(_parent, key) {
      return Reflect.has(made(), key);
    },
  });
}
