// The digest settings modal behind `/pipeline digest`: how often (or off), at what time, in
// which zone, which pipeline, which sections, and after how many quiet days a deal is
// stale. `digestSettingsModal` draws it prefilled from the channel's schedule (or the
// person's own zone), `readDigestSettings` reads a submission back into settings or into
// per-field errors for Slack's `response_action: 'errors'`.

import type { DigestSettingsInput } from '../services/digest-subscriptions.js';
import type { InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import type { Pipeline } from '../crm/port.js';
import { ActionId, CallbackId, SlackLimits } from './ids.js';
import { timeZoneSelect } from './time-zone-select.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { describePauseReason, weekdayName } from './digest-words.js';
import {
  DEFAULT_DIGEST_TIME,
  DEFAULT_STALE_DAYS,
  DIGEST_SECTIONS,
  MAX_STALE_DAYS,
  WEEKDAYS,
  readTimeOfDay,
  type DigestFrequency,
  type DigestSchedule,
  type DigestSection,
} from '../domain/digest-schedule.js';
import { canonicalTimeZone } from '../domain/time-zones.js';

/** What the modal carries through Slack and back (as JSON in `private_metadata`). */
export interface DigestSettingsMetadata {
  channelId: string;
  /** The schedule being edited; when the pipeline changes, the listener replaces it. */
  scheduleId: string | null;
}

export interface DigestSettingsModalInput {
  channelId: string;
  pipelines: Pipeline[];
  /** The channel's schedule to edit, or null for a new one. */
  current: DigestSchedule | null;
  /** The person's Slack zone, the default for a new schedule. */
  defaultZone: string;
  /** An error banner at the top, plain words. */
  banner?: string;
}

/** Everything the person chose (the use case's input); `frequency` null means "turn the digest off". */
export type DigestSettings = DigestSettingsInput;

export type DigestSettingsSubmission =
  | { ok: true; settings: DigestSettings }
  /** Keyed by block id, as `response_action: 'errors'` wants. */
  | { ok: false; errors: Record<string, string> };

const OFF = 'off';
const DEFAULT_PIPELINE = '__default__';
const OPTION_VALUE_MAX = 150;

const SECTION_LABELS: Record<DigestSection, string> = {
  board: 'Board by stage',
  chart: 'Chart of value by stage',
  changes: 'What changed since the last digest',
  closingSoon: 'Closing in the next 7 days',
  overdue: 'Overdue deals',
  stale: 'Stale deals',
  forecast: 'Forecast for the month',
};

const option = (text: string, value: string): PlainTextOption => ({ text: plainText(text, SlackLimits.optionText), value });

function frequencyValue(frequency: DigestFrequency): string {
  return frequency.kind === 'weekly' ? `weekly:${frequency.day}` : frequency.kind;
}

function frequencyOptions(): PlainTextOption[] {
  return [
    option('Every day', 'daily'),
    option('Every weekday (Mon–Fri)', 'weekdays'),
    ...WEEKDAYS.map((day) => option(`Every ${weekdayName(day)}`, `weekly:${day}`)),
    option('Off (no digest)', OFF),
  ];
}

function pipelineSelect(pipelines: Pipeline[], current: string | null): StaticSelect {
  const defaultName = pipelines.find((p) => p.isDefault)?.name;
  const options = [
    option(defaultName ? `Default pipeline (${truncate(defaultName, 50)})` : 'Default pipeline', DEFAULT_PIPELINE),
    ...[...pipelines]
      .sort((a, b) => a.order - b.order)
      .filter((p) => p.id.length <= OPTION_VALUE_MAX && p.id !== DEFAULT_PIPELINE)
      .slice(0, SlackLimits.selectOptions - 1)
      .map((p) => option(p.name, p.id)),
  ];
  const initial = options.find((o) => o.value === (current ?? DEFAULT_PIPELINE)) ?? options[0];
  return {
    type: 'static_select',
    action_id: ActionId.digestPipeline,
    placeholder: plainText('Pipeline', 150),
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
}

function input(blockId: string, label: string, element: InputBlock['element'], hint?: string): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(label, 2000),
    element,
    ...(hint ? { hint: plainText(hint, 2000) } : {}),
  };
}

