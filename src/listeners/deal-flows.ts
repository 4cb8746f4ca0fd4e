// The steps a `/deal` subcommand and a card button share once they have been acked:
// find the deal the person meant, call the service, and answer with the right message.
// Slash commands and block actions differ only in how they reply, which `Reply` hides.
// Cards are live: a change made from a card redraws it in place with who did what and
// when (`chat.update` for a card everyone sees, the response_url for an ephemeral one),
// and a move, win or loss comes with an Undo for ten minutes (`services/undo.ts`).

import type { Deal } from '../crm/port.js';
import { AnnouncementFailedError, DealStateConflictError } from '../errors.js';
import type { DealRef } from '../parse/deal-command.js';
import type { DealResolution, MoveOutcome, StatusOutcome } from '../services/deal-service.js';
import { createUndo, UNDO_TTL_MS, type SharedCard, type UndoableChange } from '../services/undo.js';
import { actionConfirmation } from '../ui/announcements.js';
import { closingStageHint } from '../ui/closing-stage-hint.js';
import { changeConfirmation, changeLine } from '../ui/deal-change.js';
import { dealList, dealPicker, stagePicker, type PendingDealAction } from '../ui/deal-list.js';
import { escapeMrkdwn, truncate } from '../ui/mrkdwn.js';
import { noticeModal } from '../ui/notice-modal.js';
import { lostReasonModal } from '../ui/deal-form-modal.js';
import { closedAnnouncement, replyWithCard, updateSharedCard, writeOptions } from './card-replies.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

/** Private metadata of the lost-reason modal: where to answer, and the card it was opened from. */
export interface LostModalMetadata {
  dealId: string;
  channelId: string | null;
  responseUrl: string | null;
  fromCard?: boolean;
  card?: SharedCard | null;
}

/** Keeps an undo for the change; null when the store cannot (the change itself stands). */
async function rememberUndo(ctx: DealbotContext, reply: Reply, change: UndoableChange, announced: boolean): Promise<string | null> {
  const card = reply.fromCard && reply.card ? reply.card : null;
  return createUndo({ crm: ctx.crm, store: ctx.store })
    .remember({ change, actorUserId: reply.userId, card, announced })
    .catch((error: unknown) => {
      ctx.logger.warn({ err: error, dealId: change.dealId }, 'could not keep an undo; the change stands without one');
      return null;
    });
}

export const UNDO_MINUTES = Math.round(UNDO_TTL_MS / 60_000);

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

const bold = (text: string): string => `*${escapeMrkdwn(truncate(text.trim() || 'Untitled deal', 150))}*`;

const PROMPTS: Record<PendingDealAction['op'], (p: PendingDealAction) => string> = {
  show: () => 'Several deals match. Which one?',
  move: (p) => `Which deal do you want to move to ${p.stage ?? 'another stage'}?`,
  won: () => 'Which deal did you win?',
  lost: () => 'Which deal was lost?',
  reopen: () => 'Which deal do you want to reopen?',
  timeline: () => 'Whose timeline do you want to see?',
};

/**
 * Finds the deal `ref` names and runs `then` on it. Several matches get a picker that
 * carries `pending` so the choice finishes the same action; none gets a friendly list.
 */
export async function withResolvedDeal(
  ctx: DealbotContext,
  reply: Reply,
  ref: DealRef,
  pending: PendingDealAction,
  then: (deal: Deal) => Promise<void>,
): Promise<void> {
  const resolution = await ctx.deals.resolveDeal(ref);
  if (resolution.kind === 'one') return then(resolution.deal);
  await answerUnresolved(ctx, reply, resolution, pending);
}

/** Several matches: a picker that finishes `pending`; none: a friendly empty list. */
export async function answerUnresolved(
  ctx: DealbotContext,
  reply: Reply,
  resolution: Exclude<DealResolution, { kind: 'one' }>,
  pending: PendingDealAction,
): Promise<void> {
  const stageNames = await ctx.deals.stageNames();
  const message =
    resolution.kind === 'many'
      ? dealPicker({ hits: resolution.hits, stageNames, prompt: PROMPTS[pending.op](pending), action: pending })
      : dealList({ hits: [], query: resolution.words, more: false, stageNames });
  await reply.respond({ response_type: 'ephemeral', replace_original: false, ...message });
}

