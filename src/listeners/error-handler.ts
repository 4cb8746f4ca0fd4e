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

/** A person's mistake or a missing thing: part of using Dealbot, told to the person, no stack. */
const EXPECTED: ReadonlySet<string> = new Set([
  ErrorCode.CrmNotFound,
  ErrorCode.CrmValidation,
  ErrorCode.CrmConflict,
  ErrorCode.CrmUnsupported,
  ErrorCode.DealStateConflict,
  ErrorCode.DuplicateInProgress,
]);
/** Something outside Dealbot is down or refusing: worth a warning, still no stack (the cause says why). */
const OPERATIONAL: ReadonlySet<string> = new Set([
  ErrorCode.CrmUnavailable,
  ErrorCode.CrmRateLimited,
  ErrorCode.CrmUnauthorized,
  ErrorCode.CrmForbidden,
  ErrorCode.LockTimeout,
  ErrorCode.AnnouncementFailed,
]);

/**
 * Expected errors at `info` and outages at `warn`, both without a stack; anything else is a
 * bug or an unknown failure and is logged at `error` with its stack and cause.
 */
export function logListenerError(logger: Logger, error: unknown, requestType?: string): void {
  const code = isDealbotError(error) ? error.code : undefined;
  if (code && (EXPECTED.has(code) || OPERATIONAL.has(code))) {
    const cause = (error as Error).cause;
    logger[EXPECTED.has(code) ? 'info' : 'warn'](
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

export function createErrorHandler(deps: { logger: Logger; client: () => WebClient }) {
  return async ({ error, body, context }: { error: Error; body: unknown; context: object }): Promise<void> => {
    const original = originalError(error);
    logListenerError(deps.logger, original, (body as ErrorBody | undefined)?.type);

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
      deps.logger.error({ err: replyError }, 'could not tell the user about an error');
    }
  };
}
