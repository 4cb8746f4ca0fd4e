// Delivering deal alerts: from a deal event to a message in the right channel, once.
//
// `enqueue(events)` fans each event out to the subscriptions it matches (`alertMatches`) and
// appends one entry per (subscription, event) to the outbox of the subscription's target (a
// channel, or a person's DM). The store claims each pair as it is queued, so a change seen
// by a webhook and by a poll, or by two replicas, is queued once.
//
// `deliver(target)` sends the target's next message, if one is due, under a lease on the
// target (one replica posts to a channel at a time) and step by step like a digest: the
// send is written to the store before the post (the intent), the post's ts the moment Slack
// gives it, then the deal's thread, the parent card's update, the hour's count, and last the
// entries leave the outbox. A replica that takes over a send resumes at the first step not
// recorded. A send whose post was under way when its replica died (intent, no ts) is never
// posted again: whether Slack took it cannot be known (the bot cannot read channel history),
// and an alert is better missed than doubled (at most once).
//
// What is due when (`dueAt`), per subscription:
// - in quiet hours, nothing: its alerts wait for the end, then go as one batch;
// - `each`: at once, one message per change (a change two subscriptions of one channel
//   both match is one message); with `threadPerDeal` the deal's first alert is a parent
//   card and later ones reply in its thread while the card is updated in place;
// - `batched` every N minutes: N minutes after the first alert of the window, one message
//   for all of them (the renderer merges each deal's events);
// and per target: never faster than one message a second (Slack's limit per channel), a
// rate limit's Retry-After waited out, and at most `ALERTS_PER_HOUR` messages an hour, the
// last of which says how many more there were (updated in place as more come).
//
// Slack is reached through `AlertSlack` (the runtime draws the messages with
// `ui/alert-message.ts`); failures are read by the injected `classify` (the digest's rules):
// retry later, pause the subscriptions and tell their authors, or drop this message.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { alertMatches, alertTargetConversation, alertTargetKey, type AlertSubscription } from '../domain/alert-subscription.js';
import type { DealEvent, DealEventKind } from '../domain/deal-events.js';
import { inQuietHours, quietSpanAt } from '../domain/quiet-hours.js';
import type { Logger } from '../logger.js';
import {
  createAlertStore,
  outboxEntryKey,
  type AlertHour,
  type AlertPace,
  type AlertSendProgress,
  type AlertStore,
  type OutboxEntry,
  type OutboxRef,
} from '../store/alert-store.js';
import type { Store } from '../store/store.js';
import { LeaseLost, takeLease, type Every } from '../store/lease.js';

/** Messages one channel (or DM) gets an hour at most; the last says how many more there were. */
export const ALERTS_PER_HOUR = 20;
/** Slack allows about one message a second per channel. */
export const MIN_POST_GAP_MS = 1_000;
/** How near the CRM's change time an announcement made through Dealbot must be to count as the same change. */
const ANNOUNCED_WINDOW_MS = 10 * 60_000;

/** What a target is sent, as data; the runtime draws it (`ui/alert-message.ts`). */
export type AlertPost =
  /** One change; in a deal's thread when `threadTs` is set. */
  | { kind: 'alert'; conversation: string; subscription: AlertSubscription; event: DealEvent; threadTs: string | null }
  /** A deal's first alert in a thread-per-deal channel: the card later alerts reply under. */
  | { kind: 'parent'; conversation: string; subscription: AlertSubscription; event: DealEvent }
  /** Several changes in one message: a batch window, or what quiet hours held. */
  | {
      kind: 'batch';
      conversation: string;
      subscription: AlertSubscription;
      events: DealEvent[];
      reason: 'window' | 'quiet-hours';
    }
  /** The hour's last message: "and N more — see the digest". */
  | { kind: 'cap'; conversation: string; more: number; perHour: number };

export type AlertUpdate =
  /** The parent card of a deal's thread, redrawn with the deal as `event` left it. */
  | { kind: 'parent'; conversation: string; ts: string; event: DealEvent }
  | { kind: 'cap'; conversation: string; ts: string; more: number; perHour: number };

