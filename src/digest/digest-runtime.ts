// Puts the digest parts together for a running bot: the builder reads the CRM, the poster
// speaks Slack, the scheduler decides when. The scheduler gets its own Web API client that
// fails fast on rate limits (instead of sleeping through them), so a slot's claim never
// lapses while a post waits and no other replica posts it twice.

import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { createDigestBuilder } from './digest-builder.js';
import type { DigestJob } from './digest-job.js';
import { createScheduler, type OwnerNotice, type Scheduler } from './scheduler.js';

export function createSlackDigestPoster(client: WebClient) {
  return {
    async post(job: DigestJob): Promise<void> {
      await client.chat.postMessage({ channel: job.channelId, text: job.message.text, blocks: job.message.blocks });
      if (job.chart) {
        await client.files.uploadV2({
          channel_id: job.channelId,
          file: job.chart.png,
          filename: job.chart.filename,
          title: job.chart.title,
          alt_text: job.chart.altText,
        });
      }
    },
    async notifyOwner(notice: OwnerNotice): Promise<void> {
      await client.chat.postMessage({ channel: notice.userId, ...notice.message });
    },
  };
}

export interface DigestRuntimeDeps {
  store: Store;
  crm: CrmClient;
  logger: Logger;
  token: string;
  slackApiUrl?: string | null;
  now?: () => DateTime;
}

export function createDigestRuntime(deps: DigestRuntimeDeps): Scheduler {
  const now = deps.now ?? (() => DateTime.utc());
  const client = new WebClient(deps.token, {
    ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1 },
  });
  const poster = createSlackDigestPoster(client);
  const builder = createDigestBuilder({ crm: deps.crm, store: deps.store, now, logger: deps.logger });
  return createScheduler({
    store: deps.store,
    now,
    buildDigest: (schedule, run) => builder.build(schedule, run),
    post: poster.post,
    notifyOwner: poster.notifyOwner,
    logger: deps.logger,
    instanceId: `dealbot-${process.pid}-${randomUUID().slice(0, 8)}`,
  });
}
