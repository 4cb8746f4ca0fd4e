// Puts deal alerts together for a running bot: the deal watch (polling the CRM, under its own
// lease) hands its events to `enqueue`, which queues them per target; a delivery loop on
// timers sends what is due, target by target, as `services/alert-delivery.ts` decides, through
// a Web API client that fails fast on rate limits (the loop waits out Retry-After itself and
// any replica may carry on). Messages are drawn here with `ui/alert-message.ts` from the CRM's
// cached reference data (stages, pipelines, users): no deal is read to post an alert.
//
// Everything it keeps lives under its workspace's namespace, as the digests' state does; the
// console runs one under its own namespace, so it never takes a workspace's alerts.
//
// Time comes from the injected `now` and timers, so tests drive the clock.

import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import type { DealEvent, DealEventKind } from '../domain/deal-events.js';
import type { Logger } from '../logger.js';
import {
  createAlertDelivery,
  type AlertDelivery,
  type AlertDeliveryOptions,
  type AlertFailure,
  type AlertPost,
  type AlertSlack,
  type AlertUpdate,
  type DeliverOutcome,
} from '../services/alert-delivery.js';
import { createDealWatch, type DealWatch } from '../services/deal-watch.js';
import { scopeStore } from '../store/scoped-store.js';
import type { Store } from '../store/store.js';
import { clearUnrefTimer, unrefTimer, type Every } from '../store/lease.js';
import {
  alertBatchMessage,
  alertCapMessage,
  alertMessage,
  alertsPausedNotice,
  alertThreadParent,
  type AlertContext,
} from '../ui/alert-message.js';
import { classifyDigestFailure } from './digest-failure.js';

export interface AlertLoopOptions extends AlertDeliveryOptions {
  /** The longest the loop sleeps, and so how soon it sees alerts another replica queued. Default 5 s. */
  tickIntervalMs?: number;
  /** Targets sent to at once by one replica. Default 4. */
  concurrency?: number;
}

/** Reads Slack's and the store's errors the way digests do. */
export function classifyAlertFailure(error: unknown): AlertFailure {
  const failure = classifyDigestFailure(error);
  if (failure.kind === 'retry') return { kind: 'retry', code: failure.code, retryAfterMs: failure.retryAfterMs };
  return { kind: failure.kind, code: failure.code };
}

/** The reference data an alert is drawn with: cached lists on every CRM, no deal read. */
async function alertContext(crm: CrmClient, now: DateTime): Promise<AlertContext> {
  const [stages, pipelines, users] = await Promise.all([crm.listStages(), crm.listPipelines(), crm.listUsers()]);
  return {
    stages: new Map(stages.map((s) => [s.id, s])),
    pipelines: new Map(pipelines.map((p) => [p.id, p])),
    users: new Map(users.map((u) => [u.id, u])),
    crmName: crm.displayName,
    now,
  };
}

/** What `post` draws for each kind of alert message. */
export function drawAlertPost(post: AlertPost, ctx: AlertContext): { text: string; blocks: ReturnType<typeof alertMessage>['blocks'] } {
  switch (post.kind) {
    case 'alert':
      return alertMessage(post.event, ctx);
    case 'parent':
      return alertThreadParent(post.event, ctx);
    case 'batch':
      return alertBatchMessage({
        events: post.events,
        ctx,
        reason: post.reason,
        everyMinutes: post.subscription.delivery.kind === 'batched' ? post.subscription.delivery.everyMinutes : null,
      });
    case 'cap':
      return alertCapMessage({ more: post.more, perHour: post.perHour });
  }
}

