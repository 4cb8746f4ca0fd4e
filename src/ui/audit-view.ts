// The audit trail as people read it (issue #16): `/deal audit [deal]` for admins, the
// "Through Dealbot" lines of a deal's timeline ("🏆 Marked won by @ada via Dealbot"), and the
// line ending a note written to a remote CRM with the shared credential ("— via Dealbot by Ada
// Lovelace"). Every name, title and value is escaped here.

import type { KnownBlock } from '@slack/types';
import type { AuditChange, AuditEntry, AuditOp } from '../services/audit-trail.js';
import { slackDate } from './deal-change.js';
import { channelMention } from './digest-notices.js';
import { SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, plainText, truncate, userMention } from './mrkdwn.js';
import { DateTime } from 'luxon';

type Message = { text: string; blocks: KnownBlock[] };

const TITLE_MAX = 80;
const VALUE_MAX = 60;
/** Lines per section block, kept well inside its 3,000 characters. */
const LINES_PER_BLOCK = 8;
/** Entries `/deal audit` shows. */
export const AUDIT_SHOWN = 30;
/** Entries the timeline shows under "Through Dealbot". */
export const AUDIT_IN_TIMELINE = 5;

const ICON: Record<AuditOp, string> = {
  create: '✨',
  update: '✏️',
  move: '➡️',
  won: '🏆',
  lost: '✖',
  reopen: '↩️',
  note: '📝',
  undo: '⎌',
};

const VERB: Record<AuditOp, string> = {
  create: 'Created',
  update: 'Edited',
  move: 'Moved',
  won: 'Marked won',
  lost: 'Marked lost',
  reopen: 'Reopened',
  note: 'Added a note',
  undo: 'Undid a change',
};

const FIELD: Record<string, string> = {
  title: 'title',
  value: 'value',
  stage: 'stage',
  status: 'status',
  lostReason: 'reason',
  owner: 'owner',
  organization: 'organization',
  person: 'person',
  expectedCloseDate: 'expected close',
  probability: 'probability',
  note: 'note',
};

const value = (text: string | null): string => (text === null || text === '' ? '—' : `*${escapeMrkdwn(truncate(text, VALUE_MAX))}*`);

function changeText(change: AuditChange): string {
  const field = escapeMrkdwn(FIELD[change.field] ?? change.field);
  if (change.field === 'note') return `“${escapeMrkdwn(truncate(change.to ?? '', VALUE_MAX))}”`;
  return change.from === null ? `${field} ${value(change.to)}` : `${field} ${value(change.from)} → ${value(change.to)}`;
}

/** The line a note written with the shared credential ends with: plain text, the person's name as Slack has it. */
export function viaDealbotNote(personName: string): string {
  return `— via Dealbot by ${personName.trim() || 'someone in Slack'}`;
}

const credentialText = (entry: AuditEntry): string => (entry.credential === 'own' ? 'their own credential' : 'the shared credential');
const at = (entry: AuditEntry): string => slackDate(DateTime.fromISO(entry.at, { zone: 'utc' }));

/** One line of `/deal audit`. */
function auditLine(entry: AuditEntry, withDeal: boolean): string {
  const deal = withDeal ? ` *${escapeMrkdwn(truncate(entry.dealTitle, TITLE_MAX))}* (#${escapeMrkdwn(entry.dealId)})` : '';
  const changes = entry.changes.length > 0 ? `: ${entry.changes.map(changeText).join(', ')}` : '';
  const where = entry.channelId ? ` in ${channelMention(entry.channelId)}` : '';
  const crmUser = entry.crmUserId ? ` (CRM user #${escapeMrkdwn(entry.crmUserId)})` : ' (no CRM user)';
  return `${ICON[entry.op]} ${at(entry)} · ${userMention(entry.slackUserId)}${crmUser} · ${VERB[entry.op].toLowerCase()}${deal}${changes}${where} · ${credentialText(entry)}`;
}

function sections(lines: string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_BLOCK) {
    blocks.push({ type: 'section', text: mrkdwnText(lines.slice(i, i + LINES_PER_BLOCK).join('\n'), SlackLimits.sectionText) });
  }
  return blocks;
}

/** `/deal audit [deal]`: the latest writes through Dealbot, newest first. */
export function auditMessage(input: { entries: AuditEntry[]; deal: { id: string; title: string } | null; crmName: string }): Message {
  const what = input.deal ? `*${escapeMrkdwn(truncate(input.deal.title, TITLE_MAX))}* (#${escapeMrkdwn(input.deal.id)})` : 'any deal';
  if (input.entries.length === 0) {
    return {
      text: 'No changes through Dealbot yet.',
      blocks: [
        {
          type: 'section',
          text: mrkdwnText(
            `No change to ${what} was made through Dealbot in the last 90 days. Changes made in ${escapeMrkdwn(input.crmName)} itself are in its own history.`,
            SlackLimits.sectionText,
          ),
        },
      ],
    };
  }
  const shown = input.entries.slice(0, AUDIT_SHOWN);
  const more = input.entries.length > shown.length ? `${input.entries.length - shown.length} older not shown` : null;
  return {
    text: `Changes through Dealbot to ${input.deal ? input.deal.title : 'deals'}`,
    blocks: [
      {
        type: 'header',
        text: plainText(input.deal ? `Audit: ${input.deal.title}` : 'Audit: the latest changes through Dealbot', SlackLimits.headerText),
      },
      ...sections(shown.map((e) => auditLine(e, input.deal === null))),
      {
        type: 'context',
        elements: [
          mrkdwnText(
            `Newest first${more ? `, ${more}` : ''}. Kept 90 days. ${input.deal ? '' : `One deal: ${codeSpan('/deal audit 42')}.`}`,
            SlackLimits.sectionText,
          ),
        ],
      },
    ],
  };
}

/** The timeline's "Through Dealbot" lines: who really made each change, whoever the CRM names. */
export function auditTimelineText(entries: AuditEntry[]): string | null {
  if (entries.length === 0) return null;
  const lines = entries.slice(0, AUDIT_IN_TIMELINE).map((entry) => {
    const changes =
      entry.op === 'won' || entry.op === 'reopen' ? [] : entry.changes.filter((c) => c.field !== 'status' && c.field !== 'title');
    const detail = changes.length > 0 ? ` (${changes.map(changeText).join(', ')})` : '';
    return `${ICON[entry.op]} ${VERB[entry.op]}${detail} by ${userMention(entry.slackUserId)} via Dealbot · ${at(entry)}`;
  });
  return `*Through Dealbot*\n${lines.join('\n')}`;
}
