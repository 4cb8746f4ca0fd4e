// The small messages around digests: the channel told who subscribed it to what (and who
// turned it off), the channel's list of digests, the "invite me" answer for a private
// channel the bot is not in, the direct message to a schedule's owner when the
// scheduler had to pause or skip it, and the one to a person whose settings could not be
// applied after their modal closed. Pure.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import { usageMessage } from './help.js';
import { SlackLimits } from './ids.js';
import type { DigestProblem } from '../parse/digest-command.js';
import { escapeMrkdwn, mrkdwnText, truncate, userMention } from './mrkdwn.js';
import { AccessRefusedError, CrmError, StoreError } from '../errors.js';
import { nextRunAfter, type DigestFailure, type DigestSchedule, type DigestSection } from '../domain/digest-schedule.js';
import { DIGEST_USAGE, describeDigestProblem, describePauseReason, describeSchedule, describeWhen } from './digest-words.js';

type Message = { text: string; blocks: KnownBlock[] };

const NAME_MAX = 80;
const LIST_MAX = 20;

const SECTION_LABELS: Record<DigestSection, string> = {
  board: 'board',
  chart: 'chart',
  changes: 'what changed',
  closingSoon: 'closing soon',
  overdue: 'overdue',
  stale: 'stale',
  forecast: 'forecast',
};

const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });
const message = (text: string, blocks: KnownBlock[] = [section(text)]): Message => ({ text, blocks });

/** `*Sales*`, or `the default pipeline` for a schedule that follows whichever is the default. */
function pipelineLabel(schedule: Pick<DigestSchedule, 'pipelineId' | 'pipelineName'>): string {
  const name = schedule.pipelineName?.trim();
  if (name) return `*${escapeMrkdwn(truncate(name.replace(/\s+/g, ' '), NAME_MAX))}*`;
  return schedule.pipelineId === null ? 'the default pipeline' : `pipeline ${escapeMrkdwn(truncate(schedule.pipelineId, NAME_MAX))}`;
}

/** `<#C123>` for a channel id Slack would link; the id as text otherwise. */
export function channelMention(channelId: string): string {
  return /^[CGD][A-Z0-9]{2,20}$/.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId);
}

/** `Tue, Mar 10, 09:00` in the schedule's zone. */
function formatRun(at: DateTime): string {
  return at.setLocale('en-US').toFormat('ccc, LLL d, HH:mm');
}

function sectionsNote(schedule: DigestSchedule): string {
  const all = Object.keys(SECTION_LABELS).length;
  if (schedule.sections.length === all) return `stale after ${schedule.staleDays} days`;
  if (schedule.sections.length === 0) return 'no sections';
  return `${schedule.sections.map((s) => SECTION_LABELS[s]).join(', ')}; stale after ${schedule.staleDays} days`;
}

export interface DigestSubscribedInput {
  schedule: DigestSchedule;
  /** Who set it; named in the channel. */
  userId: string;
  now: DateTime;
  /** The zone came from the person's Slack profile, not from what they typed. */
  zoneFromProfile?: boolean;
}

/** For the channel: "<@U1> set a digest of *Sales* here: every weekday at 08:30 (Europe/Berlin). First: Tue, Mar 10, 08:30." */
export function digestSubscribedMessage(input: DigestSubscribedInput): Message {
  const { schedule } = input;
  const first = nextRunAfter(schedule, input.now);
  const zoneNote = input.zoneFromProfile ? `, ${userMention(input.userId)}’s Slack time zone` : '';
  const line =
    `🗓️ ${userMention(input.userId)} set a pipeline digest of ${pipelineLabel(schedule)} for this channel: ` +
    `${escapeMrkdwn(describeWhen(schedule))} (${escapeMrkdwn(schedule.zone)}${zoneNote}). Next one: ${formatRun(first)}.`;
  return message(line, [
    section(line),
    context(`Sections: ${sectionsNote(schedule)} · change it with \`/pipeline digest\`, stop it with \`/pipeline digest off\``),
  ]);
}

/** For the channel: "<@U1> turned off the digest of *Sales* here." */
export function digestOffMessage(input: { removed: DigestSchedule[]; userId: string }): Message {
  if (input.removed.length === 0)
    return message('This channel has no pipeline digest to turn off. `/pipeline digest list` shows what is set.');
  const what = input.removed.map(pipelineLabel).join(', ');
  return message(`🔕 ${userMention(input.userId)} turned off the pipeline digest of ${what} for this channel.`);
}

/** The channel's digests, each with when it runs next (or why it is paused). */
export function digestListMessage(input: { schedules: DigestSchedule[]; now: DateTime }): Message {
  if (input.schedules.length === 0) {
    return message(
      'No pipeline digest is set for this channel. Try `/pipeline digest weekdays 09:00` or `/pipeline digest` for the settings.',
    );
  }
  const shown = input.schedules.slice(0, LIST_MAX);
  const lines = shown.map((s) => {
    const when = escapeMrkdwn(describeSchedule(s));
    const status = s.paused
      ? `⏸️ paused${s.pausedReason ? ` (${escapeMrkdwn(truncate(describePauseReason(s.pausedReason), 200))})` : ''}: set it again to resume`
      : `next ${formatRun(nextRunAfter(s, input.now))}`;
    return `• ${pipelineLabel(s)}: ${when} · ${status} · set by ${userMention(s.createdBy)}`;
  });
  if (input.schedules.length > shown.length) lines.push(`_and ${input.schedules.length - shown.length} more_`);
  const text = `*Pipeline digests in this channel*\n${lines.join('\n')}`;
  return message(`Pipeline digests in this channel: ${input.schedules.length}`, [section(text)]);
}

