// Who a piece of work is for: the Slack request id, team and user of the request being
// handled, kept in AsyncLocalStorage so every log line written while handling it carries
// them (the logger's mixin reads it) without threading a child logger through every call.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  /** `trigger_id`, `event_id` or Socket Mode's envelope id; generated when Slack sends none. */
  requestId: string;
  team: string | null;
  user: string | null;
  /** command, action, view_submission, shortcut, options, event… */
  kind: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

export function runInRequest<T>(request: RequestContext, fn: () => T): T {
  return storage.run(request, fn);
}

/**
 * Binds `fn` to the request being handled now, for work that a queue or timer runs later:
 * its log lines still name the request that asked for it.
 */
export function bindToRequest<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const request = storage.getStore();
  return request ? (...args: A) => storage.run(request, () => fn(...args)) : fn;
}
