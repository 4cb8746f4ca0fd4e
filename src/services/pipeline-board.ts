// The pipeline board behind `/pipeline [name]`: for each stage in order, its open deals
// counted, valued per currency and weighted by probability, with the biggest few; totals
// for the pipeline; and what was won and lost this month in the viewer's zone.
//
// Budget: two paged deal lists (open deals of the pipeline; won and lost deals changed since
// the month began) plus the cached stage list. Nothing is read twice, and nothing is kept but
// the tallies: deals are added to a `BoardTally` page by page, with no cap on their number.
// `aggregateBoard` is the same tally over deals in hand, so it is tested without a CRM.
//
// Weighted value = value × the deal's own probability if set, else its stage's default,
// else 100%. A stage without a probability is read as "no discount" (Pipedrive's own
// default for a stage is 100%), so a CRM without probabilities weighs deals at face value.

import type { DateTime } from 'luxon';
import type { CrmClient, Deal, Money, Stage } from '../crm/port.js';
import { lastChangedAt } from '../crm/port.js';
import { forEachDeal } from './collect-deals.js';
import { sumByCurrency } from './timeline-summary.js';

export interface ValueTotals {
  count: number;
  /** One sum per currency, ordered by currency code. */
  values: Money[];
}

export interface OpenTotals extends ValueTotals {
  /** Value × probability, one sum per currency. */
  weighted: Money[];
}

export interface StageColumn extends OpenTotals {
  stage: Stage;
  /** The stage's biggest open deals by amount, biggest first. */
  topDeals: Deal[];
}

export interface PipelineBoard {
  pipelineId: string;
  /** Every stage of the pipeline, in order, empty ones included. */
  stages: StageColumn[];
  /** Open deals whose stage is not in the stage list (deleted or moved since it was read). */
  elsewhere: OpenTotals;
  /** All open deals of the pipeline, `elsewhere` included. */
  totals: OpenTotals;
  /** The month `won` and `lost` cover, in the viewer's zone; `end` is exclusive. */
  period: { start: DateTime; end: DateTime; label: string };
  won: ValueTotals;
  lost: ValueTotals;
  /** A deal cap was reached; the numbers cover the first deals only. */
  truncated: boolean;
}

/** The probability (0–100) a deal's value is weighted with: its own, else its stage's, else 100. */
export function dealProbability(deal: Deal, stage: Stage | undefined): number {
  const percent = deal.probability ?? stage?.probability ?? 100;
  return Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 100;
}

/** Biggest amount first; amounts are compared as numbers (no exchange rates), deals without a value last. */
function byValueDescending(a: Deal, b: Deal): number {
  const av = a.value?.amount ?? Number.NEGATIVE_INFINITY;
  const bv = b.value?.amount ?? Number.NEGATIVE_INFINITY;
  if (av !== bv) return bv - av;
  return a.id.localeCompare(b.id, 'en', { numeric: true });
}

/** Sums of money per currency, added to one amount at a time. */
export class MoneyTally {
  private readonly sums = new Map<string, number>();

  add(amount: number, currency: string): void {
    this.sums.set(currency, (this.sums.get(currency) ?? 0) + amount);
  }

  /** One sum per currency, ordered by currency code, as `sumByCurrency` gives them. */
  totals(): Money[] {
    return sumByCurrency([...this.sums].map(([currency, amount]) => ({ currency, amount })));
  }
}

/**
 * The first `size` items in `order` of all those offered, kept while offering (a sorted array
 * of at most `size`): the biggest deals of a stage among 100,000 without holding them all.
 */
export class TopList<T> {
  private readonly items: T[] = [];
  constructor(
    private readonly size: number,
    private readonly order: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    if (this.size <= 0) return;
    const last = this.items.at(-1);
    if (this.items.length >= this.size && last !== undefined && this.order(item, last) >= 0) return;
    let at = this.items.length;
    while (at > 0 && this.order(item, this.items[at - 1] as T) < 0) at -= 1;
    this.items.splice(at, 0, item);
    if (this.items.length > this.size) this.items.pop();
  }

