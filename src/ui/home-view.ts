// The App Home tab: the viewer's open deals in the CRM, overdue first, then those closing
// this week, then the rest, each row with an "Open" button (the card arrives as a DM from
// the bot), and a "New deal" button on top. A person with no CRM user gets told why their
// list is empty. Dates read in the viewer's zone; every CRM text is escaped.

import type { Button, HomeView, KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal } from '../crm/port.js';
import type { HomeDeals } from '../services/home-deals.js';
import { slackDate } from './deal-change.js';
import { formatExpectedClose, formatMoney } from './format.js';
import { ActionId, SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';

export interface HomeViewInput {
  crmName: string;
  /** `now` in the viewer's zone. */
  now: DateTime;
  stageNames: ReadonlyMap<string, string>;
  /** The viewer's deals, or why there are none to show. */
  deals: HomeDeals | { missingUser: { email: string | null } };
}

const TITLE_MAX = 150;
const NAME_MAX = 80;
/** Rows per section: three sections, their headings and "more" lines stay far under 100 blocks. */
const ROWS_PER_SECTION = 20;

const button = (label: string, actionId: string, value: string, style?: Button['style']): Button => ({
  type: 'button',
  text: plainText(label, SlackLimits.buttonText),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

function row(deal: Deal, input: HomeViewInput): KnownBlock {
  const stage = input.stageNames.get(deal.stageId);
  const close = deal.expectedCloseDate ? formatExpectedClose(deal.expectedCloseDate, input.now) : null;
  const details = [
    deal.value ? formatMoney(deal.value) : null,
    stage ? escapeMrkdwn(truncate(stage, NAME_MAX)) : null,
    deal.organization ? escapeMrkdwn(truncate(deal.organization.name, NAME_MAX)) : null,
    close
      ? `${close.overdue ? '⚠️ ' : ''}closes ${close.relative}${close.relative === close.exact ? '' : ` (${close.exact})`}`
      : 'no close date',
  ].filter((d): d is string => d !== null);
  const title = escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', TITLE_MAX));
  return {
    type: 'section',
    text: mrkdwnText(`*${title}* #${escapeMrkdwn(deal.id)}\n${details.join(' · ')}`, SlackLimits.sectionText),
    accessory: button('Open', ActionId.homeOpenDeal, deal.id),
  };
}

function section(heading: string, deals: Deal[], input: HomeViewInput, empty: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: plainText(`${heading} (${deals.length})`, SlackLimits.headerText) }];
  if (deals.length === 0) return [...blocks, context(empty)];
  blocks.push(...deals.slice(0, ROWS_PER_SECTION).map((deal) => row(deal, input)));
  const hidden = deals.length - ROWS_PER_SECTION;
  if (hidden > 0) blocks.push(context(`and ${hidden} more — find them with ${codeSpan('/deal find <words>')}`));
  return blocks;
}

export function homeView(input: HomeViewInput): HomeView {
  const crm = escapeMrkdwn(input.crmName);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`Your deals in ${input.crmName}`, SlackLimits.headerText) },
    {
      type: 'actions',
      elements: [button('New deal', ActionId.homeNewDeal, 'new', 'primary'), button('Refresh', ActionId.homeRefresh, 'refresh')],
    },
  ];
  if ('missingUser' in input.deals) {
    const email = input.deals.missingUser.email;
    blocks.push({
      type: 'section',
      text: mrkdwnText(
        email
          ? `${crm} has no active user with your email (${escapeMrkdwn(email)}), so Dealbot cannot tell which deals are yours. Ask an admin to add you to ${crm} with that email.`
          : `Your Slack profile shows no email, so Dealbot cannot find your ${crm} user. Deals are matched to people by email.`,
        SlackLimits.sectionText,
      ),
    });
  } else {
    const { overdue, closingThisWeek, later, truncated } = input.deals;
    blocks.push(
      context(`Open deals you own in ${crm}, as of ${slackDate(input.now)}. “Open” sends you the deal's card.`),
      ...section('⚠️ Overdue', overdue, input, 'Nothing overdue.'),
      { type: 'divider' },
      ...section('📅 Closing this week', closingThisWeek, input, 'Nothing is expected to close this week.'),
      { type: 'divider' },
      ...section('Other open deals', later, input, 'No other open deals.'),
    );
    if (truncated) blocks.push(context('You own more open deals than a Home tab can read; the oldest are not shown.'));
  }
  return { type: 'home', blocks: blocks.slice(0, SlackLimits.modalBlocks) };
}