export interface AlertPausedNotice {
  /** The subscription's author, told by DM. */
  userId: string;
  subscription: AlertSubscription;
  /** Slack's error (`not_in_channel`, `is_archived`, `channel_not_found`…). */
  code: string;
}

/** The Slack calls alerts are made of; each throws Slack's errors as `@slack/web-api` does. */
export interface AlertSlack {
  post(post: AlertPost): Promise<{ ts: string }>;
  update(update: AlertUpdate): Promise<void>;
  notifyPaused(notice: AlertPausedNotice): Promise<void>;
}

/** How a failure is read (the runtime passes the digest's `classifyDigestFailure`). */
export type AlertFailure =
  { kind: 'retry'; code: string; retryAfterMs: number | null } | { kind: 'pause'; code: string } | { kind: 'skip'; code: string };

export interface AlertDeliveryOptions {
  /** How long a lease on a target holds unless renewed. Default 30 s. */
  leaseMs?: number;
  /** Tries per message for failures worth retrying. Default 5. */
  maxAttempts?: number;
  /** Wait before the first retry when the error names none; doubles each time. Default 30 s. */
  retryBaseMs?: number;
}

export interface AlertDeliveryDeps extends AlertDeliveryOptions {
  /** The workspace's store (scoped): subscriptions, outboxes, leases. */
  store: Store;
  slack: AlertSlack;
  classify: (error: unknown) => AlertFailure;
  now: () => DateTime;
  logger: Logger;
  instanceId: string;
  /** Runs `fn` every `ms` until the returned function is called (lease renewal). Default setInterval, unref'd. */
  every?: Every;
}

export type DeliverResult =
  /** A message was posted (or the cap message updated). */
  | 'sent'
  /** Entries left the outbox unsent: their subscription is gone, or Dealbot had announced the change. */
  | 'dropped'
  /** Nothing due yet, or the outbox is empty. */
  | 'nothing'
  /** Another replica holds the target. */
  | 'elsewhere'
  | 'retry'
  | 'paused'
  /** Given up: Slack refused this message for good, or a retry limit was reached. */
  | 'skipped';

export interface DeliverOutcome {
  target: string;
  result: DeliverResult;
  code?: string;
}

/** When each target next has something due; targets with nothing pending are left out. */
export interface AlertScan {
  due: string[];
  /** The earliest time a target not due now will be; null when no target has anything waiting. */
  nextAt: DateTime | null;
  /** Alerts waiting in every target's outbox (the outbox depth). */
  queued: number;
}

const DEFAULTS = { leaseMs: 30_000, maxAttempts: 5, retryBaseMs: 30_000 } satisfies Required<AlertDeliveryOptions>;

const iso = (at: DateTime): string => at.toUTC().toISO() ?? '';
const fromIso = (text: string): DateTime => DateTime.fromISO(text, { zone: 'utc' });
const hourOf = (at: DateTime): string => at.toUTC().toFormat("yyyy-LL-dd'T'HH");
const leaseKey = (target: string): string => `alert:lease:${target}`;

/** Entries of one subscription waiting in a target's outbox, and what is due of them when. */
interface Group {
  subscription: AlertSubscription;
  entries: OutboxRef[];
  /** When the group may be sent (now or earlier: due). */
  dueAt: DateTime;
  /** Held by quiet hours that have ended, or a batch window that closed: one message for all. */
  batch: 'window' | 'quiet-hours' | null;
}

