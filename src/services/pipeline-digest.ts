// The pipeline digest as data: the board by stage, what changed since the channel's last
// digest, deals closing in the next 7 days, overdue and stale deals, and the weighted
// forecast for the month. `composeDigest` is pure (deals in, digest out) so it is tested
// and measured without a CRM; `createDigestBuilder` reads the CRM and the store around it
// and hands the scheduler a `DigestToPost`: the digest as data, which the scheduler's Slack
// side (runtime/digest-job.ts) draws with ui/digest-message.ts and posts.
//
// CRM budget per digest: the cached pipeline and stage lists plus two paged deal lists,
// the open deals of the pipeline and its won and lost deals changed since the earlier of
// the last digest and the start of the month, in the CRM's largest pages. The second list
// serves both "won and lost since the last digest" and the month's forecast.
//
// Deals are aggregated as their pages arrive (`DigestTally`): lists keep only their first
// few deals (most urgent first) with totals for the rest, and no deal is kept otherwise, so
// every deal of the pipeline counts (no cap) and a digest of 100,000 deals needs the memory
// of one page plus the compact snapshot.

import { DateTime } from 'luxon';
import type { CrmClient, Deal, Money, Pipeline, Stage } from '../crm/port.js';
import { lastChangedAt } from '../crm/port.js';
import { CrmNotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { forEachDeal } from './collect-deals.js';
import { BoardTally, dealProbability, MoneyTally, TopList, type PipelineBoard } from './pipeline-board.js';
import { sumByCurrency } from './timeline-summary.js';
import type { Store } from '../store/store.js';
import { loadDigestSnapshot, saveDigestSnapshot, snapshotOf, type DigestSnapshot } from '../store/digest-snapshot.js';
import type { DigestRun, DigestSchedule, DigestSection } from '../domain/digest-schedule.js';

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

/** A `DealList` kept while deals are offered: the most urgent `LIST_KEEP`, a count and sums. */
class DealListTally {
  private readonly top: TopList<Deal>;
  private readonly values = new MoneyTally();
  private total = 0;

  constructor(order: (a: Deal, b: Deal) => number) {
    this.top = new TopList(LIST_KEEP, order);
  }

  add(deal: Deal): void {
    this.total += 1;
    if (deal.value) this.values.add(deal.value.amount, deal.value.currency);
    this.top.offer(deal);
  }

  list(): DealList {
    return { top: this.top.list(), total: this.total, values: this.values.totals() };
  }
}

export type DigestOptions = Omit<DigestInput, 'openDeals' | 'closedDeals'>;

/**
 * The digest, added to one deal at a time as the CRM's pages arrive: tallies, the few deals
 * each list shows, and the compact snapshot for the next digest. Nothing else of a deal is
 * kept, so a digest of 100,000 deals needs the memory of one page plus the snapshots.
 */
export class DigestTally {
  private readonly now: DateTime;
  private readonly board: BoardTally;
  private readonly today: string;
  private readonly horizon: string;
  private readonly staleBefore: DateTime;
  private readonly monthFirst: string;
  private readonly monthEnd: string;
  private readonly closingSoon = new DealListTally(byCloseDate);
  private readonly overdue = new DealListTally(byCloseDate);
  private readonly stale = new DealListTally(byLastChange);
  private readonly expected = { count: 0, values: new MoneyTally(), weighted: new MoneyTally() };
  private readonly changes = {
    added: new DealListTally(byValue),
    moved: new TopList<StageMove>(LIST_KEEP, (a, b) => byValue(a.deal, b.deal)),
    movedTotal: 0,
    won: new DealListTally(byValue),
    lost: new DealListTally(byValue),
    reopened: new DealListTally(byValue),
  };
  private readonly snapshot: DigestSnapshot;

  constructor(private readonly options: DigestOptions) {
    const zoned = options.now.setZone(options.zone);
    this.now = zoned.isValid ? zoned : options.now;
    this.board = new BoardTally({
      pipelineId: options.pipeline.id,
      stages: options.stages,
      zone: options.zone,
      now: this.now,
      topN: 0,
      truncated: options.truncated ?? false,
    });
    this.today = this.now.toISODate() ?? '';
    this.horizon = this.now.plus({ days: CLOSING_SOON_DAYS }).toISODate() ?? '';
    this.staleBefore = this.now.minus({ days: options.staleDays });
    this.monthFirst = this.board.period.start.toISODate() ?? '';
    this.monthEnd = this.board.period.end.toISODate() ?? '';
    this.snapshot = snapshotOf([], this.now.toUTC());
  }

  /** An open deal of the pipeline; others are ignored. */
  addOpen(deal: Deal): void {
    if (deal.status !== 'open' || deal.pipelineId !== this.options.pipeline.id) return;
    this.board.addOpen(deal);
    addToSnapshot(this.snapshot, deal);

    const close = deal.expectedCloseDate;
    if (close !== null && close < this.today) this.overdue.add(deal);
    else if (close !== null && close <= this.horizon) this.closingSoon.add(deal);
    if (lastChangedAt(deal) < this.staleBefore) this.stale.add(deal);

    if (close !== null && close >= this.monthFirst && close < this.monthEnd) {
      this.expected.count += 1;
      if (deal.value) {
        this.expected.values.add(deal.value.amount, deal.value.currency);
        this.expected.weighted.add((deal.value.amount * dealProbability(deal, this.board.stageOf(deal))) / 100, deal.value.currency);
      }
    }

    const before = this.options.previous?.deals.get(deal.id);
    if (!this.options.previous) return;
    if (!before) {
      this.changes.added.add(deal);
    } else if (before[1] !== 'open') {
      this.changes.reopened.add(deal);
    } else if (before[0] !== deal.stageId) {
      const from = this.stageById(before[0]);
      const to = this.board.stageOf(deal) ?? null;
      this.changes.movedTotal += 1;
      this.changes.moved.offer({ deal, from, to, forward: (to?.order ?? 0) >= (from?.order ?? 0) });
    }
  }

  /** A won or lost deal of the pipeline, changed since the earlier of the last digest and the month's start. */
  addClosed(deal: Deal): void {
    if (deal.status === 'open' || deal.pipelineId !== this.options.pipeline.id) return;
    this.board.addClosed(deal);
    addToSnapshot(this.snapshot, deal);
    const previous = this.options.previous;
    if (!previous) return;
    const before = previous.deals.get(deal.id);
    // A deal closed long ago and edited since (a note, a field) is not news; one closed
    // since the last digest is, whether or not that digest saw it open.
    const closedAt = deal.closedAt ?? lastChangedAt(deal);
    const news = before ? before[1] !== deal.status : closedAt >= previous.at;
    if (news) (deal.status === 'won' ? this.changes.won : this.changes.lost).add(deal);
  }

  private stageById(id: string): Stage | null {
    return this.options.stages.find((s) => s.id === id && s.pipelineId === this.options.pipeline.id) ?? null;
  }

  /** The digest and the snapshot the next digest compares against. */
  finish(): { digest: PipelineDigest; snapshot: DigestSnapshot } {
    const { options } = this;
    const truncated = options.truncated ?? false;
    const board = this.board.board();
    const changes = options.previous ? this.changesSince(options.previous, truncated) : null;
    const expectedWeighted = this.expected.weighted.totals();
    const forecast: DigestForecast = {
      period: board.period,
      won: { count: board.won.count, values: board.won.values },
      expected: { count: this.expected.count, values: this.expected.values.totals(), weighted: expectedWeighted },
      total: sumByCurrency([...board.won.values, ...expectedWeighted]),
    };
    const closingSoon = this.closingSoon.list();
    const overdue = this.overdue.list();
    const stale = this.stale.list();

    const enabled = new Set(options.sections);
    const changed =
      changes !== null &&
      changes.added.total + changes.moved.total + changes.won.total + changes.lost.total + changes.reopened.total + changes.left > 0;
    // The first digest introduces the pipeline, so it is never the one-line quiet version.
    const quiet =
      !(enabled.has('changes') && (changed || changes === null)) &&
      !(enabled.has('closingSoon') && closingSoon.total > 0) &&
      !(enabled.has('overdue') && overdue.total > 0) &&
      !(enabled.has('stale') && stale.total > 0);

    const digest: PipelineDigest = {
      pipeline: options.pipeline,
      crmName: options.crmName,
      zone: options.zone,
      at: this.now,
      run: options.run,
      sections: [...options.sections],
      staleDays: options.staleDays,
      board,
      changes,
      closingSoon,
      overdue,
      stale,
      forecast,
      quiet,
      truncated,
    };
    return { digest, snapshot: this.snapshot };
  }

  private changesSince(previous: DigestSnapshot, truncated: boolean): DigestChanges {
    // With a truncated list, a deal missing from it proves nothing.
    let left = 0;
    if (!truncated) {
      for (const [id, before] of previous.deals) if (before[1] === 'open' && !this.snapshot.deals.has(id)) left += 1;
    }
    return {
      since: previous.at,
      added: this.changes.added.list(),
      moved: { top: this.changes.moved.list(), total: this.changes.movedTotal },
      won: this.changes.won.list(),
      lost: this.changes.lost.list(),
      reopened: this.changes.reopened.list(),
      left,
    };
  }
}

/** The digest and the snapshot the next digest compares against, from deals in hand. Pure. */
function addToSnapshot(snapshot: DigestSnapshot, deal: Deal): void {
  snapshot.deals.set(deal.id, [deal.stageId, deal.status, deal.value?.amount ?? null, deal.value?.currency ?? null]);
}

export function composeDigest(input: DigestInput): { digest: PipelineDigest; snapshot: DigestSnapshot } {
  const { openDeals, closedDeals, ...options } = input;
  const tally = new DigestTally(options);
  for (const deal of openDeals) tally.addOpen(deal);
  for (const deal of closedDeals) tally.addClosed(deal);
  return tally.finish();
}

export interface DigestBuilderDeps {
  crm: CrmClient;
  store: Store;
  /** The real clock: what "today", "overdue" and "stale" are read against. */
  now: () => DateTime;
  logger?: Logger;
}

/** One digest ready to be drawn and posted: what it shows, and how to remember what it showed. */
export interface DigestToPost {
  /** Null for an ad-hoc digest that belongs to no stored schedule. */
  scheduleId: string | null;
  channelId: string;
  pipelineId: string;
  run: DigestRun;
  digest: PipelineDigest;
  /** The stage chart belongs beside the message: asked for, something to say, and value to draw. */
  withChart: boolean;
  /**
   * Keeps what this digest showed as the baseline of the channel's next "what changed".
   * Call it only after the digest was posted, so a failed post loses no change.
   */
  commit(): Promise<void>;
}

export interface DigestBuilder {
  /** Reads the CRM and the previous snapshot into a digest to post; draws nothing, posts nothing, stores nothing. */
  build(schedule: DigestSchedule, run: DigestRun): Promise<DigestToPost>;
  /** The digest as data, for callers with their own renderer. */
  compose(schedule: DigestSchedule, run: DigestRun): Promise<{ digest: PipelineDigest; snapshot: DigestSnapshot }>;
}

export function createDigestBuilder(deps: DigestBuilderDeps): DigestBuilder {
  const { crm, store } = deps;

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
    const stages = await crm.listStages(pipeline.id);
    const tally = new DigestTally({
      pipeline,
      stages,
      previous,
      crmName: crm.displayName,
      zone: schedule.zone,
      now,
      run,
      sections: schedule.sections,
      staleDays: schedule.staleDays,
    });
    // Both lists page at once into the one tally; a deal closed while we page is counted once.
    const seen = new Set<string>();
    await Promise.all([
      forEachDeal(crm, { pipelineId: pipeline.id, status: ['open'] }, (deal) => tally.addOpen(deal), { seen }),
      forEachDeal(crm, { pipelineId: pipeline.id, status: ['won', 'lost'], updatedSince: closedSince }, (deal) => tally.addClosed(deal), {
        seen,
      }),
    ]);
    return tally.finish();
  }

  return {
    compose,
    async build(schedule, run) {
      const { digest, snapshot } = await compose(schedule, run);
      const hasValue = digest.board.stages.some((s) => s.values.some((v) => v.amount > 0));
      return {
        scheduleId: run.trigger === 'schedule' ? schedule.id : null,
        channelId: schedule.channelId,
        pipelineId: digest.pipeline.id,
        run,
        digest,
        withChart: !digest.quiet && digest.sections.includes('chart') && hasValue,
        commit: () => saveDigestSnapshot(store, schedule.channelId, digest.pipeline.id, snapshot),
      };
    },
  };
}