export function digestSettingsModal(input_: DigestSettingsModalInput): ModalView {
  const current = input_.current;
  const zone = canonicalTimeZone(current?.zone ?? input_.defaultZone) ?? 'UTC';
  const frequencies = frequencyOptions();
  const initialFrequency = frequencies.find((o) => o.value === (current ? frequencyValue(current.frequency) : 'weekdays'));
  const sectionOptions = DIGEST_SECTIONS.map((s) => option(SECTION_LABELS[s], s));
  const chosen = new Set(current?.sections ?? DIGEST_SECTIONS);
  const initialSections = sectionOptions.filter((o) => chosen.has(o.value as DigestSection));

  const blocks: KnownBlock[] = [];
  if (input_.banner)
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input_.banner, 1000))}`, SlackLimits.sectionText) });
  blocks.push({
    type: 'section',
    text: mrkdwnText(
      'A summary of the pipeline, posted in this channel on a schedule: the board, what changed, deals closing soon, overdue and stale deals, and the forecast.',
      SlackLimits.sectionText,
    ),
  });
  if (current?.paused) {
    const reason = current.pausedReason ? `: ${escapeMrkdwn(truncate(describePauseReason(current.pausedReason), 200))}` : '';
    blocks.push({
      type: 'context',
      elements: [mrkdwnText(`⏸️ This digest is paused${reason}. Saving starts it again.`, SlackLimits.sectionText)],
    });
  }
  blocks.push(
    input(ActionId.digestFrequency, 'How often', {
      type: 'static_select',
      action_id: ActionId.digestFrequency,
      placeholder: plainText('How often', 150),
      options: frequencies,
      ...(initialFrequency ? { initial_option: initialFrequency } : {}),
    }),
    input(
      ActionId.digestTime,
      'Time',
      {
        type: 'plain_text_input',
        action_id: ActionId.digestTime,
        initial_value: current?.time ?? DEFAULT_DIGEST_TIME,
        max_length: 10,
        placeholder: plainText('HH:MM, e.g. 08:30', 150),
      },
      '24-hour time in the zone below; 09:00 stays 09:00 when the clocks change.',
    ),
    input(ActionId.digestZone, 'Time zone', timeZoneSelect(ActionId.digestZone, zone)),
    input(ActionId.digestPipeline, 'Pipeline', pipelineSelect(input_.pipelines, current?.pipelineId ?? null)),
    input(
      ActionId.digestSections,
      'Sections',
      {
        type: 'multi_static_select',
        action_id: ActionId.digestSections,
        placeholder: plainText('What the digest shows', 150),
        options: sectionOptions,
        ...(initialSections.length > 0 ? { initial_options: initialSections } : {}),
      },
      'Sections with nothing to say are left out; a quiet pipeline gets one line.',
    ),
    input(ActionId.digestStaleDays, 'A deal is stale after this many days without a change', {
      type: 'number_input',
      action_id: ActionId.digestStaleDays,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: String(MAX_STALE_DAYS),
      initial_value: String(current?.staleDays ?? DEFAULT_STALE_DAYS),
    }),
  );

  const metadata: DigestSettingsMetadata = { channelId: input_.channelId, scheduleId: current?.id ?? null };
  return {
    type: 'modal',
    callback_id: CallbackId.digestSettingsModal,
    title: plainText('Pipeline digest', SlackLimits.modalTitle),
    submit: plainText('Save', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** `private_metadata` back; null when it is not ours. */
export function readDigestSettingsMetadata(privateMetadata: string): DigestSettingsMetadata | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { channelId, scheduleId } = parsed as Record<string, unknown>;
    if (typeof channelId !== 'string' || channelId === '') return null;
    return { channelId, scheduleId: typeof scheduleId === 'string' ? scheduleId : null };
  } catch {
    return null;
  }
}

/** The slice of `view.state.values` a submission carries, per block id then action id. */
export type ViewStateValues = Record<
  string,
  Record<
    string,
    { type?: string; value?: string | null; selected_option?: { value: string } | null; selected_options?: Array<{ value: string }> | null }
  >
>;

export function readDigestSettings(values: ViewStateValues): DigestSettingsSubmission {
  const field = (id: string) => values[id]?.[id];
  const errors: Record<string, string> = {};

  const frequencyRaw = field(ActionId.digestFrequency)?.selected_option?.value ?? '';
  let frequency: DigestFrequency | null = null;
  if (frequencyRaw === 'daily' || frequencyRaw === 'weekdays') frequency = { kind: frequencyRaw };
  else if (frequencyRaw.startsWith('weekly:')) {
    const day = WEEKDAYS.find((d) => `weekly:${d}` === frequencyRaw);
    if (day) frequency = { kind: 'weekly', day };
    else errors[ActionId.digestFrequency] = 'Pick how often.';
  } else if (frequencyRaw !== OFF) errors[ActionId.digestFrequency] = 'Pick how often.';

  const timeRaw = field(ActionId.digestTime)?.value ?? '';
  const time = readTimeOfDay(timeRaw);
  if (frequency && (time === null || time === 'bad')) errors[ActionId.digestTime] = 'Use 24-hour HH:MM, e.g. 08:30 or 17:00.';

  const zoneRaw = field(ActionId.digestZone)?.selected_option?.value ?? '';
  const zone = canonicalTimeZone(zoneRaw);
  if (frequency && !zone) errors[ActionId.digestZone] = 'Pick a time zone.';

  const pipelineRaw = field(ActionId.digestPipeline)?.selected_option?.value ?? DEFAULT_PIPELINE;
  const pipelineId = pipelineRaw === DEFAULT_PIPELINE ? null : pipelineRaw;

  const chosen = new Set((field(ActionId.digestSections)?.selected_options ?? []).map((o) => o.value));
  const sections = DIGEST_SECTIONS.filter((s) => chosen.has(s));
  if (frequency && sections.length === 0) errors[ActionId.digestSections] = 'Pick at least one section.';

  const staleRaw = (field(ActionId.digestStaleDays)?.value ?? '').trim();
  const staleDays = staleRaw === '' ? DEFAULT_STALE_DAYS : Number(staleRaw);
  if (!Number.isInteger(staleDays) || staleDays < 1 || staleDays > MAX_STALE_DAYS) {
    errors[ActionId.digestStaleDays] = `A whole number of days from 1 to ${MAX_STALE_DAYS}.`;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      frequency,
      time: time && time !== 'bad' ? time : DEFAULT_DIGEST_TIME,
      zone: zone ?? 'UTC',
      pipelineId,
      sections,
      staleDays,
    },
  };
}
