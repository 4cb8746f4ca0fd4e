// The one place listener errors end up (`app.error()`): log them with their code and
// cause, and tell the person what went wrong and what to do next. Modal submissions have
// already explained the problem inside the modal, so they are only logged.

import type { WebClient } from '@slack/web-api';
import { ErrorCode, isDealbotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { postToResponseUrl } from '../slack/response-url.js';
import { errorMessage } from '../ui/error-message.js';
import { deliverReply } from './replies.js';

/** Bolt wraps listener errors; find ours inside. */
export function originalError(error: unknown): unknown {
  const e = error as { original?: unknown; originals?: unknown[] };
  if (e && typeof e === 'object') {
    if (e.original) return e.original;
    if (Array.isArray(e.originals) && e.originals.length > 0) return e.originals[0];
  }
  return error;
}

interface ErrorBody {
  type?: string;
  response_url?: string;
  user?: { id?: string };
  user_id?: string;
  channel?: { id?: string };
  channel_id?: string;
}

/**
 * How bad each error is, for the log. `expected`: a person's mistake or a missing thing,
 * part of using Dealbot, told to the person (info, no stack). `operational`: something
 * outside Dealbot is down or refusing (warn, no stack; the cause says why). `unexpected`: a
 * bug or an unknown failure (error, with its stack). Keyed by code, so a new error class
 * does not compile until someone decides.
 */
const SEVERITY: { readonly [C in ErrorCode]: 'expected' | 'operational' | 'unexpected' } = {
  [ErrorCode.CrmNotFound]: 'expected',
  [ErrorCode.CrmValidation]: 'expected',
  [ErrorCode.CrmConflict]: 'expected',
  [ErrorCode.CrmUnsupported]: 'expected',
  [ErrorCode.DealStateConflict]: 'expected',
  [ErrorCode.DuplicateInProgress]: 'expected',
  [ErrorCode.InvalidInput]: 'expected',
  [ErrorCode.AccessRefused]: 'expected',
  [ErrorCode.PersonalCredentialRefused]: 'expected',
  [ErrorCode.CrmUnavailable]: 'operational',
  [ErrorCode.CrmRateLimited]: 'operational',
  [ErrorCode.CrmUnauthorized]: 'operational',
  [ErrorCode.CrmForbidden]: 'operational',
  [ErrorCode.CrmSettings]: 'operational',
  [ErrorCode.LockTimeout]: 'operational',
  [ErrorCode.AnnouncementFailed]: 'operational',
  [ErrorCode.StoreError]: 'operational',
  [ErrorCode.Timeout]: 'operational',
  [ErrorCode.ResponseUrlRefused]: 'operational',
  [ErrorCode.SlackTokenRejected]: 'operational',
  [ErrorCode.ConfigError]: 'unexpected',
  [ErrorCode.CrmBadResponse]: 'unexpected',
  [ErrorCode.BadActionValue]: 'unexpected',
};

/**
 * Expected errors at `info` and outages at `warn`, both without a stack; anything else is a
 * bug or an unknown failure and is logged at `error` with its stack and cause.
 */
export function logListenerError(logger: Logger, error: unknown, requestType?: string): void {
  const code = isDealbotError(error) ? error.code : undefined;
  const severity = code ? SEVERITY[code] : 'unexpected';
  if (code && severity !== 'unexpected') {
    const cause = (error as Error).cause;
    logger[severity === 'expected' ? 'info' : 'warn'](
      {
        code,
        requestType,
        reason: (error as Error).message,
        ...(cause instanceof Error ? { cause: cause.message } : {}),
      },
      'listener failed',
    );
    return;
  }
  logger.error({ err: error, code, requestType }, 'listener failed');
}

export function createErrorHandler(deps: {
  logger: Logger;
  /** A logger naming the request of `body`, for a failure before the middleware that puts one on the context. */
  loggerFor?: (body: Record<string, unknown>) => Logger;
  client: () => WebClient;
}) {
  return async ({ error, body, context }: { error: Error; body: unknown; context: object }): Promise<void> => {
    const original = originalError(error);
    // The request's own logger (it names the request); one made from the body when the
    // failure came before the middleware that sets it.
    const logger =
      (context as { logger?: Logger }).logger ??
      (body && typeof body === 'object' && deps.loggerFor ? deps.loggerFor(body as Record<string, unknown>) : deps.logger);
    logListenerError(logger, original, (body as ErrorBody | undefined)?.type);

    const b = (body ?? {}) as ErrorBody;
    if (b.type === 'view_submission') return;
    const crmName = (context as { crm?: { displayName?: string } }).crm?.displayName ?? 'the CRM';
    const { text, blocks } = errorMessage(original, crmName);
    const message = { text, blocks };
    try {
      const reply = { response_type: 'ephemeral' as const, replace_original: false, ...message };
      const user = b.user?.id ?? b.user_id;
      const channelId = b.channel?.id ?? b.channel_id ?? null;
      const responseUrl = b.response_url ?? null;
      // The reply path's own fallbacks hold here too: a refused response_url → ephemeral → DM.
      if (user) await deliverReply({ client: deps.client(), userId: user, channelId, responseUrl }, reply);
      else if (responseUrl) await postToResponseUrl(responseUrl, reply);
    } catch (replyError) {
      logger.error({ err: replyError }, 'could not tell the user about an error');
    }
  };
}
