// The pipeline board behind `/pipeline [name]`: for each stage in order, its open deals
// counted, valued per currency and weighted by probability, with the biggest few; totals
// for the pipeline; and what was won and lost this month in the viewer's zone.
//
// Budget: two paged deal lists (open deals of the pipeline; won and lost deals changed since
// the month began) plus the cached stage list. Nothing is read twice, and the aggregation is
// a pure function (`aggregateBoard`) so it is tested without a CRM.
//
// Weighted value = value × the deal's own probability if set, else its stage's default,
// else 100%. A stage without a probability is read as "no discount" (Pipedrive's own
// default for a stage is 100%), so a CRM without probabilities weighs deals at face value.

import type { DateTime } from 'luxon';
import type { CrmClient, Deal, Money, Stage } from '../crm/port.js';
import { lastChangedAt } from '../crm/port.js';
import { collectDeals } from './collect-deals.js';
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

class OpenTally {
  count = 0;
  private readonly values: Money[] = [];
  private readonly weighted: Money[] = [];

  add(deal: Deal, stage: Stage | undefined): void {
    this.count += 1;
    if (!deal.value) return;
    this.values.push(deal.value);
    this.weighted.push({ amount: (deal.value.amount * dealProbability(deal, stage)) / 100, currency: deal.value.currency });
  }

  totals(): OpenTotals {
    return { count: this.count, values: sumByCurrency(this.values), weighted: sumByCurrency(this.weighted) };
  }
}

/** The first instant of the viewer's month. An unknown zone falls back to the zone `now` carries. */
function monthStart(now: DateTime, zone: string): DateTime {
  const zoned = now.setZone(zone);
  return (zoned.isValid ? zoned : now).setLocale('en-US').startOf('month');
}

function closedTotals(deals: Deal[]): ValueTotals {
  return { count: deals.length, values: sumByCurrency(deals.flatMap((d) => (d.value ? [d.value] : []))) };
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

/** The board from deals already read. Pure. */
export function aggregateBoard(input: BoardInput): PipelineBoard {
  const topN = Math.max(0, Math.floor(input.topN ?? 3));
  const stages = input.stages.filter((s) => s.pipelineId === input.pipelineId).sort((a, b) => a.order - b.order);
  const stageById = new Map(stages.map((s) => [s.id, s]));
  const perStage = new Map(stages.map((s) => [s.id, { tally: new OpenTally(), deals: [] as Deal[] }]));
  const elsewhere = new OpenTally();
  const total = new OpenTally();

  for (const deal of input.openDeals) {
    if (deal.status !== 'open' || deal.pipelineId !== input.pipelineId) continue;
    const stage = stageById.get(deal.stageId);
    total.add(deal, stage);
    const column = perStage.get(deal.stageId);
    if (!column) {
      elsewhere.add(deal, undefined);
      continue;
    }
    column.tally.add(deal, stage);
    column.deals.push(deal);
  }

  const start = monthStart(input.now, input.zone);
  const end = start.plus({ months: 1 });
  // A CRM that does not say when a deal closed still says when it last changed.
  const closedInMonth = (deal: Deal): boolean => {
    const at = deal.closedAt ?? lastChangedAt(deal);
    return deal.pipelineId === input.pipelineId && at >= start && at < end;
  };
  const closed = input.closedDeals.filter(closedInMonth);

  return {
    pipelineId: input.pipelineId,
    stages: stages.map((stage) => {
      const column = perStage.get(stage.id);
      const totals = column?.tally.totals() ?? { count: 0, values: [], weighted: [] };
      const topDeals = topN === 0 ? [] : [...(column?.deals ?? [])].sort(byValueDescending).slice(0, topN);
      return { stage, ...totals, topDeals };
    })
      // A Won or Lost stage holds closed deals, counted below; as a column it would stay empty.
      .filter((column) => !column.stage.closes || column.count > 0),
    elsewhere: elsewhere.totals(),
    totals: total.totals(),
    period: { start, end, label: start.toFormat('LLLL yyyy') },
    won: closedTotals(closed.filter((d) => d.status === 'won')),
    lost: closedTotals(closed.filter((d) => d.status === 'lost')),
    truncated: input.truncated ?? false,
  };
}

export interface PipelineBoardRequest {
  pipelineId: string;
  zone: string;
  now: DateTime;
  topN?: number;
  maxDeals?: number;
}

export async function buildPipelineBoard(crm: CrmClient, request: PipelineBoardRequest): Promise<PipelineBoard> {
  const { pipelineId, zone, now, topN = 3, maxDeals } = request;
  const cap = maxDeals === undefined ? {} : { maxDeals };
  const [stages, open, closed] = await Promise.all([
    crm.listStages(pipelineId),
    collectDeals(crm, { pipelineId, status: ['open'] }, cap),
    // Winning or losing a deal changes it, so every deal closed this month is among these.
    collectDeals(crm, { pipelineId, status: ['won', 'lost'], updatedSince: monthStart(now, zone) }, cap),
  ]);
  return aggregateBoard({
    pipelineId,
    stages,
    openDeals: open.deals,
    closedDeals: closed.deals,
    zone,
    now,
    topN,
    truncated: open.truncated || closed.truncated,
  });
}
