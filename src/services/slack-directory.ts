// What a use case may ask Slack about the people and messages it works with: a person
// (name, email, zone) and a message's permalink. Implemented over the Web API in
// `listeners/slack-directory.ts`, faked in tests, so the use cases never hold a WebClient.

import type { SlackPerson } from './slack-people.js';

export interface SlackDirectory {
  /** A Slack user by id, cached (see `slack-people.ts`). */
  person(userId: string): Promise<SlackPerson>;
  /** The permalink of a message; rejects when Slack will not give one. */
  permalink(message: { channelId: string; ts: string }): Promise<string | null>;
}
