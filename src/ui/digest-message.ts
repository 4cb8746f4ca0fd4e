// The pipeline digest as a Slack message. Sections in a fixed order (board, what changed,
// closing soon, overdue, stale, forecast), each left out when it has nothing to say, and a
// quiet pipeline is one short line. Every list is cut to fit its section's 3,000 characters
// with an "and N more" line, and the message has at most 16 blocks whatever the pipeline's
// size, so Block Kit's limits hold by construction. Pure: dates are read in the digest's
// zone against its `at`.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal, Money, Stage } from '../crm/port.js';
import { lastChangedAt } from '../crm/port.js';
import { formatDay, formatExpectedClose, formatMoneyTotals, formatMoney, formatRelativeTime } from './format.js';
import { SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate, truncateMrkdwn } from './mrkdwn.js';
import { countBar } from './pipeline-board.js';
import type { DealList, DigestChanges, PipelineDigest, StageMove } from '../services/pipeline-digest.js';
import { renderStageChart } from './chart.js';

type Message = { text: string; blocks: KnownBlock[] };

export interface DigestMessageOptions {
  /** A chart is uploaded with the message; the footer points to it. */
  chartAttached?: boolean;
}

const TITLE_MAX = 80;
const NAME_MAX = 60;
const REASON_MAX = 120;
/** Lines a list shows at most, however much room is left: a digest is read at a glance. */
const LIST_LINES = 8;
/** Room kept in a section for its "and N more" line. */
const MORE_RESERVE = 80;

const counts = new Intl.NumberFormat('en-US');
const dealCount = (n: number): string => `${counts.format(n)} deal${n === 1 ? '' : 's'}`;
const safe = (text: string, max: number): string => escapeMrkdwn(truncate(text.replace(/\s+/g, ' ').trim(), max));
const title = (deal: Deal): string => `*${safe(deal.title.trim() === '' ? 'Untitled deal' : deal.title, TITLE_MAX)}*`;
const money = (values: Money[]): string => formatMoneyTotals(values);
const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

/** `Mon, Mar 9, 09:00`, with the year when it is not `now`'s. */
function formatWhen(at: DateTime, now: DateTime): string {
  const local = at.setZone(now.zone).setLocale('en-US');
  return `${local.toFormat('ccc')}, ${formatDay(local, now)}, ${local.toFormat('HH:mm')}`;
}

/**
 * A heading and as many lines as fit in one section (at most `LIST_LINES`), then
 * "and N more" counted against `total`, the size of the whole list.
 */
function listSection(heading: string, lines: string[], total: number): KnownBlock {
  const budget = SlackLimits.sectionText - MORE_RESERVE;
  let text = heading;
  let shown = 0;
  for (const line of lines.slice(0, LIST_LINES)) {
    if (text.length + 1 + line.length > budget) break;
    text += `\n${line}`;
    shown += 1;
  }
  const rest = total - shown;
  if (rest > 0) text += `\n_and ${counts.format(rest)} more_`;
  return section(text);
}

const listHeading = (label: string, list: Pick<DealList, 'total' | 'values'>): string =>
  `${label} · ${dealCount(list.total)}${list.values.length > 0 ? ` · ${money(list.values)}` : ''}`;

function stageName(stages: ReadonlyMap<string, Stage>, id: string): string {
  const stage = stages.get(id);
  return stage ? safe(stage.name, NAME_MAX) : 'another stage';
}

function dealLine(deal: Deal, extra: string[]): string {
  return ['•', title(deal), deal.value ? `· ${formatMoney(deal.value)}` : '', ...extra.map((e) => `· ${e}`)]
    .filter((p) => p !== '')
    .join(' ');
}

function boardSection(digest: PipelineDigest): KnownBlock {
  const { board } = digest;
  const { totals } = board;
  if (totals.count === 0) return section('*Board* · no open deals');
  const heading = `*Board* · ${dealCount(totals.count)} open · ${money(totals.values)} · weighted ${money(totals.weighted)}`;
  const maxCount = Math.max(0, ...board.stages.map((s) => s.count));
  const budget = SlackLimits.sectionText - MORE_RESERVE;
  let text = heading;
  let shown = 0;
  for (const column of board.stages) {
    const figures =
      column.count === 0 ? 'none' : `${dealCount(column.count)} · ${money(column.values)} · weighted ${money(column.weighted)}`;
    const line = `\`${countBar(column.count, maxCount)}\` *${safe(column.stage.name, NAME_MAX)}* — ${figures}`;
    if (text.length + 1 + line.length > budget) break;
    text += `\n${line}`;
    shown += 1;
  }
  const hidden = board.stages.slice(shown);
  if (hidden.length > 0) {
    const deals = hidden.reduce((n, s) => n + s.count, 0);
    text += `\n_and ${counts.format(hidden.length)} more stages with ${dealCount(deals)}_`;
  }
  if (board.elsewhere.count > 0) text += `\n_${dealCount(board.elsewhere.count)} in stages no longer in this pipeline_`;
  return section(text);
}

