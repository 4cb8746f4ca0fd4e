// Publishing a person's Home tab, for the event that opens it and its Refresh button: the
// use case reads their deals, `ui/home-view.ts` draws them, `views.publish` sends them.

import type { WebClient } from '@slack/web-api';
import { homeTabFor } from '../services/home-deals.js';
import { homeView } from '../ui/home-view.js';
import type { DealbotContext } from './context.js';

export async function publishHome(ctx: DealbotContext, client: WebClient, userId: string): Promise<void> {
  const person = await ctx.people.get(client, userId);
  const tab = await homeTabFor(ctx.crm, person, ctx.now());
  await client.views.publish({ user_id: userId, view: homeView({ crmName: ctx.crm.displayName, ...tab }) });
}
