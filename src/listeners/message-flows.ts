// The message shortcuts once acked. "Create deal from message" opens the create modal at
// once with the message's first line as the title, fills in the note (the message's text)
// while the CRM data loads, and after creation puts the note on the deal and the card in
// the message's thread. "Attach to deal" opens a modal with a deal picker and the note, and
// adds it to the chosen deal with a short confirmation in the thread. Where the bot may not
// post in the thread, the person gets the answer privately instead.

import type { MessageShortcut } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Deal } from '../crm/port.js';
import { runOnce } from '../services/idempotency.js';
import {
  addDealNote,
  describeMessage,
  mentionNames,
  messageBodyText,
  messageNote,
  noteTextFromMessage,
  titleFromMessage,
  type MessageSource,
} from '../services/message-note.js';
import { changeLine } from '../ui/deal-change.js';
import { errorMessage } from '../ui/error-message.js';
import { escapeMrkdwn } from '../ui/mrkdwn.js';
import { noticeModal } from '../ui/notice-modal.js';
import { noteAttachedMessage } from '../ui/note-messages.js';
import { attachNoteModal } from '../ui/note-modal.js';
import { parseQuickCreate } from '../parse/quick-create.js';
import type { DealbotContext } from './context.js';
import { messageSourceLine, openCreateModal } from './deal-form-flows.js';
import { renderCard, replyWithCard, writeOptions } from './card-replies.js';
import type { Reply } from './replies.js';

/** Private metadata of the "Attach to deal" modal. */
export interface AttachModalMetadata {
  source: MessageSource;
  /** The shortcut's response_url: the private answer when the thread is closed to the bot. */
  responseUrl: string | null;
}

const CANNOT_POST_IN_THREAD = 'I could not reply in the thread: invite me to the channel with `/invite @Dealbot`.';

/** Where the shortcut's message is and who wrote it (a bot has no user, only a name). */
export function messageSourceOf(shortcut: MessageShortcut): MessageSource {
  const message = shortcut.message as MessageShortcut['message'] & { thread_ts?: string; username?: string; bot_profile?: { name?: string } };
  return {
    channelId: shortcut.channel.id,
    ts: message.ts,
    threadTs: message.thread_ts ?? null,
    authorId: message.user ?? null,
    authorName: message.user ? null : (message.username ?? message.bot_profile?.name ?? null),
  };
}

const messageText = (shortcut: MessageShortcut): string => messageBodyText(shortcut.message);

export async function openCreateFromMessage(ctx: DealbotContext, reply: Reply, shortcut: MessageShortcut): Promise<void> {
  const text = messageText(shortcut);
  // "Sell Initech the premium plan, 20k EUR": the amount at the end of the line becomes
  // the value, as in `/deal new`, and the rest the title.
  const line = titleFromMessage(text);
  const quick = parseQuickCreate(line);
  const title = quick.value && quick.title ? quick.title.replace(/[\s,;:–—-]+$/u, '') : line;
  const values = {
    ...(title ? { title } : {}),
    ...(quick.value && quick.title ? { value: String(quick.value.amount), ...(quick.value.currency ? { currency: quick.value.currency } : {}) } : {}),
  };
  await openCreateModal(ctx, reply, shortcut.trigger_id, values, {
    source: messageSourceOf(shortcut),
    noteText: async () => noteTextFromMessage(text, await mentionNames(reply.client, ctx.people, text)),
  });
}

/**
 * The attach modal needs nothing from the CRM to open (deals are searched as the person
 * types), so it opens complete; mentions read `@U…` until Slack names them, which would cost
 * a call before `views.open`.
 */