export async function answerMove(ctx: DealbotContext, reply: Reply, outcome: MoveOutcome, stageQuery = ''): Promise<void> {
  switch (outcome.kind) {
    case 'moved': {
      const from = outcome.from ? ` from *${escapeMrkdwn(outcome.from.name)}*` : '';
      const line = changeLine(`Moved${from} to *${escapeMrkdwn(outcome.to.name)}*`, reply.userId, ctx.now());
      const undoId = outcome.from
        ? await rememberUndo(ctx, reply, { kind: 'stage', dealId: outcome.deal.id, fromStageId: outcome.from.id, toStageId: outcome.to.id }, false)
        : null;
      const confirmation = `✓ Moved ${bold(outcome.deal.title)} to *${escapeMrkdwn(outcome.to.name)}*.`;
      return answerChange(ctx, reply, outcome.deal, line, { id: undoId, confirmation });
    }
    case 'unchanged':
      return replyWithCard(ctx, reply, outcome.deal, `Already in *${escapeMrkdwn(outcome.stage.name)}*; nothing changed.`);
    case 'pick-stage':
      await reply.respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...stagePicker({
          deal: outcome.deal,
          stages: outcome.candidates,
          query: stageQuery,
          reason: outcome.reason,
          pipelineName: outcome.pipelineName,
        }),
      });
      return;
    case 'closing-stage':
      await reply.respond({ response_type: 'ephemeral', replace_original: false, ...closingStageHint(outcome) });
  }
}

export async function moveByName(ctx: DealbotContext, reply: Reply, deal: Deal, stageQuery: string): Promise<void> {
  const outcome = await ctx.deals.moveByName(deal, stageQuery, await writeOptions(ctx, reply));
  await answerMove(ctx, reply, outcome, stageQuery);
}

/**
 * Won and lost are news: announced in the channel for everyone (through the
 * response_url, so it works in channels the bot is not a member of). Reopening, and
 * asking for what already is, answer only the person.
 */
export async function answerStatus(
  ctx: DealbotContext,
  reply: Reply,
  op: 'won' | 'lost' | 'reopen',
  outcome: StatusOutcome,
): Promise<void> {
  if (outcome.kind === 'unchanged') {
    const already = outcome.deal.status === 'open' ? 'Already open' : `Already marked ${outcome.deal.status}`;
    return replyWithCard(ctx, reply, outcome.deal, `${already}; nothing changed.`);
  }
  if (op === 'reopen') return answerChange(ctx, reply, outcome.deal, changeLine('↩️ Reopened', reply.userId, ctx.now()), null);

  const { deal } = outcome;
  const reason = deal.status === 'lost' && deal.lostReason?.trim() ? `: ${escapeMrkdwn(truncate(deal.lostReason.trim(), 300))}` : '';
  const line = changeLine(op === 'won' ? '🏆 Won' : `✖ Marked lost${reason}`, reply.userId, ctx.now());
  const confirmation = `✓ Marked ${bold(deal.title)} ${op}.`;
  // A card in the channel, updated in place, is the news; anywhere else the channel is told.
  const sharedCard = reply.fromCard && Boolean(reply.card);
  const undoId = await rememberUndo(ctx, reply, { kind: 'status', dealId: deal.id, to: op }, !sharedCard);
  if (reply.fromCard) await answerChange(ctx, reply, deal, line, { id: undoId, confirmation });
  if (sharedCard) return;

  const announcement = await closedAnnouncement(ctx, reply, deal);
  try {
    await reply.respond({ response_type: 'in_channel', replace_original: false, ...announcement });
  } catch (cause) {
    // The deal is won or lost whatever Slack says; app.error() tells the person so.
    throw new AnnouncementFailedError(deal, { cause });
  }
  if (!reply.fromCard && undoId) {
    await reply.respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...changeConfirmation({ text: confirmation, undoId, minutes: UNDO_MINUTES }),
    });
  }
}

/**
 * A card's button met a deal someone else already closed: the card is redrawn as the deal
 * is now, and the error still goes to app.error(), which tells the person what to do.
 */
async function refreshOnConflict<T>(ctx: DealbotContext, reply: Reply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DealStateConflictError && reply.fromCard) {
      await replyWithCard(ctx, reply, error.deal, `Already *${error.deal.status}* — nothing changed.`).catch((cause: unknown) => {
        ctx.logger.warn({ err: cause, dealId: error.deal.id }, 'could not redraw the card of a deal closed elsewhere');
      });
    }
    throw error;
  }
}

