// The "Undo" button of a change's confirmation; its value is the undo id. The change is
// reverted when it is still the deal's latest state (`services/undo.ts`), the card everyone
// saw is redrawn, and a win or loss that was announced gets its reopening announced too. An
// undo past its ten minutes, or one already used, says so; a deal that changed since is
// shown as it is now.

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { createUndo, type UndoOutcome } from '../../services/undo.js';
import { actionConfirmation } from '../../ui/announcements.js';
import { UNDO_ALREADY_USED_TEXT, undoExpiredText, undoneLine, undoRefusedNote } from '../../ui/deal-change.js';
import { ActionId } from '../../ui/ids.js';
import { readId } from '../action-values.js';
import { closedAnnouncement, replyWithCard, updateSharedCard, writeOptions } from '../card-replies.js';
import type { DealbotContext } from '../context.js';
import { UNDO_MINUTES } from '../deal-replies.js';
import type { Reply } from '../replies.js';
import { replyForAction } from './reply-for-action.js';

async function answerUndo(ctx: DealbotContext, reply: Reply, outcome: UndoOutcome): Promise<void> {
  const tell = (text: string) => reply.respond({ response_type: 'ephemeral', replace_original: false, ...actionConfirmation(text) });
  switch (outcome.kind) {
    case 'expired':
      return void (await tell(undoExpiredText(UNDO_MINUTES)));
    case 'already-undone':
      return void (await tell(UNDO_ALREADY_USED_TEXT));
    case 'changed-since':
      return replyWithCard(ctx, { ...reply, fromCard: false }, outcome.deal, undoRefusedNote(outcome.deal, outcome.stage?.name ?? null));
    case 'undone': {
      const { deal, record, stage } = outcome;
      const line = undoneLine(record.change.kind, stage, reply.userId, ctx.now());
      // The confirmation (or ephemeral card) the Undo was on becomes the deal's card.
      await replyWithCard(ctx, { ...reply, card: null }, deal, line);
      // The undo stands even if that card can no longer be edited (deleted, channel archived).
      if (record.card) {
        await updateSharedCard(ctx, { ...reply, fromCard: false }, record.card, deal, line).catch((error: unknown) => {
          ctx.logger.info({ err: error, dealId: deal.id }, 'the undone change stands; its shared card could not be redrawn');
        });
      }
      if (record.announced) {
        const announcement = await closedAnnouncement(ctx, reply, deal);
        await reply.respond({ response_type: 'in_channel', replace_original: false, ...announcement });
      }
    }
  }
}

export function registerUndoAction(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.undoChange, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const undoId = readId(action.value, ActionId.undoChange);
    const reply = replyForAction(body, client, respond);
    // Only the person who made the change may undo it (`services/undo.ts` refuses anyone else).
    const outcome = await createUndo({ crm: context.crm, store: context.store }).undo(
      undoId,
      // The audit trail records it as an undo, not as a change of its own.
      { ...(await writeOptions(context, reply)), reason: 'undo' },
      reply.userId,
    );
    await answerUndo(context, reply, outcome);
  });
}