/** Groups the outbox by subscription and works out when each is due. Entries of unknown subscriptions are left out. */
function groupsOf(entries: OutboxRef[], subscriptions: Map<string, AlertSubscription>, now: DateTime): Group[] {
  const bySubscription = new Map<string, OutboxRef[]>();
  for (const entry of entries) {
    if (!subscriptions.has(entry.subscriptionId)) continue;
    const list = bySubscription.get(entry.subscriptionId) ?? [];
    list.push(entry);
    bySubscription.set(entry.subscriptionId, list);
  }
  const groups: Group[] = [];
  for (const [id, list] of bySubscription) {
    const subscription = subscriptions.get(id)!;
    const sorted = [...list].sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt));
    const quiet = quietSpanAt(subscription.quietHours, now);
    if (quiet) {
      groups.push({ subscription, entries: sorted, dueAt: quiet.end, batch: 'quiet-hours' });
      continue;
    }
    const held = sorted.some((e) => inQuietHours(subscription.quietHours, fromIso(e.enqueuedAt)));
    if (held) {
      groups.push({ subscription, entries: sorted, dueAt: now, batch: 'quiet-hours' });
    } else if (subscription.delivery.kind === 'batched') {
      const closes = fromIso(sorted[0]!.enqueuedAt).plus({ minutes: subscription.delivery.everyMinutes });
      groups.push({ subscription, entries: sorted, dueAt: closes, batch: 'window' });
    } else {
      groups.push({ subscription, entries: sorted, dueAt: fromIso(sorted[0]!.enqueuedAt), batch: null });
    }
  }
  return groups;
}

/** When the target may be posted to next, by its pace alone. */
function paceAllows(pace: AlertPace): DateTime | null {
  const times = [pace.notBefore, pace.lastPostAt === null ? null : pace.lastPostAt + MIN_POST_GAP_MS].filter(
    (t): t is number => t !== null,
  );
  return times.length === 0 ? null : DateTime.fromMillis(Math.max(...times), { zone: 'utc' });
}

/** The later of two instants, either possibly absent. */
const latest = (a: DateTime, b: DateTime | null): DateTime => (b && b > a ? b : a);

