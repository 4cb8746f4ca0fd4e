// Who the bot token belongs to, asked of Slack (`auth.test`) by us rather than by Bolt:
// Bolt caches a failed first `auth.test` for the life of the process, so a Slack outage at
// start would break every command until a restart. Here a failure is retried with backoff
// (a 429 waits what Slack asks), a refused token ends start-up with one line, and the app is
// built with the answer (`botId`, `botUserId`) so Bolt never needs to ask again.

import { WebClient } from '@slack/web-api';
import { SlackTokenRejectedError } from '../errors.js';
import { retryWithBackoff, type BackoffOptions } from './backoff.js';

export interface SlackIdentity {
  botId: string;
  botUserId: string;
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  /** The app's id (`app_id`), when Slack says: requests naming another app are refused. */
  appId: string | null;
}

/** Slack's answers that mean the token itself is bad; anything else may pass. */
const REFUSED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission']);

export function createSlackAuthClient(token: string, slackApiUrl?: string | null, timeoutMs = 5000): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    timeout: timeoutMs,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

/** One `auth.test`; a refused token throws `SlackTokenRejectedError`, anything else as the Web API threw it. */
export async function askSlackIdentity(client: WebClient): Promise<SlackIdentity> {
  try {
    const auth = await client.auth.test();
    return {
      botId: auth.bot_id ?? '',
      botUserId: auth.user_id ?? '',
      teamId: auth.team_id ?? null,
      enterpriseId: auth.enterprise_id ?? null,
      isEnterpriseInstall: Boolean(auth.is_enterprise_install),
      appId: auth.app_id ?? null,
    };
  } catch (error) {
    const e = error as { code?: string; data?: { error?: unknown } };
    const slackError = e.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string' ? e.data.error : null;
    if (slackError && REFUSED.has(slackError)) throw new SlackTokenRejectedError(slackError, { cause: error });
    throw error;
  }
}

/** Asks until Slack answers; `SlackTokenRejectedError` is thrown at once. */
export function waitForSlackIdentity(client: WebClient, options: BackoffOptions = {}): Promise<SlackIdentity> {
  return retryWithBackoff(() => askSlackIdentity(client), {
    ...options,
    isFatal: (error) => error instanceof SlackTokenRejectedError,
    askedWaitMs: (error) => {
      const e = error as { code?: string; retryAfter?: unknown };
      return e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : null;
    },
  });
}

/** Why Slack did not answer, in a few words for a log line. */
export function slackFailureReason(error: unknown): string {
  const e = error as { code?: string; data?: { error?: unknown }; statusCode?: unknown; retryAfter?: unknown; message?: string };
  if (e?.code === 'slack_webapi_platform_error') return `Slack answered ${String(e.data?.error)}`;
  if (e?.code === 'slack_webapi_rate_limited_error') return `Slack is rate limiting (retry after ${String(e.retryAfter)} s)`;
  if (e?.code === 'slack_webapi_http_error') return `Slack answered HTTP ${String(e.statusCode)}`;
  return e?.message ?? String(error);
}
