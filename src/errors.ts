// Every error Dealbot raises on purpose. One string code per class, the original error kept
// as `cause`, and enough context for a person-facing message to be written from it
// (see `ui/error-message.ts`). Credentials never reach an error: HTTP errors carry a
// redacted request.

import type { Deal, DealField, DealStatus } from './crm/port.js';

export const ErrorCode = {
  ConfigError: 'dealbot_config_error',
  CrmNotFound: 'dealbot_crm_not_found',
  CrmValidation: 'dealbot_crm_validation',
  CrmConflict: 'dealbot_crm_conflict',
  CrmUnauthorized: 'dealbot_crm_unauthorized',
  CrmForbidden: 'dealbot_crm_forbidden',
  CrmRateLimited: 'dealbot_crm_rate_limited',
  CrmUnavailable: 'dealbot_crm_unavailable',
  CrmBadResponse: 'dealbot_crm_bad_response',
  CrmUnsupported: 'dealbot_crm_unsupported',
  CrmSettings: 'dealbot_crm_settings',
  StoreError: 'dealbot_store_error',
  LockTimeout: 'dealbot_lock_timeout',
  DuplicateInProgress: 'dealbot_duplicate_in_progress',
  DealStateConflict: 'dealbot_deal_state_conflict',
  AnnouncementFailed: 'dealbot_announcement_failed',
  SlackTokenRejected: 'dealbot_slack_token_rejected',
  Timeout: 'dealbot_timeout',
  InvalidInput: 'dealbot_invalid_input',
  BadActionValue: 'dealbot_bad_action_value',
  ResponseUrlRefused: 'dealbot_response_url_refused',
  AccessRefused: 'dealbot_access_refused',
  PersonalCredentialRefused: 'dealbot_personal_credential_refused',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export abstract class DealbotError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isDealbotError(error: unknown): error is DealbotError {
  return error instanceof DealbotError;
}

/**
 * The `default` of a switch that must handle every kind of a union: the call type-checks only
 * when nothing is left for `value` to be, so a new kind without a case fails the build.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

/** The environment cannot start the bot. `problems` holds one line per bad variable. */
export class ConfigError extends DealbotError {
  readonly code = ErrorCode.ConfigError;
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What was asked of the CRM, with credentials removed. */
export interface RedactedRequest {
  method: string;
  url: string;
}

interface CrmErrorOptions {
  /** The CRM's display name, e.g. "Pipedrive". */
  crm: string;
  status?: number;
  request?: RedactedRequest;
  /** The parsed (or raw text) body the CRM answered with, if any. */
  response?: unknown;
  cause?: unknown;
}

export abstract class CrmError extends DealbotError {
  readonly crm: string;
  readonly status: number | undefined;
  readonly request: RedactedRequest | undefined;
  readonly response: unknown;
  /** Whether the same request may succeed if sent again later. */
  abstract readonly retryable: boolean;

  constructor(message: string, options: CrmErrorOptions) {
    super(message, { cause: options.cause });
    this.crm = options.crm;
    this.status = options.status;
    this.request = options.request;
    this.response = options.response;
  }
}

export type CrmEntity = 'deal' | 'stage' | 'pipeline' | 'user' | 'organization' | 'person' | 'note';

export class CrmNotFoundError extends CrmError {
  readonly code = ErrorCode.CrmNotFound;
  readonly retryable = false;
  constructor(
    readonly entity: CrmEntity,
    readonly id: string,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} has no ${entity} with id ${id}`, options);
  }
}

/** The CRM refused a value. `field` is the deal field it concerns, when it can be told. */
export class CrmValidationError extends CrmError {
  readonly code = ErrorCode.CrmValidation;
  readonly retryable = false;
  constructor(
    /** The CRM's own words, safe to show a person. */
    readonly crmMessage: string,
    readonly field: DealField | null,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} rejected the request${field ? ` (${field})` : ''}: ${crmMessage}`, options);
  }
}

