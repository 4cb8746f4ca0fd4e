// `app_home_opened`: the Home tab is drawn afresh each time the person opens it (Bolt
// acknowledges events itself). The Messages tab needs nothing.

import type { App } from '@slack/bolt';
import type { DealbotContext } from '../context.js';
import { publishHome } from '../home-tab.js';

export function registerAppHomeEvent(app: App<DealbotContext>): void {
  app.event('app_home_opened', async ({ event, client, context }) => {
    if (event.tab !== 'home') return;
    await publishHome(context, client, event.user);
  });
}
