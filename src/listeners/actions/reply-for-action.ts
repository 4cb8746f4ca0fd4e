// The `Reply` for a button or select pressed on a message: answers replace that message
// (the card the person pressed: `chat.update` when everyone sees it, the response_url when
// it is ephemeral) and in-channel news goes through its response_url.

import type { BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Reply } from '../replies.js';
import { replyViaRespond } from '../replies.js';

export function replyForAction(body: BlockAction, client: WebClient, respond: RespondFn): Reply {
  const channelId = body.channel?.id ?? body.container?.channel_id ?? null;
  const onMessage = body.container?.type === 'message';
  // A message everyone sees (Slack sends no `message` for ephemeral ones): redrawn in place.
  const sharedTs = onMessage && !body.container?.is_ephemeral ? body.message?.ts : undefined;
  return replyViaRespond({
    client,
    userId: body.user.id,
    channelId,
    respond,
    responseUrl: body.response_url ?? null,
    fromCard: onMessage,
    card: sharedTs && channelId ? { channel: channelId, ts: sharedTs } : null,
  });
}
