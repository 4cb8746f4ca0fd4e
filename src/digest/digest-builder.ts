// The pipeline digest as data: the board by stage, what changed since the channel's last
// digest, deals closing in the next 7 days, overdue and stale deals, and the weighted
// forecast for the month. `composeDigest` is pure (deals in, digest out) so it is tested
// and measured without a CRM; `createDigestBuilder` reads the CRM and the store around it
// and hands the scheduler a ready `DigestJob`.
//
// CRM budget per digest: the cached pipeline and stage lists plus two paged deal lists,
// the open deals of the pipeline and its won and lost deals changed since the earlier of
// the last digest and the start of the month. The second list serves both "won and lost
// since the last digest" and the month's forecast.
//
// Lists keep only their first few deals (most urgent first) with totals for the rest, so
// a digest of 10,000 deals is as small as one of 10.

import { DateTime } from 'luxon';
import type { CrmClient, Deal, Money, Pipeline, Stage } from '../crm/port.js';
import { lastChangedAt } from '../crm/port.js';
import { CrmNotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { collectDeals } from '../services/collect-deals.js';
import { aggregateBoard, dealProbability, type PipelineBoard } from '../services/pipeline-board.js';
import { sumByCurrency } from '../services/timeline-summary.js';
import type { Store } from '../store/store.js';
import { renderStageChart } from './chart.js';
import { digestMessage } from './digest-message.js';
import type { DigestChart, DigestJob, DigestRun } from './digest-job.js';
import { loadDigestSnapshot, saveDigestSnapshot, snapshotOf, type DigestSnapshot } from './digest-snapshot.js';
import type { DigestSchedule, DigestSection } from './schedule.js';

/** How many deals each list keeps; the renderer shows at most this many and counts the rest. */
export const LIST_KEEP = 10;
export const CLOSING_SOON_DAYS = 7;

export interface DealList {
  /** The first `LIST_KEEP` deals, most urgent first. */
  top: Deal[];
  total: number;
  /** Every deal's value, summed per currency. */
  values: Money[];
}

export interface StageMove {
  deal: Deal;
  /** Null when the earlier stage is no longer in the pipeline. */
  from: Stage | null;
  to: Stage | null;
  /** Towards the end of the pipeline. */
  forward: boolean;
}

export interface DigestChanges {
  /** When the previous digest read the CRM. */
  since: DateTime;
  /** Deals the previous digest did not have: created since, or moved in from elsewhere. */
  added: DealList;
  moved: { top: StageMove[]; total: number };
  won: DealList;
  lost: DealList;
  reopened: DealList;
  /** Open deals of the previous digest no longer in the pipeline (moved away or deleted). */
  left: number;
}

export interface DigestForecast {
  /** The calendar month in the schedule's zone. */
  period: { start: DateTime; end: DateTime; label: string };
  won: { count: number; values: Money[] };
  /** Open deals expected to close within the month, and their values × probability. */
  expected: { count: number; values: Money[]; weighted: Money[] };
  /** Won plus weighted expected, per currency. */
  total: Money[];
}

export interface PipelineDigest {
  pipeline: Pipeline;
  crmName: string;
  /** The schedule's zone; every date in the digest is read in it. */
  zone: string;
  /** When the CRM was read, in `zone`. */
  at: DateTime;
  run: DigestRun;
  sections: DigestSection[];
  staleDays: number;
  board: PipelineBoard;
  /** Null on the channel's first digest of this pipeline: there is nothing to compare with. */
  changes: DigestChanges | null;
  closingSoon: DealList;
  overdue: DealList;
  stale: DealList;
  forecast: DigestForecast;
  /**
   * Nothing changed since the last digest, nothing is closing soon, overdue or stale (among
   * the enabled sections). Never true for the first digest, which has nothing to compare with.
   */
  quiet: boolean;
  /** The deal cap was reached; the numbers cover the first deals only. */
  truncated: boolean;
}

export interface DigestInput {
  pipeline: Pipeline;
  stages: Stage[];
  openDeals: Deal[];
  /** Won and lost deals changed since the earlier of the previous digest and the month's start. */
  closedDeals: Deal[];
  previous: DigestSnapshot | null;
  crmName: string;
  zone: string;
  now: DateTime;
  run: DigestRun;
  sections: readonly DigestSection[];
  staleDays: number;
  truncated?: boolean;
}

const dealValues = (deals: readonly Deal[]): Money[] => sumByCurrency(deals.flatMap((d) => (d.value ? [d.value] : [])));
const listOf = (deals: Deal[]): DealList => ({ top: deals.slice(0, LIST_KEEP), total: deals.length, values: dealValues(deals) });

/** Biggest amount first (amounts compared as numbers, no exchange rates), then by id for a stable order. */
function byValue(a: Deal, b: Deal): number {
  const d = (b.value?.amount ?? -1) - (a.value?.amount ?? -1);
  return d !== 0 ? d : a.id.localeCompare(b.id, 'en', { numeric: true });
}
function byCloseDate(a: Deal, b: Deal): number {
  return (a.expectedCloseDate ?? '').localeCompare(b.expectedCloseDate ?? '') || byValue(a, b);
}
function byLastChange(a: Deal, b: Deal): number {
  return lastChangedAt(a).toMillis() - lastChangedAt(b).toMillis() || byValue(a, b);
}

/** The digest and the snapshot the next digest compares against. Pure. */
export function composeDigest(input: DigestInput): { digest: PipelineDigest; snapshot: DigestSnapshot } {
  const zoned = input.now.setZone(input.zone);
  const now = zoned.isValid ? zoned : input.now;
  const pipelineId = input.pipeline.id;
  const open = input.openDeals.filter((d) => d.status === 'open' && d.pipelineId === pipelineId);
  const closed = input.closedDeals.filter((d) => d.status !== 'open' && d.pipelineId === pipelineId);
  const stages = input.stages.filter((s) => s.pipelineId === pipelineId);
  const stageById = new Map(stages.map((s) => [s.id, s]));

  const board = aggregateBoard({ pipelineId, stages, openDeals: open, closedDeals: closed, zone: input.zone, now, topN: 0, truncated: input.truncated ?? false });

  const today = now.toISODate() ?? '';
  const horizon = now.plus({ days: CLOSING_SOON_DAYS }).toISODate() ?? '';
  const staleBefore = now.minus({ days: input.staleDays });
  const closingSoon: Deal[] = [];
  const overdue: Deal[] = [];
  const stale: Deal[] = [];
  for (const deal of open) {
    const close = deal.expectedCloseDate;
    if (close !== null && close < today) overdue.push(deal);
    else if (close !== null && close <= horizon) closingSoon.push(deal);
    if (lastChangedAt(deal) < staleBefore) stale.push(deal);
  }

  const changes = input.previous ? diffSince(input.previous, open, closed, stageById, input.truncated ?? false) : null;
  const forecast = forecastFor(board, open, stageById);

  const enabled = new Set(input.sections);
  const changed =
    changes !== null &&
    changes.added.total + changes.moved.total + changes.won.total + changes.lost.total + changes.reopened.total + changes.left > 0;
  // The first digest introduces the pipeline, so it is never the one-line quiet version.
  const quiet =
    !(enabled.has('changes') && (changed || changes === null)) &&
    !(enabled.has('closingSoon') && closingSoon.length > 0) &&
    !(enabled.has('overdue') && overdue.length > 0) &&
    !(enabled.has('stale') && stale.length > 0);

  const digest: PipelineDigest = {
    pipeline: input.pipeline,
    crmName: input.crmName,
    zone: input.zone,
    at: now,
    run: input.run,
    sections: [...input.sections],
    staleDays: input.staleDays,
    board,
    changes,
    closingSoon: listOf(closingSoon.sort(byCloseDate)),
    overdue: listOf(overdue.sort(byCloseDate)),
    stale: listOf(stale.sort(byLastChange)),
    forecast,
    quiet,
    truncated: input.truncated ?? false,
  };
  return { digest, snapshot: snapshotOf([...open, ...closed], now.toUTC()) };
}

function diffSince(
  previous: DigestSnapshot,
  open: readonly Deal[],
  closed: readonly Deal[],
  stageById: ReadonlyMap<string, Stage>,
  truncated: boolean,
): DigestChanges {
  const since = previous.at;
  const added: Deal[] = [];
  const moved: StageMove[] = [];
  const won: Deal[] = [];
  const lost: Deal[] = [];
  const reopened: Deal[] = [];

  for (const deal of open) {
    const before = previous.deals.get(deal.id);
    if (!before) {
      added.push(deal);
    } else if (before[1] !== 'open') {
      reopened.push(deal);
    } else if (before[0] !== deal.stageId) {
      const from = stageById.get(before[0]) ?? null;
      const to = stageById.get(deal.stageId) ?? null;
      moved.push({ deal, from, to, forward: (to?.order ?? 0) >= (from?.order ?? 0) });
    }
  }
  for (const deal of closed) {
    const before = previous.deals.get(deal.id);
    // A deal closed long ago and edited since (a note, a field) is not news; one closed
    // since the last digest is, whether or not that digest saw it open.
    const closedAt = deal.closedAt ?? lastChangedAt(deal);
    const news = before ? before[1] !== deal.status : closedAt >= since;
    if (!news) continue;
    (deal.status === 'won' ? won : lost).push(deal);
  }

  // With a truncated list, a deal missing from it proves nothing.
  let left = 0;
  if (!truncated) {
    const present = new Set([...open, ...closed].map((d) => d.id));
    for (const [id, before] of previous.deals) if (before[1] === 'open' && !present.has(id)) left += 1;
  }

  const byMove = (a: StageMove, b: StageMove): number => byValue(a.deal, b.deal);
  return {
    since,
    added: listOf(added.sort(byValue)),
    moved: { top: moved.sort(byMove).slice(0, LIST_KEEP), total: moved.length },
    won: listOf(won.sort(byValue)),
    lost: listOf(lost.sort(byValue)),
    reopened: listOf(reopened.sort(byValue)),
    left,
  };
}

function forecastFor(board: PipelineBoard, open: readonly Deal[], stageById: ReadonlyMap<string, Stage>): DigestForecast {
  const { start, end } = board.period;
  const first = start.toISODate() ?? '';
  const last = end.toISODate() ?? '';
  const expected = open.filter((d) => d.expectedCloseDate !== null && d.expectedCloseDate >= first && d.expectedCloseDate < last);
  const values = dealValues(expected);
  const weighted = sumByCurrency(
    expected.flatMap((d) => (d.value ? [{ amount: (d.value.amount * dealProbability(d, stageById.get(d.stageId))) / 100, currency: d.value.currency }] : [])),
  );
  return {
    period: board.period,
    won: { count: board.won.count, values: board.won.values },
    expected: { count: expected.length, values, weighted },
    total: sumByCurrency([...board.won.values, ...weighted]),
  };
}

export interface DigestBuilderDeps {
  crm: CrmClient;
  store: Store;
  /** The real clock: what "today", "overdue" and "stale" are read against. */
  now: () => DateTime;
  logger?: Logger;
  /** Defaults to `renderStageChart`; a failing chart leaves the digest without a picture. */
  renderChart?: (board: PipelineBoard, options: { title: string }) => Promise<Buffer>;
  /** Per deal list; beyond it the digest says its numbers cover the first deals. */
  maxDeals?: number;
}

export interface DigestBuilder {
  /** Reads the CRM and the previous snapshot and renders the digest; posts nothing, stores nothing. */
  build(schedule: DigestSchedule, run: DigestRun): Promise<DigestJob>;
  /** The digest as data, for callers with their own renderer. */
  compose(schedule: DigestSchedule, run: DigestRun): Promise<{ digest: PipelineDigest; snapshot: DigestSnapshot }>;
}

export function createDigestBuilder(deps: DigestBuilderDeps): DigestBuilder {
  const { crm, store } = deps;
  const renderChart = deps.renderChart ?? renderStageChart;
  const cap = deps.maxDeals === undefined ? {} : { maxDeals: deps.maxDeals };

  async function resolvePipeline(pipelineId: string | null): Promise<Pipeline> {
    const pipelines = await crm.listPipelines();
    const found =
      pipelineId === null
        ? (pipelines.find((p) => p.isDefault) ?? [...pipelines].sort((a, b) => a.order - b.order)[0])
        : pipelines.find((p) => p.id === pipelineId);
    if (!found) throw new CrmNotFoundError('pipeline', pipelineId ?? 'default', { crm: crm.displayName });
    return found;
  }

  async function compose(schedule: DigestSchedule, run: DigestRun): Promise<{ digest: PipelineDigest; snapshot: DigestSnapshot }> {
    const now = deps.now().setZone(schedule.zone);
    const pipeline = await resolvePipeline(schedule.pipelineId);
    const previous = await loadDigestSnapshot(store, schedule.channelId, pipeline.id);
    const monthStart = now.startOf('month');
    const closedSince = previous && previous.at < monthStart ? previous.at : monthStart;
    const [stages, open, closed] = await Promise.all([
      crm.listStages(pipeline.id),
      collectDeals(crm, { pipelineId: pipeline.id, status: ['open'] }, cap),
      collectDeals(crm, { pipelineId: pipeline.id, status: ['won', 'lost'], updatedSince: closedSince }, cap),
    ]);
    return composeDigest({
      pipeline,
      stages,
      openDeals: open.deals,
      closedDeals: closed.deals,
      previous,
      crmName: crm.displayName,
      zone: schedule.zone,
      now,
      run,
      sections: schedule.sections,
      staleDays: schedule.staleDays,
      truncated: open.truncated || closed.truncated,
    });
  }

  async function chartFor(digest: PipelineDigest): Promise<DigestChart | null> {
    const hasValue = digest.board.stages.some((s) => s.values.some((v) => v.amount > 0));
    if (digest.quiet || !digest.sections.includes('chart') || !hasValue) return null;
    const title = `${digest.pipeline.name}: open value by stage`;
    try {
      const png = await renderChart(digest.board, { title });
      const day = digest.at.toFormat('yyyy-LL-dd');
      return { png, filename: `pipeline-digest-${day}.png`, title: `${title} (${day})`, altText: `Bar chart of ${title}` };
    } catch (error) {
      deps.logger?.warn({ err: error, pipelineId: digest.pipeline.id }, 'digest chart failed; posting without it');
      return null;
    }
  }

  return {
    compose,
    async build(schedule, run) {
      const { digest, snapshot } = await compose(schedule, run);
      const chart = await chartFor(digest);
      return {
        scheduleId: run.trigger === 'schedule' ? schedule.id : null,
        channelId: schedule.channelId,
        pipelineId: digest.pipeline.id,
        run,
        message: digestMessage(digest, { chartAttached: chart !== null }),
        chart,
        commit: () => saveDigestSnapshot(store, schedule.channelId, digest.pipeline.id, snapshot),
      };
    },
  };
}
