// The global shortcut "New deal" and the message shortcuts "Create deal from message" and
// "Attach to deal": each acks, then opens its modal at once (a trigger_id lasts 3 s, so no
// CRM call comes before `views.open`).

import type { App, GlobalShortcut, MessageShortcut } from '@slack/bolt';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../deal-form-flows.js';
import { openAttachModal, openCreateFromMessage } from '../message-flows.js';
import { replyFromModal } from '../replies.js';

export function registerShortcuts(app: App<DealbotContext>): void {
  app.shortcut<GlobalShortcut>(CallbackId.newDealShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    // No channel to answer in: the card arrives as a DM from the bot.
    const reply = replyFromModal({ client, userId: shortcut.user.id, channelId: null, responseUrl: null });
    await openCreateModal(context, reply, shortcut.trigger_id);
  });

  app.shortcut<MessageShortcut>(CallbackId.createFromMessageShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    const reply = replyFromModal({ client, userId: shortcut.user.id, channelId: shortcut.channel.id, responseUrl: shortcut.response_url });
    await openCreateFromMessage(context, reply, shortcut);
  });

  app.shortcut<MessageShortcut>(CallbackId.attachToDealShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    const reply = replyFromModal({ client, userId: shortcut.user.id, channelId: shortcut.channel.id, responseUrl: shortcut.response_url });
    await openAttachModal(context, reply, shortcut);
  });
}
