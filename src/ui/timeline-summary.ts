// The timeline summary as a message: one section per period (week, month or quarter) with
// its open and won deals counted and valued per currency, the current period marked, and a
// footer with the totals and what the periods leave out (deals without a date, overdue
// deals). Currencies are never converted: each is summed on its own.

import type { KnownBlock, MrkdwnElement } from '@slack/types';
import type { Money } from '../crm/port.js';
import type { PeriodBasis, PeriodSummary, PeriodTotals, PeriodUnit } from '../services/timeline-summary.js';
import { formatMoneyTotals } from './format.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';

type Message = { text: string; blocks: KnownBlock[] };

export interface TimelineSummaryOptions {
  unit: PeriodUnit;
  by: PeriodBasis;
  /** Null for a summary over every pipeline. */
  pipelineName: string | null;
  /** The IANA zone the periods were read in. */
  zone: string;
  truncated?: boolean;
  /** Deals without an expected close date (by close only). */
  undated?: number;
  /** Open deals expected to close before the first period (by close only). */
  overdue?: number;
}

const NAME_MAX = 80;
/** header, the zone line, "and N more periods", totals and notes. */
const FIXED_BLOCKS = 5;

const counts = new Intl.NumberFormat('en-US');
const dealCount = (n: number): string => `${counts.format(n)} deal${n === 1 ? '' : 's'}`;

const BASIS_TITLES: Record<PeriodBasis, string> = {
  close: 'Deals by expected close',
  won: 'Deals won',
  created: 'Deals created',
};

/** Which columns a basis fills: wins have no open side; only "created" reads lost deals. */
const COLUMNS: Record<PeriodBasis, Array<'open' | 'won' | 'lost'>> = {
  close: ['open', 'won'],
  won: ['won'],
  created: ['open', 'won', 'lost'],
};

const COLUMN_LABELS = { open: 'Open', won: '🏆 Won', lost: '✖ Lost' } as const;

const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

function totalsText(totals: PeriodTotals): string {
  if (totals.count === 0) return '—';
  return totals.values.length > 0 ? `${dealCount(totals.count)} · ${formatMoneyTotals(totals.values)}` : dealCount(totals.count);
}

function field(label: string, totals: PeriodTotals): MrkdwnElement {
  return mrkdwnText(`*${label}*\n${totalsText(totals)}`, SlackLimits.fieldText);
}

function periodBlock(period: PeriodSummary, options: TimelineSummaryOptions): KnownBlock {
  const marker = period.current ? ` · 📍 this ${options.unit}` : '';
  return {
    type: 'section',
    text: mrkdwnText(`*${escapeMrkdwn(period.label)}*${marker}`, SlackLimits.sectionText),
    fields: COLUMNS[options.by].map((column) => field(COLUMN_LABELS[column], period[column])),
  };
}

function sum(periods: PeriodSummary[], column: 'open' | 'won' | 'lost'): PeriodTotals {
  const values: Money[] = periods.flatMap((p) => p[column].values);
  return { count: periods.reduce((n, p) => n + p[column].count, 0), values };
}

export function timelineSummaryMessage(summary: PeriodSummary[], options: TimelineSummaryOptions): Message {
  const where = options.pipelineName?.trim() ? options.pipelineName.trim() : 'all pipelines';
  const title = `${BASIS_TITLES[options.by]} per ${options.unit}`;
  const blocks: KnownBlock[] = [{ type: 'header', text: plainText(`${title} · ${truncate(where, NAME_MAX)}`, SlackLimits.headerText) }];
  const weekNote = options.unit === 'week' ? ' · weeks start on Monday' : '';
  blocks.push(context(`Periods in ${escapeMrkdwn(truncate(options.zone, NAME_MAX))}${weekNote} · each currency summed on its own`));

  const room = SlackLimits.messageBlocks - FIXED_BLOCKS;
  const shown = summary.length <= room + 1 ? summary : summary.slice(0, room);
  for (const period of shown) blocks.push(periodBlock(period, options));
  const hidden = summary.length - shown.length;
  if (hidden > 0) blocks.push(context(`and ${hidden} more ${options.unit}s — ask for fewer periods to see them all`));
  if (summary.length === 0) blocks.push(context('No periods to show.'));

  const columns = COLUMNS[options.by];
  const span = summary.length === 1 ? `this ${options.unit}` : `these ${summary.length} ${options.unit}s`;
  const totals = columns.map((column) => `${COLUMN_LABELS[column]} ${totalsText(sum(summary, column))}`);
  blocks.push(context(`*Over ${span}:* ${totals.join(' · ')}`));

  const notes: string[] = [];
  if (options.overdue)
    notes.push(`⚠️ ${dealCount(options.overdue)} open, expected to close before ${escapeMrkdwn(summary[0]?.label ?? 'these periods')}`);
  if (options.undated) notes.push(`${dealCount(options.undated)} without an expected close date`);
  if (options.truncated) notes.push('⚠️ more deals than one summary reads; the numbers cover the first ones');
  if (notes.length > 0) blocks.push(context(notes.join(' · ')));

  const text = `${title} (${escapeMrkdwn(truncate(where, NAME_MAX))}): ${totals.join(', ')}`;
  return { text, blocks };
}
