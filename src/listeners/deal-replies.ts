// Answering a deal change, for every surface that makes one (`/deal`, a card's buttons, the
// pickers, the lost-reason modal): the outcome of a `services/deal-changes.ts` use case is
// drawn by `ui/` and sent through the `Reply`. Cards are live: a change made from a card
// redraws it in place with who did what and when (`chat.update` for a card everyone sees,
// the response_url for an ephemeral one), and a move, win or loss comes with an Undo.
// No rules here: what gets an undo, and what is announced, the use case decided.

import type { Deal } from '../crm/port.js';
import { AnnouncementFailedError, DealStateConflictError } from '../errors.js';
import { createDealChanges, type ChangeRequest, type DealChanges, type MoveChange, type StatusChange } from '../services/deal-changes.js';
import type { DealEventKind } from '../domain/deal-events.js';
import { recordAnnounced } from '../services/alert-delivery.js';
import type { DealNotFound } from '../services/resolve-deal.js';
import { createUndo, UNDO_TTL_MS } from '../services/undo.js';
import { actionConfirmation } from '../ui/announcements.js';
import { closingStageHint } from '../ui/closing-stage-hint.js';
import {
  alreadyInStageNote,
  changeConfirmation,
  closedElsewhereNote,
  movedConfirmationText,
  movedLine,
  notMovedNote,
  notMovedText,
  statusConfirmationText,
  statusLine,
  statusUnchangedNote,
} from '../ui/deal-change.js';
import { dealList, dealPicker, pickerPrompt, stagePicker, type PendingDealAction } from '../ui/deal-list.js';
import { closedAnnouncement, replyWithCard, updateSharedCard, writeOptions } from './card-replies.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

export const UNDO_MINUTES = Math.round(UNDO_TTL_MS / 60_000);

/** The change use cases, and who is making a change through `reply`, from where. */
export async function changesFor(ctx: DealbotContext, reply: Reply): Promise<{ changes: DealChanges; request: ChangeRequest }> {
  const changes = createDealChanges({
    deals: ctx.deals,
    undo: createUndo({ crm: ctx.crm, store: ctx.store }),
    logger: ctx.logger,
    closeDeals: ctx.access?.closeDeals,
  });
  const request: ChangeRequest = {
    options: await writeOptions(ctx, reply),
    actorUserId: reply.userId,
    sharedCard: reply.fromCard && reply.card ? reply.card : null,
    closer: ctx.requester ?? null,
  };
  return { changes, request };
}

/** Several matches: a picker that finishes `pending`; none: a friendly empty list. */
export async function answerNotFound(reply: Reply, found: DealNotFound, pending: PendingDealAction): Promise<void> {
  const message =
    found.kind === 'many'
      ? dealPicker({ hits: found.hits, stageNames: found.stageNames, prompt: pickerPrompt(pending), action: pending })
      : dealList({ hits: [], query: found.words, more: false, stageNames: found.stageNames });
  await reply.respond({ response_type: 'ephemeral', replace_original: false, ...message });
}

/**
 * Shows a change: on the card it was made from (a channel card for everyone, with an
 * ephemeral confirmation carrying Undo for the person who made it), or as a new ephemeral
 * card with the Undo beside the change line.
 */
async function answerChange(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal,
  line: string,
  undo: { id: string | null; confirmation: string } | null,
): Promise<void> {
  if (reply.fromCard && reply.card) {
    await updateSharedCard(ctx, reply, reply.card, deal, line);
    if (undo?.id) {
      await reply.respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...changeConfirmation({ text: undo.confirmation, undoId: undo.id, minutes: UNDO_MINUTES }),
      });
    }
    return;
  }
  await replyWithCard(ctx, reply, deal, line, undo?.id ?? undefined);
}

/**
 * The channel hears this change from Dealbot now, so the deal alerts there do not repeat it
 * when the CRM reports it back (`services/alert-delivery.ts`). Noted just before the post.
 */
async function announcedIn(ctx: DealbotContext, channelId: string | null | undefined, dealId: string, kind: DealEventKind): Promise<void> {
  if (!channelId) return;
  await recordAnnounced(ctx.store, channelId, dealId, kind, ctx.now()).catch((error: unknown) => {
    ctx.logger.warn({ err: error, dealId }, 'could not note an announced change; a deal alert may repeat it');
  });
}

