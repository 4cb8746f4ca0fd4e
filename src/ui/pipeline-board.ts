// The pipeline board as a message: one section per stage in order (open deals, value and
// weighted value per currency, a bar to compare stages at a glance, the biggest deals),
// the pipeline's totals, and what was won and lost this month. The bar is proportional to
// each stage's number of open deals (counts compare across currencies, values do not) and
// says so under the board. Long pipelines are cut with an "and N more stages" line.

import type { ActionsBlock, KnownBlock, PlainTextOption } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal, Money, Pipeline } from '../crm/port.js';
import type { PipelineBoard, StageColumn } from '../services/pipeline-board.js';
import { formatExpectedClose, formatMoney, formatMoneyTotals } from './format.js';
import { ActionId, SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { allOptions, selectOptions } from './select-options.js';

type Message = { text: string; blocks: KnownBlock[] };

export interface PipelineBoardOptions {
  viewerZone: string;
  now: DateTime;
  pipelineName: string;
  crmName: string;
  /** When given (and more than one), a select to switch to another pipeline's board. */
  pipelines?: Pipeline[];
}

const NAME_MAX = 80;
const DEAL_TITLE_MAX = 80;
const BAR_WIDTH = 10;
/** header, totals, won/lost, the footnote, the pipeline select, "elsewhere" and "and N more stages". */
const FIXED_BLOCKS = 7;
const OPTION_VALUE_MAX = 150;

const counts = new Intl.NumberFormat('en-US');
const dealCount = (n: number): string => `${counts.format(n)} deal${n === 1 ? '' : 's'}`;
const safe = (text: string, max: number): string => escapeMrkdwn(truncate(text.replace(/\s+/g, ' ').trim(), max));
const money = (values: Money[]): string => formatMoneyTotals(values);

const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

/** `▇▇▇▇░░░░░░`: the stage's share of the fullest stage; any deal shows at least one block. */
export function countBar(count: number, max: number): string {
  if (max <= 0 || count <= 0) return '░'.repeat(BAR_WIDTH);
  const filled = Math.min(BAR_WIDTH, Math.max(1, Math.round((count / max) * BAR_WIDTH)));
  return '▇'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
}

function topDealLine(deal: Deal, rank: number, now: DateTime): string {
  const title = deal.title.trim() === '' ? 'Untitled deal' : deal.title;
  const parts = [`${rank}. ${safe(title, DEAL_TITLE_MAX)}`, deal.value ? formatMoney(deal.value) : 'no value'];
  if (deal.expectedCloseDate) {
    const close = formatExpectedClose(deal.expectedCloseDate, now);
    parts.push(close.overdue ? `⚠️ due ${close.relative}` : `closes ${close.relative}`);
  }
  return parts.join(' · ');
}

function stageBlock(column: StageColumn, maxCount: number, now: DateTime): KnownBlock {
  const name = `*${safe(column.stage.name, NAME_MAX)}*`;
  const bar = `\`${countBar(column.count, maxCount)}\``;
  if (column.count === 0) return section(`${name}\n${bar} no open deals`);
  const lines = [`${name}\n${bar} ${dealCount(column.count)}`];
  if (column.values.length > 0) lines.push(`${money(column.values)} · weighted ${money(column.weighted)}`);
  column.topDeals.forEach((deal, i) => lines.push(topDealLine(deal, i + 1, now)));
  const rest = column.count - column.topDeals.length;
  if (column.topDeals.length > 0 && rest > 0) lines.push(`_and ${counts.format(rest)} more_`);
  return section(lines.join('\n'));
}

function pipelineSelect(pipelines: Pipeline[], current: string): ActionsBlock | null {
  const options: PlainTextOption[] = [...pipelines]
    .sort((a, b) => a.order - b.order)
    .filter((p) => p.id.length <= OPTION_VALUE_MAX)
    .map((p) => ({ text: plainText(p.name, SlackLimits.optionText), value: p.id }));
  if (options.length < 2) return null;
  // Beyond 100 pipelines the options come in groups of 100, so every one can be picked.
  const shown = selectOptions(options);
  const initial = allOptions(shown).find((o) => o.value === current);
  return {
    type: 'actions',
    elements: [
      {
        type: 'static_select',
        action_id: ActionId.pipelinePick,
        placeholder: plainText('Another pipeline…', SlackLimits.optionText),
        ...shown,
        ...(initial ? { initial_option: initial } : {}),
      },
    ],
  };
}

/**
 * The answer when the board cannot be drawn because the pipeline is not there: the CRM has
 * none yet, or the one a button named was deleted since.
 */
export function noPipelineMessage(crmName: string, reason: 'none' | 'gone'): Message {
  const crm = escapeMrkdwn(crmName);
  const text =
    reason === 'none'
      ? `${crm} has no pipelines yet, so there is no board to show. Create a pipeline in ${crm}, then try \`/pipeline\` again.`
      : `That pipeline is no longer in ${crm}; it may have been deleted. \`/pipeline\` shows the default one.`;
  return { text, blocks: [{ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) }] };
}

