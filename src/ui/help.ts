// `/deal help` and the answer to a command Dealbot could not read. Help shows every
// subcommand with an example a person can copy; usage says what was wrong and what to type.

import type { KnownBlock } from '@slack/types';
import { SlackLimits } from './ids.js';
import { codeSpan, mrkdwnText, plainText } from './mrkdwn.js';

type Message = { text: string; blocks: KnownBlock[] };

/** [what it does, examples]; examples are commands, shown in code spans. */
const SUBCOMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Show a deal by its number or by words from its title', ['/deal 42', '/deal show Acme renewal']],
  ['Find deals', ['/deal find acme']],
  ['Create a deal in a form, or straight from one line (title, then the value)', ['/deal new', '/deal new Acme renewal 12k EUR']],
  ['Move a deal to a stage (case, the start of a name and small typos are fine)', ['/deal move 42 to Proposal', '/deal move Acme renewal to neg']],
  ['Mark a deal won', ['/deal won 42']],
  ['Mark a deal lost, with a reason', ['/deal lost 42 because no budget this year', '/deal lost 42']],
  ['Reopen a won or lost deal', ['/deal reopen 42']],
  ["A deal's history", ['/deal timeline 42']],
  ['The pipeline board, stage by stage', ['/pipeline', '/pipeline Partnerships']],
  ['Deals by period (expected close, won or created)', ['/pipeline timeline', '/pipeline timeline quarter 4 by won']],
  ['This help', ['/deal help']],
];

export function helpMessage(): Message {
  const lines = SUBCOMMANDS.map(([what, examples]) => `• ${what}: ${examples.map(codeSpan).join('  ')}`);
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
