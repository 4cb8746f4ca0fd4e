// Answering with a deal's card, shared by every surface that shows one: the card drawn in
// the viewer's zone, a card everyone sees redrawn in place (`chat.update`, else the click's
// response_url), a new ephemeral card otherwise, the channel's announcement of a close, and
// the actor a write is recorded under. A presenter: what a card shows comes from the deal
// service (`contextFor`, cached reference data), the words from `ui/`.

import type { Deal, WriteOptions } from '../crm/port.js';
import { writeOptionsFor, type SlackPerson } from '../services/slack-people.js';
import type { SharedCard } from '../services/undo.js';
import type { ResponseMessage } from '../slack/response-url.js';
import { dealClosedAnnouncement } from '../ui/announcements.js';
import { dealCard } from '../ui/deal-card.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

async function viewer(ctx: DealbotContext, reply: Reply): Promise<SlackPerson> {
  return ctx.people.get(reply.client, reply.userId);
}

/** The actor a write made through `reply` is recorded under (see `writeOptionsFor`). */
export function writeOptions(ctx: DealbotContext, reply: Reply): Promise<WriteOptions> {
  return writeOptionsFor(ctx.crm, viewer(ctx, reply));
}

export async function renderCard(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal,
  options: { ephemeral: boolean; note?: string; undoId?: string },
): Promise<{ text: string; blocks: NonNullable<ResponseMessage['blocks']> }> {
  const [person, dealContext] = await Promise.all([viewer(ctx, reply), ctx.deals.contextFor(deal)]);
  return dealCard({
    deal,
    ...dealContext,
    crmName: ctx.deals.crmName,
    viewerZone: person.tz,
    now: ctx.now().setZone(person.tz),
    ephemeral: options.ephemeral,
    // In a channel shared with another organization (which an admin opened), sharing asks first.
    confirmShare: Boolean(reply.channelId && ctx.channelRules?.known(reply.channelId)?.externallyShared),
    ...(options.note ? { context: options.note } : {}),
    ...(options.note && options.undoId ? { undoId: options.undoId } : {}),
  });
}

/** What the channel is told of a deal won, lost or reopened by `reply`'s person, in their zone. */
export async function closedAnnouncement(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal,
): Promise<ReturnType<typeof dealClosedAnnouncement>> {
  const [person, dealContext] = await Promise.all([viewer(ctx, reply), ctx.deals.contextFor(deal)]);
  return dealClosedAnnouncement({
    deal,
    ...dealContext,
    crmName: ctx.deals.crmName,
    viewerZone: person.tz,
    now: ctx.now().setZone(person.tz),
    actorUserId: reply.userId,
  });
}

/**
 * Redraws a card everyone sees with the deal as it is now. `chat.update` first; a message
 * the bot may not edit (posted through a response_url elsewhere) is replaced through the
 * response_url of the click, when the click was on that card.
 */
export async function updateSharedCard(ctx: DealbotContext, reply: Reply, card: SharedCard, deal: Deal, note?: string): Promise<void> {
  const message = await renderCard(ctx, reply, deal, { ephemeral: false, ...(note ? { note } : {}) });
  try {
    await reply.client.chat.update({ channel: card.channel, ts: card.ts, ...message });
  } catch (error) {
    if (!reply.fromCard || reply.card?.ts !== card.ts) throw error;
    ctx.logger.info({ err: error }, 'chat.update refused the shared card; replacing it through the response_url');
    await reply.respond({ replace_original: true, ...message });
  }
}

/**
 * Answers with the deal's card: the card a button was pressed on is redrawn in place (for
 * everyone when it is in a channel), else a new ephemeral card. `undoId` puts an Undo
 * button beside the note of an ephemeral card.
 */
export async function replyWithCard(ctx: DealbotContext, reply: Reply, deal: Deal, note?: string, undoId?: string): Promise<void> {
  if (reply.fromCard && reply.card) return updateSharedCard(ctx, reply, reply.card, deal, note);
  const card = await renderCard(ctx, reply, deal, { ephemeral: true, ...(note ? { note } : {}), ...(undoId ? { undoId } : {}) });
  await reply.respond({ response_type: 'ephemeral', replace_original: reply.fromCard, ...card });
}
