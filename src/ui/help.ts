// `/deal help` and the answer to a command Dealbot could not read. Help shows every
// subcommand with an example a person can copy; usage says what was wrong and what to type.

import type { KnownBlock } from '@slack/types';
import type { DealSubcommandHelp } from '../parse/deal-command.js';
import { SlackLimits } from './ids.js';
import { codeSpan, mrkdwnText, plainText } from './mrkdwn.js';

type Message = { text: string; blocks: KnownBlock[] };

/** Help lines besides `/deal`'s own subcommands: [what it does, examples]. */
const OTHER_LINES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['The pipeline board, stage by stage', ['/pipeline', '/pipeline Partnerships']],
  ['Deals by period (expected close, won or created)', ['/pipeline timeline', '/pipeline timeline quarter 4 by won']],
  [
    'Deal news in this channel as it happens in the CRM (the settings, or one line)',
    ['/pipeline alerts', '/pipeline alerts won lost in Sales over 10k'],
  ],
  ["This channel's alerts, numbered; turn one or all off", ['/pipeline alerts list', '/pipeline alerts off 2']],
  ['This help', ['/deal help']],
];

/** `/deal help`: each subcommand the grammar describes (`DEAL_SUBCOMMAND_HELP`), then the rest; examples in code spans. */
export function helpMessage(subcommands: DealSubcommandHelp): Message {
  const rows = [...Object.values(subcommands).map(({ summary, examples }) => [summary, examples] as const), ...OTHER_LINES];
  const lines = rows.map(([what, examples]) => `• ${what}: ${examples.map(codeSpan).join('  ')}`);
  return {
    text: 'Dealbot: manage your deals with /deal. Try /deal 42, /deal find acme or /deal new.',
    blocks: [
      { type: 'header', text: plainText('Dealbot: your deals, from Slack', SlackLimits.headerText) },
      { type: 'section', text: mrkdwnText(lines.join('\n'), SlackLimits.sectionText) },
      {
        type: 'context',
        elements: [
          mrkdwnText(
            'Where a deal is named by words and several match, Dealbot asks which one you meant. Cards have buttons for the same actions.',
            SlackLimits.sectionText,
          ),
        ],
      },
    ],
  };
}

/**
 * What was wrong with a command and what to type instead. Both strings come from the
 * command parser already safe for mrkdwn (user text escaped, commands in backticks).
 */
export function usageMessage(problem: string, suggestion: string | null): Message {
  const text = suggestion ? `${problem} ${suggestion}` : problem;
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwnText(suggestion ? `${problem}\n${suggestion}` : problem, SlackLimits.sectionText) },
      { type: 'context', elements: [mrkdwnText('`/deal help` lists everything Dealbot can do.', SlackLimits.sectionText)] },
    ],
  };
}
