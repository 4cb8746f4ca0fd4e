// A digest schedule in words: when it runs ("every weekday at 08:30"), why it is paused,
// the `/pipeline digest` usage, and what was wrong with a command the parser could not
// read. The schedule itself (src/domain/digest-schedule.ts) and the grammar
// (src/parse/digest-command.ts) hold no sentences; they are all here. Pure.

import type { DigestSchedule, Weekday } from '../domain/digest-schedule.js';
import { MAX_STALE_DAYS } from '../domain/digest-schedule.js';
import type { DigestProblem } from '../parse/digest-command.js';
import type { ZoneHint } from '../parse/words.js';
import { codeSpan } from './mrkdwn.js';

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export function weekdayName(day: Weekday): string {
  return DAY_NAMES[day];
}

/** "every weekday at 08:30", without the zone. Plain words; no user text in it. */
export function describeWhen(schedule: Pick<DigestSchedule, 'frequency' | 'time'>): string {
  const days =
    schedule.frequency.kind === 'daily'
      ? 'every day'
      : schedule.frequency.kind === 'weekdays'
        ? 'every weekday'
        : `every ${DAY_NAMES[schedule.frequency.day]}`;
  return `${days} at ${schedule.time}`;
}

/** "every weekday at 08:30 (Europe/Berlin)". */
export function describeSchedule(schedule: Pick<DigestSchedule, 'frequency' | 'time' | 'zone'>): string {
  return `${describeWhen(schedule)} (${schedule.zone})`;
}

/** What each code a schedule is paused for (runtime/digest-failure.ts `PAUSING_SLACK_ERRORS`) means. */
const PAUSE_REASONS: Readonly<Record<string, string>> = {
  pipeline_not_found: 'its pipeline was deleted',
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

/** Why a schedule is paused, in plain words, from the code stored on it (not mrkdwn-escaped). */
export function describePauseReason(code: string): string {
  return PAUSE_REASONS[code] ?? code.replace(/_/g, ' ');
}

export const DIGEST_USAGE = [
  '`/pipeline digest daily 09:00 Europe/Berlin [pipeline]` · `weekdays 08:30` · `weekly mon 09:00`',
  '`/pipeline digest` for the settings · `list` · `off [pipeline]` · `now [pipeline]`',
].join('\n');

/** What was wrong with a `/pipeline digest …` command, ready for mrkdwn (what was typed in code spans). */
export function describeDigestProblem(problem: DigestProblem): string {
  switch (problem.kind) {
    case 'help':
      return `Digest commands:\n${DIGEST_USAGE}`;
    case 'list-takes-nothing':
      return `\`list\` takes nothing after it.\n${DIGEST_USAGE}`;
    case 'unknown-word':
      return `I don’t know ${codeSpan(problem.word)} here. Start with \`daily\`, \`weekdays\` or \`weekly\`.\n${DIGEST_USAGE}`;
    case 'bad-time':
      return `${codeSpan(problem.typed)} is not a time of day. Use 24-hour \`HH:MM\`, e.g. \`08:30\` or \`17:00\`.`;
    case 'two-times':
      return `Give one time of day, not ${codeSpan(problem.first)} and ${codeSpan(problem.second)}.`;
    case 'day-without-weekly':
      return `\`${problem.frequency}\` runs ${problem.frequency === 'daily' ? 'every day' : 'Monday to Friday'}; for one day a week use \`weekly ${problem.day} 09:00\`.`;
    case 'two-days':
      return 'A weekly digest runs on one day. Pick one, e.g. `weekly mon 09:00`.';
    case 'bad-stale-days':
      return `After \`stale\` give a number of days from 1 to ${MAX_STALE_DAYS}, e.g. \`stale 14\`.`;
    case 'unknown-zone':
      return `${codeSpan(problem.typed)} is not a time zone I know.${zoneHint(problem.hint)}`;
    case 'two-zones':
      return `Give one time zone, not ${codeSpan(problem.first)} and ${codeSpan(problem.second)}.`;
  }
}

/** What to try instead of a zone not known (digests and alerts' quiet hours). */
export function zoneHint(hint: ZoneHint): string {
  const quoteTip = ' (A pipeline name with a `/` goes in quotes.)';
  switch (hint.kind) {
    case 'offset':
      return ' Use a zone name such as `Europe/Berlin`, so the time follows daylight saving.';
    case 'did-you-mean':
      return ` Did you mean \`${hint.zone}\`?${quoteTip}`;
    case 'none':
      return ` Use an IANA name such as \`Europe/Berlin\` or \`America/New_York\`.${quoteTip}`;
  }
}
