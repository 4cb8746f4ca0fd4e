// Signed Slack requests for the bench, as Slack sends them (v0 HMAC-SHA256 over
// "v0:<timestamp>:<body>"), so every measured request goes through Bolt's real signature
// check. The bench keeps its own copy (test/helpers/slack-signing.ts is the tests'): bench
// code never imports test code.

import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postSigned({ url, secret, body }: { url: string; secret: string; body: string }): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(secret, ts, body),
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
