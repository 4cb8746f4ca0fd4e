// What happened to a deal, as alerts speak of it: created, moved, won, lost, reopened, its
// value changed, its expected close date pushed. One vocabulary for every source (a poll
// comparing the CRM with the last snapshot, a Pipedrive webhook, a change made through
// Dealbot), so a change seen twice has one identity (`dealEventId`) and is announced once.
//
// Domain: pure, no words a person reads (ui/alert-message.ts says an event in words); every
// layer may import it.

import type { DealStatus, IsoDate, Money } from '../crm/port.js';

export const DEAL_EVENT_KINDS = ['created', 'moved', 'won', 'lost', 'reopened', 'value', 'closeDatePushed'] as const;
export type DealEventKind = (typeof DEAL_EVENT_KINDS)[number];

/**
 * The fields of a deal alerts watch, kept per deal to compute "from → to". Compact on
 * purpose (a snapshot per deal lives in the store): ids and numbers, no names.
 */
export interface DealSnapshot {
  dealId: string;
  title: string;
  status: DealStatus;
  pipelineId: string;
  stageId: string;
  ownerId: string | null;
  value: Money | null;
  expectedCloseDate: IsoDate | null;
  lostReason: string | null;
  /**
   * The deal's page in the CRM, as its adapter built it (null when the CRM has none). Snapshots
   * and queued events stored before it existed have no `url`: read them with `snapshotUrl`.
   */
  url: string | null;
  /** ISO instant of the CRM's last change the snapshot reflects (update time, else best known). */
  changedAt: string;
}

/** The snapshot's CRM url; null for one stored before snapshots kept it (or any non-string). */
export function snapshotUrl(deal: DealSnapshot): string | null {
  const url = (deal as { url?: unknown }).url;
  return typeof url === 'string' ? url : null;
}

/** Where a change was seen first. */
export type DealEventSource = 'poll' | 'webhook' | 'dealbot';

/** Who made a change, when known: a Slack user id when made through Dealbot, else the CRM's user id. */
export type DealEventActor = { slackUserId?: string | null; crmUserId?: string | null; name?: string | null } | null;

interface EventBase {
  /** Stable across sources and replicas: see `dealEventId`. */
  id: string;
  dealId: string;
  /** The deal after the change (its title, value, stage, owner for filters and the message). */
  deal: DealSnapshot;
  /** ISO instant the change happened at, as near as the source knows. */
  at: string;
  /** Who made it, when known: a Slack user id when made through Dealbot, else the CRM's user id. */
  actor: DealEventActor;
  /** Where the change was seen first. */
  source: DealEventSource;
}

export type DealEvent =
  | (EventBase & { kind: 'created' })
  | (EventBase & { kind: 'moved'; fromStageId: string | null; toStageId: string; fromPipelineId: string | null })
  | (EventBase & { kind: 'won' })
  | (EventBase & { kind: 'lost'; lostReason: string | null })
  | (EventBase & { kind: 'reopened' })
  | (EventBase & { kind: 'value'; from: Money | null; to: Money | null })
  | (EventBase & { kind: 'closeDatePushed'; from: IsoDate | null; to: IsoDate });

/**
 * One identity for one change, whichever source saw it: the deal, the kind, the state it led
 * to (`moved` into stage 7, `won`, value 12000 EUR) and the CRM's change time of the deal
 * after it. The first line of defence against a change announced twice is the snapshot: every
 * source diffs against the same per-deal snapshot and moves it forward (never back, by
 * `changedAt`), so a poll after a webhook sees nothing new; the id is the second, claimed
 * once per (subscription, event) at delivery.
 */
export function dealEventId(dealId: string, kind: DealEventKind, after: string, changedAt: string): string {
  return `${dealId}:${kind}:${after}:${changedAt}`;
}
