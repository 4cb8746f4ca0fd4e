// What a failed digest means for its schedule. Errors reach the scheduler from Slack's
// Web API (the `post` collaborator), from the CRM and from the store (building the digest);
// each is read into one of three outcomes:
// - `retry`: it may work later (rate limits, honouring Retry-After; outages; timeouts);
// - `pause`: it will not work until a person acts (channel archived, bot removed, app
//   uninstalled, a permission missing, the pipeline deleted): the schedule is paused and
//   its owner told;
// - `skip`: this digest cannot be posted but the next one may (a CRM refusing this one
//   request, an answer Slack rejects): the slot is given up and the owner told.
//
// Slack errors are read by shape (`code`, `data.error`, `retryAfter`, `statusCode`), the
// shape `@slack/web-api` documents, so no class identity across package copies matters.

import { CrmError, CrmNotFoundError, CrmRateLimitedError, StoreError } from '../errors.js';

/** Slack error codes a person must fix; the key is the code, the value what happened, in plain words. */
export const PAUSING_SLACK_ERRORS: Readonly<Record<string, string>> = {
  is_archived: 'the channel was archived',
  channel_is_archived: 'the channel was archived',
  not_in_channel: 'Dealbot is not in the channel any more',
  channel_not_found: 'Dealbot cannot see the channel (it was deleted, or it is private and Dealbot is not in it)',
  account_inactive: 'Dealbot’s Slack app was deactivated or uninstalled',
  token_revoked: 'Dealbot’s Slack app was deactivated or uninstalled',
  token_expired: 'Dealbot’s Slack token expired',
  invalid_auth: 'Dealbot’s Slack token is not valid',
  not_authed: 'Dealbot has no Slack token',
  team_access_not_granted: 'Dealbot was not given access to this workspace',
  missing_scope: 'Dealbot lacks a Slack permission it needs (ask an admin to reinstall the app)',
  restricted_action: 'posting in the channel is restricted',
  restricted_action_read_only_channel: 'the channel is read-only',
  restricted_action_thread_only_channel: 'the channel only allows replies in threads',
  restricted_action_non_threadable_channel: 'the channel does not allow posts from apps',
  ekm_access_denied: 'the workspace’s key management blocks the post',
};

/**
 * The bot cannot post in the channel because it is not in it (Slack says `channel_not_found`
 * for a private channel it was never invited to): the person gets `inviteMeMessage`.
 */
export function isNotInChannel(failure: DigestFailure): boolean {
  return failure.code === 'not_in_channel' || failure.code === 'channel_not_found';
}

/** Why a schedule is paused, in plain words, from the code stored on it. */
export function describePauseReason(code: string): string {
  if (code === 'pipeline_not_found') return 'its pipeline was deleted';
  return PAUSING_SLACK_ERRORS[code] ?? code.replace(/_/g, ' ');
}

/** Slack error codes that say "try again later". */
const RETRYABLE_SLACK_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

export type DigestFailure =
  | { kind: 'retry'; code: string; detail: string; retryAfterMs: number | null }
  | { kind: 'pause'; code: string; detail: string }
  | { kind: 'skip'; code: string; detail: string };

type Shaped = { code?: unknown; data?: { error?: unknown }; retryAfter?: unknown; statusCode?: unknown; headers?: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Seconds from a Retry-After header value, as milliseconds; null when absent or unreadable. */
function retryAfterHeader(headers: unknown): number | null {
  if (!isObject(headers)) return null;
  const value = headers['retry-after'] ?? headers['Retry-After'];
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

export function classifyDigestFailure(error: unknown): DigestFailure {
  if (error instanceof CrmNotFoundError && error.entity === 'pipeline') {
    return { kind: 'pause', code: 'pipeline_not_found', detail: `the pipeline was deleted in ${error.crm}` };
  }
  if (error instanceof CrmRateLimitedError) {
    return { kind: 'retry', code: error.code, detail: error.message, retryAfterMs: error.retryAfterMs };
  }
  if (error instanceof CrmError) {
    return error.retryable
      ? { kind: 'retry', code: error.code, detail: error.message, retryAfterMs: null }
      : { kind: 'skip', code: error.code, detail: error.message };
  }
  if (error instanceof StoreError) return { kind: 'retry', code: error.code, detail: error.message, retryAfterMs: null };

  const shaped: Shaped = isObject(error) ? (error as Shaped) : {};
  const message = error instanceof Error ? error.message : String(error);
  switch (shaped.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = Number(shaped.retryAfter);
      return { kind: 'retry', code: 'ratelimited', detail: 'Slack is rate limiting', retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : null };
    }
    case 'slack_webapi_request_error':
      return { kind: 'retry', code: 'request_error', detail: message, retryAfterMs: null };
    case 'slack_webapi_http_error': {
      const status = Number(shaped.statusCode);
      if (status === 429 || status >= 500) {
        return { kind: 'retry', code: `http_${status}`, detail: message, retryAfterMs: retryAfterHeader(shaped.headers) };
      }
      return { kind: 'skip', code: `http_${status}`, detail: message };
    }
    case 'slack_webapi_platform_error': {
      const code = String(shaped.data?.error ?? 'unknown_error');
      const pausing = PAUSING_SLACK_ERRORS[code];
      if (pausing) return { kind: 'pause', code, detail: pausing };
      if (RETRYABLE_SLACK_ERRORS.has(code)) return { kind: 'retry', code, detail: message, retryAfterMs: null };
      return { kind: 'skip', code, detail: message };
    }
    default:
      // Anything else (a bug, a timeout of our own) gets the benefit of the doubt, a few times.
      return { kind: 'retry', code: 'unexpected_error', detail: message, retryAfterMs: null };
  }
}
