// The global shortcut "New deal": the create modal, opened at once.

import type { App, GlobalShortcut } from '@slack/bolt';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../create-deal-modal.js';
import { replyFromModal } from '../replies.js';

export function registerNewDealShortcut(app: App<DealbotContext>): void {
  app.shortcut<GlobalShortcut>(CallbackId.newDealShortcut, async ({ ack, shortcut, client, context }) => {
    await ack();
    // No channel to answer in: the card arrives as a DM from the bot.
    const reply = replyFromModal({ client, userId: shortcut.user.id, channelId: null, responseUrl: null });
    await openCreateModal(context, reply, shortcut.trigger_id);
  });
}
