// A channel's alert subscription (`/pipeline alerts …`, the alerts modal) and a person's own
// (`/deal alerts me`): which deal events to announce where, and how loudly. Plain JSON (it
// lives in the store). `alertMatches` is the one rule that says whether an event concerns a
// subscription; batching, quiet hours and the hourly cap are the delivery's business.
//
// Domain: pure, no words a person reads.

import type { DealEvent, DealEventKind } from './deal-events.js';

export interface QuietHours {
  /** `HH:MM`, 24-hour, in `zone`; `from` after `to` spans midnight (22:00–07:00). */
  from: string;
  to: string;
  /** IANA zone. */
  zone: string;
}

export type AlertDelivery = { kind: 'each' } | { kind: 'batched'; everyMinutes: number };

export interface AlertSubscription {
  /** Unique in the workspace. */
  id: string;
  /** Where alerts go: a channel id, or for a personal subscription the person's user id (a DM). */
  target: { kind: 'channel'; channelId: string } | { kind: 'person'; userId: string };
  events: DealEventKind[];
  /** `moved` only into these stages; empty: any stage. */
  toStageIds: string[];
  /** Null: every pipeline. */
  pipelineId: string | null;
  /** The pipeline's name when set, for lists that read no CRM. */
  pipelineName: string | null;
  /** Only deals worth at least this much, in the deal's own currency as the CRM states it. */
  minValue: number | null;
  /** Only deals this CRM user owns; a personal subscription is always its person's own deals. */
  ownerId: string | null;
  delivery: AlertDelivery;
  quietHours: QuietHours | null;
  /** Later alerts for a deal reply in the thread of its first, whose card is kept up to date. */
  threadPerDeal: boolean;
  /** Slack user id of whoever set it: only they (or an admin) change or remove it. */
  createdBy: string;
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
  /**
   * Set by delivery when Slack will not take this subscription's alerts until a person acts
   * (the bot removed from the channel, the channel archived): nothing is delivered meanwhile.
   * Absent on subscriptions stored before pausing existed: not paused.
   */
  paused?: boolean;
  /** The Slack error that paused it (`not_in_channel`, `is_archived`…). */
  pausedReason?: string | null;
}

/** What a person sets (the command's words, the modal's fields); the rest is who, where and when. */
export type AlertRule = Pick<
  AlertSubscription,
  'events' | 'toStageIds' | 'pipelineId' | 'pipelineName' | 'minValue' | 'ownerId' | 'delivery' | 'quietHours' | 'threadPerDeal'
>;

/** Where a subscription's alerts go, as one string: `channel:C1`, `person:U1`. Per-target state (outbox, pace, hourly cap) is keyed by it. */
export function alertTargetKey(target: AlertSubscription['target']): string {
  return target.kind === 'channel' ? `channel:${target.channelId}` : `person:${target.userId}`;
}

/** The conversation alerts of `target` are posted in: the channel, or the person's id (Slack opens the DM). */
export function alertTargetConversation(target: AlertSubscription['target']): string {
  return target.kind === 'channel' ? target.channelId : target.userId;
}

/** Whether `event` concerns `subscription` (kind, stage, pipeline, value, owner). */
export function alertMatches(subscription: AlertSubscription, event: DealEvent): boolean {
  if (!subscription.events.includes(event.kind)) return false;
  if (subscription.pipelineId !== null && event.deal.pipelineId !== subscription.pipelineId) return false;
  if (event.kind === 'moved' && subscription.toStageIds.length > 0 && !subscription.toStageIds.includes(event.toStageId)) return false;
  if (subscription.minValue !== null && (event.deal.value?.amount ?? 0) < subscription.minValue) return false;
  if (subscription.ownerId !== null && event.deal.ownerId !== subscription.ownerId) return false;
  if (subscription.target.kind === 'person') {
    // "Someone else changed a deal I own": never my own change.
    if (event.actor?.slackUserId && event.actor.slackUserId === subscription.target.userId) return false;
    // The same person seen from the CRM's side (a change made in the CRM's own screens).
    if (event.actor?.crmUserId && subscription.ownerId !== null && event.actor.crmUserId === subscription.ownerId) return false;
  }
  return true;
}
