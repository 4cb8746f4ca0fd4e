// What our modals carry in `private_metadata` between opening and submission: where to
// answer (channel, response_url), and what the form was drawn with. A Slack concern, so it
// lives with the listeners; the use cases get plain arguments.

import type { MessageSource } from '../services/message-note.js';

/** Private metadata of the create modal. */
export interface CreateModalMetadata {
  channelId: string | null;
  responseUrl: string | null;
  /** The currency the form was drawn with; null until the CRM has named it. */
  defaultCurrency: string | null;
  /** The message a deal is created from: the card goes to its thread, its text into a note. */
  source?: MessageSource | null;
}

/** Private metadata of the "Attach to deal" modal. */
export interface AttachModalMetadata {
  source: MessageSource;
  /** The shortcut's response_url: the private answer when the thread is closed to the bot. */
  responseUrl: string | null;
}

export const EMPTY_CREATE_METADATA: CreateModalMetadata = { channelId: null, responseUrl: null, defaultCurrency: null };

/** The metadata a view carries, over `fallback`; a missing or garbled one is `fallback`. */
export function parseMetadata<T>(raw: string | undefined, fallback: T): T {
  if (!raw) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(raw) as T) };
  } catch {
    return fallback;
  }
}