function moveLine(move: StageMove): string {
  const from = move.from ? safe(move.from.name, NAME_MAX) : 'a removed stage';
  const to = move.to ? safe(move.to.name, NAME_MAX) : 'a removed stage';
  return dealLine(move.deal, [`${from} → ${to}${move.forward ? '' : ' (back)'}`]);
}

function changeBlocks(changes: DigestChanges, stages: ReadonlyMap<string, Stage>, now: DateTime): KnownBlock[] {
  const blocks: KnownBlock[] = [section(`*What changed since ${formatWhen(changes.since, now)}*`)];
  const { added, moved, won, lost, reopened } = changes;
  if (won.total > 0)
    blocks.push(
      listSection(
        listHeading('🏆 *Won*', won),
        won.top.map((d) => dealLine(d, [])),
        won.total,
      ),
    );
  if (lost.total > 0) {
    const lines = lost.top.map((d) => {
      const reason = d.lostReason?.trim();
      return dealLine(d, reason ? [`_${safe(reason, REASON_MAX)}_`] : []);
    });
    blocks.push(listSection(listHeading('✖ *Lost*', lost), lines, lost.total));
  }
  if (added.total > 0) {
    blocks.push(
      listSection(
        listHeading('🆕 *New*', added),
        added.top.map((d) => dealLine(d, [stageName(stages, d.stageId)])),
        added.total,
      ),
    );
  }
  if (moved.total > 0) blocks.push(listSection(`➡️ *Moved* · ${dealCount(moved.total)}`, moved.top.map(moveLine), moved.total));
  if (reopened.total > 0) {
    blocks.push(
      listSection(
        listHeading('↩️ *Reopened*', reopened),
        reopened.top.map((d) => dealLine(d, [stageName(stages, d.stageId)])),
        reopened.total,
      ),
    );
  }
  if (changes.left > 0) blocks.push(context(`${dealCount(changes.left)} left the pipeline (moved to another pipeline or deleted)`));
  return blocks.length > 1 ? blocks : [];
}

function forecastSection(digest: PipelineDigest): KnownBlock | null {
  const { forecast } = digest;
  if (forecast.won.count === 0 && forecast.expected.count === 0) return null;
  const parts: string[] = [];
  if (forecast.won.count > 0) parts.push(`${money(forecast.won.values)} won (${dealCount(forecast.won.count)})`);
  if (forecast.expected.count > 0) {
    parts.push(`${money(forecast.expected.weighted)} weighted from ${dealCount(forecast.expected.count)} expected to close`);
  }
  const total = forecast.total.length > 0 ? ` = *${money(forecast.total)}*` : '';
  return section(`🔮 *Forecast for ${forecast.period.label}*: ${parts.join(' + ')}${total}`);
}

function lateNotice(digest: PipelineDigest): string | null {
  const { run } = digest;
  if (!run.late) return null;
  const missed =
    run.missedSlots > 1
      ? ` ${counts.format(run.missedSlots - 1)} earlier digest${run.missedSlots === 2 ? " wasn't" : "s weren't"} posted; this one covers everything since the last.`
      : '';
  return `⏰ *Late:* this digest was due ${formatWhen(run.slot, digest.at)} (Dealbot was offline or could not post).${missed}`;
}

function quietLine(digest: PipelineDigest, name: string): string {
  const { totals } = digest.board;
  const since = digest.changes ? ` since ${formatWhen(digest.changes.since, digest.at)}` : '';
  const open =
    totals.count === 0 ? 'no open deals' : `${dealCount(totals.count)} open · ${money(totals.values)} · weighted ${money(totals.weighted)}`;
  return `📊 *${name}*: a quiet pipeline — nothing changed${since}, nothing is closing soon, overdue or stale. ${open}.`;
}

