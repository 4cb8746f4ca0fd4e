// The Slack side of the digest use cases (`services/digest-subscriptions.ts`): whether the
// bot can post in a channel (joining a public one), and the scheduler's "post one now", read
// into the use case's terms. Commands and the settings modal both build them here.

import type { WebClient } from '@slack/web-api';
import { isNotInChannel } from '../domain/digest-schedule.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { createDigestSubscriptions, type DigestChannels, type DigestSubscriptions } from '../services/digest-subscriptions.js';
import type { DealbotContext } from './context.js';

/**
 * A public channel the bot is not in is joined; a private channel it is not in cannot even
 * be read, so the answer is false and the person is asked to invite it. DMs always work.
 */
export function slackDigestChannels(client: WebClient): DigestChannels {
  return {
    async canPostIn(channelId) {
      if (/^[DU]/.test(channelId)) return true;
      try {
        const { channel } = await client.conversations.info({ channel: channelId });
        if (!channel) return false;
        if (channel.is_member) return true;
        if (channel.is_private) return false;
        await client.conversations.join({ channel: channelId });
        return true;
      } catch (error) {
        if ((error as { data?: { error?: string } }).data?.error === 'channel_not_found') return false;
        throw error;
      }
    },
  };
}

/** The digest use cases for a request answered with `client`, over the running scheduler. */
export function digestSubscriptionsFor(ctx: DealbotContext, digests: Scheduler, client: WebClient): DigestSubscriptions {
  return createDigestSubscriptions({
    crm: ctx.crm,
    schedules: digests.schedules,
    channels: slackDigestChannels(client),
    now: ctx.now,
    postNow: async (schedule) => {
      const result = await digests.postNow(schedule);
      return result.ok ? { ok: true } : { ok: false, notInChannel: isNotInChannel(result.failure), detail: result.failure.detail };
    },
  });
}