export function createAlertDelivery(deps: AlertDeliveryDeps) {
  const options = {
    leaseMs: deps.leaseMs ?? DEFAULTS.leaseMs,
    maxAttempts: Math.max(1, deps.maxAttempts ?? DEFAULTS.maxAttempts),
    retryBaseMs: deps.retryBaseMs ?? DEFAULTS.retryBaseMs,
  };
  const alerts: AlertStore = createAlertStore(deps.store);
  const log = deps.logger.child({ component: 'alert-delivery', instance: deps.instanceId });

  async function subscriptionsById(): Promise<Map<string, AlertSubscription>> {
    return new Map((await alerts.list()).map((s) => [s.id, s]));
  }

  /** Queued alerts whose subscription is gone or paused: they will never be sent. */
  function orphaned(refs: OutboxRef[], subscriptions: Map<string, AlertSubscription>): OutboxRef[] {
    return refs.filter((r) => {
      const subscription = subscriptions.get(r.subscriptionId);
      return !subscription || subscription.paused === true;
    });
  }

  /**
   * Of the alerts about to be sent, those that no longer should be: their subscription changed
   * and no longer matches, or Dealbot announced the change in that channel itself (a won or
   * lost said through a card or a command) near the time the CRM says it happened.
   */
  async function stale(entries: OutboxEntry[], subscriptions: Map<string, AlertSubscription>): Promise<string[]> {
    const keys: string[] = [];
    const live: Array<{ entry: OutboxEntry; channelId: string }> = [];
    for (const entry of entries) {
      const subscription = subscriptions.get(entry.subscriptionId);
      if (!subscription || !alertMatches(subscription, entry.event)) keys.push(entry.key);
      else if (subscription.target.kind === 'channel') live.push({ entry, channelId: subscription.target.channelId });
    }
    const announced = await alerts.announcedMany(
      live.map(({ entry, channelId }) => ({ channelId, dealId: entry.event.dealId, kind: entry.event.kind })),
    );
    live.forEach(({ entry }, i) => {
      const at = announced[i];
      if (at && Math.abs(fromIso(at).toMillis() - fromIso(entry.event.at).toMillis()) <= ANNOUNCED_WINDOW_MS) keys.push(entry.key);
    });
    return keys;
  }

  /** The next message for `target`, as a send to record, or null when nothing is due. */
  async function planSend(
    target: string,
    groups: Group[],
    all: OutboxRef[],
    subscriptions: Map<string, AlertSubscription>,
    hour: AlertHour,
    now: DateTime,
  ): Promise<{ progress: AlertSendProgress; post: AlertPost | null } | { drop: string[] } | null> {
    const due = groups.filter((g) => g.dueAt <= now).sort((a, b) => a.entries[0]!.enqueuedAt.localeCompare(b.entries[0]!.enqueuedAt));
    const first = due[0];
    if (!first) return null;
    const conversation = alertTargetConversation(first.subscription.target);
    const base = {
      sendId: randomUUID(),
      dealId: null,
      threadTs: null,
      posting: false,
      ts: null,
      threadDone: true,
      parentDone: true,
      counted: false,
      hour: hourOf(now),
      more: null,
      startedAt: iso(now),
    } satisfies Omit<AlertSendProgress, 'entryKeys' | 'kind'>;

    if (hour.count >= ALERTS_PER_HOUR - 1) {
      // The hour's budget is spent: everything due now becomes "N more", one message whatever comes.
      const entries = due.flatMap((g) => g.entries);
      const changes = new Set(entries.map((e) => e.eventId)).size;
      const more = hour.capMore + changes;
      const entryKeys = entries.map((e) => e.key);
      if (hour.capTs !== null) {
        return { progress: { ...base, entryKeys, kind: 'cap-update', more }, post: null };
      }
      return {
        progress: { ...base, entryKeys, kind: 'cap', posting: true, more },
        post: { kind: 'cap', conversation, more, perHour: ALERTS_PER_HOUR },
      };
    }

    // The events of what is sent now are read now, and checked once more.
    const chosen = first.batch !== null ? first.entries : first.entries.slice(0, 1);
    const loaded = await alerts.entries(
      target,
      chosen.map((r) => r.key),
    );
    const missing = chosen.filter((r) => !loaded.some((e) => e.key === r.key)).map((r) => r.key);
    const drop = [...missing, ...(await stale(loaded, subscriptions))];
    if (drop.length > 0) return { drop };

    if (first.batch !== null) {
      const events = uniqueEvents(loaded);
      // The same changes queued for other subscriptions of this target go with this message.
      const ids = new Set(events.map((e) => e.id));
      const entryKeys = all.filter((e) => ids.has(e.eventId) && groupDue(e, due)).map((e) => e.key);
      return {
        progress: { ...base, entryKeys, kind: 'batch', posting: true },
        post: { kind: 'batch', conversation, subscription: first.subscription, events, reason: first.batch },
      };
    }

    const { event } = loaded[0]!;
    const subscription = first.subscription;
    const entryKeys = all.filter((e) => e.eventId === event.id && groupDue(e, due)).map((e) => e.key);
    if (subscription.threadPerDeal && subscription.target.kind === 'channel') {
      const thread = await alerts.thread(subscription.target.channelId, event.dealId);
      if (thread) {
        return {
          progress: { ...base, entryKeys, kind: 'alert', posting: true, dealId: event.dealId, threadTs: thread.ts, parentDone: false },
          post: { kind: 'alert', conversation, subscription, event, threadTs: thread.ts },
        };
      }
      return {
        progress: { ...base, entryKeys, kind: 'parent', posting: true, dealId: event.dealId, threadDone: false },
        post: { kind: 'parent', conversation, subscription, event },
      };
    }
    return {
      progress: { ...base, entryKeys, kind: 'alert', posting: true, dealId: event.dealId },
      post: { kind: 'alert', conversation, subscription, event, threadTs: null },
    };
  }

  /** Whether `entry` belongs to a group that is due (an entry held by its own quiet hours waits). */
  function groupDue(entry: OutboxRef, due: Group[]): boolean {
    return due.some((g) => g.subscription.id === entry.subscriptionId);
  }

  /** One event per change, oldest first. */
  function uniqueEvents(entries: OutboxEntry[]): DealEvent[] {
    const seen = new Map<string, DealEvent>();
    for (const entry of entries) if (!seen.has(entry.event.id)) seen.set(entry.event.id, entry.event);
    return [...seen.values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * Carries a send through its steps, each skipped when recorded already. `post` is the
   * message to post when the send is new; a resumed send never posts.
   */
  async function runSteps(
    target: string,
    start: AlertSendProgress,
    post: AlertPost | null,
    confirm: () => Promise<void>,
  ): Promise<'sent' | 'uncertain'> {
    let progress = start;
    const record = async (next: AlertSendProgress): Promise<void> => {
      progress = next;
      await alerts.saveProgress(target, next);
    };
    const conversation = target.slice(target.indexOf(':') + 1);
    let outcome: 'sent' | 'uncertain' = 'sent';

    if (progress.kind !== 'cap-update' && progress.ts === null) {
      if (!post) {
        // The intent is recorded and no ts: the replica posting it stopped mid-call.
        log.warn(
          { target, sendId: progress.sendId, kind: progress.kind },
          'an alert may have been posted by a replica that stopped; not posting it again',
        );
        outcome = 'uncertain';
      } else {
        // A new send: the lease was confirmed just before its intent was written.
        let ts: string;
        try {
          ts = (await deps.slack.post(post)).ts;
        } catch (error) {
          // Slack answered no: nothing was posted, so the entries stay queued.
          if (!outcomeUnknown(error)) await alerts.clearProgress(target);
          throw error;
        }
        await alerts.savePace(target, { lastPostAt: deps.now().toMillis(), notBefore: null, failures: 0 });
        await record({ ...progress, ts });
      }
    }

    if (!progress.threadDone) {
      if (progress.ts && progress.dealId)
        await alerts.saveThread(conversation, progress.dealId, { ts: progress.ts, postedAt: progress.startedAt });
      await record({ ...progress, threadDone: true });
    }

    if (!progress.parentDone) {
      const latestEvent = (await alerts.entries(target, progress.entryKeys)).at(-1)?.event;
      if (progress.ts && progress.threadTs && latestEvent) {
        await confirm();
        await deps.slack
          .update({ kind: 'parent', conversation, ts: progress.threadTs, event: latestEvent })
          .catch(async (error: unknown) => {
            // The reply is in the thread; a card that cannot be redrawn now is only stale.
            const code = deps.classify(error).code;
            log.info({ err: error, target, code }, 'could not update the parent card of a deal thread');
            if (code === 'message_not_found' && progress.dealId) await alerts.forgetThread(conversation, progress.dealId);
          });
      }
      await record({ ...progress, parentDone: true });
    }

    if (!progress.counted) {
      const hour = await alerts.hour(target, progress.hour);
      if (progress.kind === 'cap-update') {
        if (hour.capTs) {
          await confirm();
          await deps.slack
            .update({ kind: 'cap', conversation, ts: hour.capTs, more: progress.more ?? 0, perHour: ALERTS_PER_HOUR })
            .catch((error: unknown) => log.info({ err: error, target }, 'could not update the hourly cap message'));
        }
        await alerts.saveHour(target, progress.hour, { ...hour, capMore: progress.more ?? hour.capMore });
        await alerts.savePace(target, { lastPostAt: deps.now().toMillis(), notBefore: null, failures: 0 });
      } else if (progress.kind === 'cap') {
        await alerts.saveHour(target, progress.hour, { count: hour.count + 1, capTs: progress.ts, capMore: progress.more ?? 0 });
      } else {
        await alerts.saveHour(target, progress.hour, { ...hour, count: hour.count + 1 });
      }
      await record({ ...progress, counted: true });
    }

    await alerts.removeFromOutbox(target, progress.entryKeys);
    await alerts.clearProgress(target);
    return outcome;
  }

  /** A post that failed without Slack's answer (the connection dropped after sending): it may have been taken. */
  function outcomeUnknown(error: unknown): boolean {
    const shaped = error as { code?: unknown; original?: { code?: unknown } } | null;
    if (shaped?.code !== 'slack_webapi_request_error') return false;
    const cause = shaped.original?.code;
    // Refused before anything was sent: certainly not posted.
    return !(cause === 'ECONNREFUSED' || cause === 'ENOTFOUND' || cause === 'EAI_AGAIN');
  }

  /** Pauses every running subscription of `target` and tells each author (channels only: a DM that fails has nobody to tell). */
  async function pauseTarget(target: string, code: string): Promise<void> {
    const subscriptions = (await alerts.list()).filter((s) => alertTargetKey(s.target) === target && !s.paused);
    for (const subscription of subscriptions) {
      const paused = await alerts.pause(subscription.id, code);
      if (!paused || subscription.target.kind !== 'channel') continue;
      await deps.slack.notifyPaused({ userId: subscription.createdBy, subscription: paused, code }).catch((error: unknown) => {
        log.warn({ err: error, subscriptionId: subscription.id }, 'could not tell the author of paused alerts');
      });
    }
  }

  async function failed(target: string, send: AlertSendProgress | null, error: unknown): Promise<DeliverOutcome> {
    const failure = deps.classify(error);
    const fields = { err: error, target, code: failure.code };
    const pace = await alerts.pace(target);
    if (failure.kind === 'retry' && pace.failures + 1 < options.maxAttempts) {
      const waitMs = failure.retryAfterMs ?? options.retryBaseMs * 2 ** pace.failures;
      await alerts.savePace(target, { ...pace, notBefore: deps.now().toMillis() + waitMs, failures: pace.failures + 1 });
      log.warn({ ...fields, attempt: pace.failures + 1, waitMs }, 'alert not sent; will retry');
      return { target, result: 'retry', code: failure.code };
    }
    if (failure.kind === 'pause') {
      await pauseTarget(target, failure.code);
      await alerts.savePace(target, { ...pace, failures: 0, notBefore: null });
      log.error(fields, 'alerts paused: Slack will not take them until someone acts');
      return { target, result: 'paused', code: failure.code };
    }
    // Refused for good, or retried enough: this message is given up, the next ones go on.
    const progress = await alerts.progress(target);
    const keys = progress?.entryKeys ?? send?.entryKeys ?? [];
    await alerts.removeFromOutbox(target, keys);
    await alerts.clearProgress(target);
    await alerts.savePace(target, { ...pace, failures: 0, notBefore: null });
    log.error({ ...fields, alerts: keys.length }, 'alert given up');
    return { target, result: 'skipped', code: failure.code };
  }

  async function dropped(target: string, keys: string[]): Promise<DeliverOutcome> {
    await alerts.removeFromOutbox(target, keys);
    log.info(
      { target, dropped: keys.length },
      'alerts dropped: subscription gone, paused or changed, or Dealbot announced the change itself',
    );
    return { target, result: 'dropped' };
  }

  const delivery = {
    alerts,

    /**
     * Queues each event for every subscription it matches. Safe to call with an event seen
     * before (by another source or replica): it is queued once per subscription.
     */
    async enqueue(events: readonly DealEvent[]): Promise<{ queued: number; targets: string[] }> {
      if (events.length === 0) return { queued: 0, targets: [] };
      const subscriptions = (await alerts.list()).filter((s) => !s.paused);
      const enqueuedAt = iso(deps.now());
      const byTarget = new Map<string, OutboxEntry[]>();
      for (const event of events) {
        for (const subscription of subscriptions) {
          if (!alertMatches(subscription, event)) continue;
          const target = alertTargetKey(subscription.target);
          const list = byTarget.get(target) ?? [];
          list.push({ key: outboxEntryKey(subscription.id, event.id), subscriptionId: subscription.id, event, enqueuedAt });
          byTarget.set(target, list);
        }
      }
      let queued = 0;
      const targets: string[] = [];
      for (const [target, entries] of byTarget) {
        const added = await alerts.enqueue(target, entries);
        queued += added.length;
        if (added.length > 0) targets.push(target);
      }
      if (queued > 0) log.debug({ queued, targets: targets.length }, 'alerts queued');
      return { queued, targets };
    },

    /** Which targets have a message due now (or a send to resume), and when the next will. */
    async scan(): Promise<AlertScan> {
      const now = deps.now();
      const subscriptions = await subscriptionsById();
      const targets = [...new Set([...subscriptions.values()].map((s) => alertTargetKey(s.target)))];
      const [outboxes, states] = await Promise.all([alerts.outboxes(targets), alerts.states(targets)]);
      const due: string[] = [];
      let nextAt: DateTime | null = null;
      let queued = 0;
      for (const target of targets) {
        const state = states.get(target);
        const entries = outboxes.get(target) ?? [];
        queued += entries.length;
        const paced = state ? paceAllows(state.pace) : null;
        let at: DateTime | null = null;
        if (state?.progress) at = now;
        else if (entries.length > 0) {
          const groups = groupsOf(entries, subscriptions, now);
          const dueTimes = groups.map((g) => g.dueAt);
          // Entries nobody can send any more (subscription gone) are cleared at once.
          at = dueTimes.length === 0 || groups.some((g) => g.subscription.paused) ? now : (DateTime.min(...dueTimes) ?? now);
        }
        if (!at) continue;
        at = latest(at, paced);
        if (at <= now) due.push(target);
        else if (nextAt === null || at < (nextAt as DateTime)) nextAt = at;
      }
      return { due, nextAt, queued };
    },

    /** Sends `target`'s next due message (or finishes the one in flight), under the target's lease. */
    async deliver(target: string): Promise<DeliverOutcome> {
      const lease = await takeLease(deps.store, leaseKey(target), {
        ms: options.leaseMs,
        instanceId: deps.instanceId,
        ...(deps.every ? { every: deps.every } : {}),
        onRenewError: (error) => log.warn({ err: error, target }, 'could not renew an alert lease'),
      });
      if (!lease) return { target, result: 'elsewhere' };
      let send: AlertSendProgress | null = null;
      try {
        const inFlight = await alerts.progress(target);
        if (inFlight) {
          send = inFlight;
          const outcome = await runSteps(target, inFlight, null, lease.confirm);
          log.info({ target, sendId: inFlight.sendId, kind: inFlight.kind, outcome }, 'alert send resumed');
          return {
            target,
            result: outcome === 'sent' ? 'sent' : 'skipped',
            ...(outcome === 'uncertain' ? { code: 'outcome_unknown' } : {}),
          };
        }
        const now = deps.now();
        const [subscriptions, entries, pace] = await Promise.all([subscriptionsById(), alerts.outbox(target), alerts.pace(target)]);
        const gone = orphaned(entries, subscriptions);
        if (gone.length > 0)
          return await dropped(
            target,
            gone.map((e) => e.key),
          );
        const allowed = paceAllows(pace);
        if (allowed && allowed > now) return { target, result: 'nothing' };
        const hour = await alerts.hour(target, hourOf(now));
        const plan = await planSend(target, groupsOf(entries, subscriptions, now), entries, subscriptions, hour, now);
        if (!plan) return { target, result: 'nothing' };
        if ('drop' in plan) return await dropped(target, plan.drop);
        send = plan.progress;
        // The lease is checked before the intent is written: an intent is never left by a replica that was not going to post.
        await lease.confirm();
        await alerts.saveProgress(target, plan.progress);
        const outcome = await runSteps(target, plan.progress, plan.post, lease.confirm);
        return { target, result: outcome === 'sent' ? 'sent' : 'skipped' };
      } catch (error) {
        if (error instanceof LeaseLost) {
          log.warn({ target }, 'lost the lease on an alert target; another replica carries on');
          return { target, result: 'elsewhere' };
        }
        return await failed(target, send, error).catch((failure: unknown) => {
          log.error({ err: failure, target }, 'could not record a failed alert; retrying at the next scan');
          return { target, result: 'retry' as const };
        });
      } finally {
        await lease.end();
      }
    },

    /**
     * A change Dealbot announced in `channelId` itself (a won or lost said in the channel):
     * the same change, seen again by a poll or a webhook, is not announced there twice.
     */
    recordAnnounced(channelId: string, dealId: string, kind: DealEventKind): Promise<void> {
      return recordAnnounced(deps.store, channelId, dealId, kind, deps.now());
    },
  };
  return delivery;
}

export type AlertDelivery = ReturnType<typeof createAlertDelivery>;

/**
 * Notes that Dealbot announced `kind` of the deal in the channel (`listeners/deal-replies.ts`
 * calls it with the workspace's store as it posts the announcement), so alerts do not repeat it.
 */
export async function recordAnnounced(
  store: Store,
  channelId: string,
  dealId: string,
  kind: DealEventKind,
  at: DateTime = DateTime.utc(),
): Promise<void> {
  await createAlertStore(store).recordAnnounced(channelId, dealId, kind, iso(at));
}
