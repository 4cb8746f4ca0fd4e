// `/deal link`, `/deal link list`, `/deal unlink` (admins), `/deal connect`,
// `/deal disconnect` and `/deal audit [deal]` (admins) — issue #16. The access guard lets only
// admins reach the admin ones; each checks `requester.isAdmin` again, so a surface the guard
// was not told about still refuses.

import type { DealbotContext } from '../context.js';
import type { DealCommand } from '../../parse/deal-command.js';
import { findDealNamed } from '../../services/resolve-deal.js';
import { auditMessage } from '../../ui/audit-view.js';
import {
  connectModal,
  connectNotNeededMessage,
  connectOffMessage,
  disconnectedMessage,
  inactiveCrmUserMessage,
  linkedMessage,
  linkListMessage,
  noSuchCrmUserMessage,
  notAdminMessage,
  unlinkedMessage,
} from '../../ui/link-notices.js';
import { answerNotFound } from '../deal-replies.js';
import type { Reply } from '../replies.js';

type Command<K extends DealCommand['kind']> = Extract<DealCommand, { kind: K }>;

/** What the `/deal connect` modal carries to its submission. */
export interface ConnectModalMetadata {
  channelId: string | null;
  responseUrl: string | null;
}

const ephemeral = (reply: Reply, message: { text: string; blocks: unknown[] }) =>
  reply.respond({ response_type: 'ephemeral', ...(message as { text: string; blocks: never[] }) });

/** True for admins; anyone else is told so. */
async function admin(ctx: DealbotContext, reply: Reply): Promise<boolean> {
  if (ctx.requester?.isAdmin === true) return true;
  await ephemeral(reply, notAdminMessage());
  return false;
}

function links(ctx: DealbotContext) {
  if (!ctx.crmLinks) throw new Error('crm links are not on the context (acting-as middleware missing)');
  return ctx.crmLinks;
}

const crmName = (ctx: DealbotContext): string => (ctx.sharedCrm ?? ctx.crm).displayName;

/** Their link changed: their next request looks it up again instead of using what was cached. */
const forget = (ctx: DealbotContext, slackUserId: string): Promise<void> => ctx.requesters?.forget(slackUserId) ?? Promise.resolve();

export async function linkPerson(ctx: DealbotContext, reply: Reply, { slackUserId, email }: Command<'link'>): Promise<void> {
  if (!(await admin(ctx, reply))) return;
  const outcome = await links(ctx).link(slackUserId, email, reply.userId);
  if (outcome.kind === 'linked') await forget(ctx, slackUserId);
  switch (outcome.kind) {
    case 'linked':
      await ephemeral(reply, linkedMessage({ slackUserId, user: outcome.user, replaced: outcome.replaced, crmName: crmName(ctx) }));
      return;
    case 'no-such-user':
      await ephemeral(reply, noSuchCrmUserMessage({ email: outcome.email, known: outcome.known, crmName: crmName(ctx) }));
      return;
    case 'inactive':
      await ephemeral(reply, inactiveCrmUserMessage(outcome.user, crmName(ctx)));
  }
}

export async function listLinks(ctx: DealbotContext, reply: Reply): Promise<void> {
  if (!(await admin(ctx, reply))) return;
  await ephemeral(reply, linkListMessage(await links(ctx).list(), crmName(ctx)));
}

export async function unlinkPerson(ctx: DealbotContext, reply: Reply, { slackUserId }: Command<'unlink'>): Promise<void> {
  if (!(await admin(ctx, reply))) return;
  const unlinked = await links(ctx).unlink(slackUserId);
  await forget(ctx, slackUserId);
  await ephemeral(reply, unlinkedMessage(slackUserId, unlinked));
}

/** Opens the modal at once (a trigger_id lasts 3 s): nothing is looked up first. */
export async function openConnect(ctx: DealbotContext, reply: Reply, triggerId: string): Promise<void> {
  const shared = ctx.sharedCrm ?? ctx.crm;
  if (shared.provider === 'local' || !ctx.personalCrms) return void (await ephemeral(reply, connectNotNeededMessage(shared.displayName)));
  if (!ctx.credentials) return void (await ephemeral(reply, connectOffMessage()));
  const metadata: ConnectModalMetadata = { channelId: reply.channelId, responseUrl: reply.responseUrl };
  await reply.client.views.open({
    trigger_id: triggerId,
    view: connectModal({ provider: shared.provider, crmName: shared.displayName, privateMetadata: JSON.stringify(metadata) }),
  });
}

export async function disconnect(ctx: DealbotContext, reply: Reply): Promise<void> {
  const removed = ctx.credentials ? await ctx.credentials.remove(reply.userId) : false;
  if (removed) await forget(ctx, reply.userId);
  await ephemeral(reply, disconnectedMessage(removed, crmName(ctx)));
}

export async function showAudit(ctx: DealbotContext, reply: Reply, { deal }: Command<'audit'>): Promise<void> {
  if (!(await admin(ctx, reply))) return;
  const audit = ctx.audit;
  if (!audit) throw new Error('the audit trail is not on the context (acting-as middleware missing)');
  if (deal === null) {
    await ephemeral(reply, auditMessage({ entries: await audit.recent(), deal: null, crmName: crmName(ctx) }));
    return;
  }
  if (deal.kind === 'id') {
    // The trail names the deal itself: no CRM read for an id.
    const entries = await audit.forDeal(deal.id);
    const title = entries[0]?.dealTitle ?? `#${deal.id}`;
    await ephemeral(reply, auditMessage({ entries, deal: { id: deal.id, title }, crmName: crmName(ctx) }));
    return;
  }
  const found = await findDealNamed(ctx.deals, deal);
  if (found.kind !== 'one') return answerNotFound(reply, found, { op: 'show' });
  const entries = await audit.forDeal(found.deal.id);
  await ephemeral(reply, auditMessage({ entries, deal: { id: found.deal.id, title: found.deal.title }, crmName: crmName(ctx) }));
}
