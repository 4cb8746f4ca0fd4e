// The message shortcut "Create deal from message": the create modal opens at once with the
// message's first line as the title (an amount at its end as the value), then fills in the
// note (the message's text, mentions named) while the CRM data loads. After creation the
// note goes on the deal and the card into the message's thread (`create-deal-modal.ts`).

import type { App, MessageShortcut } from '@slack/bolt';
import { dealDraftFromMessage, mentionNames, noteTextFromMessage } from '../../services/message-note.js';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../create-deal-modal.js';
import { replyFromModal } from '../replies.js';
import { slackDirectory } from '../slack-directory.js';
import { messageSourceOf, messageTextOf } from './message-source.js';

export function registerCreateFromMessageShortcut(app: App<DealbotContext>): void {
  app.shortcut<MessageShortcut>(CallbackId.createFromMessageShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    const reply = replyFromModal({ client, userId: shortcut.user.id, channelId: shortcut.channel.id, responseUrl: shortcut.response_url });
    const text = messageTextOf(shortcut);
    await openCreateModal(context, reply, shortcut.trigger_id, dealDraftFromMessage(text), {
      source: messageSourceOf(shortcut),
      noteText: async () => noteTextFromMessage(text, await mentionNames(slackDirectory(context, client), text)),
    });
  });
}
