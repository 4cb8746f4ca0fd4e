// What a person reads when something failed: what happened in plain words and what to do
// next, chosen by error class. Only words written here, ids, and the CRM's own validation
// message reach the person; never a stack trace, a token or an unknown error's message.

import type { KnownBlock } from '@slack/types';
import {
  ConfigError,
  CrmBadResponseError,
  CrmConflictError,
  CrmError,
  CrmForbiddenError,
  CrmNotFoundError,
  CrmRateLimitedError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmUnsupportedError,
  CrmSettingsError,
  CrmValidationError,
  DealStateConflictError,
  DuplicateInProgressError,
  LockTimeoutError,
  AnnouncementFailedError,
  BadActionValueError,
  InvalidInputError,
  AccessRefusedError,
  PersonalCredentialRefusedError,
} from '../errors.js';
import { refusalParts } from './access-notices.js';
import { dealFieldName } from './deal-field-names.js';
import { SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, truncate } from './mrkdwn.js';

/**
 * A sentence made of plain words and commands. It is written twice: as plain text (for
 * banners and notifications) and as mrkdwn, where commands become code spans.
 */
type Part = string | { command: string };

export interface ErrorMessage {
  /** mrkdwn-safe fallback text for a message's `text`. */
  text: string;
  blocks: KnownBlock[];
  /** The same words unescaped, for plain_text surfaces and banners that escape on their own. */
  summary: string;
}

const CRM_MESSAGE_MAX = 500;

/** The CRM's words as a sentence of their own, so ours can follow. */
function crmWords(message: string): string {
  const words = truncate(message.trim(), CRM_MESSAGE_MAX) || 'no reason given';
  return /[.!?…]$/.test(words) ? words : `${words}.`;
}
const ID_MAX = 64;

/** The setting an admin fixes when a CRM refuses Dealbot's credentials. */
function credentialSetting(crm: string): string | null {
  if (/pipedrive/i.test(crm)) return 'PIPEDRIVE_API_TOKEN';
  if (/productive/i.test(crm)) return 'PRODUCTIVE_API_TOKEN';
  if (/pipelinedeals/i.test(crm)) return 'PIPELINEDEALS_API_KEY';
  return null;
}

