// The one place listener errors end up (`app.error()`): log them with their code and
// cause, and tell the person what went wrong and what to do next. Modal submissions have
// already explained the problem inside the modal, so they are only logged.

import type { WebClient } from '@slack/web-api';
import { isDealbotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { postToResponseUrl } from '../slack/response-url.js';
import { errorMessage } from '../ui/error-message.js';

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

export function createErrorHandler(deps: { logger: Logger; client: () => WebClient }) {
  return async ({ error, body, context }: { error: Error; body: unknown; context: object }): Promise<void> => {
    const original = originalError(error);
    const expected = isDealbotError(original) && !['dealbot_crm_bad_response', 'dealbot_store_error'].includes(original.code);
    deps.logger[expected ? 'warn' : 'error'](
      { err: original, code: (original as { code?: string }).code, requestType: (body as ErrorBody | undefined)?.type },
      'listener failed',
    );

    const b = (body ?? {}) as ErrorBody;
    if (b.type === 'view_submission') return;
    const crmName = (context as { crm?: { displayName?: string } }).crm?.displayName ?? 'the CRM';
    const { text, blocks } = errorMessage(original, crmName);
    const message = { text, blocks };
    try {
      if (b.response_url) {
        await postToResponseUrl(b.response_url, { response_type: 'ephemeral', replace_original: false, ...message });
        return;
      }
      const user = b.user?.id ?? b.user_id;
      const channel = b.channel?.id ?? b.channel_id;
      if (user && channel) await deps.client().chat.postEphemeral({ channel, user, ...message });
      else if (user) await deps.client().chat.postMessage({ channel: user, ...message });
    } catch (replyError) {
      deps.logger.error({ err: replyError }, 'could not tell the user about an error');
    }
  };
}