export function digestMessage(digest: PipelineDigest, options: DigestMessageOptions = {}): Message {
  const now = digest.at;
  const name = safe(digest.pipeline.name.trim() === '' ? 'Pipeline' : digest.pipeline.name, NAME_MAX);
  const late = lateNotice(digest);
  const enabled = new Set(digest.sections);
  const stages = new Map(digest.board.stages.map((c) => [c.stage.id, c.stage]));
  const { totals } = digest.board;

  if (digest.quiet) {
    const line = quietLine(digest, name);
    const blocks = [section(late ? `${late}\n${line}` : line)];
    return { text: truncateMrkdwn(`Pipeline digest for ${name}: quiet, ${dealCount(totals.count)} open`, 300), blocks };
  }

  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: plainText(`📊 Pipeline digest: ${truncate(digest.pipeline.name.trim() || 'Pipeline', NAME_MAX)}`, SlackLimits.headerText),
    },
    context(`${formatWhen(now, now)} · ${escapeMrkdwn(digest.zone)} · ${safe(digest.crmName, NAME_MAX)}`),
  ];
  if (late) blocks.push(section(late));
  if (enabled.has('board')) blocks.push(boardSection(digest));

  if (enabled.has('changes')) {
    if (digest.changes) blocks.push(...changeBlocks(digest.changes, stages, now));
    else blocks.push(context('This is the first digest of this pipeline here; from the next one on it shows what changed in between.'));
  }

  if (enabled.has('closingSoon') && digest.closingSoon.total > 0) {
    const lines = digest.closingSoon.top.map((d) => {
      const close = formatExpectedClose(d.expectedCloseDate ?? '', now);
      return dealLine(d, [stageName(stages, d.stageId), `${close.relative} (${close.exact})`]);
    });
    blocks.push(listSection(listHeading('📅 *Closing in the next 7 days*', digest.closingSoon), lines, digest.closingSoon.total));
  }
  if (enabled.has('overdue') && digest.overdue.total > 0) {
    const lines = digest.overdue.top.map((d) => {
      const close = formatExpectedClose(d.expectedCloseDate ?? '', now);
      return dealLine(d, [stageName(stages, d.stageId), `was due ${close.relative} (${close.exact})`]);
    });
    blocks.push(listSection(listHeading('⚠️ *Overdue* (expected close passed, still open)', digest.overdue), lines, digest.overdue.total));
  }
  if (enabled.has('stale') && digest.stale.total > 0) {
    const lines = digest.stale.top.map((d) =>
      dealLine(d, [stageName(stages, d.stageId), `last change ${formatRelativeTime(lastChangedAt(d), now)}`]),
    );
    blocks.push(listSection(listHeading(`💤 *Stale* (no change in ${digest.staleDays}+ days)`, digest.stale), lines, digest.stale.total));
  }
  if (enabled.has('forecast')) {
    const forecast = forecastSection(digest);
    if (forecast) blocks.push(forecast);
  }

  const notes: string[] = [];
  if (enabled.has('board') || enabled.has('forecast')) notes.push('weighted = value × the deal’s probability, else its stage’s, else 100%');
  if (options.chartAttached) notes.push('📎 chart of open value by stage attached');
  if (digest.truncated) notes.push('⚠️ the pipeline holds more deals than a digest reads; the numbers cover the first ones');
  if (notes.length > 0) blocks.push(context(notes.join(' · ')));

  const changes = digest.changes;
  const news = changes
    ? `; since the last digest ${counts.format(changes.won.total)} won, ${counts.format(changes.lost.total)} lost, ${counts.format(changes.added.total)} new`
    : '';
  const text = `Pipeline digest for ${name}: ${dealCount(totals.count)} open, ${money(totals.values)}${news}`;
  return { text: truncateMrkdwn(text, 1000), blocks: blocks.slice(0, SlackLimits.messageBlocks) };
}

/** What a digest is drawn with (runtime/digest-job.ts `renderDigestJob`): this message, the stage chart and the chart's words. */
export const digestRenderer = {
  message: digestMessage,
  chartWords(digest: PipelineDigest) {
    const title = `${digest.pipeline.name}: open value by stage`;
    return { title, filename: `pipeline-digest-${digest.at.toFormat('yyyy-LL-dd')}.png`, altText: `Bar chart of ${title}` };
  },
  drawChart: renderStageChart,
};
