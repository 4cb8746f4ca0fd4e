// Puts the digest parts together for a running bot: the builder reads the CRM, the poster
// speaks Slack, the scheduler decides when. The scheduler gets its own Web API client that
// fails fast on rate limits (instead of sleeping through them): the scheduler records what
// Slack took, lets the slot go, and resumes at the refused step after Retry-After.
//
// Everything a runtime keeps (schedules, their progress, leases, snapshots) lives under its
// workspace's namespace (`workspace-namespace.ts`); only the CRM reads the shared store.

import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { createDigestBuilder } from '../services/pipeline-digest.js';
import { renderDigestJob, type DigestChart, type DigestJob } from './digest-job.js';
import { adoptLegacyDigestState } from '../store/schedule-store.js';
import {
  createScheduler,
  type DigestPoster,
  type OwnerNotice,
  type Scheduler,
  type SchedulerDeps,
  type SchedulerOptions,
} from './scheduler.js';
import { scopeStore } from '../store/scoped-store.js';

export function createSlackDigestPoster(client: WebClient): DigestPoster & { notifyOwner(notice: OwnerNotice): Promise<void> } {
  return {
    async postMessage(job: DigestJob): Promise<{ ts: string }> {
      const posted = await client.chat.postMessage({ channel: job.channelId, text: job.message.text, blocks: job.message.blocks });
      return { ts: posted.ts ?? '' };
    },
    async uploadChart(job: DigestJob, chart: DigestChart, threadTs: string): Promise<void> {
      const file = { channel_id: job.channelId, file: chart.png, filename: chart.filename, title: chart.title, alt_text: chart.altText };
      // Under its message, so a resumed upload still lands beside the digest it belongs to.
      await (threadTs ? client.files.uploadV2({ ...file, thread_ts: threadTs }) : client.files.uploadV2(file));
    },
    async notifyOwner(notice: OwnerNotice): Promise<void> {
      await client.chat.postMessage({ channel: notice.userId, ...notice.message });
    },
  };
}

export interface DigestRuntimeDeps {
  /** The shared store, unscoped: the runtime keeps its state under `workspace` in it. */
  store: Store;
  /** Whose digests these are: `workspaceNamespace(…)` of the bot token's workspace, or `CONSOLE_NAMESPACE`. */
  workspace: string;
  /**
   * Moves digest schedules stored before state was namespaced into `workspace`, once. Only a
   * real workspace's runtime should (the console never takes a workspace's digests).
   */
  adoptLegacyState?: boolean;
  crm: CrmClient;
  logger: Logger;
  token: string;
  slackApiUrl?: string | null;
  now?: () => DateTime;
  /** Scheduler tuning (tests, and the two-process test's short leases). */
  options?: SchedulerOptions;
  /** Metrics and shutdown hooks, handed to the scheduler as they are. */
  onSlot?: SchedulerDeps['onSlot'];
  track?: SchedulerDeps['track'];
}

export function createDigestRuntime(deps: DigestRuntimeDeps): Scheduler {
  const now = deps.now ?? (() => DateTime.utc());
  const client = new WebClient(deps.token, {
    ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1 },
  });
  const poster = createSlackDigestPoster(client);
  const store = scopeStore(deps.store, deps.workspace);
  const builder = createDigestBuilder({ crm: deps.crm, store, now, logger: deps.logger });
  const scheduler = createScheduler({
    store,
    now,
    buildDigest: async (schedule, run) => renderDigestJob(await builder.build(schedule, run), { logger: deps.logger }),
    slack: poster,
    notifyOwner: poster.notifyOwner,
    logger: deps.logger.child({ workspace: deps.workspace }),
    instanceId: `dealbot-${process.pid}-${randomUUID().slice(0, 8)}`,
    ...(deps.onSlot ? { onSlot: deps.onSlot } : {}),
    ...(deps.track ? { track: deps.track } : {}),
    ...deps.options,
  });
  if (!deps.adoptLegacyState) return scheduler;
  return {
    ...scheduler,
    schedules: scheduler.schedules,
    async start() {
      await adoptLegacyDigestState(deps.store, store).then(
        (moved) =>
          moved > 0 &&
          deps.logger.info({ moved, workspace: deps.workspace }, 'digest schedules from before workspaces moved into this one'),
        (error: unknown) =>
          deps.logger.warn({ err: error }, 'could not move older digest schedules into this workspace; trying at the next start'),
      );
      return scheduler.start();
    },
  };
}
