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

/** `logger`, naming the request on every line it writes. */
export function requestLogger(logger: Logger, request: RequestContext): Logger {
  return logger.child({ requestId: request.requestId, team: request.team, user: request.user });
}
