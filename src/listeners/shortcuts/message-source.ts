// A message shortcut's message, read from Slack's payload: where it is, who wrote it (a bot
// has no user, only a name), and everything a person reads in it.

import type { MessageShortcut } from '@slack/bolt';
import { messageBodyText, type MessageSource } from '../../services/message-note.js';

export function messageSourceOf(shortcut: MessageShortcut): MessageSource {
  const message = shortcut.message as MessageShortcut['message'] & {
    thread_ts?: string;
    username?: string;
    bot_profile?: { name?: string };
  };
  return {
    channelId: shortcut.channel.id,
    ts: message.ts,
    threadTs: message.thread_ts ?? null,
    authorId: message.user ?? null,
    authorName: message.user ? null : (message.username ?? message.bot_profile?.name ?? null),
  };
}

/** The message's text with its legacy attachments' words (a bot's message often has no text). */
export const messageTextOf = (shortcut: MessageShortcut): string => messageBodyText(shortcut.message);