export class CrmConflictError extends CrmError {
  readonly code = ErrorCode.CrmConflict;
  readonly retryable = false;
  constructor(
    readonly crmMessage: string,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} reported a conflict: ${crmMessage}`, options);
  }
}

export class CrmUnauthorizedError extends CrmError {
  readonly code = ErrorCode.CrmUnauthorized;
  readonly retryable = false;
  constructor(options: CrmErrorOptions) {
    super(`${options.crm} did not accept the API credentials`, options);
  }
}

export class CrmForbiddenError extends CrmError {
  readonly code = ErrorCode.CrmForbidden;
  readonly retryable = false;
  constructor(options: CrmErrorOptions) {
    super(`${options.crm} does not allow this for the configured user`, options);
  }
}

export class CrmRateLimitedError extends CrmError {
  readonly code = ErrorCode.CrmRateLimited;
  readonly retryable = true;
  constructor(
    /** How long the CRM asked us to wait, when it said. */
    readonly retryAfterMs: number | null,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} is rate limiting requests`, options);
  }
}

/** Timeouts, connection failures and 5xx answers. */
export class CrmUnavailableError extends CrmError {
  readonly code = ErrorCode.CrmUnavailable;
  readonly retryable = true;
  constructor(
    readonly reason: 'timeout' | 'network' | 'server_error',
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} is unavailable (${reason.replace('_', ' ')})`, options);
  }
}

/** The CRM answered with something that does not match its documented shape. */
export class CrmBadResponseError extends CrmError {
  readonly code = ErrorCode.CrmBadResponse;
  readonly retryable = false;
  constructor(detail: string, options: CrmErrorOptions) {
    super(`${options.crm} sent an unexpected response: ${detail}`, options);
  }
}

/**
 * The CRM redirected to another origin (or too many times). Not followed: the request carries
 * the CRM credential, which must never reach a host other than the CRM's own.
 */
export class CrmRedirectRefusedError extends CrmBadResponseError {
  constructor(
    /** The redirect target as the CRM gave it, credentials removed; null when absent. */
    readonly location: string | null,
    readonly reason: 'other_origin' | 'too_many' | 'no_location',
    options: CrmErrorOptions,
  ) {
    const why = {
      other_origin: 'a redirect to another host',
      too_many: 'too many redirects',
      no_location: 'a redirect without a Location',
    };
    super(`${why[reason]}${location ? ` (${location})` : ''}, not followed with credentials`, options);
  }
}

/** The CRM has no way to do this (see `CrmCapabilities`). */
export class CrmUnsupportedError extends CrmError {
  readonly code = ErrorCode.CrmUnsupported;
  readonly retryable = false;
  constructor(
    readonly operation: string,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} does not support ${operation}`, options);
  }
}

/**
 * The CRM's answer means Dealbot's settings for it are wrong, not that a record is missing:
 * e.g. a 404 on a list every account has (a wrong base URL or account id). An admin fixes it.
 */
export class CrmSettingsError extends CrmError {
  readonly code = ErrorCode.CrmSettings;
  readonly retryable = false;
  constructor(
    /** What was not found, e.g. "the stage list". */
    readonly what: string,
    options: CrmErrorOptions,
  ) {
    super(`${options.crm} answered "not found" for ${what}; the base URL or account id is likely wrong`, options);
  }
}

export class StoreError extends DealbotError {
  readonly code = ErrorCode.StoreError;
}

export class LockTimeoutError extends DealbotError {
  readonly code = ErrorCode.LockTimeout;
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`Could not take the lock ${key} within ${waitedMs} ms`);
  }
}

/** The same request is being handled by another delivery of it; this one did nothing. */
export class DuplicateInProgressError extends DealbotError {
  readonly code = ErrorCode.DuplicateInProgress;
  constructor(readonly key: string) {
    super(`The same request (${key}) is still being handled`);
  }
}

/**
 * The deal is not in a state the action makes sense from (winning a lost deal). Dealbot
 * refuses rather than overwrite what someone else decided; the person reopens first.
 */
