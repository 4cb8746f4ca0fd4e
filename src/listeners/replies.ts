// Builds the `Reply` a flow answers through, from whatever the Slack request offers: Bolt's
// `respond()` for commands and message buttons; for modal submissions, the response_url
// the modal was opened from, else an ephemeral message in its channel, else a DM. A modal
// opened from a card's button keeps that card, so its answer redraws the card.
//
// Every answer goes through `deliverReply`, the one place that knows what to do when the
// response_url refuses it (expired, used up, unknown, invalid): the person still hears the
// outcome, ephemerally where they are, else by DM. In-channel news goes to the channel
// instead, and if the channel refuses too, the caller learns it (an announcement that
// failed is explained, not lost).

import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SharedCard } from '../services/undo.js';
import { postToResponseUrl, type ResponseMessage } from '../slack/response-url.js';

/** Who asked, and how to answer them. */
export interface Reply {
  client: WebClient;
  userId: string;
  channelId: string | null;
  /** Bolt's `respond()` (or a response_url poster): ephemeral unless told otherwise. */
  respond: (message: ResponseMessage) => Promise<unknown>;
  responseUrl: string | null;
  /** True when answering a button on a card: the card itself is replaced. */
  fromCard: boolean;
  /**
   * The card in a channel (or DM) everyone sees, when the button was pressed on one: it is
   * updated in place with `chat.update`. Null for ephemeral cards, replaced through the
   * response_url instead.
   */
  card?: SharedCard | null;
}

/**
 * Whether Slack refused a response_url post for good: a 4xx other than a rate limit
 * (`expired_url` and `used_url` come as 404, a malformed answer as 400). A rate limit or an
 * outage is not a refusal: trying elsewhere at once would meet the same trouble.
 */
export function responseUrlRefused(error: unknown): boolean {
  const e = error as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : null;
  return status !== null && status >= 400 && status < 500 && status !== 429;
}

export interface ReplyTarget {
  client: WebClient;
  userId: string;
  channelId: string | null;
  responseUrl: string | null;
}

/**
 * Sends `message` to the person: through the response_url when there is one (`post`, Bolt's
 * `respond()` or a plain POST); without one, or when Slack refused it, through the Web API.
 */
export async function deliverReply(
  target: ReplyTarget,
  message: ResponseMessage,
  post: (message: ResponseMessage) => Promise<unknown> = (m) => postToResponseUrl(target.responseUrl ?? '', m),
): Promise<unknown> {
  const { client, userId, channelId, responseUrl } = target;
  let refused = false;
  if (responseUrl) {
    try {
      return await post(message);
    } catch (error) {
      if (!responseUrlRefused(error)) throw error;
      refused = true;
    }
    // Only the response_url can delete the message it belongs to; nothing to tell instead.
    if (message.delete_original) return undefined;
  }
  const { text, blocks } = message;
  const content = { text, ...(blocks ? { blocks } : {}) };
  if (channelId && message.response_type === 'in_channel') return client.chat.postMessage({ channel: channelId, ...content });
  if (channelId) {
    try {
      return await client.chat.postEphemeral({ channel: channelId, user: userId, ...content });
    } catch (error) {
      // Without a response_url the caller explains a channel Dealbot cannot post in.
      if (!refused) throw error;
    }
  }
  return client.chat.postMessage({ channel: userId, ...content });
}

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
  return { ...rest, respond: (message) => deliverReply(rest, message, (m) => respond(m)) };
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
  const target: ReplyTarget = { client, userId, channelId, responseUrl };
  // Without a response_url there is no way to redraw an ephemeral card; a new message it is.
  const fromCard = Boolean(args.fromCard && (responseUrl || args.card));
  return { ...target, respond: (message) => deliverReply(target, message), fromCard, card: args.card ?? null };
}
