// Reads the alerts modal's `view.state.values` (drawn by `ui/alert-settings-modal.ts`) into
// the subscription's settings, or into per-field errors for Slack's
// `response_action: 'errors'` (keyed by block id; the words are the ui's). Pure.

import type { AlertSubscription } from '../domain/alert-subscription.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../domain/deal-events.js';
import { canonicalTimeZone } from '../domain/time-zones.js';
import { MAX_BATCH_MINUTES, MIN_BATCH_MINUTES } from '../parse/alert-command.js';
import { ALERT_MODAL_VALUES, type AlertSettingsMetadata } from '../ui/alert-settings-modal.js';
import { ActionId } from '../ui/ids.js';

/** What the person chose: a subscription's filters and delivery, ids as the CRM has them. */
export type AlertSettingsChoice = Pick<
  AlertSubscription,
  'events' | 'toStageIds' | 'pipelineId' | 'minValue' | 'ownerId' | 'delivery' | 'quietHours' | 'threadPerDeal'
>;

export type AlertSettingsSubmission = { ok: true; settings: AlertSettingsChoice } | { ok: false; errors: Record<string, string> };

interface SlackInputState {
  type?: string;
  value?: string | null;
  selected_time?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: Array<{ value?: string }> | null;
}
export type AlertStateValues = Record<string, Record<string, SlackInputState>>;

const MAX_MIN_VALUE = 1e15;

export function readAlertSettings(values: AlertStateValues): AlertSettingsSubmission {
  const field = (id: string): SlackInputState | undefined => values[id]?.[id];
  const picked = (id: string): string[] =>
    (field(id)?.selected_options ?? []).flatMap((o) => (typeof o?.value === 'string' ? [o.value] : []));
  const errors: Record<string, string> = {};

  const toStageIds = [...new Set(picked(ActionId.alertStages))];
  const ticked = new Set(picked(ActionId.alertEvents));
  // Picking stages to move into means moves are wanted.
  if (toStageIds.length > 0) ticked.add('moved');
  const events: DealEventKind[] = DEAL_EVENT_KINDS.filter((k) => ticked.has(k));
  if (events.length === 0) errors[ActionId.alertEvents] = 'Pick at least one event.';

  const pipelineRaw = field(ActionId.alertPipeline)?.selected_option?.value ?? ALERT_MODAL_VALUES.everyPipeline;
  const pipelineId = pipelineRaw === ALERT_MODAL_VALUES.everyPipeline ? null : pipelineRaw;

  const minRaw = (field(ActionId.alertMinValue)?.value ?? '').trim();
  let minValue: number | null = null;
  if (minRaw !== '') {
    const n = Number(minRaw);
    if (!Number.isFinite(n) || n < 0 || n > MAX_MIN_VALUE) errors[ActionId.alertMinValue] = 'A number of 0 or more, e.g. 10000.';
    else minValue = n === 0 ? null : Math.round(n * 100) / 100;
  }

  const ownerRaw = field(ActionId.alertOwner)?.selected_option?.value ?? ALERT_MODAL_VALUES.anyone;
  const ownerId = ownerRaw === ALERT_MODAL_VALUES.anyone ? null : ownerRaw;

  const deliveryRaw = field(ActionId.alertDelivery)?.selected_option?.value ?? ALERT_MODAL_VALUES.each;
  let delivery: AlertSettingsChoice['delivery'] = { kind: 'each' };
  if (deliveryRaw !== ALERT_MODAL_VALUES.each) {
    const minutes = Number(deliveryRaw);
    if (!Number.isInteger(minutes) || minutes < MIN_BATCH_MINUTES || minutes > MAX_BATCH_MINUTES) {
      errors[ActionId.alertDelivery] = 'Pick how alerts are delivered.';
    } else delivery = { kind: 'batched', everyMinutes: minutes };
  }

  const from = field(ActionId.alertQuietFrom)?.selected_time ?? null;
  const to = field(ActionId.alertQuietTo)?.selected_time ?? null;
  const zoneRaw = field(ActionId.alertQuietZone)?.selected_option?.value ?? '';
  let quietHours: AlertSettingsChoice['quietHours'] = null;
  const isTime = (t: string | null): t is string => t !== null && /^([01]\d|2[0-3]):[0-5]\d$/.test(t);
  if (from !== null || to !== null) {
    const zone = canonicalTimeZone(zoneRaw);
    if (!isTime(from)) errors[ActionId.alertQuietFrom] = 'Give both times, or neither for no quiet hours.';
    else if (!isTime(to)) errors[ActionId.alertQuietTo] = 'Give both times, or neither for no quiet hours.';
    else if (from === to) errors[ActionId.alertQuietTo] = 'Quiet hours end at another time than they start.';
    else if (!zone) errors[ActionId.alertQuietZone] = 'Pick a time zone.';
    else quietHours = { from, to, zone };
  }

  const threadPerDeal = picked(ActionId.alertThread).includes(ALERT_MODAL_VALUES.threadPerDeal);

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, settings: { events, toStageIds, pipelineId, minValue, ownerId, delivery, quietHours, threadPerDeal } };
}

/** `private_metadata` back; null when it is not ours. */
export function readAlertSettingsMetadata(privateMetadata: string): AlertSettingsMetadata | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { channelId } = parsed as Record<string, unknown>;
    return typeof channelId === 'string' && channelId !== '' ? { channelId } : null;
  } catch {
    return null;
  }
}
