// The Slack side of the alert subscription use cases (`services/alert-subscriptions.ts`):
// the workspace's alert store, the CRM, and whether the bot can post in a channel (the
// digest's answer: a public channel is joined, a private one must invite it). Commands and
// the alerts modal both build them here. Who is asking comes from the access guard.

import type { WebClient } from '@slack/web-api';
import { createAlertSubscriptions, type AlertActor, type AlertSubscriptions } from '../services/alert-subscriptions.js';
import { createAlertStore } from '../store/alert-store.js';
import type { DealbotContext } from './context.js';
import { slackDigestChannels } from './digest-slack.js';

/** The alert use cases for a request answered with `client`, on the workspace's store. */
export function alertSubscriptionsFor(ctx: DealbotContext, client: WebClient): AlertSubscriptions {
  return createAlertSubscriptions({
    store: createAlertStore(ctx.store),
    crm: ctx.crm,
    channels: slackDigestChannels(client),
    now: ctx.now,
  });
}

/** The part of the access guard's `requester` alerts read; null where no guard ran (some tests). */
export function requesterOf(ctx: DealbotContext): { isAdmin: boolean; crmUserId: string | null } | null {
  return (ctx.requester as { isAdmin: boolean; crmUserId: string | null } | null | undefined) ?? null;
}

/** Who is asking, as the use case wants them: an admin may change anyone's subscription. */
export function alertActor(ctx: DealbotContext, userId: string): AlertActor {
  return { userId, isAdmin: requesterOf(ctx)?.isAdmin ?? false };
}
