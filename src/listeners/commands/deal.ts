// `/deal`: parse, ack, hand over to a flow. Help and usage need no CRM, so they are the
// ack itself; everything else is acked empty first and answered through `respond()`.

import type { App } from '@slack/bolt';
import type { Deal } from '../../crm/port.js';
import type { DealCommand, DealRef } from '../../parse/deal-command.js';
import { DEAL_SUBCOMMAND_HELP, parseDealCommand } from '../../parse/deal-command.js';
import { findDealNamed } from '../../services/resolve-deal.js';
import { createdByNote, DUPLICATE_CREATE_NOTE } from '../../ui/deal-change.js';
import { dealList, type PendingDealAction } from '../../ui/deal-list.js';
import { helpMessage, usageMessage } from '../../ui/help.js';
import type { DealbotContext } from '../context.js';
import { openCreateModal } from '../create-deal-modal.js';
import { answerMove, answerNotFound, changesFor, changeStatus } from '../deal-replies.js';
import { openLostModal } from '../lost-reason-modal.js';
import { replyWithCard, writeOptions } from '../card-replies.js';
import type { Reply } from '../replies.js';
import { replyToCommand } from '../replies.js';
import { replyWithTimeline } from '../timeline-replies.js';
import { runPersonalAlerts } from '../personal-alerts.js';
import { SlashCommand } from '../../ui/ids.js';
import { channelRuleNoChannelMessage, channelRuleSetMessage, channelRuleShownMessage } from '../../ui/access-notices.js';
import { isDirectMessage } from '../../services/channel-rules.js';
import { isExternallySharedPort } from '../access-guard.js';
import { dispatch, type HandlerMap } from './handler-map.js';
import { disconnect, linkPerson, listLinks, openConnect, showAudit, unlinkPerson } from './deal-people.js';

/** The subcommands answered after the ack; help and usage are the ack itself. */
export type DealSubcommand = Exclude<DealCommand, { kind: 'help' | 'invalid' }>;

type Subcommand<K extends DealSubcommand['kind']> = (
  ctx: DealbotContext,
  reply: Reply,
  command: Extract<DealSubcommand, { kind: K }>,
  triggerId: string,
) => Promise<void>;

/**
 * Finds the deal `ref` names and runs `then` on it. Several matches get a picker that
 * carries `pending` so the choice finishes the same action; none gets a friendly list.
 */
async function withDeal(
  ctx: DealbotContext,
  reply: Reply,
  ref: DealRef,
  pending: PendingDealAction,
  then: (deal: Deal) => Promise<void>,
): Promise<void> {
  const found = await findDealNamed(ctx.deals, ref);
  if (found.kind === 'one') return then(found.deal);
  await answerNotFound(reply, found, pending);
}

const show: Subcommand<'show'> = (ctx, reply, { ref }) =>
  withDeal(ctx, reply, ref, { op: 'show' }, (deal) => replyWithCard(ctx, reply, deal));

const find: Subcommand<'find'> = async (ctx, reply, { words }) => {
  const [{ hits, more }, stageNames] = await Promise.all([ctx.deals.findDeals(words), ctx.deals.stageNames()]);
  await reply.respond({ response_type: 'ephemeral', ...dealList({ hits, query: words, more, stageNames }) });
};

const create: Subcommand<'new'> = async (ctx, reply, { line }, triggerId) => {
  if (!line) return openCreateModal(ctx, reply, triggerId);
  const options = await writeOptions(ctx, reply);
  // A retried delivery of the same command carries the same trigger_id: one deal, not two.
  const { deal, duplicate } = await ctx.deals.quickCreate(line, `trigger:${triggerId}`, options);
  await replyWithCard(ctx, reply, deal, duplicate ? DUPLICATE_CREATE_NOTE : createdByNote(reply.userId));
};

const move: Subcommand<'move'> = (ctx, reply, { ref, stage }) =>
  withDeal(ctx, reply, ref, { op: 'move', stage }, async (deal) => {
    const { changes, request } = await changesFor(ctx, reply);
    await answerMove(ctx, reply, await changes.moveByName(deal, stage, request), stage);
  });

const won: Subcommand<'won'> = (ctx, reply, { ref }) =>
  withDeal(ctx, reply, ref, { op: 'won' }, (deal) => changeStatus(ctx, reply, deal, { op: 'won' }));

