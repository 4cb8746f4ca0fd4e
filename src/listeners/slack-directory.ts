// The use cases' `SlackDirectory` over the Web API: people through the cached
// `SlackPeople`, permalinks through `chat.getPermalink`.

import type { WebClient } from '@slack/web-api';
import type { SlackDirectory } from '../services/slack-directory.js';
import type { DealbotContext } from './context.js';

export function slackDirectory(ctx: DealbotContext, client: WebClient): SlackDirectory {
  return {
    person: (userId) => ctx.people.get(client, userId),
    permalink: async (message) =>
      (await client.chat.getPermalink({ channel: message.channelId, message_ts: message.ts })).permalink ?? null,
  };
}
