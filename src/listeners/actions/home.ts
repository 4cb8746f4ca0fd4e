// The App Home buttons: "Open" a deal (its card as a DM from the bot, where its buttons work
// like on any card; a modal would need a second set of controls), "New deal" (the create
// modal, whose card then arrives in the same DM), "Refresh".

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { openedFromHomeLine } from '../../ui/deal-change.js';
import { ActionId } from '../../ui/ids.js';
import { readId } from '../action-values.js';
import { renderCard } from '../card-replies.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../create-deal-modal.js';
import { publishHome } from '../home-tab.js';
import { replyFromModal, type Reply } from '../replies.js';

/** Replies for Home: there is no channel and no response_url; answers are DMs. */
function homeReply(client: WebClient, userId: string): Reply {
  return replyFromModal({ client, userId, channelId: null, responseUrl: null });
}

export function registerHomeActions(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.homeOpenDeal, async ({ ack, body, action, client, context }) => {
    await ack();
    const userId = body.user.id;
    const deal = await context.deals.getDeal(readId(action.value, ActionId.homeOpenDeal));
    const card = await renderCard(context, homeReply(client, userId), deal, {
      ephemeral: false,
      note: openedFromHomeLine(userId, context.now()),
    });
    await client.chat.postMessage({ channel: userId, ...card });
  });

  app.action<BlockAction<ButtonAction>>(ActionId.homeNewDeal, async ({ ack, body, client, context }) => {
    await ack();
    await openCreateModal(context, homeReply(client, body.user.id), body.trigger_id);
  });

  app.action<BlockAction<ButtonAction>>(ActionId.homeRefresh, async ({ ack, body, client, context }) => {
    await ack();
    await publishHome(context, client, body.user.id);
  });
}