const reopen: Subcommand<'reopen'> = (ctx, reply, { ref }) =>
  withDeal(ctx, reply, ref, { op: 'reopen' }, (deal) => changeStatus(ctx, reply, deal, { op: 'reopen' }));

const lost: Subcommand<'lost'> = async (ctx, reply, { ref, reason }, triggerId) => {
  if (reason) {
    return withDeal(ctx, reply, ref, { op: 'lost', reason }, (deal) => changeStatus(ctx, reply, deal, { op: 'lost', reason }));
  }
  // No reason: ask for one in a modal, opened before the deal is even looked up.
  return openLostModal(ctx, reply, triggerId, ref.kind === 'id' ? { dealId: ref.id } : { ref });
};

const timeline: Subcommand<'timeline'> = (ctx, reply, { ref }) =>
  // The timeline reads the deal itself, alongside its history: an id needs no lookup first.
  ref.kind === 'id'
    ? replyWithTimeline(ctx, reply, ref.id)
    : withDeal(ctx, reply, ref, { op: 'timeline' }, (deal) => replyWithTimeline(ctx, reply, deal));

/** `/deal channel`: an admin sets the channel's rule (the access guard let only admins through); alone, the rule in force. */
const channel: Subcommand<'channel'> = async (ctx, reply, { rule }) => {
  const channelId = reply.channelId;
  const rules = ctx.channelRules;
  if (!channelId || isDirectMessage(channelId) || !rules) {
    return void (await reply.respond({ response_type: 'ephemeral', ...channelRuleNoChannelMessage() }));
  }
  if (rule === null) {
    const access = await rules.access(channelId, isExternallySharedPort(reply.client));
    return void (await reply.respond({ response_type: 'ephemeral', ...channelRuleShownMessage(access.rule, access.externallyShared) }));
  }
  await rules.set(channelId, rule, reply.userId);
  await reply.respond({ response_type: 'in_channel', ...channelRuleSetMessage(rule, reply.userId) });
};

/** One handler per subcommand: a kind added to the grammar without one here fails the type check. */
export const dealSubcommands: HandlerMap<DealSubcommand, [ctx: DealbotContext, reply: Reply, triggerId: string], Promise<void>> = {
  show: (command, ctx, reply, trigger) => show(ctx, reply, command, trigger),
  find: (command, ctx, reply, trigger) => find(ctx, reply, command, trigger),
  new: (command, ctx, reply, trigger) => create(ctx, reply, command, trigger),
  move: (command, ctx, reply, trigger) => move(ctx, reply, command, trigger),
  won: (command, ctx, reply, trigger) => won(ctx, reply, command, trigger),
  lost: (command, ctx, reply, trigger) => lost(ctx, reply, command, trigger),
  reopen: (command, ctx, reply, trigger) => reopen(ctx, reply, command, trigger),
  timeline: (command, ctx, reply, trigger) => timeline(ctx, reply, command, trigger),
  channel: (command, ctx, reply, trigger) => channel(ctx, reply, command, trigger),
  alerts: (command, ctx, reply) => runPersonalAlerts(ctx, reply, command.on),
  link: (command, ctx, reply) => linkPerson(ctx, reply, command),
  'link-list': (_command, ctx, reply) => listLinks(ctx, reply),
  unlink: (command, ctx, reply) => unlinkPerson(ctx, reply, command),
  connect: (_command, ctx, reply, trigger) => openConnect(ctx, reply, trigger),
  disconnect: (_command, ctx, reply) => disconnect(ctx, reply),
  audit: (command, ctx, reply) => showAudit(ctx, reply, command),
};

export function registerDealCommand(app: App<DealbotContext>): void {
  app.command(SlashCommand.deal, async ({ command, ack, respond, client, context }) => {
    const parsed = parseDealCommand(command.text);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', ...helpMessage(DEAL_SUBCOMMAND_HELP) });
    if (parsed.kind === 'invalid') {
      return ack({ response_type: 'ephemeral', ...usageMessage(parsed.problem, parsed.suggestion) });
    }
    await ack();
    const reply = replyToCommand({ client, respond, command });
    return dispatch(dealSubcommands, parsed, context as DealbotContext, reply, command.trigger_id);
  });
}
