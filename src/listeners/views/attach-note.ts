// Submitting "Attach to deal": no deal picked, or an empty note, is answered next to the
// field; then the modal says "Adding…" while the use case (`services/attach-message-note.ts`)
// adds the note, and the thread is told. A failure brings the form back with the deal and
// the note as they were and the reason on top.

import type { App } from '@slack/bolt';
import { attachMessageNote } from '../../services/attach-message-note.js';
import { AttachFormField, CallbackId } from '../../ui/ids.js';
import { messageSourceLine } from '../../ui/note-messages.js';
import {
  addingNoteModal,
  attachExpiredModal,
  attachFailedBanner,
  attachFormErrors,
  attachNoteModal,
  noteAddedModal,
} from '../../ui/note-modal.js';
import type { DealbotContext } from '../context.js';
import { parseMetadata, type AttachModalMetadata } from '../modal-metadata.js';
import { readAttachForm } from '../modal-state.js';
import { replyFromModal } from '../replies.js';
import { slackDirectory } from '../slack-directory.js';
import { noteConfirmationInThread } from '../thread-replies.js';

export function registerAttachNoteView(app: App<DealbotContext>): void {
  app.view(CallbackId.attachNoteModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<AttachModalMetadata | null>(view.private_metadata, null);
    if (!metadata?.source) return ack({ response_action: 'update', view: attachExpiredModal() });
    const form = readAttachForm(view.state.values);
    if (!form.deal) return ack({ response_action: 'errors', errors: { [AttachFormField.deal]: attachFormErrors.noDeal } });
    if (!form.note) return ack({ response_action: 'errors', errors: { [AttachFormField.note]: attachFormErrors.noNote } });
    const { deal: picked, note } = form;
    const { source } = metadata;

    await ack({ response_action: 'update', view: addingNoteModal(picked.name) });

    const reply = replyFromModal({ client, userId: body.user.id, channelId: source.channelId, responseUrl: metadata.responseUrl });
    const deps = { crm: context.crm, deals: context.deals, store: context.store, slack: slackDirectory(context, client) };
    try {
      const { deal, duplicate } = await attachMessageNote(deps, {
        dealId: picked.id,
        note,
        source,
        requesterId: body.user.id,
        onceKey: `${view.id}:${view.hash}`,
      });
      if (!duplicate) await noteConfirmationInThread(context, reply, deal, source);
      await client.views.update({ view_id: view.id, view: noteAddedModal(deal) });
    } catch (error) {
      await client.views.update({
        view_id: view.id,
        view: attachNoteModal({
          privateMetadata: view.private_metadata,
          note,
          deal: picked,
          source: messageSourceLine(source, context.crm.displayName),
          crmName: context.crm.displayName,
          banner: attachFailedBanner(error, context.crm.displayName),
        }),
      });
      throw error;
    }
  });
}