/** Alerts spoken through Slack's Web API; the messages drawn with the CRM's cached names. */
export function createSlackAlertPoster(client: WebClient, crm: CrmClient, now: () => DateTime): AlertSlack {
  return {
    async post(post) {
      const message = drawAlertPost(post, await alertContext(crm, now()));
      const threadTs = post.kind === 'alert' ? post.threadTs : null;
      const posted = await client.chat.postMessage({
        channel: post.conversation,
        ...message,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { ts: posted.ts ?? '' };
    },
    async update(update: AlertUpdate) {
      const message =
        update.kind === 'parent'
          ? alertThreadParent(update.event, await alertContext(crm, now()))
          : alertCapMessage({ more: update.more, perHour: update.perHour });
      await client.chat.update({ channel: update.conversation, ts: update.ts, ...message });
    },
    async notifyPaused(notice) {
      await client.chat.postMessage({ channel: notice.userId, ...alertsPausedNotice(notice) });
    },
  };
}

export interface AlertRuntimeDeps {
  /** The shared store, unscoped: the runtime keeps its state under `workspace` in it. */
  store: Store;
  /** Whose alerts these are: `workspaceNamespace(…)` of the bot token's workspace, or `CONSOLE_NAMESPACE`. */
  workspace: string;
  crm: CrmClient;
  logger: Logger;
  token: string;
  slackApiUrl?: string | null;
  /** Seconds between polls of the CRM (`CRM_POLL_SECONDS`); 0 polls never (webhooks still count). */
  pollSeconds: number;
  now?: () => DateTime;
  options?: AlertLoopOptions;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  every?: Every;
  /** Wraps each target's delivery, so a shutdown can wait for posts in flight. */
  track?: <T>(work: Promise<T>) => Promise<T>;
  /** Told of each delivery's outcome (metrics). */
  onDelivered?: (outcome: DeliverOutcome) => void;
  /** Told of each timed poll of the CRM: its result, or `error` (metrics). */
  onPoll?: (result: 'polled' | 'baseline' | 'elsewhere' | 'error') => void;
  /** Told, at each delivery pass, how many alerts wait in all outboxes (metrics). */
  onQueued?: (queued: number) => void;
  /** Slack as alerts see it; default the Web API with `token`. Tests pass their own. */
  slack?: AlertSlack;
  instanceId?: string;
  /** False: no deal watch (tests that feed events themselves). Default true. */
  watch?: boolean;
}

export interface AlertRuntime {
  /** Queues events (a webhook's, the watch's) and wakes the loop. */
  enqueue(events: readonly DealEvent[]): Promise<void>;
  /** Starts polling (when configured) and delivering. */
  start(): void;
  /** Stops the timers and the watch; sends in flight finish on their own (tracked). */
  stop(): Promise<void>;
  /** One pass: sends whatever is due now, resolving when those sends are done. */
  tick(): Promise<DeliverOutcome[]>;
  /** Dealbot announced this change in the channel itself: alerts do not repeat it. */
  recordAnnounced(channelId: string, dealId: string, kind: DealEventKind): Promise<void>;
  readonly delivery: AlertDelivery;
  /** The CRM poller; null when the runtime was built without one. */
  readonly watch: DealWatch | null;
}

const DEFAULT_TICK_MS = 5_000;
/** Never spin: a target due again at once is looked at after this. */
const MIN_WAKE_MS = 50;
/** Entries dropped in one pass (a removed subscription's) are followed at once by the target's next message, a few times. */
const MAX_PASSES = 5;

export function createAlertRuntime(deps: AlertRuntimeDeps): AlertRuntime {
  const now = deps.now ?? (() => DateTime.utc());
  const store = scopeStore(deps.store, deps.workspace);
  const instanceId = deps.instanceId ?? `dealbot-${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ component: 'alerts', workspace: deps.workspace });
  const tickIntervalMs = deps.options?.tickIntervalMs ?? DEFAULT_TICK_MS;
  const concurrency = Math.max(1, deps.options?.concurrency ?? 4);
  const setTimer = deps.setTimer ?? unrefTimer;
  const clearTimer = deps.clearTimer ?? clearUnrefTimer;
  const slack =
    deps.slack ??
    createSlackAlertPoster(
      new WebClient(deps.token, {
        ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
        // A rate limit is waited out by the loop (any replica may carry on), and a post is
        // never retried by the client: one that may have reached Slack must not be sent twice.
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      }),
      deps.crm,
      now,
    );
  const delivery = createAlertDelivery({
    store,
    slack,
    classify: classifyAlertFailure,
    now,
    logger: deps.logger.child({ workspace: deps.workspace }),
    instanceId,
    ...(deps.every ? { every: deps.every } : {}),
    ...(deps.options?.leaseMs !== undefined ? { leaseMs: deps.options.leaseMs } : {}),
    ...(deps.options?.maxAttempts !== undefined ? { maxAttempts: deps.options.maxAttempts } : {}),
    ...(deps.options?.retryBaseMs !== undefined ? { retryBaseMs: deps.options.retryBaseMs } : {}),
  });

  let running = false;
  let timer: unknown = null;
  let ticking: Promise<DeliverOutcome[]> | null = null;
  let again = false;

  const watch =
    deps.watch === false
      ? null
      : createDealWatch({
          crm: deps.crm,
          store,
          now,
          logger: deps.logger.child({ workspace: deps.workspace }),
          instanceId,
          pollSeconds: deps.pollSeconds,
          onEvents: (events) => runtime.enqueue(events),
          ...(deps.setTimer ? { setTimer: deps.setTimer } : {}),
          ...(deps.clearTimer ? { clearTimer: deps.clearTimer } : {}),
          ...(deps.onPoll ? { onPoll: deps.onPoll } : {}),
        });

  /** One target: its next message, and again at once while the pass only cleared entries away. */
  async function deliverTarget(target: string): Promise<DeliverOutcome> {
    let outcome = await delivery.deliver(target);
    for (let pass = 1; pass < MAX_PASSES && outcome.result === 'dropped'; pass += 1) outcome = await delivery.deliver(target);
    deps.onDelivered?.(outcome);
    return outcome;
  }

  async function pass(): Promise<{ outcomes: DeliverOutcome[]; nextAt: DateTime | null }> {
    const scan = await delivery.scan();
    deps.onQueued?.(scan.queued);
    const queue = [...scan.due];
    const outcomes: DeliverOutcome[] = [];
    const lane = async (): Promise<void> => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        const item = target;
        const work = deliverTarget(item).catch((error: unknown): DeliverOutcome => {
          log.error({ err: error, target: item }, 'alert delivery failed');
          return { target: item, result: 'retry' };
        });
        outcomes.push(await (deps.track ? deps.track(work) : work));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, lane));
    // A target that just sent is due again after its pace: look once more soon.
    const sentSome = outcomes.some((o) => o.result === 'sent' || o.result === 'dropped');
    const soon = sentSome ? now().plus({ milliseconds: MIN_WAKE_MS }) : null;
    const nextAt = [scan.nextAt, soon].filter((t): t is DateTime => t !== null).sort((a, b) => a.toMillis() - b.toMillis())[0] ?? null;
    return { outcomes, nextAt };
  }

  function arm(at: DateTime | null): void {
    if (!running) return;
    if (timer !== null) clearTimer(timer);
    const wait = at === null ? tickIntervalMs : at.toMillis() - now().toMillis();
    const delay = Math.min(tickIntervalMs, Math.max(MIN_WAKE_MS, wait));
    timer = setTimer(() => {
      timer = null;
      void tick();
    }, delay);
  }

  function tick(): Promise<DeliverOutcome[]> {
    if (ticking) {
      again = true;
      return ticking;
    }
    const run = pass()
      .then(({ outcomes, nextAt }) => {
        arm(again ? now() : nextAt);
        return outcomes;
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'alert delivery pass failed; trying again later');
        arm(null);
        return [] as DeliverOutcome[];
      })
      .finally(() => {
        ticking = null;
        again = false;
      });
    ticking = run;
    return run;
  }

  const runtime: AlertRuntime = {
    delivery,
    watch,

    async enqueue(events) {
      if (events.length === 0) return;
      const { queued } = await delivery.enqueue(events);
      if (queued > 0 && running) {
        if (ticking) again = true;
        else arm(now());
      }
    },

    start() {
      if (running) return;
      running = true;
      watch?.start();
      arm(now());
      log.info({ pollSeconds: deps.pollSeconds }, 'deal alerts started');
    },

    async stop() {
      running = false;
      if (timer !== null) clearTimer(timer);
      timer = null;
      await watch?.stop();
    },

    tick,

    recordAnnounced(channelId, dealId, kind) {
      return delivery.recordAnnounced(channelId, dealId, kind);
    },
  };
  return runtime;
}
