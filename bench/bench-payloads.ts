// The Slack payloads the ack benches send, one per kind of request timed: `/deal <id>`, a
// card's Move select, the create modal's submission. Shared by the HTTP bench
// (ack-latency.ts, which signs and posts them) and the in-process one (ack-path-app.ts).

import type { StateValue } from '../src/console/form-state.js';
import { blockActionPayload, slashCommandPayload, viewSubmissionPayload } from '../src/console/slack-payloads.js';
import { ActionId, CallbackId, DealFormField, encodeDealStage } from '../src/ui/ids.js';

export const REQUEST_KINDS = ['command', 'action', 'view'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface PayloadInput {
  /** Tells this request apart (view id and hash). */
  n: number;
  responseUrl: string;
  /** The deal the command shows or the click moves. */
  dealId: string;
  /** Where the click moves it. */
  stageId: string;
  triggerId: string;
}

/** A plain-text input's state, as Slack sends it. */
const textValue = (value: string): StateValue => ({ type: 'plain_text_input', value });
/** A static select's state. */
const selectValue = (value: string, text: string = value): StateValue => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
});

/** The payload Slack would send for one request of `kind` (a command's form fields, or an interaction's JSON). */
export function benchPayload(kind: RequestKind, { n, responseUrl, dealId, stageId, triggerId }: PayloadInput): Record<string, unknown> {
  switch (kind) {
    case 'command':
      return slashCommandPayload({ command: '/deal', text: dealId, responseUrl, triggerId });
    case 'action':
      return blockActionPayload({
        action: {
          action_id: ActionId.cardMove,
          type: 'static_select',
          selected_option: { text: 'Proposal', value: encodeDealStage({ dealId, stageId }) },
        },
        message: { ts: '1700000000.000100', ephemeral: true },
        responseUrl,
      });
    case 'view':
      return viewSubmissionPayload({
        view: {
          id: `VBENCH${n}`,
          hash: `${Date.now()}.${n}`,
          callback_id: CallbackId.createDealModal,
          private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', responseUrl, defaultCurrency: 'EUR' }),
        },
        values: {
          [DealFormField.title]: { [DealFormField.title]: textValue(`Bench Co deal ${n}`) },
          [DealFormField.value]: { [DealFormField.value]: textValue('12k') },
          [DealFormField.currency]: { [DealFormField.currency]: selectValue('EUR') },
          [DealFormField.pipeline]: { [DealFormField.pipeline]: selectValue('1', 'Sales') },
          [DealFormField.stage]: { [`${DealFormField.stage}:1`]: selectValue('2', 'Contact made') },
        },
      });
  }
}
