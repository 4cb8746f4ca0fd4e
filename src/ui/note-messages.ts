// The short answer in a message's thread once the message went to a deal as a note: who
// attached it to which deal, in which CRM. Deal titles are escaped.

import type { KnownBlock } from '@slack/types';
import type { Deal } from '../crm/port.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, truncate, userMention } from './mrkdwn.js';

const TITLE_MAX = 150;

export function noteAttachedMessage(input: { deal: Deal; actorUserId: string; crmName: string }): { text: string; blocks: KnownBlock[] } {
  const title = escapeMrkdwn(truncate(input.deal.title.trim() || 'Untitled deal', TITLE_MAX));
  const link = input.deal.url && /^https?:\/\/[^\s<>|]+$/.test(input.deal.url) ? ` · <${input.deal.url.replace(/&/g, '&amp;')}|open in ${escapeMrkdwn(input.crmName)}>` : '';
  const text = `📝 ${userMention(input.actorUserId)} attached this message to *${title}* (#${escapeMrkdwn(input.deal.id)}) as a note in ${escapeMrkdwn(input.crmName)}${link}`;
  return { text, blocks: [{ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] }] };
}
