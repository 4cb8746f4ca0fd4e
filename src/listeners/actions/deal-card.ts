// The deal card's controls: Move (stage select), Won, Lost, Reopen, Timeline, Share and
// the "Open in CRM" link (which Slack reports too and must be acked). Changes redraw the
// card in place (see `deal-replies.ts`), after checking the deal's current state
// (`services/deal-changes.ts`).

import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { DealbotContext } from '../context.js';
import { answerMove, changesFor, changeStatus } from '../deal-replies.js';
import { openLostModal } from '../lost-reason-modal.js';
import { sharedByNote } from '../../ui/deal-change.js';
import { renderCard } from '../card-replies.js';
import { replyWithTimeline } from '../timeline-replies.js';
import { ActionId } from '../../ui/ids.js';
import { readId, readDealStage } from '../action-values.js';
import { replyForAction } from './reply-for-action.js';

export function registerDealCardActions(app: App<DealbotContext>): void {
  app.action<BlockAction<StaticSelectAction>>(ActionId.cardMove, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const { dealId, stageId } = readDealStage(action.selected_option.value, ActionId.cardMove);
    const reply = replyForAction(body, client, respond);
    const { changes, request } = await changesFor(context, reply);
    await answerMove(context, reply, await changes.moveOpenDeal(dealId, stageId, request));
  });

  app.action<BlockAction<ButtonAction>>(ActionId.cardWon, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.cardWon);
    await changeStatus(context, replyForAction(body, client, respond), dealId, { op: 'won' });
  });

  app.action<BlockAction<ButtonAction>>(ActionId.cardReopen, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.cardReopen);
    await changeStatus(context, replyForAction(body, client, respond), dealId, { op: 'reopen' });
  });

  app.action<BlockAction<ButtonAction>>(ActionId.cardLost, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.cardLost);
    await openLostModal(context, replyForAction(body, client, respond), body.trigger_id, { dealId });
  });

  app.action<BlockAction<ButtonAction>>(ActionId.cardTimeline, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.cardTimeline);
    await replyWithTimeline(context, replyForAction(body, client, respond), dealId);
  });

  app.action<BlockAction<ButtonAction>>(ActionId.cardShare, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const dealId = readId(action.value, ActionId.cardShare);
    const reply = replyForAction(body, client, respond);
    const card = await renderCard(context, reply, await context.deals.getDeal(dealId), {
      ephemeral: false,
      note: sharedByNote(reply.userId),
    });
    await respond({ response_type: 'in_channel', replace_original: false, ...card });
    await respond({ delete_original: true });
  });

  app.action(ActionId.cardOpenInCrm, async ({ ack }) => {
    await ack();
  });
}
