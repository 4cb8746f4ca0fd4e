// The steps a `/deal` subcommand and a card button share once they have been acked:
// find the deal the person meant, call the service, and answer with the right message.
// Slash commands and block actions differ only in how they reply, which `Reply` hides.

import type { WebClient } from '@slack/web-api';
import type { Deal } from '../crm/port.js';
import type { DealRef } from '../parse/deal-command.js';
import type { DealResolution, MoveOutcome, StatusOutcome } from '../services/deal-service.js';
import { actorFor, type SlackPerson } from '../services/slack-people.js';
import type { ResponseMessage } from '../slack/response-url.js';
import { dealClosedAnnouncement } from '../ui/announcements.js';
import { dealCard } from '../ui/deal-card.js';
import { dealList, dealPicker, stagePicker, type PendingDealAction } from '../ui/deal-list.js';
import { escapeMrkdwn } from '../ui/mrkdwn.js';
import { noticeModal } from '../ui/notice-modal.js';
import { lostReasonModal } from '../ui/deal-form-modal.js';
import type { DealbotContext } from './context.js';
import type { WriteOptions } from '../crm/port.js';

/** Who asked, and how to answer them. */
export interface Reply {
  client: WebClient;
  userId: string;
  channelId: string | null;
  /** Bolt's `respond()` (or a response_url poster): ephemeral unless told otherwise. */
  respond: (message: ResponseMessage) => Promise<unknown>;
  responseUrl: string | null;
  /** True when answering a button on a card: the card itself is replaced. */
  fromCard: boolean;
}

/** Private metadata of the lost-reason modal. */
export interface LostModalMetadata {
  dealId: string;
  channelId: string | null;
  responseUrl: string | null;
}

async function viewer(ctx: DealbotContext, reply: Reply): Promise<SlackPerson> {
  return ctx.people.get(reply.client, reply.userId);
}

export async function writeOptions(ctx: DealbotContext, reply: Reply): Promise<WriteOptions> {
  const [person, users] = await Promise.all([viewer(ctx, reply), ctx.crm.listUsers()]);
  return { actor: actorFor(person, users) };
}

export async function renderCard(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal,
  options: { ephemeral: boolean; note?: string },
): Promise<{ text: string; blocks: ResponseMessage['blocks'] }> {
  const [person, dealContext] = await Promise.all([viewer(ctx, reply), ctx.deals.contextFor(deal)]);
  return dealCard({
    deal,
    ...dealContext,
    crmName: ctx.deals.crmName,
    viewerZone: person.tz,
    now: ctx.now().setZone(person.tz),
    ephemeral: options.ephemeral,
    ...(options.note ? { context: options.note } : {}),
  });
}

/** Answers with the deal's card: replacing the card a button was pressed on, else a new ephemeral message. */
export async function replyWithCard(ctx: DealbotContext, reply: Reply, deal: Deal, note?: string): Promise<void> {
  const card = await renderCard(ctx, reply, deal, { ephemeral: true, ...(note ? { note } : {}) });
  await reply.respond({ response_type: 'ephemeral', replace_original: reply.fromCard, ...card });
}

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
      return replyWithCard(ctx, reply, outcome.deal, `Moved${from} to *${escapeMrkdwn(outcome.to.name)}* by <@${reply.userId}>`);
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
  if (op === 'reopen') return replyWithCard(ctx, reply, outcome.deal, `Reopened by <@${reply.userId}>`);

  const [person, dealContext] = await Promise.all([viewer(ctx, reply), ctx.deals.contextFor(outcome.deal)]);
  const announcement = dealClosedAnnouncement({
    deal: outcome.deal,
    ...dealContext,
    crmName: ctx.deals.crmName,
    viewerZone: person.tz,
    now: ctx.now().setZone(person.tz),
    actorUserId: reply.userId,
  });
  if (reply.fromCard) await replyWithCard(ctx, reply, outcome.deal);
  await reply.respond({ response_type: 'in_channel', replace_original: false, ...announcement });
}

export async function markStatus(
  ctx: DealbotContext,
  reply: Reply,
  op: 'won' | 'reopen',
  deal: Deal | string,
): Promise<void> {
  const options = await writeOptions(ctx, reply);
  const outcome = op === 'won' ? await ctx.deals.markWon(deal, options) : await ctx.deals.reopen(deal, options);
  await answerStatus(ctx, reply, op, outcome);
}

export async function markLost(ctx: DealbotContext, reply: Reply, deal: Deal | string, reason: string): Promise<void> {
  const outcome = await ctx.deals.markLost(deal, reason, await writeOptions(ctx, reply));
  await answerStatus(ctx, reply, 'lost', outcome);
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
    return;
  }
  const metadata: LostModalMetadata = { dealId: deal.id, channelId: reply.channelId, responseUrl: reply.responseUrl };
  await reply.client.views.update({ view_id: viewId, view: lostReasonModal({ deal, privateMetadata: JSON.stringify(metadata) }) });
}
