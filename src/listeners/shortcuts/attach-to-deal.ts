// The message shortcut "Attach to deal": a modal with a deal picker and the note. It needs
// nothing from the CRM to open (deals are searched as the person types), so it opens
// complete; mentions read `@U…` until Slack names them, which would cost a call before
// `views.open`. A CRM that keeps no notes is said at once.

import type { App, MessageShortcut } from '@slack/bolt';
import { canAttachNotes } from '../../services/attach-message-note.js';
import { noteTextFromMessage } from '../../services/message-note.js';
import { CallbackId } from '../../ui/ids.js';
import { messageSourceLine } from '../../ui/note-messages.js';
import { attachNoteModal, notesUnsupportedModal } from '../../ui/note-modal.js';
import type { DealbotContext } from '../context.js';
import type { AttachModalMetadata } from '../modal-metadata.js';
import { messageSourceOf, messageTextOf } from './message-source.js';

export function registerAttachToDealShortcut(app: App<DealbotContext>): void {
  app.shortcut<MessageShortcut>(CallbackId.attachToDealShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    const crmName = context.crm.displayName;
    if (!canAttachNotes(context.crm)) {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: notesUnsupportedModal(crmName) });
      return;
    }
    const source = messageSourceOf(shortcut);
    const metadata: AttachModalMetadata = { source, responseUrl: shortcut.response_url };
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: attachNoteModal({
        privateMetadata: JSON.stringify(metadata),
        note: noteTextFromMessage(messageTextOf(shortcut)),
        source: messageSourceLine(source, crmName),
        crmName,
      }),
    });
  });
}
