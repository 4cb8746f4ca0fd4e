// Replies through a `response_url` when no Bolt `respond()` is at hand (view submissions
// carry the one from the command or card that opened the modal in private_metadata).
// response_urls accept five replies within thirty minutes; "in_channel" replies post
// where the person is even if the bot is not a member.

import type { KnownBlock } from '@slack/types';
import { ResponseUrlError } from '../errors.js';

export interface ResponseMessage {
  text: string;
  blocks?: KnownBlock[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
}

export async function postToResponseUrl(responseUrl: string, message: ResponseMessage, fetchFn: typeof fetch = fetch): Promise<void> {
  const res = await fetchFn(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new ResponseUrlError(res.status);
}
