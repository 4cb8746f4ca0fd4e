// The alerts modal behind `/pipeline alerts`: which deal events (new, moved — optionally
// only into chosen stages —, won, lost, reopened, value changed, close date pushed), in which
// pipeline, over which value, whose deals, delivered each or batched, quiet hours in a time
// zone, one thread per deal. Pure: drawn from the CRM's pipelines, stages and users and the
// person's zone; `listeners/alert-settings-state.ts` reads a submission back.

import type { Checkboxes, InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import type { Pipeline, Stage, User } from '../crm/port.js';
import type { AlertSubscription } from '../domain/alert-subscription.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../domain/deal-events.js';
import { canonicalTimeZone } from '../domain/time-zones.js';
import { ALERT_EVENT_LABELS } from './alert-notices.js';
import { ActionId, CallbackId, SlackLimits } from './ids.js';
import { timeZoneSelect } from './time-zone-select.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { selectOptions } from './select-options.js';

/** What the modal carries through Slack and back (as JSON in `private_metadata`). */
export interface AlertSettingsMetadata {
  channelId: string;
}

export interface AlertSettingsModalInput {
  channelId: string;
  pipelines: Pipeline[];
  /** Every pipeline's stages, for "moved only into". */
  stages: Stage[];
  users: User[];
  /** The person's Slack zone: the quiet hours' default. */
  defaultZone: string;
  /** Prefill (a subscription to start from); null: the defaults. */
  current?: Pick<
    AlertSubscription,
    'events' | 'toStageIds' | 'pipelineId' | 'minValue' | 'ownerId' | 'delivery' | 'quietHours' | 'threadPerDeal'
  > | null;
  /** How many subscriptions the channel has already (a new one is added beside them). */
  existing?: number;
  /** An error banner at the top, plain words. */
  banner?: string;
}

/** Option values the modal writes and `alert-settings-state.ts` reads. */
export const ALERT_MODAL_VALUES = {
  everyPipeline: '__every__',
  anyone: '__anyone__',
  each: 'each',
  threadPerDeal: 'thread',
} as const;

/** The batch windows offered (minutes); a subscription's own window is offered too. */
export const BATCH_CHOICES = [5, 15, 30, 60, 120, 240] as const;

/** Events ticked in a new subscription: the news people ask for first. */
export const DEFAULT_ALERT_EVENTS: readonly DealEventKind[] = ['created', 'won', 'lost'];

const OPTION_VALUE_MAX = 150;

const option = (text: string, value: string): PlainTextOption => ({ text: plainText(text, SlackLimits.optionText), value });

function input(
  blockId: string,
  label: string,
  element: InputBlock['element'],
  options: { hint?: string; optional?: boolean } = {},
): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(label, 2000),
    element,
    ...(options.optional ? { optional: true } : {}),
    ...(options.hint ? { hint: plainText(options.hint, 2000) } : {}),
  };
}

function eventCheckboxes(chosen: readonly DealEventKind[]): Checkboxes {
  const options = DEAL_EVENT_KINDS.map((k) => option(ALERT_EVENT_LABELS[k], k));
  const initial = options.filter((o) => chosen.includes(o.value as DealEventKind));
  return {
    type: 'checkboxes',
    action_id: ActionId.alertEvents,
    options,
    ...(initial.length > 0 ? { initial_options: initial } : {}),
  };
}

function pipelineSelect(pipelines: Pipeline[], current: string | null): StaticSelect {
  const options = [
    option('Every pipeline', ALERT_MODAL_VALUES.everyPipeline),
    ...[...pipelines]
      .sort((a, b) => a.order - b.order)
      .filter((p) => p.id.length <= OPTION_VALUE_MAX)
      .map((p) => option(p.name, p.id)),
  ];
  // Past 100 pipelines, in groups of 100: every pipeline can be picked.
  const fitting = selectOptions(options);
  const flat = 'options' in fitting ? fitting.options : fitting.option_groups.flatMap((g) => g.options);
  const initial = flat.find((o) => o.value === (current ?? ALERT_MODAL_VALUES.everyPipeline)) ?? flat[0];
  return {
    type: 'static_select',
    action_id: ActionId.alertPipeline,
    placeholder: plainText('Pipeline', 150),
    ...fitting,
    ...(initial ? { initial_option: initial } : {}),
  };
}

/** Stages grouped by pipeline (Slack: 100 groups of 100 options). */
function stagesSelect(pipelines: Pipeline[], stages: Stage[], current: readonly string[]) {
  const order = new Map([...pipelines].sort((a, b) => a.order - b.order).map((p, i) => [p.id, i]));
  const byPipeline = new Map<string, Stage[]>();
  for (const stage of stages) {
    if (stage.id.length > OPTION_VALUE_MAX) continue;
    byPipeline.set(stage.pipelineId, [...(byPipeline.get(stage.pipelineId) ?? []), stage]);
  }
  const groups = [...byPipeline]
    .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity))
    .slice(0, SlackLimits.selectOptions)
    .map(([pipelineId, list]) => ({
      label: plainText(pipelines.find((p) => p.id === pipelineId)?.name ?? `Pipeline ${pipelineId}`, SlackLimits.optionText),
      options: list
        .sort((a, b) => a.order - b.order)
        .slice(0, SlackLimits.selectOptions)
        .map((s) => option(s.name, s.id)),
    }));
  const all = groups.flatMap((g) => g.options);
  const initial = all.filter((o) => o.value !== undefined && current.includes(o.value));
  if (groups.length === 0) return null;
  return {
    type: 'multi_static_select' as const,
    action_id: ActionId.alertStages,
    placeholder: plainText('Any stage', 150),
    // One pipeline needs no group headings.
    ...(groups.length === 1 ? selectOptions(all) : { option_groups: groups }),
    ...(initial.length > 0 ? { initial_options: initial } : {}),
  };
}

