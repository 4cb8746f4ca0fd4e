import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  CrmBadResponseError,
  CrmConflictError,
  CrmForbiddenError,
  CrmNotFoundError,
  CrmRateLimitedError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmUnsupportedError,
  CrmValidationError,
  DealStateConflictError,
  AnnouncementFailedError,
} from '../../src/errors.js';
import { errorMessage } from '../../src/ui/error-message.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, makeDeal } from './fixtures.js';

const crm = { crm: 'Pipedrive' };

const blockText = (error: unknown): string => {
  const message = errorMessage(error, 'Pipedrive');
  assertWithinBlockKitLimits(message);
  return mrkdwnTexts(message.blocks)[0] ?? '';
};

describe('errorMessage', () => {
  it('not found: names the deal and how to find it', () => {
    const message = errorMessage(new CrmNotFoundError('deal', '42', crm), 'Pipedrive');
    expect(message.summary).toBe('Pipedrive has no deal #42. Check the number, or find it with /deal find <words>.');
    expect(mrkdwnTexts(message.blocks)[0]).toBe(
      '⚠️ Pipedrive has no deal #42. Check the number, or find it with `/deal find &lt;words&gt;`.',
    );
    expect(displayedText(message.text)).toBe(message.summary);
  });

  it('validation: the field in plain words and the CRM’s message', () => {
    const text = blockText(new CrmValidationError('Date must be in the future', 'expectedCloseDate', crm));
    expect(text).toBe('⚠️ Pipedrive refused the expected close date: Date must be in the future. Nothing was changed.');
  });

  it('conflict', () => {
    expect(blockText(new CrmConflictError('deal was modified', crm))).toContain('Pipedrive reported a conflict: deal was modified.');
  });

  it('unauthorized: tells the admin which setting to check', () => {
    expect(errorMessage(new CrmUnauthorizedError(crm), 'Pipedrive').summary).toBe(
      "Dealbot's Pipedrive token was refused. An admin should check PIPEDRIVE_API_TOKEN.",
    );
    expect(blockText(new CrmUnauthorizedError(crm))).toContain('`PIPEDRIVE_API_TOKEN`');
    expect(errorMessage(new CrmUnauthorizedError({ crm: 'Productive' }), 'Productive').summary).toContain('PRODUCTIVE_API_TOKEN');
  });

  it('forbidden', () => {
    expect(blockText(new CrmForbiddenError(crm))).toContain("Pipedrive does not let Dealbot's user do that");
  });

  it('rate limited: nothing changed, try again later', () => {
    expect(errorMessage(new CrmRateLimitedError(null, crm), 'Pipedrive').summary).toBe(
      'Pipedrive is busy with too many requests right now. Nothing was changed; try again in a minute.',
    );
    expect(errorMessage(new CrmRateLimitedError(5 * 60_000, crm), 'Pipedrive').summary).toContain('try again in 5 minutes');
  });

  it('unavailable: nothing changed — but a timed-out write may have been saved', () => {
    expect(errorMessage(new CrmUnavailableError('server_error', crm), 'Pipedrive').summary).toBe(
      'Pipedrive is unavailable right now. Nothing was changed — try again in a moment.',
    );
    const timedOutWrite = new CrmUnavailableError('timeout', { ...crm, request: { method: 'POST', url: 'https://x/api/v2/deals' } });
    expect(errorMessage(timedOutWrite, 'Pipedrive').summary).toContain('cannot tell whether the change was saved');
    const timedOutRead = new CrmUnavailableError('timeout', { ...crm, request: { method: 'GET', url: 'https://x/api/v2/deals/1' } });
    expect(errorMessage(timedOutRead, 'Pipedrive').summary).toContain('Nothing was changed');
    // A connection reset after a create was sent: it may well have been applied.
    const resetWrite = new CrmUnavailableError('network', { ...crm, request: { method: 'POST', url: 'https://x/api/v2/deals' } });
    expect(errorMessage(resetWrite, 'Pipedrive').summary).toContain('cannot tell whether the change was saved');
  });

  it('Slack refusals get their own next step', () => {
    const platform = (error: string) =>
      Object.assign(new Error(`An API error occurred: ${error}`), {
        code: 'slack_webapi_platform_error',
        data: { ok: false, error },
      });
    expect(errorMessage(platform('expired_trigger_id'), 'Pipedrive').summary).toBe(
      'Slack took too long to open that window. Run the command again.',
    );
    expect(errorMessage(platform('channel_not_found'), 'Pipedrive').summary).toContain('/invite @Dealbot');
    expect(errorMessage(Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error' }), 'Pipedrive').summary).toBe(
      'Slack is busy right now, so Dealbot could not answer. Nothing is lost; try again in a minute.',
    );
    expect(errorMessage(platform('ratelimited'), 'Pipedrive').summary).not.toContain('/invite');
  });

  it('an announcement Slack did not take: the deal stands, and the advice fits why', () => {
    const platform = (error: string) =>
      Object.assign(new Error(`An API error occurred: ${error}`), {
        code: 'slack_webapi_platform_error',
        data: { ok: false, error },
      });
    const won = makeDeal({ id: '42', title: 'Acme renewal', status: 'won' });
    const said = (cause: unknown) => errorMessage(new AnnouncementFailedError(won, { cause }), 'Pipedrive').summary;
    // Rate limits: Bolt's respond() on a 429, the Web API's rate-limit error, a `ratelimited` refusal.
    for (const cause of [
      Object.assign(new Error('Failed to respond to the response_url: 429'), { code: 'slack_bolt_respond_error', statusCode: 429 }),
      Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error' }),
      platform('ratelimited'),
    ]) {
      expect(said(cause)).toBe(
        "“Acme renewal” is marked won in Pipedrive. Slack is busy right now, so Dealbot couldn't announce it here; nothing is lost. Show it again in a minute with /deal 42.",
      );
    }
    expect(said(platform('not_in_channel'))).toContain('/invite @Dealbot');
    expect(said(platform('channel_not_found'))).toContain('/invite @Dealbot');
    const other = said(
      Object.assign(new Error('Failed to respond to the response_url: 500'), { code: 'slack_bolt_respond_error', statusCode: 500 }),
    );
    expect(other).toContain('is marked won in Pipedrive');
    expect(other).not.toMatch(/invite|Nothing was changed/i);
  });

  it('bad response and unsupported', () => {
    expect(blockText(new CrmBadResponseError('data.id: expected number', crm))).toContain(
      'Pipedrive answered in a way Dealbot did not expect',
    );
    expect(blockText(new CrmBadResponseError('data.id: expected number', crm))).not.toContain('data.id');
    expect(blockText(new CrmUnsupportedError('deal history', crm))).toContain('Pipedrive does not support deal history');
  });

  it('a deal in the wrong state: reopen first', () => {
    const text = blockText(new DealStateConflictError(makeDeal({ status: 'lost' }), 'won'));
    expect(text).toBe('⚠️ “Acme renewal” is already lost. To mark it won, reopen it first: `/deal reopen 42`.');
  });

  it('anything else: a generic sentence, never the error’s own words or stack', () => {
    const secret = new Error('connect ECONNREFUSED token=abc123 at /srv/app.js:12');
    for (const error of [secret, 'a string', null, new ConfigError(['PIPEDRIVE_API_TOKEN=abc123 is malformed'])]) {
      const message = errorMessage(error, 'Pipedrive');
      assertWithinBlockKitLimits(message);
      const all = [message.text, message.summary, ...mrkdwnTexts(message.blocks)].join('\n');
      expect(all).not.toContain('abc123');
      expect(all).not.toContain('ECONNREFUSED');
      expect(all).not.toContain('app.js');
    }
    expect(errorMessage(secret, 'Pipedrive').summary).toBe(
      'Something went wrong on our side. Try again, and tell your admin if it keeps happening.',
    );
  });

  it('shows a hostile CRM message or id literally', () => {
    for (const error of [new CrmValidationError(HOSTILE, 'title', crm), new CrmNotFoundError('deal', HOSTILE, crm)]) {
      const message = errorMessage(error, 'Pipedrive');
      assertWithinBlockKitLimits(message);
      for (const text of mrkdwnTexts(message)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
      expect(displayedText(message.text)).toContain(HOSTILE);
    }
  });

  it('keeps a huge CRM message within the section limit', () => {
    assertWithinBlockKitLimits(errorMessage(new CrmValidationError('x'.repeat(10_000), 'title', crm), 'Pipedrive'));
  });
});
