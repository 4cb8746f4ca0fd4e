// The "Attach to deal" modal of the message shortcut: a deal picker that searches the CRM
// as the person types, the note (the message's text, editable), and where it came from. It
// opens complete, with no CRM data to wait for; after a failed attempt it is drawn again
// with the chosen deal, the note as typed and the reason on top.

import type { KnownBlock, ModalView } from '@slack/types';
import type { Deal, PartyRef } from '../crm/port.js';
import { errorMessage } from './error-message.js';
import { AttachFormField, CallbackId, PICKER_MIN_QUERY, SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { noticeModal } from './notice-modal.js';

const TITLE = 'Attach to deal';

const BANNER_MAX = 1000;
const LABEL_MAX = 2000;

export interface AttachNoteModalInput {
  privateMetadata: string;
  /** The note field's text (plain). */
  note: string;
  /** Where the message came from: mrkdwn the caller made safe. */
  source: string;
  crmName: string;
  /** The deal chosen before a failed attempt: `name` is the option text it showed. */
  deal?: PartyRef;
  /** Plain words, escaped here. */
  banner?: string;
  fieldErrors?: Partial<Record<AttachFormField, string>>;
}

export function attachNoteModal(input: AttachNoteModalInput): ModalView {
  const errors = input.fieldErrors ?? {};
  const blocks: KnownBlock[] = [];
  if (input.banner) {
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input.banner, BANNER_MAX))}`, SlackLimits.sectionText) });
  }
  const dealError = errors[AttachFormField.deal];
  const noteError = errors[AttachFormField.note];
  blocks.push(
    {
      type: 'input',
      block_id: AttachFormField.deal,
      label: plainText('Deal', LABEL_MAX),
      element: {
        type: 'external_select',
        action_id: AttachFormField.deal,
        placeholder: plainText(`Type ${PICKER_MIN_QUERY} letters of its title`, 150),
        min_query_length: PICKER_MIN_QUERY,
        ...(input.deal ? { initial_option: { text: plainText(input.deal.name, SlackLimits.optionText), value: input.deal.id } } : {}),
      },
      hint: plainText(dealError ? `⚠️ ${dealError}` : `Searches the deals in ${input.crmName}`, LABEL_MAX),
    },
    {
      type: 'input',
      block_id: AttachFormField.note,
      label: plainText('Note', LABEL_MAX),
      element: {
        type: 'plain_text_input',
        action_id: AttachFormField.note,
        multiline: true,
        max_length: SlackLimits.plainTextInputMax,
        ...(input.note ? { initial_value: truncate(input.note, SlackLimits.plainTextInputMax) } : {}),
      },
      ...(noteError ? { hint: plainText(`⚠️ ${noteError}`, LABEL_MAX) } : {}),
    },
    { type: 'context', elements: [mrkdwnText(input.source, SlackLimits.sectionText)] },
  );
  return {
    type: 'modal',
    callback_id: CallbackId.attachNoteModal,
    title: plainText(TITLE, SlackLimits.modalTitle),
    submit: plainText('Attach', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: input.privateMetadata,
    blocks,
  };
}

/** Said at once by the shortcut when the CRM keeps no notes. */
export function notesUnsupportedModal(crmName: string): ModalView {
  return noticeModal({
    title: TITLE,
    text: `${escapeMrkdwn(crmName)} has no notes Dealbot can add to, so a message cannot be attached to a deal there.`,
  });
}

/** A submission whose metadata is gone (an old or tampered view). */
export function attachExpiredModal(): ModalView {
  return noticeModal({ title: TITLE, text: 'This form has expired. Run the shortcut on the message again.' });
}

/** The field errors of a submission without a deal or a note. */
export const attachFormErrors = {
  noDeal: `Pick a deal: type ${PICKER_MIN_QUERY} letters of its title.`,
  noNote: 'Write the note, or keep the message text.',
} as const;

/** The modal while the note goes to the CRM. */
export function addingNoteModal(dealName: string): ModalView {
  return noticeModal({ title: TITLE, text: `Adding the note to *${escapeMrkdwn(dealName)}*…` });
}

export function noteAddedModal(deal: Deal): ModalView {
  return noticeModal({ title: TITLE, text: `Added the message to *${escapeMrkdwn(deal.title)}* (#${escapeMrkdwn(deal.id)}) as a note.` });
}

/** The banner of the form drawn again after a failed attempt. */
export function attachFailedBanner(error: unknown, crmName: string): string {
  return `${errorMessage(error, crmName).summary} Your note is still here.`;
}
