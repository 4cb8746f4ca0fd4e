// The `Reply` for a button or select pressed on a message: answers replace that message
// (the card the person pressed) and in-channel news goes through its response_url.

import type { BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Reply } from '../deal-flows.js';
import { replyViaRespond } from '../replies.js';

export function replyForAction(body: BlockAction, client: WebClient, respond: RespondFn): Reply {
  return replyViaRespond({
    client,
    userId: body.user.id,
    channelId: body.channel?.id ?? body.container?.channel_id ?? null,
    respond,
    responseUrl: body.response_url ?? null,
    fromCard: body.container?.type === 'message',
  });
}
