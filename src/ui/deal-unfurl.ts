// A pasted deal link as a compact card under the message (`chat.unfurl`): the title, then
// value, stage and pipeline, status (with the lost reason), owner and expected close on one
// line, and the deal's number. Everything from the CRM is escaped; the reader's clock sets
// "in 3 days". Pure.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal, Pipeline, Stage, User } from '../crm/port.js';
import { formatExpectedClose, formatMoney, statusLabel } from './format.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, truncate } from './mrkdwn.js';

export interface DealUnfurlInput {
  deal: Deal;
  stage: Stage | null;
  pipeline: Pipeline | null;
  owner: User | null;
  crmName: string;
  /** Already in the reader's zone. */
  now: DateTime;
}

const NAME_MAX = 100;
const TITLE_MAX = 200;
const REASON_MAX = 200;

/** The blocks of one unfurl (Slack takes them as `unfurls[url].blocks`). */
export function dealUnfurl(input: DealUnfurlInput): { blocks: KnownBlock[] } {
  const { deal, stage, pipeline, owner } = input;
  const title = deal.title.trim() === '' ? 'Untitled deal' : deal.title;
  const status =
    deal.status === 'lost' && deal.lostReason?.trim()
      ? `${statusLabel(deal.status)}: ${escapeMrkdwn(truncate(deal.lostReason.trim(), REASON_MAX))}`
      : statusLabel(deal.status);
  const where = [stage?.name, pipeline?.name]
    .filter((n): n is string => typeof n === 'string' && n.trim() !== '')
    .map((n) => escapeMrkdwn(truncate(n, NAME_MAX)))
    .join(' · ');
  const facts = [
    deal.value ? `*${escapeMrkdwn(formatMoney(deal.value))}*` : null,
    where || null,
    status,
    owner ? `👤 ${escapeMrkdwn(truncate(owner.name, NAME_MAX))}` : null,
  ].filter((f): f is string => f !== null);
  const details = [`${escapeMrkdwn(input.crmName)} deal #${escapeMrkdwn(truncate(deal.id, 40))}`];
  if (deal.expectedCloseDate) {
    const close = formatExpectedClose(deal.expectedCloseDate, input.now);
    const overdue = deal.status === 'open' && close.overdue ? '⚠️ overdue, ' : '';
    details.push(`expected close ${overdue}${close.relative === close.exact ? close.exact : `${close.relative} (${close.exact})`}`);
  }
  if (deal.organization) details.push(escapeMrkdwn(truncate(deal.organization.name, NAME_MAX)));
  return {
    blocks: [
      {
        type: 'section',
        text: mrkdwnText(`*${escapeMrkdwn(truncate(title, TITLE_MAX))}*\n${facts.join(' · ')}`, SlackLimits.sectionText),
      },
      { type: 'context', elements: [mrkdwnText(details.join(' · '), SlackLimits.sectionText)] },
    ],
  };
}