/** The answer when the bot cannot post in the channel (private and not a member, or removed). */
export function inviteMeMessage(): Message {
  return message(
    '🔒 I can’t post in this channel: it’s private and I’m not a member. Invite me with `/invite @Dealbot`, then run the command again.',
  );
}

export interface OwnerNoticeInput {
  schedule: DigestSchedule;
  failure: DigestFailure;
  /** `paused`: no digest until someone sets it again; `skipped`: this one is lost, the next runs. */
  outcome: 'paused' | 'skipped';
  slot: DateTime;
}

/** The direct message to whoever set the schedule. */
export function digestOwnerNotice(input: OwnerNoticeInput): Message {
  const { schedule, failure } = input;
  const where = channelMention(schedule.channelId);
  // A pause has a cause a person can fix, said from its code; a skipped slot keeps the error's own words.
  const why = escapeMrkdwn(truncate(input.outcome === 'paused' ? describePauseReason(failure.code) : failure.detail, 300));
  if (input.outcome === 'paused') {
    const fix =
      failure.code === 'not_in_channel' || failure.code === 'channel_not_found'
        ? ' Invite me back with `/invite @Dealbot` and set it again with `/pipeline digest` there.'
        : failure.code === 'pipeline_not_found'
          ? ' Set it again with `/pipeline digest` and another pipeline.'
          : ' Once that is sorted out, set it again with `/pipeline digest` there.';
    return message(`⏸️ I paused the pipeline digest of ${pipelineLabel(schedule)} in ${where}: ${why}.${fix}`);
  }
  return message(
    `⚠️ The pipeline digest of ${pipelineLabel(schedule)} in ${where} due ${formatRun(input.slot.setZone(schedule.zone))} was not posted: ${why}. The next one runs as planned.`,
  );
}

export interface SettingsFailureInput {
  channelId: string;
  /** Why, in plain words (`describeSettingsFailure`). */
  reason: string;
  /**
   * `not-saved`: nothing was changed; `saved-not-announced`: the settings are in place but the
   * channel was not told.
   */
  outcome: 'not-saved' | 'saved-not-announced';
  /** The digest that still runs when nothing was saved; null when there was none. */
  previous: DigestSchedule | null;
}

/**
 * The direct message to a person whose digest settings went wrong after their modal closed:
 * what happened, what is in place now, and what to do.
 */
export function digestSettingsFailedNotice(input: SettingsFailureInput): Message {
  const where = channelMention(input.channelId);
  const why = escapeMrkdwn(truncate(input.reason, 300));
  if (input.outcome === 'saved-not-announced') {
    return message(
      `✅ Your pipeline digest settings for ${where} are saved, but I could not tell the channel: ${why}. Nothing else to do; \`/pipeline digest list\` there shows them.`,
    );
  }
  const still = input.previous
    ? `Nothing was changed: the digest of ${pipelineLabel(input.previous)} still runs ${escapeMrkdwn(describeSchedule(input.previous))}.`
    : 'No digest was set up.';
  return message(
    `⚠️ Your pipeline digest settings for ${where} were not saved: ${why}. ${still} Try again with \`/pipeline digest settings\` in that channel.`,
  );
}

/** Why applying digest settings failed, in words a person can act on. */
export function describeSettingsFailure(error: unknown): string {
  if (error instanceof AccessRefusedError) return 'only the person who set this digest, or a workspace admin, can change it';
  if (error instanceof CrmError) {
    return error.retryable ? `${error.crm} is not answering right now` : `${error.crm} refused to list the pipelines`;
  }
  if (error instanceof StoreError) return 'Dealbot could not store them (its storage is not answering)';
  const slack = (error as { data?: { error?: unknown } } | null)?.data?.error;
  if (typeof slack === 'string') return `Slack answered “${slack}”`;
  return 'something unexpected went wrong (it is in Dealbot’s logs)';
}

/** `/pipeline digest` where this Dealbot runs no scheduler. */
export function digestsUnavailableMessage(): Message {
  return usageMessage('Scheduled digests are not running in this Dealbot. Ask your admin to check its logs.', null);
}

/** `/pipeline digest …` typed wrong: the problem, then the usage. */
export function digestUsageMessage(problem: DigestProblem): Message {
  return usageMessage(`${describeDigestProblem(problem)}\n${DIGEST_USAGE}`, null);
}

/** `/pipeline digest now` when Slack refused the post for a reason other than membership. */
export function digestNotPostedMessage(detail: string): Message {
  return usageMessage(`The digest could not be posted: ${escapeMrkdwn(detail)}`, null);
}

/** The settings modal named a pipeline deleted since it opened. */
export const PIPELINE_GONE_REASON = 'the pipeline you picked no longer exists in the CRM';
