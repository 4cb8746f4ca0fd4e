// Answers in a message's thread, for the message shortcuts: the card of a deal made from the
// message, the confirmation that it went to a deal as a note. Where the bot may not post in
// the thread (not in the channel), the person gets the answer privately instead.

import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Deal } from '../crm/port.js';
import type { MessageSource } from '../services/message-note.js';
import { CANNOT_POST_IN_THREAD, createdFromMessageLine, noteAttachedMessage } from '../ui/note-messages.js';
import { renderCard, replyWithCard } from './card-replies.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

/** Posts in the message's thread; false when Slack refuses (the bot is not in the channel). */
export async function postInThread(
  ctx: DealbotContext,
  client: WebClient,
  source: MessageSource,
  message: { text: string; blocks: KnownBlock[] },
): Promise<boolean> {
  try {
    await client.chat.postMessage({
      channel: source.channelId,
      thread_ts: source.threadTs ?? source.ts,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
    });
    return true;
  } catch (error) {
    ctx.logger.info({ err: error, channel: source.channelId }, 'could not post in the thread; answering the person instead');
    return false;
  }
}

/** The card of a deal just made from the message, in its thread. */
export async function cardInThread(ctx: DealbotContext, reply: Reply, deal: Deal, source: MessageSource): Promise<void> {
  const line = createdFromMessageLine(reply.userId, ctx.now());
  const card = await renderCard(ctx, reply, deal, { ephemeral: false, note: line });
  if (!(await postInThread(ctx, reply.client, source, card))) {
    await replyWithCard(ctx, reply, deal, `${line}. ${CANNOT_POST_IN_THREAD}`);
  }
}

/** "📝 @ada attached this message to *Acme* as a note", in its thread. */
export async function noteConfirmationInThread(ctx: DealbotContext, reply: Reply, deal: Deal, source: MessageSource): Promise<void> {
  const confirmation = noteAttachedMessage({ deal, actorUserId: reply.userId, crmName: ctx.crm.displayName });
  if (!(await postInThread(ctx, reply.client, source, confirmation))) {
    await reply.respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `${confirmation.text} ${CANNOT_POST_IN_THREAD}`,
    });
  }
}