/** The settings that say where a CRM account is, for when the CRM answers "no such thing" to a request every account answers. */
function locationSettings(crm: string): string[] {
  if (/pipedrive/i.test(crm)) return ['PIPEDRIVE_BASE_URL'];
  if (/productive/i.test(crm)) return ['PRODUCTIVE_BASE_URL', 'PRODUCTIVE_ORG_ID'];
  if (/pipelinedeals/i.test(crm)) return ['PIPELINEDEALS_BASE_URL'];
  return [];
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function waitWords(ms: number | null): string {
  if (ms === null || ms <= 60_000) return 'in a minute';
  return `in ${Math.ceil(ms / 60_000)} minutes`;
}

function sentence(error: unknown, fallbackCrm: string): Part[] {
  const crm = error instanceof CrmError && error.crm ? error.crm : fallbackCrm;

  if (error instanceof AccessRefusedError) return refusalParts(error.refusal, crm);
  if (error instanceof PersonalCredentialRefusedError) {
    return [
      `${crm} no longer accepts your own token, so nothing was changed. Store a new one with `,
      { command: '/deal connect' },
      `, or use Dealbot's shared token with `,
      { command: '/deal disconnect' },
      '.',
    ];
  }
  if (error instanceof InvalidInputError) {
    if (error.field === 'title' && error.problem === 'missing') {
      return ['A deal needs a title, e.g. ', { command: '/deal new Acme renewal 12k EUR' }, '.'];
    }
    if (error.field === 'stageId' && error.problem === 'unknown') {
      return [
        `${crm} has no stage with id ${truncate(error.value ?? '', ID_MAX)} any more; the menu may be out of date. Nothing was changed.`,
      ];
    }
    return [`Dealbot could not use ${error.field ? `the ${dealFieldName(error.field)}` : 'what was typed'}. Nothing was changed.`];
  }
  if (error instanceof BadActionValueError) {
    return ['That button or menu is out of date. Nothing was changed; run the command again for a fresh one.'];
  }
  if (error instanceof CrmNotFoundError) {
    const id = truncate(error.id, ID_MAX);
    if (error.entity === 'deal') {
      return [`${crm} has no deal #${id}. Check the number, or find it with `, { command: '/deal find <words>' }, '.'];
    }
    return [`${crm} has no ${error.entity} ${id}; it may have been deleted. Nothing was changed.`];
  }
  if (error instanceof CrmValidationError) {
    const what = error.field ? `the ${dealFieldName(error.field)}` : 'the request';
    return [`${crm} refused ${what}: ${crmWords(error.crmMessage)} Nothing was changed.`];
  }
  if (error instanceof CrmConflictError) {
    return [
      `${crm} reported a conflict: ${crmWords(error.crmMessage)} Someone may have changed the deal at the same time; look at it again and retry.`,
    ];
  }
  if (error instanceof CrmUnauthorizedError) {
    const setting = credentialSetting(crm);
    return [
      `Dealbot's ${crm} token was refused. `,
      ...(setting ? ['An admin should check ', { command: setting }, '.'] : ["An admin should check Dealbot's credentials."]),
    ];
  }
  if (error instanceof CrmForbiddenError) {
    return [`${crm} does not let Dealbot's user do that. An admin can grant the permission in ${crm}. Nothing was changed.`];
  }
  if (error instanceof CrmRateLimitedError) {
    return [`${crm} is busy with too many requests right now. Nothing was changed; try again ${waitWords(error.retryAfterMs)}.`];
  }
  if (error instanceof CrmUnavailableError) {
    // A write whose answer was lost (timeout, reset connection) may have been applied.
    if (error.reason !== 'server_error' && error.request && WRITE_METHODS.has(error.request.method.toUpperCase())) {
      return [`${crm} did not answer in time, so Dealbot cannot tell whether the change was saved. Check the deal before trying again.`];
    }
    return [`${crm} is unavailable right now. Nothing was changed — try again in a moment.`];
  }
  if (error instanceof CrmBadResponseError) {
    return [
      `${crm} answered in a way Dealbot did not expect, so it cannot confirm what happened. Check the deal in ${crm}, and tell your admin if it keeps happening.`,
    ];
  }
  if (error instanceof CrmSettingsError) {
    const settings = locationSettings(crm);
    const check: Part[] = settings.length
      ? ['An admin should check ', ...settings.flatMap((setting, i): Part[] => [...(i ? [' and '] : []), { command: setting }]), '.']
      : ["An admin should check Dealbot's CRM settings."];
    return [
      `${crm} answered “not found” for ${truncate(error.what, 100)}, so Dealbot's ${crm} settings are likely wrong. Nothing was changed. `,
      ...check,
    ];
  }
  if (error instanceof CrmUnsupportedError) {
    return [`${crm} does not support ${truncate(error.operation, 100)}, so Dealbot cannot do that here.`];
  }
  if (error instanceof DealStateConflictError) {
    const title = truncate(error.deal.title.trim() || `Deal #${error.deal.id}`, 150);
    return [
      `“${title}” is already ${error.deal.status}. To mark it ${error.wanted}, reopen it first: `,
      { command: `/deal reopen ${truncate(error.deal.id, ID_MAX)}` },
      '.',
    ];
  }
  if (error instanceof AnnouncementFailedError) {
    const title = truncate(error.deal.title.trim() || `Deal #${error.deal.id}`, 150);
    const done = `“${title}” is marked ${error.deal.status} in ${crm}`;
    const show: Part = { command: `/deal ${truncate(error.deal.id, ID_MAX)}` };
    if (slackRateLimited(error.cause)) {
      return [
        `${done}. Slack is busy right now, so Dealbot couldn't announce it here; nothing is lost. Show it again in a minute with `,
        show,
        '.',
      ];
    }
    const refusal = slackPlatformError(error.cause);
    if (refusal === 'channel_not_found' || refusal === 'not_in_channel') {
      return [
        `${done}, but Dealbot couldn't announce it in this channel. Invite it with `,
        { command: '/invite @Dealbot' },
        ' to have wins and losses announced here.',
      ];
    }
    return [`${done}, but Slack did not take the announcement; nothing is lost. Show the deal with `, show, '.'];
  }
  if (error instanceof DuplicateInProgressError) {
    return ['Dealbot is still working on that same request; the answer will follow in a moment.'];
  }
  if (error instanceof LockTimeoutError) {
    return ['Dealbot is busy with another change to the same thing. Nothing was changed; try again in a moment.'];
  }
  if (error instanceof ConfigError) {
    return ['Dealbot is not configured correctly. An admin should check its settings.'];
  }
  const slack = slackPlatformError(error);
  if (slack === 'expired_trigger_id') return ['Slack took too long to open that window. Run the command again.'];
  if (slackRateLimited(error)) {
    return ['Slack is busy right now, so Dealbot could not answer. Nothing is lost; try again in a minute.'];
  }
  if (slack === 'channel_not_found' || slack === 'not_in_channel') {
    return ["Dealbot can't post in this channel. Invite it with ", { command: '/invite @Dealbot' }, ', then try again.'];
  }
  // Whether anything changed is unknown here, so the message does not promise either way.
  return ['Something went wrong on our side. Try again, and tell your admin if it keeps happening.'];
}

/** The `error` code of a Slack Web API refusal (`@slack/web-api` platform errors), if it is one. */
function slackPlatformError(error: unknown): string | null {
  const e = error as { code?: string; data?: { error?: unknown } } | null;
  return e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string' ? e.data.error : null;
}

/**
 * Whether Slack asked Dealbot to slow down: the Web API's rate-limit error (or a
 * `ratelimited` refusal), or a response_url answering HTTP 429.
 */
function slackRateLimited(error: unknown): boolean {
  const e = error as { code?: string; name?: string; status?: unknown; statusCode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'slack_webapi_rate_limited_error' || slackPlatformError(error) === 'ratelimited') return true;
  const replyRefused = e.code === 'slack_bolt_respond_error' || e.name === 'ResponseUrlError';
  return replyRefused && (e.status === 429 || e.statusCode === 429);
}

const asPlain = (parts: Part[]): string => parts.map((p) => (typeof p === 'string' ? p : p.command)).join('');

const asMrkdwn = (parts: Part[]): string => parts.map((p) => (typeof p === 'string' ? escapeMrkdwn(p) : codeSpan(p.command))).join('');

export function errorMessage(error: unknown, crmName: string): ErrorMessage {
  const parts = sentence(error, crmName);
  const summary = asPlain(parts);
  return {
    text: escapeMrkdwn(summary),
    summary,
    blocks: [{ type: 'section', text: mrkdwnText(`⚠️ ${asMrkdwn(parts)}`, SlackLimits.sectionText) }],
  };
}
