// Builders for the payloads Slack sends the app, in the shapes Slack documents, for tests
// that drive the real Bolt app (through `createConsoleReceiver().deliver(...)`). The
// builders live in src/console (the console sends the same payloads); this file adds the
// small helpers tests want for `view.state.values`.
//
//   const body = viewSubmissionPayload({
//     view: { id: opened.id, callback_id: CallbackId.createDealModal, private_metadata },
//     values: { [DealFormField.title]: { [DealFormField.title]: textValue('Acme') } },
//   });

import type { StateValue } from '../../src/console/form-state.js';

export {
  blockActionPayload,
  blockSuggestionPayload,
  DEFAULT_PAYLOAD_CHANNEL,
  DEFAULT_PAYLOAD_USER,
  fakeResponseUrl,
  fakeTriggerId,
  messageShortcutPayload,
  shortcutPayload,
  slashCommandPayload,
  viewClosedPayload,
  viewSubmissionPayload,
  type BlockActionInput,
  type MessageRef,
  type PayloadAction,
  type PayloadChannel,
  type PayloadUser,
  type PayloadView,
  type SlashCommandInput,
  type ViewSubmissionInput,
} from '../../src/console/slack-payloads.js';
export type { StateValue, StateValues } from '../../src/console/form-state.js';

const option = (value: string, text: string = value) => ({ text: { type: 'plain_text' as const, text, emoji: true }, value });

/** A plain-text input's state (`null` when left empty, as Slack sends it). */
export function textValue(value: string | null): StateValue {
  return { type: 'plain_text_input', value };
}

export function numberValue(value: string | null): StateValue {
  return { type: 'number_input', value };
}

/** A static select's state; `text` defaults to the value. */
export function selectValue(value: string | null, text?: string): StateValue {
  return { type: 'static_select', selected_option: value === null ? null : option(value, text) };
}

export function externalSelectValue(value: string | null, text?: string): StateValue {
  return { type: 'external_select', selected_option: value === null ? null : option(value, text) };
}

export function userValue(userId: string | null): StateValue {
  return { type: 'users_select', selected_user: userId };
}

/** A datepicker's state: `YYYY-MM-DD`. */
export function dateValue(date: string | null): StateValue {
  return { type: 'datepicker', selected_date: date };
}

export function conversationValue(channelId: string | null): StateValue {
  return { type: 'conversations_select', selected_conversation: channelId };
}
