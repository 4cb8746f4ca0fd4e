// Builds the `Reply` a flow answers through, from whatever the Slack request offers: Bolt's
// `respond()` for commands and message buttons; for modal submissions, the response_url
// the modal was opened from, else an ephemeral message in its channel, else a DM. A modal
// opened from a card's button keeps that card, so its answer redraws the card.

import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SharedCard } from '../services/undo.js';
import { postToResponseUrl, type ResponseMessage } from '../slack/response-url.js';
import type { Reply } from './deal-flows.js';

export function replyViaRespond(args: {
  client: WebClient;
  userId: string;
  channelId: string | null;
  respond: RespondFn;
  responseUrl: string | null;
  fromCard: boolean;
  card?: SharedCard | null;
}): Reply {
  const { respond, ...rest } = args;
  return { ...rest, respond: (message) => respond(message) };
}

/** A slash command's reply: through its `respond()`, in the channel it was typed in, from no card. */
export function replyToCommand(args: { client: WebClient; respond: RespondFn; command: SlashCommand }): Reply {
  const { client, respond, command } = args;
  return replyViaRespond({
    client,
    userId: command.user_id,
    channelId: command.channel_id,
    respond,
    responseUrl: command.response_url,
    fromCard: false,
  });
}

export function replyFromModal(args: {
  client: WebClient;
  userId: string;
  channelId: string | null;
  responseUrl: string | null;
  /** The modal was opened from a card's button: answers redraw that card. */
  fromCard?: boolean;
  card?: SharedCard | null;
}): Reply {
  const { client, userId, channelId, responseUrl } = args;
  const respond = async (message: ResponseMessage): Promise<unknown> => {
    if (responseUrl) return postToResponseUrl(responseUrl, message);
    const { text, blocks } = message;
    if (channelId && message.response_type === 'in_channel') return client.chat.postMessage({ channel: channelId, text, blocks });
    if (channelId) return client.chat.postEphemeral({ channel: channelId, user: userId, text, blocks });
    return client.chat.postMessage({ channel: userId, text, blocks });
  };
  // Without a response_url there is no way to redraw an ephemeral card; a new message it is.
  const fromCard = Boolean(args.fromCard && (responseUrl || args.card));
  return { client, userId, channelId, responseUrl, respond, fromCard, card: args.card ?? null };
}
