// Answers to our own questions: a row's "Open" button, "which deal did you mean?" and
// "which stage?" pickers. A picker carries the pending action, so one click finishes it.

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { DealbotContext } from '../context.js';
import { answerMove, markLost, markStatus, moveByName, openLostModal } from '../deal-flows.js';
import { replyWithCard, writeOptions } from '../card-replies.js';
import { ActionId } from '../../ui/ids.js';
import { readId, readDealStage, readPendingAction } from '../action-values.js';
import { replyForAction } from './reply-for-action.js';
import { replyWithTimeline } from '../timeline-replies.js';

export function registerPickerActions(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.openDeal, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.openDeal);
    // A new message, so the list stays where it is.
    const reply = { ...replyForAction(body, client, respond), fromCard: false };
    await replyWithCard(context, reply, await context.deals.getDeal(dealId));
  });

  app.action<BlockAction<ButtonAction>>(ActionId.pickStage, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const { dealId, stageId } = readDealStage(action.value, ActionId.pickStage);
    const reply = replyForAction(body, client, respond);
    const outcome = await context.deals.moveToStage(dealId, stageId, await writeOptions(context, reply));
    await answerMove(context, reply, outcome);
  });

  app.action<BlockAction<ButtonAction>>(ActionId.pickDeal, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const pending = readPendingAction(action.value, ActionId.pickDeal);
    const reply = replyForAction(body, client, respond);
    switch (pending.op) {
      case 'show':
        return replyWithCard(context, reply, await context.deals.getDeal(pending.dealId));
      case 'timeline':
        return replyWithTimeline(context, reply, pending.dealId);
      case 'move':
        return moveByName(context, reply, await context.deals.getDeal(pending.dealId), pending.stage ?? '');
      case 'won':
      case 'reopen':
        return markStatus(context, reply, pending.op, pending.dealId);
      case 'lost':
        return pending.reason
          ? markLost(context, reply, pending.dealId, pending.reason)
          : openLostModal(context, reply, body.trigger_id, { dealId: pending.dealId });
    }
  });
}