export class DealStateConflictError extends DealbotError {
  readonly code = ErrorCode.DealStateConflict;
  constructor(
    readonly deal: Deal,
    readonly wanted: DealStatus,
  ) {
    super(`Deal ${deal.id} is ${deal.status}; it cannot be marked ${wanted} without reopening it first`);
  }
}

/**
 * The change was made in the CRM, but Slack refused the announcement in the channel. The
 * person must hear that the change stands; the cause says why Slack refused.
 */
export class AnnouncementFailedError extends DealbotError {
  readonly code = ErrorCode.AnnouncementFailed;
  constructor(
    readonly deal: Deal,
    options: { cause: unknown },
  ) {
    super(`Deal ${deal.id} is ${deal.status}, but the announcement could not be posted`, options);
  }
}

/** Slack refused the bot token at start (`invalid_auth`, `token_revoked`…): no retry can help. */
export class SlackTokenRejectedError extends DealbotError {
  readonly code = ErrorCode.SlackTokenRejected;
  constructor(
    readonly slackError: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack refused SLACK_BOT_TOKEN (${slackError})`, options);
  }
}

/** Something Dealbot waited on did not answer within its deadline. */
export class DeadlineError extends DealbotError {
  readonly code = ErrorCode.Timeout;
  constructor(
    readonly what: string,
    readonly afterMs: number,
  ) {
    super(`${what} did not answer within ${afterMs} ms`);
  }
}

/**
 * What a person typed or picked cannot be used, found by Dealbot before any CRM was asked
 * (a quick create with no title, a stage menu older than the stage). Not a CRM refusal:
 * nothing was sent. `problem` says what is wrong; `ui/error-message.ts` has the words.
 */
export class InvalidInputError extends DealbotError {
  readonly code = ErrorCode.InvalidInput;
  constructor(
    readonly field: DealField | null,
    readonly problem: 'missing' | 'unknown',
    /** The value that was not found, for `unknown`. */
    readonly value: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(`${field ?? 'input'} ${problem === 'missing' ? 'is missing' : `"${value ?? ''}" is unknown`}`, options);
  }
}

/** A button or select sent back a value Dealbot did not write (tampered with, or from an old version). */
export class BadActionValueError extends DealbotError {
  readonly code = ErrorCode.BadActionValue;
  constructor(
    readonly actionId: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${actionId} control sent a value Dealbot did not write`, options);
  }
}

/** Slack refused a reply posted to a `response_url` (expired, used up, or rate limited). */
export class ResponseUrlError extends DealbotError {
  readonly code = ErrorCode.ResponseUrlRefused;
  constructor(
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(`Slack refused the reply to the response_url (HTTP ${status})`, options);
  }
}

/**
 * Why a person may not do what they asked (`services/access-policy.ts` decides;
 * `ui/access-notices.ts` words it, with the next step).
 */
export type AccessRefusal =
  | 'guest'
  | 'stranger'
  | 'not-admin'
  | 'unlinked'
  | 'channel-off'
  | 'channel-read-only'
  | 'external-channel'
  | 'not-owner'
  | 'not-your-undo'
  | 'not-your-subscription';

/** The access policy refused the request; nothing was read or changed. */
export class AccessRefusedError extends DealbotError {
  readonly code = ErrorCode.AccessRefused;
  constructor(
    readonly refusal: AccessRefusal,
    options?: { cause?: unknown },
  ) {
    super(`Access refused: ${refusal}`, options);
  }
}

/**
 * The CRM no longer accepts the person's own credential (`/deal connect`): revoked or expired
 * since it was checked. Their write was not made; they connect again or disconnect.
 */
export class PersonalCredentialRefusedError extends DealbotError {
  readonly code = ErrorCode.PersonalCredentialRefused;
  constructor(
    readonly crm: string,
    options?: { cause?: unknown },
  ) {
    super(`${crm} refused the person's own credential`, options);
  }
}