  list(): T[] {
    return [...this.items];
  }
}

class OpenTally {
  count = 0;
  private readonly values = new MoneyTally();
  private readonly weighted = new MoneyTally();

  add(deal: Deal, stage: Stage | undefined): void {
    this.count += 1;
    if (!deal.value) return;
    this.values.add(deal.value.amount, deal.value.currency);
    this.weighted.add((deal.value.amount * dealProbability(deal, stage)) / 100, deal.value.currency);
  }

  totals(): OpenTotals {
    return { count: this.count, values: this.values.totals(), weighted: this.weighted.totals() };
  }
}

class ClosedTally {
  count = 0;
  private readonly values = new MoneyTally();

  add(deal: Deal): void {
    this.count += 1;
    if (deal.value) this.values.add(deal.value.amount, deal.value.currency);
  }

  totals(): ValueTotals {
    return { count: this.count, values: this.values.totals() };
  }
}

/** The first instant of the viewer's month. An unknown zone falls back to the zone `now` carries. */
function monthStart(now: DateTime, zone: string): DateTime {
  const zoned = now.setZone(zone);
  return (zoned.isValid ? zoned : now).setLocale('en-US').startOf('month');
}

export interface BoardInput {
  pipelineId: string;
  stages: Stage[];
  /** Open deals of the pipeline; others are ignored. */
  openDeals: Deal[];
  /** Won and lost deals of the pipeline; only those closed within the month count. */
  closedDeals: Deal[];
  /** IANA zone of the viewer; the month is theirs. An unknown zone falls back to `now`'s. */
  zone: string;
  now: DateTime;
  topN?: number;
  truncated?: boolean;
}

export type BoardOptions = Omit<BoardInput, 'openDeals' | 'closedDeals'>;

/**
 * The board, added to one deal at a time as pages arrive, so no list of every deal is kept:
 * per stage a count, sums per currency and the `topN` biggest deals.
 */
export class BoardTally {
  private readonly pipelineId: string;
  private readonly stages: Stage[];
  private readonly stageById: Map<string, Stage>;
  private readonly perStage: Map<string, { tally: OpenTally; top: TopList<Deal> }>;
  private readonly elsewhere = new OpenTally();
  private readonly total = new OpenTally();
  private readonly won = new ClosedTally();
  private readonly lost = new ClosedTally();
  readonly period: { start: DateTime; end: DateTime; label: string };

  constructor(private readonly options: BoardOptions) {
    const topN = Math.max(0, Math.floor(options.topN ?? 3));
    this.pipelineId = options.pipelineId;
    this.stages = options.stages.filter((s) => s.pipelineId === options.pipelineId).sort((a, b) => a.order - b.order);
    this.stageById = new Map(this.stages.map((s) => [s.id, s]));
    this.perStage = new Map(this.stages.map((s) => [s.id, { tally: new OpenTally(), top: new TopList<Deal>(topN, byValueDescending) }]));
    const start = monthStart(options.now, options.zone);
    const end = start.plus({ months: 1 });
    this.period = { start, end, label: start.toFormat('LLLL yyyy') };
  }

  /** The pipeline's stage a deal is in, if the stage list has it. */
  stageOf(deal: Deal): Stage | undefined {
    return this.stageById.get(deal.stageId);
  }

  /** An open deal; closed deals and those of other pipelines are ignored. */
  addOpen(deal: Deal): void {
    if (deal.status !== 'open' || deal.pipelineId !== this.pipelineId) return;
    const stage = this.stageById.get(deal.stageId);
    this.total.add(deal, stage);
    const column = this.perStage.get(deal.stageId);
    if (!column) {
      this.elsewhere.add(deal, undefined);
      return;
    }
    column.tally.add(deal, stage);
    column.top.offer(deal);
  }