export async function markStatus(
  ctx: DealbotContext,
  reply: Reply,
  op: 'won' | 'reopen',
  deal: Deal | string,
): Promise<void> {
  const options = await writeOptions(ctx, reply);
  const outcome = await refreshOnConflict(ctx, reply, () => (op === 'won' ? ctx.deals.markWon(deal, options) : ctx.deals.reopen(deal, options)));
  await answerStatus(ctx, reply, op, outcome);
}

export async function markLost(ctx: DealbotContext, reply: Reply, deal: Deal | string, reason: string): Promise<void> {
  const options = await writeOptions(ctx, reply);
  const outcome = await refreshOnConflict(ctx, reply, () => ctx.deals.markLost(deal, reason, options));
  await answerStatus(ctx, reply, 'lost', outcome);
}

/**
 * The Move select of a card: the deal is read first, and a deal someone closed since the
 * card was drawn is not moved; the card shows it as it is, and the person is told why.
 */
export async function moveFromCard(ctx: DealbotContext, reply: Reply, dealId: string, stageId: string): Promise<void> {
  const [deal, options] = await Promise.all([ctx.deals.getDeal(dealId), writeOptions(ctx, reply)]);
  if (deal.status !== 'open') {
    await replyWithCard(ctx, reply, deal, `Already *${deal.status}* — not moved.`);
    await reply.respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...actionConfirmation(`${bold(deal.title)} is already ${deal.status}, so it was not moved. Reopen it first to move it.`),
    });
    return;
  }
  await answerMove(ctx, reply, await ctx.deals.moveToStage(deal, stageId, options));
}

/**
 * Opens the lost-reason modal at once (a trigger_id lasts 3 s, so no CRM call comes
 * first), then fills it in with the deal, or explains why there is nothing to ask. A
 * deal named by words is found after the modal is open; several matches close the loop
 * through a picker whose buttons open the modal again.
 */
export async function openLostModal(
  ctx: DealbotContext,
  reply: Reply,
  triggerId: string,
  target: { dealId: string } | { ref: DealRef },
): Promise<void> {
  const title = 'Mark as lost';
  const loading = noticeModal({ title, text: 'Finding the deal…' });
  const opened = await reply.client.views.open({ trigger_id: triggerId, view: loading });
  const viewId = opened.view?.id;
  if (!viewId) return;
  const show = (view: ReturnType<typeof noticeModal>) => reply.client.views.update({ view_id: viewId, view });

  let deal: Deal;
  if ('dealId' in target) {
    deal = await ctx.deals.getDeal(target.dealId);
  } else {
    const resolution = await ctx.deals.resolveDeal(target.ref);
    if (resolution.kind !== 'one') {
      const words = escapeMrkdwn(resolution.kind === 'none' ? resolution.words : target.ref.kind === 'words' ? target.ref.words : '');
      await show(
        noticeModal({
          title,
          text:
            resolution.kind === 'none'
              ? `No deal matches “${words}”. Try \`/deal find ${words}\`.`
              : `Several deals match “${words}”. Pick one from the list I sent you.`,
        }),
      );
      await answerUnresolved(ctx, reply, resolution, { op: 'lost', reason: null });
      return;
    }
    deal = resolution.deal;
  }

  if (deal.status !== 'open') {
    const next = deal.status === 'won' ? `Reopen it first with \`/deal reopen ${deal.id}\`.` : 'Nothing to do.';
    await show(noticeModal({ title, text: `*${escapeMrkdwn(deal.title)}* is already ${deal.status}. ${next}` }));
    // The card it was opened from may be out of date: show the deal as it is.
    if (reply.fromCard) await replyWithCard(ctx, reply, deal, `Already *${deal.status}* — nothing changed.`);
    return;
  }
  const metadata: LostModalMetadata = {
    dealId: deal.id,
    channelId: reply.channelId,
    responseUrl: reply.responseUrl,
    fromCard: reply.fromCard,
    card: reply.card ?? null,
  };
  await reply.client.views.update({ view_id: viewId, view: lostReasonModal({ deal, privateMetadata: JSON.stringify(metadata) }) });
}
