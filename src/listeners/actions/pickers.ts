// Answers to our own questions: a row's "Open" button, "which deal did you mean?" and
// "which stage?" pickers. A picker carries the pending action, so one click finishes it.

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { DealbotContext } from '../context.js';
import { answerMove, changesFor, changeStatus } from '../deal-replies.js';
import { openLostModal } from '../lost-reason-modal.js';
import { replyWithCard } from '../card-replies.js';
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
    const { changes, request } = await changesFor(context, reply);
    await answerMove(context, reply, await changes.moveToStage(dealId, stageId, request));
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
      case 'move': {
        const stage = pending.stage ?? '';
        const [deal, { changes, request }] = await Promise.all([context.deals.getDeal(pending.dealId), changesFor(context, reply)]);
        return answerMove(context, reply, await changes.moveByName(deal, stage, request), stage);
      }
      case 'won':
      case 'reopen':
        return changeStatus(context, reply, pending.dealId, { op: pending.op });
      case 'lost':
        return pending.reason
          ? changeStatus(context, reply, pending.dealId, { op: 'lost', reason: pending.reason })
          : openLostModal(context, reply, body.trigger_id, { dealId: pending.dealId });
    }
  });
}
