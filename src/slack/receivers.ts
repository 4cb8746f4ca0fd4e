// The two receivers a Slack workspace can reach the app through. HTTP serves Bolt's
// `POST /slack/events` (signature checked, stale requests refused) and `GET /healthz`
// for load balancers; Socket Mode needs no public URL.

import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';

import { EVENTS_PATH } from './paths.js';

export { EVENTS_PATH };
export const HEALTH_PATH = '/healthz';

export function createHttpReceiver(options: {
  signingSecret: string;
  logger: BoltLogger;
  /** What the health endpoint reports besides `ok`. */
  health?: () => Record<string, unknown>;
}): HTTPReceiver {
  return new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: EVENTS_PATH,
    logger: options.logger,
    customRoutes: [
      {
        path: HEALTH_PATH,
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true, ...options.health?.() }));
        },
      },
    ],
  });
}

export function createSocketReceiver(options: {
  appToken: string;
  logger: BoltLogger;
  /**
   * Base of the Web API (`SLACK_API_URL`), for proxies and tests: the Socket Mode client asks
   * it for its WebSocket URL (`apps.connections.open`). Slack's own when absent.
   */
  slackApiUrl?: string | null;
}): SocketModeReceiver {
  return new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.logger,
    // Bolt hands `installerOptions.clientOptions` to the SocketModeClient's own WebClient.
    ...(options.slackApiUrl ? { installerOptions: { clientOptions: { slackApiUrl: options.slackApiUrl } } } : {}),
  });
}
