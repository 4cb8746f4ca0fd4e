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

import type { DigestFailure } from '../domain/digest-schedule.js';
import { CrmError, CrmNotFoundError, CrmRateLimitedError, StoreError } from '../errors.js';

/**
 * Slack error codes a person must fix (ui/digest-words.ts `describePauseReason` says each in
 * plain words): the schedule is paused until someone sets it again.
 */
export const PAUSING_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'is_archived',
  'channel_is_archived',
  'not_in_channel',
  'channel_not_found',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'invalid_auth',
  'not_authed',
  'team_access_not_granted',
  'missing_scope',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'ekm_access_denied',
]);

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
    return { kind: 'pause', code: 'pipeline_not_found', detail: error.message };
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
      return {
        kind: 'retry',
        code: 'ratelimited',
        detail: 'Slack is rate limiting',
        retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : null,
      };
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
      if (PAUSING_SLACK_ERRORS.has(code)) return { kind: 'pause', code, detail: message };
      if (RETRYABLE_SLACK_ERRORS.has(code)) return { kind: 'retry', code, detail: message, retryAfterMs: null };
      return { kind: 'skip', code, detail: message };
    }
    default:
      // Anything else (a bug, a timeout of our own) gets the benefit of the doubt, a few times.
      return { kind: 'retry', code: 'unexpected_error', detail: message, retryAfterMs: null };
  }
}