export function pipelineBoardMessage(board: PipelineBoard, options: PipelineBoardOptions): Message {
  const zoned = options.now.setZone(options.viewerZone);
  const now = zoned.isValid ? zoned : options.now;
  const name = options.pipelineName.trim() === '' ? 'Pipeline' : options.pipelineName;
  const { totals } = board;

  const blocks: KnownBlock[] = [{ type: 'header', text: plainText(`Pipeline: ${truncate(name, NAME_MAX)}`, SlackLimits.headerText) }];
  const totalLine =
    totals.count === 0
      ? '*No open deals* in this pipeline.'
      : `*${dealCount(totals.count)} open* · ${money(totals.values)} · weighted ${money(totals.weighted)}`;
  blocks.push(section(totalLine));

  if (board.stages.length === 0) {
    blocks.push(section(`This pipeline has no stages in ${safe(options.crmName, NAME_MAX)}.`));
  }
  const maxCount = Math.max(0, ...board.stages.map((s) => s.count));
  const room = SlackLimits.messageBlocks - FIXED_BLOCKS;
  // Every stage fits up to `room + 1`; beyond, one stage gives its place to the "and N more" line.
  const shown = board.stages.length <= room + 1 ? board.stages : board.stages.slice(0, room);
  for (const column of shown) blocks.push(stageBlock(column, maxCount, now));
  const hidden = board.stages.slice(shown.length);
  if (hidden.length > 0) {
    const hiddenDeals = hidden.reduce((n, s) => n + s.count, 0);
    const values = hidden.flatMap((s) => s.values);
    blocks.push(
      context(
        `and ${counts.format(hidden.length)} more stages with ${dealCount(hiddenDeals)}${values.length > 0 ? ` (${formatMoneyTotals(values)})` : ''}`,
      ),
    );
  }
  if (board.elsewhere.count > 0) {
    blocks.push(context(`${dealCount(board.elsewhere.count)} in stages no longer in this pipeline (${money(board.elsewhere.values)})`));
  }

  const month = board.period.label;
  blocks.push({
    type: 'section',
    fields: [
      mrkdwnText(`*🏆 Won in ${month}*\n${dealCount(board.won.count)} · ${money(board.won.values)}`, SlackLimits.fieldText),
      mrkdwnText(`*✖ Lost in ${month}*\n${dealCount(board.lost.count)} · ${money(board.lost.values)}`, SlackLimits.fieldText),
    ],
  });

  const notes = [
    'Bars: open deals per stage, relative to the fullest stage',
    'weighted = value × the deal’s probability, else the stage’s, else 100%',
    'top deals by amount',
  ];
  if (board.truncated) notes.push('⚠️ the pipeline holds more deals than one board reads; the numbers cover the first ones');
  blocks.push(context(notes.join(' · ')));

  const select = options.pipelines ? pipelineSelect(options.pipelines, board.pipelineId) : null;
  if (select) blocks.push(select);

  const text = `Pipeline ${safe(name, NAME_MAX)}: ${dealCount(totals.count)} open, ${money(totals.values)}`;
  return { text, blocks };
}