export async function answerMove(ctx: DealbotContext, reply: Reply, change: MoveChange, stageQuery = ''): Promise<void> {
  switch (change.kind) {
    case 'moved': {
      const line = movedLine(change.from, change.to, reply.userId, ctx.now());
      if (reply.fromCard && reply.card) await announcedIn(ctx, reply.card.channel, change.deal.id, 'moved');
      return answerChange(ctx, reply, change.deal, line, {
        id: change.undoId,
        confirmation: movedConfirmationText(change.deal, change.to),
      });
    }
    case 'unchanged':
      return replyWithCard(ctx, reply, change.deal, alreadyInStageNote(change.stage));
    case 'pick-stage':
      await reply.respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...stagePicker({
          deal: change.deal,
          stages: change.candidates,
          query: stageQuery,
          reason: change.reason,
          pipelineName: change.pipelineName,
        }),
      });
      return;
    case 'closing-stage':
      await reply.respond({ response_type: 'ephemeral', replace_original: false, ...closingStageHint(change) });
      return;
    case 'not-open':
      // The card shows the deal as it is, and the person is told why nothing moved.
      await replyWithCard(ctx, reply, change.deal, notMovedNote(change.deal));
      await reply.respond({ response_type: 'ephemeral', replace_original: false, ...actionConfirmation(notMovedText(change.deal)) });
  }
}

/**
 * Won and lost are news: announced in the channel for everyone (through the
 * response_url, so it works in channels the bot is not a member of) unless the card
 * everyone sees was the one changed. Reopening, and asking for what already is, answer
 * only the person.
 */
export async function answerStatus(ctx: DealbotContext, reply: Reply, change: StatusChange): Promise<void> {
  const { deal, op } = change;
  if (change.kind === 'unchanged') return replyWithCard(ctx, reply, deal, statusUnchangedNote(deal));
  const line = statusLine(op, deal, reply.userId, ctx.now());
  if (op === 'reopen') {
    if (reply.fromCard && reply.card) await announcedIn(ctx, reply.card.channel, deal.id, 'reopened');
    return answerChange(ctx, reply, deal, line, null);
  }

  const confirmation = statusConfirmationText(deal, op);
  if (reply.fromCard && reply.card) await announcedIn(ctx, reply.card.channel, deal.id, op);
  if (reply.fromCard) await answerChange(ctx, reply, deal, line, { id: change.undoId, confirmation });
  if (!change.announce) return;

  const announcement = await closedAnnouncement(ctx, reply, deal);
  await announcedIn(ctx, reply.channelId, deal.id, op);
  try {
    await reply.respond({ response_type: 'in_channel', replace_original: false, ...announcement });
  } catch (cause) {
    // The deal is won or lost whatever Slack says; app.error() tells the person so.
    throw new AnnouncementFailedError(deal, { cause });
  }
  if (!reply.fromCard && change.undoId) {
    await reply.respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...changeConfirmation({ text: confirmation, undoId: change.undoId, minutes: UNDO_MINUTES }),
    });
  }
}

/**
 * A card's button met a deal someone else already closed: the card is redrawn as the deal
 * is now, and the error still goes to app.error(), which tells the person what to do.
 */
export async function redrawOnConflict<T>(ctx: DealbotContext, reply: Reply, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof DealStateConflictError && reply.fromCard) {
      await replyWithCard(ctx, reply, error.deal, closedElsewhereNote(error.deal)).catch((cause: unknown) => {
        ctx.logger.warn({ err: cause, dealId: error.deal.id }, 'could not redraw the card of a deal closed elsewhere');
      });
    }
    throw error;
  }
}

/** Win, lose (with a reason) or reopen through `reply`, and answer it. */
export async function changeStatus(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal | string,
  change: { op: 'won' | 'reopen' } | { op: 'lost'; reason: string },
): Promise<void> {
  const { changes, request } = await changesFor(ctx, reply);
  const outcome = change.op === 'lost' ? changes.markLost(deal, change.reason, request) : changes.setStatus(change.op, deal, request);
  await answerStatus(ctx, reply, await redrawOnConflict(ctx, reply, outcome));
}
