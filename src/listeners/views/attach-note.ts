// Submitting "Attach to deal": no deal picked, or an empty note, is answered next to the
// field; then the modal says "Adding…" while the note goes to the CRM. A failure brings
// the form back with the deal and the note as they were and the reason on top.

import type { App } from '@slack/bolt';
import { errorMessage } from '../../ui/error-message.js';
import { AttachFormField, CallbackId, PICKER_MIN_QUERY } from '../../ui/ids.js';
import { escapeMrkdwn } from '../../ui/mrkdwn.js';
import { attachNoteModal } from '../../ui/note-modal.js';
import { noticeModal } from '../../ui/notice-modal.js';
import type { DealbotContext } from '../context.js';
import { messageSourceLine, parseMetadata } from '../deal-form-flows.js';
import { attachMessageNote, type AttachModalMetadata } from '../message-flows.js';
import { readAttachForm } from '../modal-state.js';
import { replyFromModal } from '../replies.js';

const TITLE = 'Attach to deal';

export function registerAttachNoteView(app: App<DealbotContext>): void {
  app.view(CallbackId.attachNoteModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<AttachModalMetadata | null>(view.private_metadata, null);
    if (!metadata?.source) {
      return ack({ response_action: 'update', view: noticeModal({ title: TITLE, text: 'This form has expired. Run the shortcut on the message again.' }) });
    }
    const form = readAttachForm(view.state.values);
    if (!form.deal) {
      return ack({ response_action: 'errors', errors: { [AttachFormField.deal]: `Pick a deal: type ${PICKER_MIN_QUERY} letters of its title.` } });
    }
    if (!form.note) return ack({ response_action: 'errors', errors: { [AttachFormField.note]: 'Write the note, or keep the message text.' } });
    const { deal: picked, note } = form;

    await ack({ response_action: 'update', view: noticeModal({ title: TITLE, text: `Adding the note to *${escapeMrkdwn(picked.name)}*…` }) });

    const reply = replyFromModal({ client, userId: body.user.id, channelId: metadata.source.channelId, responseUrl: metadata.responseUrl });
    try {
      const deal = await attachMessageNote(context, reply, { dealId: picked.id, note, source: metadata.source, onceKey: `${view.id}:${view.hash}` });
      await client.views.update({
        view_id: view.id,
        view: noticeModal({ title: TITLE, text: `Added the message to *${escapeMrkdwn(deal.title)}* (#${escapeMrkdwn(deal.id)}) as a note.` }),
      });
    } catch (error) {
      await client.views.update({
        view_id: view.id,
        view: attachNoteModal({
          privateMetadata: view.private_metadata,
          note,
          deal: picked,
          source: messageSourceLine(metadata.source, context.crm.displayName),
          crmName: context.crm.displayName,
          banner: `${errorMessage(error, context.crm.displayName).summary} Your note is still here.`,
        }),
      });
      throw error;
    }
  });
}
