// The App Home buttons: "Open" a deal (its card as a DM), "New deal", "Refresh".

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ui/ids.js';
import { readId } from '../action-values.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../deal-form-flows.js';
import { homeReply, publishHome, sendCardAsDm } from '../home-flows.js';

export function registerHomeActions(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.homeOpenDeal, async ({ ack, body, action, client, context }) => {
    await ack();
    await sendCardAsDm(context, client, body.user.id, readId(action.value, ActionId.homeOpenDeal));
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
