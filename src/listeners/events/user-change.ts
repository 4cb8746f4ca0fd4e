// `user_change`: Slack says a person changed (became a guest, an admin, left, changed their
// email). Who they are is read again from the event itself, so the access check's cache
// (`services/requester-directory.ts`) never waits out its five minutes on a change that
// matters. Bolt acknowledges events itself.

import type { App } from '@slack/bolt';
import { slackUserProfile } from '../access-guard.js';
import type { DealbotContext } from '../context.js';

export function registerUserChangeEvent(app: App<DealbotContext>): void {
  app.event('user_change', async ({ event, context }) => {
    const profile = slackUserProfile(event.user as unknown as Record<string, unknown>);
    if (!profile || !context.requesters) return;
    await context.requesters.refresh(profile);
  });
}
