// Pressing "Undo" on the confirmation of a move, a win or a loss: the change is reverted
// when it is still the deal's latest state, the card everyone saw is redrawn, and a win or
// loss that was announced gets its reopening announced too. An undo past its ten minutes,
// or one already used, says so; a deal that changed since is shown as it is now.

import { createUndo, type UndoOutcome } from '../services/undo.js';
import { actionConfirmation } from '../ui/announcements.js';
import { changeLine } from '../ui/deal-change.js';
import { escapeMrkdwn } from '../ui/mrkdwn.js';
import type { DealbotContext } from './context.js';
import { UNDO_MINUTES } from './deal-flows.js';
import { closedAnnouncement, replyWithCard, updateSharedCard, writeOptions } from './card-replies.js';
import type { Reply } from './replies.js';

function currentState(outcome: Extract<UndoOutcome, { kind: 'changed-since' }>, stageName: string | undefined): string {
  const { deal } = outcome;
  if (deal.status !== 'open') return `it is ${deal.status} now`;
  return stageName ? `it is in *${escapeMrkdwn(stageName)}* now` : 'it changed since';
}

export async function undoChange(ctx: DealbotContext, reply: Reply, undoId: string): Promise<void> {
  const outcome = await createUndo({ crm: ctx.crm, store: ctx.store }).undo(undoId, await writeOptions(ctx, reply));
  const tell = (text: string) => reply.respond({ response_type: 'ephemeral', replace_original: false, ...actionConfirmation(text) });
  switch (outcome.kind) {
    case 'expired':
      return void (await tell(`This undo has expired: undo works for ${UNDO_MINUTES} minutes after the change. Change the deal again instead.`));
    case 'already-undone':
      return void (await tell('That change was already undone.'));
    case 'changed-since': {
      const stageNames = await ctx.deals.stageNames();
      const note = `Not undone: ${currentState(outcome, stageNames.get(outcome.deal.stageId))}, so someone changed it after you.`;
      return replyWithCard(ctx, { ...reply, fromCard: false }, outcome.deal, note);
    }
    case 'undone': {
      const { deal, record, stage } = outcome;
      const what = record.change.kind === 'stage' ? `↩️ Undone: back in *${escapeMrkdwn(stage?.name ?? 'the previous stage')}*` : '↩️ Undone: reopened';
      const line = changeLine(what, reply.userId, ctx.now());
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
