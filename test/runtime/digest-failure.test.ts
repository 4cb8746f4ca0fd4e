import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { isNotInChannel } from '../../src/domain/digest-schedule.js';
import { classifyDigestFailure } from '../../src/runtime/digest-failure.js';
import { describePauseReason } from '../../src/ui/digest-words.js';
import { CrmNotFoundError, CrmRateLimitedError, CrmUnauthorizedError, CrmUnavailableError, StoreError } from '../../src/errors.js';

const platform = (error: string) => new WebAPIPlatformError({ ok: false, error });

describe('classifyDigestFailure', () => {
  it('retries Slack rate limits after the wait Slack asked for', () => {
    expect(classifyDigestFailure(new WebAPIRateLimitedError(42))).toMatchObject({ kind: 'retry', retryAfterMs: 42_000 });
    expect(classifyDigestFailure(new WebAPIHTTPError(429, 'Too Many Requests', { 'retry-after': '7' }))).toMatchObject({
      kind: 'retry',
      retryAfterMs: 7_000,
    });
    expect(classifyDigestFailure(platform('ratelimited'))).toMatchObject({ kind: 'retry', retryAfterMs: null });
  });

  it('retries outages of Slack, the CRM and the store', () => {
    for (const error of [
      new WebAPIRequestError(new Error('ECONNRESET')),
      new WebAPIHTTPError(503, 'Service Unavailable', {}),
      platform('internal_error'),
      new CrmUnavailableError('timeout', { crm: 'Pipedrive' }),
      new StoreError('redis went away'),
      new Error('something unexpected'),
    ]) {
      expect(classifyDigestFailure(error).kind, String(error)).toBe('retry');
    }
    expect(classifyDigestFailure(new CrmRateLimitedError(5_000, { crm: 'Pipedrive' }))).toMatchObject({
      kind: 'retry',
      retryAfterMs: 5_000,
    });
  });

  it('pauses for what only a person can fix', () => {
    for (const code of [
      'is_archived',
      'not_in_channel',
      'channel_not_found',
      'account_inactive',
      'token_revoked',
      'invalid_auth',
      'missing_scope',
    ]) {
      expect(classifyDigestFailure(platform(code)), code).toMatchObject({ kind: 'pause', code });
    }
    expect(classifyDigestFailure(new CrmNotFoundError('pipeline', '7', { crm: 'Pipedrive' }))).toMatchObject({
      kind: 'pause',
      code: 'pipeline_not_found',
    });
  });

  it('skips one digest for a refusal that may not repeat', () => {
    expect(classifyDigestFailure(new CrmUnauthorizedError({ crm: 'Pipedrive' }))).toMatchObject({ kind: 'skip' });
    expect(classifyDigestFailure(platform('invalid_blocks'))).toMatchObject({ kind: 'skip', code: 'invalid_blocks' });
    expect(classifyDigestFailure(new WebAPIHTTPError(400, 'Bad Request', {}))).toMatchObject({ kind: 'skip' });
  });

  it('tells "invite me" failures apart', () => {
    expect(isNotInChannel(classifyDigestFailure(platform('channel_not_found')))).toBe(true);
    expect(isNotInChannel(classifyDigestFailure(platform('not_in_channel')))).toBe(true);
    expect(isNotInChannel(classifyDigestFailure(platform('is_archived')))).toBe(false);
  });

  it('describes a stored pause reason in plain words', () => {
    expect(describePauseReason('is_archived')).toBe('the channel was archived');
    expect(describePauseReason('pipeline_not_found')).toBe('its pipeline was deleted');
    expect(describePauseReason('some_new_code')).toBe('some new code');
  });
});
