// The words around a message that went to a deal: the short answer in its thread once it
// was attached as a note (who attached it to which deal, in which CRM), the line under a
// note field saying where the message came from, and what is said when the bot may not
// post in the thread. Deal titles and names are escaped.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal } from '../crm/port.js';
import type { MessageSource } from '../services/message-note.js';
import { changeLine } from './deal-change.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, truncate, userMention } from './mrkdwn.js';

/** Said after the answer when Slack refused it in the message's thread. */
export const CANNOT_POST_IN_THREAD = 'I could not reply in the thread: invite me to the channel with `/invite @Dealbot`.';

/** The line under the note field of a deal made from a message (mrkdwn, safe). */
export function messageSourceLine(source: MessageSource, crmName: string): string {
  const author = source.authorId ? userMention(source.authorId) : escapeMrkdwn(source.authorName ?? 'a bot');
  return `From ${author} in <#${source.channelId}>. ${escapeMrkdwn(crmName)} gets the note with who wrote it and a link to the message.`;
}

/** The context line of the card a deal made from a message gets in the message's thread. */
export function createdFromMessageLine(actorUserId: string, at: DateTime): string {
  return changeLine('Created from this message', actorUserId, at);
}

const TITLE_MAX = 150;

export function noteAttachedMessage(input: { deal: Deal; actorUserId: string; crmName: string }): { text: string; blocks: KnownBlock[] } {
  const title = escapeMrkdwn(truncate(input.deal.title.trim() || 'Untitled deal', TITLE_MAX));
  const link =
    input.deal.url && /^https?:\/\/[^\s<>|]+$/.test(input.deal.url)
      ? ` · <${input.deal.url.replace(/&/g, '&amp;')}|open in ${escapeMrkdwn(input.crmName)}>`
      : '';
  const text = `📝 ${userMention(input.actorUserId)} attached this message to *${title}* (#${escapeMrkdwn(input.deal.id)}) as a note in ${escapeMrkdwn(input.crmName)}${link}`;
  return { text, blocks: [{ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] }] };
}
