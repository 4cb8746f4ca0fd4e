// How a settings modal (digests, alerts) answers once it has closed: the outcome is announced
// in the channel, and anything the person must know (a mistake, a failure, what is in place
// now) reaches them by direct message, since the modal is gone. When even that DM fails,
// nobody was told: the original failure goes on to the error handler.

import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';

export type Message = { text: string; blocks?: KnownBlock[] };

const post = (client: WebClient, channel: string, message: Message) =>
  client.chat.postMessage({ channel, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });

export function settingsReplies(deps: {
  client: WebClient;
  userId: string;
  channelId: string;
  /** `digest settings`, `alert settings`: how log lines name the modal. */
  what: string;
  logger: { error(message: string): void };
}) {
  const { client, userId, channelId } = deps;
  /** A direct message (to the user id: Slack opens the DM). `error`: what went wrong, if anything. */
  const tellPerson = async (message: Message, error: unknown): Promise<void> => {
    try {
      await post(client, userId, message);
    } catch (dmError) {
      deps.logger.error(`${deps.what} for ${channelId}: could not tell ${userId} by DM`);
      throw error ?? dmError;
    }
  };
  return {
    tellPerson,
    /** Posts the outcome in the channel; when Slack refuses, tells the person what `failed` makes of it. */
    async announce(message: Message, failed: (error: unknown) => Message): Promise<void> {
      try {
        await post(client, channelId, message);
      } catch (error) {
        await tellPerson(failed(error), error);
      }
    },
  };
}