  /** A won or lost deal; it counts when it closed within the month. */
  addClosed(deal: Deal): void {
    if (deal.status === 'open' || deal.pipelineId !== this.pipelineId) return;
    // A CRM that does not say when a deal closed still says when it last changed.
    const at = deal.closedAt ?? lastChangedAt(deal);
    if (at < this.period.start || at >= this.period.end) return;
    (deal.status === 'won' ? this.won : this.lost).add(deal);
  }

  board(): PipelineBoard {
    return {
      pipelineId: this.pipelineId,
      stages: this.stages
        .map((stage) => {
          const column = this.perStage.get(stage.id);
          const totals = column?.tally.totals() ?? { count: 0, values: [], weighted: [] };
          return { stage, ...totals, topDeals: column?.top.list() ?? [] };
        })
        // A Won or Lost stage holds closed deals, counted below; as a column it would stay empty.
        .filter((column) => !column.stage.closes || column.count > 0),
      elsewhere: this.elsewhere.totals(),
      totals: this.total.totals(),
      period: this.period,
      won: this.won.totals(),
      lost: this.lost.totals(),
      truncated: this.options.truncated ?? false,
    };
  }
}

/** The board from deals already read. Pure. */
export function aggregateBoard(input: BoardInput): PipelineBoard {
  const { openDeals, closedDeals, ...options } = input;
  const tally = new BoardTally(options);
  for (const deal of openDeals) tally.addOpen(deal);
  for (const deal of closedDeals) tally.addClosed(deal);
  return tally.board();
}

export interface PipelineBoardRequest {
  pipelineId: string;
  zone: string;
  now: DateTime;
  topN?: number;
}

/** Reads of the board in progress, per CRM client (one per workspace) and per identical request. */
const boardsInFlight = new WeakMap<CrmClient, Map<string, Promise<PipelineBoard>>>();

/**
 * The board, read once for every identical request that arrives while a read is in
 * progress: under a burst of `/pipeline` (a team's stand-up), one read of the CRM serves them
 * all instead of each paging every deal again. Requests are identical when they name the
 * same pipeline, zone, month and list size on the same CRM client; their boards are then
 * equal. A request joins only a read already running (never a finished one), so what it
 * shows is at most one read old; the next request after it finishes reads again.
 * The board returned is shared: callers render it and must not change it.
 */
export function readPipelineBoard(crm: CrmClient, request: PipelineBoardRequest): Promise<PipelineBoard> {
  const { pipelineId, zone, now, topN = 3 } = request;
  const key = JSON.stringify([pipelineId, zone, monthStart(now, zone).toMillis(), topN]);
  let reads = boardsInFlight.get(crm);
  if (!reads) {
    reads = new Map();
    boardsInFlight.set(crm, reads);
  }
  const running = reads.get(key);
  if (running) return running;
  const inProgress = reads;
  const read = buildPipelineBoard(crm, request).finally(() => inProgress.delete(key));
  inProgress.set(key, read);
  return read;
}

/** The board, read from the CRM now (see `readPipelineBoard` for the shared read). */
export async function buildPipelineBoard(crm: CrmClient, request: PipelineBoardRequest): Promise<PipelineBoard> {
  const { pipelineId, zone, now, topN = 3 } = request;
  const stages = await crm.listStages(pipelineId);
  const tally = new BoardTally({ pipelineId, stages, zone, now, topN });
  // One set of ids for both lists: a deal won while we page is counted once.
  const seen = new Set<string>();
  await Promise.all([
    forEachDeal(crm, { pipelineId, status: ['open'] }, (deal) => tally.addOpen(deal), { seen }),
    // Winning or losing a deal changes it, so every deal closed this month is among these.
    forEachDeal(crm, { pipelineId, status: ['won', 'lost'], updatedSince: tally.period.start }, (deal) => tally.addClosed(deal), { seen }),
  ]);
  return tally.board();
}
