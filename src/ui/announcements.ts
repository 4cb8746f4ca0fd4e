// What the channel sees when a deal is won or lost: one line saying who did what, then the
// deal's card. Also a small confirmation message for actions that need no card.

import type { KnownBlock } from '@slack/types';
import { dealCard, type DealCardInput } from './deal-card.js';
import { formatMoney } from './format.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, truncate, userMention } from './mrkdwn.js';

type Message = { text: string; blocks: KnownBlock[] };

const TITLE_MAX = 150;
const REASON_MAX = 500;

export interface DealClosedAnnouncementInput extends DealCardInput {
  /** The Slack user who won, lost or reopened the deal. */
  actorUserId: string;
}

/** "🏆 <@U1> won *Acme renewal* — €12,000", or "✖ <@U1> marked *X* lost: reason", then the card. */
export function dealClosedAnnouncement(input: DealClosedAnnouncementInput): Message {
  const { deal, actorUserId } = input;
  const who = userMention(actorUserId);
  const title = `*${escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', TITLE_MAX))}*`;
  const value = deal.value ? ` — ${formatMoney(deal.value)}` : '';
  let line: string;
  switch (deal.status) {
    case 'won':
      line = `🏆 ${who} won ${title}${value}`;
      break;
    case 'lost': {
      const reason = deal.lostReason?.trim();
      line = `✖ ${who} marked ${title} lost${reason ? `: ${escapeMrkdwn(truncate(reason, REASON_MAX))}` : ''}`;
      break;
    }
    case 'open':
      line = `↩️ ${who} reopened ${title}${value}`;
      break;
  }
  // The channel's copy is for everyone: no "Share in channel" button.
  const card = dealCard({ ...input, ephemeral: false });
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwnText(line, SlackLimits.sectionText) }, ...card.blocks];
  return { text: line, blocks: blocks.slice(0, SlackLimits.messageBlocks) };
}

/** A one-line answer ("Done: moved to *Proposal*"); `text` must already be mrkdwn-safe. */
export function actionConfirmation(text: string): Message {
  return { text, blocks: [{ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] }] };
}