function ownerSelect(users: User[], current: string | null): StaticSelect {
  const options = [
    option('Anyone', ALERT_MODAL_VALUES.anyone),
    ...users
      .filter((u) => u.active && u.id.length <= OPTION_VALUE_MAX)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((u) => option(u.name, u.id)),
  ];
  const fitting = selectOptions(options);
  const flat = 'options' in fitting ? fitting.options : fitting.option_groups.flatMap((g) => g.options);
  const initial = flat.find((o) => o.value === (current ?? ALERT_MODAL_VALUES.anyone)) ?? flat[0];
  return {
    type: 'static_select',
    action_id: ActionId.alertOwner,
    placeholder: plainText('Anyone', 150),
    ...fitting,
    ...(initial ? { initial_option: initial } : {}),
  };
}

function deliverySelect(delivery: AlertSubscription['delivery']): StaticSelect {
  const minutes = new Set<number>(BATCH_CHOICES);
  if (delivery.kind === 'batched') minutes.add(delivery.everyMinutes);
  const label = (m: number) =>
    m % 60 === 0 ? (m === 60 ? 'Batched every hour' : `Batched every ${m / 60} hours`) : `Batched every ${m} minutes`;
  const options = [
    option('Each event as it happens', ALERT_MODAL_VALUES.each),
    ...[...minutes].sort((a, b) => a - b).map((m) => option(label(m), String(m))),
  ];
  const value = delivery.kind === 'each' ? ALERT_MODAL_VALUES.each : String(delivery.everyMinutes);
  const initial = options.find((o) => o.value === value);
  return {
    type: 'static_select',
    action_id: ActionId.alertDelivery,
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
}

export function alertSettingsModal(input_: AlertSettingsModalInput): ModalView {
  const current = input_.current ?? null;
  const zone = canonicalTimeZone(current?.quietHours?.zone ?? input_.defaultZone) ?? 'UTC';
  const blocks: KnownBlock[] = [];
  if (input_.banner)
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input_.banner, 1000))}`, SlackLimits.sectionText) });
  blocks.push({
    type: 'section',
    text: mrkdwnText(
      'Deal news posted in this channel as it happens in the CRM, its own screens included. Pick only what matters here: the fewer alerts, the more they are read.',
      SlackLimits.sectionText,
    ),
  });
  if (input_.existing) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwnText(
          `This channel has ${input_.existing} alert subscription${input_.existing === 1 ? '' : 's'} already; this adds another. \`/pipeline alerts list\` shows them.`,
          SlackLimits.sectionText,
        ),
      ],
    });
  }
  blocks.push(input(ActionId.alertEvents, 'Events', eventCheckboxes(current?.events ?? DEFAULT_ALERT_EVENTS)));
  blocks.push(input(ActionId.alertPipeline, 'Pipeline', pipelineSelect(input_.pipelines, current?.pipelineId ?? null)));
  const stages = stagesSelect(input_.pipelines, input_.stages, current?.toStageIds ?? []);
  if (stages) {
    blocks.push(
      input(ActionId.alertStages, 'Moved: only into these stages', stages, {
        optional: true,
        hint: 'Leave empty for a move into any stage. Picking a stage ticks “Moved”.',
      }),
    );
  }
  blocks.push(
    input(
      ActionId.alertMinValue,
      'Minimum value',
      {
        type: 'number_input',
        action_id: ActionId.alertMinValue,
        is_decimal_allowed: true,
        min_value: '0',
        ...(current?.minValue != null ? { initial_value: String(current.minValue) } : {}),
        placeholder: plainText('e.g. 10000', 150),
      },
      { optional: true, hint: 'In the deal’s own currency; deals without a value are left out when set.' },
    ),
    input(ActionId.alertOwner, 'Owner', ownerSelect(input_.users, current?.ownerId ?? null)),
    input(ActionId.alertDelivery, 'Delivery', deliverySelect(current?.delivery ?? { kind: 'each' }), {
      hint: 'A batch merges each deal’s events of the window into one line.',
    }),
    input(
      ActionId.alertQuietFrom,
      'Quiet hours: from',
      {
        type: 'timepicker',
        action_id: ActionId.alertQuietFrom,
        ...(current?.quietHours ? { initial_time: current.quietHours.from } : {}),
        placeholder: plainText('e.g. 22:00', 150),
      },
      { optional: true, hint: 'Alerts wait during quiet hours and come as one batch after.' },
    ),
    input(
      ActionId.alertQuietTo,
      'Quiet hours: until',
      {
        type: 'timepicker',
        action_id: ActionId.alertQuietTo,
        ...(current?.quietHours ? { initial_time: current.quietHours.to } : {}),
        placeholder: plainText('e.g. 07:00', 150),
      },
      { optional: true },
    ),
    input(ActionId.alertQuietZone, 'Quiet hours: time zone', timeZoneSelect(ActionId.alertQuietZone, zone)),
    input(
      ActionId.alertThread,
      'Threads',
      {
        type: 'checkboxes',
        action_id: ActionId.alertThread,
        options: [option('One thread per deal', ALERT_MODAL_VALUES.threadPerDeal)],
        ...(current?.threadPerDeal ? { initial_options: [option('One thread per deal', ALERT_MODAL_VALUES.threadPerDeal)] } : {}),
      },
      { optional: true, hint: 'Later alerts for a deal reply in the thread of its first, whose card stays up to date.' },
    ),
  );

  const metadata: AlertSettingsMetadata = { channelId: input_.channelId };
  return {
    type: 'modal',
    callback_id: CallbackId.alertSettingsModal,
    title: plainText('Deal alerts', SlackLimits.modalTitle),
    submit: plainText('Save', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}
