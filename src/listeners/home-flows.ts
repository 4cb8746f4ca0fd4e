// The App Home tab and what its buttons do. The tab lists the viewer's open deals (their
// Slack email mapped to a CRM user); "Open" sends the deal's card as a DM from the bot,
// where its buttons work like on any card (a modal would need a second set of controls);
// "New deal" opens the create modal, whose card then arrives in the same DM.

import type { WebClient } from '@slack/web-api';
import { loadHomeDeals } from '../services/home-deals.js';
import { crmUserFor } from '../services/slack-people.js';
import { changeLine } from '../ui/deal-change.js';
import { homeView } from '../ui/home-view.js';
import type { DealbotContext } from './context.js';
import { renderCard } from './card-replies.js';
import type { Reply } from './replies.js';
import { replyFromModal } from './replies.js';

/** Replies for Home: there is no channel and no response_url; answers are DMs. */
export function homeReply(client: WebClient, userId: string): Reply {
  return replyFromModal({ client, userId, channelId: null, responseUrl: null });
}

export async function publishHome(ctx: DealbotContext, client: WebClient, userId: string): Promise<void> {
  const [person, users, stageNames] = await Promise.all([ctx.people.get(client, userId), ctx.crm.listUsers(), ctx.deals.stageNames()]);
  const zoned = ctx.now().setZone(person.tz);
  const now = zoned.isValid ? zoned : ctx.now().setZone('UTC');
  const owner = crmUserFor(person, users);
  const deals = owner ? await loadHomeDeals(ctx.crm, { ownerId: owner.id, now }) : { missingUser: { email: person.email } };
  await client.views.publish({ user_id: userId, view: homeView({ crmName: ctx.crm.displayName, now, stageNames, deals }) });
}

/** The deal's card as a DM from the bot: a message everyone in it (the person) can act on. */
export async function sendCardAsDm(ctx: DealbotContext, client: WebClient, userId: string, dealId: string): Promise<void> {
  const reply = homeReply(client, userId);
  const deal = await ctx.deals.getDeal(dealId);
  const card = await renderCard(ctx, reply, deal, { ephemeral: false, note: changeLine('Opened from Home', userId, ctx.now()) });
  await client.chat.postMessage({ channel: userId, ...card });
}
