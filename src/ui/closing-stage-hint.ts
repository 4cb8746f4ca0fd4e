// The answer to "/deal move 42 to won": a stage that closes the deal is reached by marking
// the deal won or lost, which records the outcome (and the loss reason); the person is told
// the command that does it rather than having the deal moved there.

import type { KnownBlock } from '@slack/types';
import type { Deal, Stage } from '../crm/port.js';
import { SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, truncate } from './mrkdwn.js';

const TITLE_MAX = 150;
const NAME_MAX = 80;

export function closingStageHint(input: { deal: Deal; stage: Stage; closes: 'won' | 'lost' }): {
  text: string;
  blocks: KnownBlock[];
} {
  const { deal, stage, closes } = input;
  const title = `*${escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', TITLE_MAX))}*`;
  const name = `*${escapeMrkdwn(truncate(stage.name, NAME_MAX))}*`;
  const command = closes === 'won' ? codeSpan(`/deal won ${deal.id}`) : codeSpan(`/deal lost ${deal.id} because …`);
  const text =
    deal.status === closes
      ? `${title} is already marked ${closes}.`
      : `${name} is where ${closes} deals go, so it is not a move: mark ${title} ${closes} with ${command}.`;
  return { text, blocks: [{ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) }] };
}
