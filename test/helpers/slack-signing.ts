// Signs requests the way Slack does (v0 HMAC-SHA256 over "v0:<timestamp>:<body>"), so the
// end-to-end tests go through Bolt's real signature check.

import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  url: string;
  secret: string;
  body: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  headers?: Record<string, string>;
  signature?: string | null;
}

export async function postSigned({ url, secret, body, timestamp, headers, signature }: SignedPost): Promise<Response> {
  const ts = timestamp ?? Math.floor(Date.now() / 1000);
  const sig = signature === undefined ? slackSignature(secret, ts, body) : signature;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      ...(sig ? { 'x-slack-signature': sig } : {}),
      ...headers,
    },
    body,
  });
}

/** A slash command body as Slack sends it (form-encoded fields). */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** An interactivity body as Slack sends it: `payload=<json>`. */
export function payloadBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
