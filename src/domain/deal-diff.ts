// What changed between two states of a deal, in the alerts' vocabulary (`deal-events.ts`):
// the compact snapshot kept per deal, and the events that lead from one snapshot to the next.
// Every source (a poll, a Pipedrive webhook, a change made through Dealbot) diffs against the
// same snapshot, so one change yields the same events, with the same ids, whoever saw it.
//
// Domain: pure, no words a person reads.

import type { Deal, Money } from '../crm/port.js';
import {
  dealEventId,
  type DealEvent,
  type DealEventActor,
  type DealEventKind,
  type DealEventSource,
  type DealSnapshot,
} from './deal-events.js';

/**
 * The watched fields of `deal`. `changedAt` is the deal's last change as the CRM states it
 * (`lastChangedAt`), unless the source knows better (a webhook's own time when the deal it
 * carries has no update time).
 */
export function snapshotOf(deal: Deal, changedAt?: string): DealSnapshot {
  return {
    dealId: deal.id,
    title: deal.title,
    status: deal.status,
    pipelineId: deal.pipelineId,
    stageId: deal.stageId,
    ownerId: deal.ownerId,
    value: deal.value ? { amount: deal.value.amount, currency: deal.value.currency } : null,
    expectedCloseDate: deal.expectedCloseDate,
    lostReason: deal.status === 'lost' ? deal.lostReason : null,
    url: deal.url,
    // The port's `lastChangedAt` (the domain imports only the port's types).
    changedAt: changedAt ?? (deal.updatedAt ?? deal.closedAt ?? deal.stageChangedAt ?? deal.createdAt).toUTC().toISO()!,
  };
}

function sameMoney(a: Money | null, b: Money | null): boolean {
  if (a === null || b === null) return a === b;
  return a.amount === b.amount && a.currency === b.currency;
}

function moneyKey(money: Money | null): string {
  return money === null ? 'none' : `${money.amount} ${money.currency}`;
}

/**
 * The events that lead from `before` to `after`; none when nothing alerts watch changed.
 *
 * - no `before`: the deal is new, `created` (and nothing else: a deal created won is news once);
 * - the status changed: `won`, `lost` (with the reason) or `reopened` (won or lost back to
 *   open). A status change is never also a `moved`: CRMs that close a deal by moving it into a
 *   won or lost stage (PipelineDeals, Productive) would otherwise say it twice;
 * - the stage or pipeline changed (status unchanged): `moved`, from where to where;
 * - the value (amount or currency) changed: `value`, from → to;
 * - the expected close date moved later: `closeDatePushed`. A date set where there was none,
 *   brought forward or cleared is not "pushed".
 */
export function diffDeal(before: DealSnapshot | null, after: DealSnapshot, source: DealEventSource, actor: DealEventActor): DealEvent[] {
  const base = (kind: DealEventKind, afterKey: string) => ({
    id: dealEventId(after.dealId, kind, afterKey, after.changedAt),
    dealId: after.dealId,
    deal: after,
    at: after.changedAt,
    actor,
    source,
  });
  if (before === null) return [{ ...base('created', 'created'), kind: 'created' }];

  const events: DealEvent[] = [];
  if (before.status !== after.status) {
    if (after.status === 'won') events.push({ ...base('won', 'won'), kind: 'won' });
    else if (after.status === 'lost') events.push({ ...base('lost', 'lost'), kind: 'lost', lostReason: after.lostReason });
    else events.push({ ...base('reopened', 'open'), kind: 'reopened' });
  } else if (before.stageId !== after.stageId || before.pipelineId !== after.pipelineId) {
    events.push({
      ...base('moved', after.stageId),
      kind: 'moved',
      fromStageId: before.stageId,
      toStageId: after.stageId,
      fromPipelineId: before.pipelineId,
    });
  }
  if (!sameMoney(before.value, after.value)) {
    events.push({ ...base('value', moneyKey(after.value)), kind: 'value', from: before.value, to: after.value });
  }
  if (before.expectedCloseDate !== null && after.expectedCloseDate !== null && after.expectedCloseDate > before.expectedCloseDate) {
    events.push({
      ...base('closeDatePushed', after.expectedCloseDate),
      kind: 'closeDatePushed',
      from: before.expectedCloseDate,
      to: after.expectedCloseDate,
    });
  }
  return events;
}