export async function openAttachModal(ctx: DealbotContext, reply: Reply, shortcut: MessageShortcut): Promise<void> {
  const source = messageSourceOf(shortcut);
  if (!ctx.crm.addNote) {
    const crm = escapeMrkdwn(ctx.crm.displayName);
    await reply.client.views.open({
      trigger_id: shortcut.trigger_id,
      view: noticeModal({ title: 'Attach to deal', text: `${crm} has no notes Dealbot can add to, so a message cannot be attached to a deal there.` }),
    });
    return;
  }
  const metadata: AttachModalMetadata = { source, responseUrl: reply.responseUrl };
  await reply.client.views.open({
    trigger_id: shortcut.trigger_id,
    view: attachNoteModal({
      privateMetadata: JSON.stringify(metadata),
      note: noteTextFromMessage(messageText(shortcut)),
      source: messageSourceLine(source, ctx.crm.displayName),
      crmName: ctx.crm.displayName,
    }),
  });
}

/** The note the CRM keeps for `note`, in the words of the person creating it. */
async function composeNote(ctx: DealbotContext, reply: Reply, source: MessageSource, note: string): Promise<string> {
  const [details, person] = await Promise.all([
    describeMessage(reply.client, ctx.people, source),
    ctx.people.get(reply.client, reply.userId),
  ]);
  return messageNote(note, source, details, person.tz);
}

/** Posts in the message's thread; false when Slack refuses (the bot is not in the channel). */
async function postInThread(
  ctx: DealbotContext,
  reply: Reply,
  source: MessageSource,
  message: { text: string; blocks: KnownBlock[] },
): Promise<boolean> {
  try {
    await reply.client.chat.postMessage({
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

/**
 * After a deal was created from a message: the note on the deal (once, not again for a
 * duplicate submission), then the card in the thread. Returns what went wrong with the
 * note, in plain words, or null.
 */
export async function finishDealFromMessage(
  ctx: DealbotContext,
  reply: Reply,
  input: { deal: Deal; duplicate: boolean; source: MessageSource; note: string | null },
): Promise<string | null> {
  const { deal, source } = input;
  let noteProblem: string | null = null;
  if (!input.duplicate && input.note && ctx.crm.addNote) {
    try {
      const [note, options] = await Promise.all([composeNote(ctx, reply, source, input.note), writeOptions(ctx, reply)]);
      await addDealNote(ctx.crm, deal.id, note, options);
    } catch (error) {
      ctx.logger.warn({ err: error, dealId: deal.id }, 'the deal was created but its note was not added');
      noteProblem = errorMessage(error, ctx.crm.displayName).summary;
    }
  }
  if (input.duplicate) return noteProblem;
  const line = changeLine('Created from this message', reply.userId, ctx.now());
  const card = await renderCard(ctx, reply, deal, { ephemeral: false, note: line });
  if (!(await postInThread(ctx, reply, source, card))) {
    await replyWithCard(ctx, reply, deal, `${line}. ${CANNOT_POST_IN_THREAD}`);
  }
  return noteProblem;
}

/**
 * Adds the message to a deal as a note, once per submitted view (a double-click adds one
 * note), then says so in the thread. Returns the deal, read first so an unknown id fails
 * before anything is written.
 */
export async function attachMessageNote(
  ctx: DealbotContext,
  reply: Reply,
  input: { dealId: string; note: string; source: MessageSource; onceKey: string },
): Promise<Deal> {
  const deal = await ctx.deals.getDeal(input.dealId);
  const { duplicate } = await runOnce(ctx.store, `note:${input.onceKey}`, async () => {
    const [note, options] = await Promise.all([composeNote(ctx, reply, input.source, input.note), writeOptions(ctx, reply)]);
    await addDealNote(ctx.crm, deal.id, note, options);
    return deal.id;
  });
  if (duplicate) return deal;
  const confirmation = noteAttachedMessage({ deal, actorUserId: reply.userId, crmName: ctx.crm.displayName });
  if (!(await postInThread(ctx, reply, input.source, confirmation))) {
    await reply.respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `${confirmation.text} ${CANNOT_POST_IN_THREAD}`,
    });
  }
  return deal;
}
