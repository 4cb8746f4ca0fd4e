// Deal alerts in the store, under one workspace's namespace (`scoped-store.ts`):
// - subscriptions: one key each and an index of ids, written under one lock so two people
//   subscribing at once never lose each other's index update;
// - the outbox: per target (a channel, or a person's DM), the alerts waiting to be posted,
//   appended by whoever saw the change and emptied by whoever holds the target's lease;
// - a claim per (subscription, event), taken when the alert enters the outbox, so a change
//   seen twice (a webhook and a poll, two replicas) is queued once;
// - per target: the send in flight (each step recorded as soon as Slack confirmed it), the
//   pace (last post, a rate limit's wait, failures in a row) and the hour's message count;
// - per channel and deal: the thread its alerts reply in;
// - per channel, deal and kind: "Dealbot already announced this here" (a won or lost
//   announced through a command or a card), so the CRM's echo of it is not announced again.
//
// Records are checked with zod when read; one this version cannot read counts as absent.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { alertTargetKey, type AlertSubscription } from '../domain/alert-subscription.js';
import { DEAL_EVENT_KINDS, snapshotUrl, type DealEvent, type DealEventKind } from '../domain/deal-events.js';
import type { Store } from './store.js';

const INDEX_KEY = 'alert:subscriptions';
const LOCK_NAME = 'alert:subscriptions';
const subscriptionKey = (id: string): string => `alert:subscription:${id}`;
const outboxKey = (target: string): string => `alert:outbox:${target}`;
const entryKey = (target: string, key: string): string => `alert:entry:${target}:${key}`;
const outboxLock = (target: string): string => `alert:outbox:${target}`;
const seenKey = (subscriptionId: string, eventId: string): string => `alert:seen:${subscriptionId}:${eventId}`;
const progressKey = (target: string): string => `alert:progress:${target}`;
const paceKey = (target: string): string => `alert:pace:${target}`;
const hourKey = (target: string, hour: string): string => `alert:hour:${target}:${hour}`;
const threadKey = (channelId: string, dealId: string): string => `alert:thread:${channelId}:${dealId}`;
const announcedKey = (channelId: string, dealId: string, kind: DealEventKind): string => `alert:announced:${channelId}:${dealId}:${kind}`;

/** Long past any second sighting of one change (a poll after a webhook, a late retry). */
const SEEN_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** A deal quiet for a month starts a new thread. */
const THREAD_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** The hour's count outlives its hour a little (a clock a few minutes off still reads it). */
const HOUR_TTL_MS = 2 * 60 * 60 * 1000;
/** Longer than any poll interval: the CRM's echo of an announced change arrives within it. */
export const ANNOUNCED_TTL_MS = 60 * 60 * 1000;

/** One alert waiting for its target: a subscription's view of one event. */
export interface OutboxEntry {
  /** `subscriptionId|eventId`: unique in the outbox. */
  key: string;
  subscriptionId: string;
  event: DealEvent;
  /** ISO instant it entered the outbox (batch windows and quiet hours are measured from it). */
  enqueuedAt: string;
}

/**
 * An outbox entry as the outbox lists it: what deciding when to send needs, without the
 * event (kept in a key of its own and read only for the message being sent), so the list a
 * delivery pass reads stays small however long it gets.
 */
export interface OutboxRef {
  key: string;
  subscriptionId: string;
  eventId: string;
  dealId: string;
  kind: DealEventKind;
  /** ISO instant the change happened (the event's `at`). */
  at: string;
  enqueuedAt: string;
}

const refOf = (entry: OutboxEntry): OutboxRef => ({
  key: entry.key,
  subscriptionId: entry.subscriptionId,
  eventId: entry.event.id,
  dealId: entry.event.dealId,
  kind: entry.event.kind,
  at: entry.event.at,
  enqueuedAt: entry.enqueuedAt,
});

export const outboxEntryKey = (subscriptionId: string, eventId: string): string => `${subscriptionId}|${eventId}`;

/**
 * The one message being sent to a target, step by step. Written before the post (the
 * intent), then each step the moment Slack confirmed it; a resume (here, or on another
 * replica after a crash) carries on at the first step not recorded and repeats none.
 */
export interface AlertSendProgress {
  sendId: string;
  /** The outbox entries this message covers; they leave the outbox at the last step. */
  entryKeys: string[];
  kind: 'alert' | 'parent' | 'batch' | 'cap' | 'cap-update' | 'drop';
  /** The deal of a single alert (`alert`, `parent`), for its thread. */
  dealId: string | null;
  /** A reply in this deal thread: the parent card's ts, updated after the reply. */
  threadTs: string | null;
  /** The post was about to be made. With no `ts`, whether Slack took it is unknown: never posted again. */
  posting: boolean;
  /** The posted message's ts, once Slack confirmed it. */
  ts: string | null;
  /** The deal's thread was recorded (a parent), or there was none to record. */
  threadDone: boolean;
  /** The parent card was updated (a reply), or there was none to update. */
  parentDone: boolean;
  /** The message was counted in the hour's cap. */
  counted: boolean;
  /** The hour (`yyyy-LL-ddTHH` UTC) the message counts in. */
  hour: string;
  /** For the cap message: how many alerts it stands for. */
  more: number | null;
  startedAt: string;
}

/** How fast a target may be posted to next. Instants are epoch milliseconds. */
export interface AlertPace {
  lastPostAt: number | null;
  /** Not before this (a rate limit's Retry-After, a retry's backoff). */
  notBefore: number | null;
  /** Failed sends in a row (retries back off, and give up after a few). */
  failures: number;
}

export const NO_PACE: AlertPace = { lastPostAt: null, notBefore: null, failures: 0 };

/** The hour's messages to one target: how many, and the cap message once posted. */
export interface AlertHour {
  count: number;
  capTs: string | null;
  /** Alerts the cap message stands for so far. */
  capMore: number;
}

export const EMPTY_HOUR: AlertHour = { count: 0, capTs: null, capMore: 0 };

export interface AlertThread {
  ts: string;
  /** ISO instant of the parent's post. */
  postedAt: string;
}

const subscriptionSchema = z.object({
  id: z.string().min(1),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('channel'), channelId: z.string().min(1) }),
    z.object({ kind: z.literal('person'), userId: z.string().min(1) }),
  ]),
  events: z.array(z.enum(DEAL_EVENT_KINDS)),
  toStageIds: z.array(z.string()),
  pipelineId: z.string().nullable(),
  pipelineName: z.string().nullable(),
  minValue: z.number().nullable(),
  ownerId: z.string().nullable(),
  delivery: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('each') }),
    z.object({ kind: z.literal('batched'), everyMinutes: z.number().int().positive() }),
  ]),
  quietHours: z.object({ from: z.string(), to: z.string(), zone: z.string() }).nullable(),
  threadPerDeal: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  paused: z.boolean().optional(),
  pausedReason: z.string().nullable().optional(),
});

/** An outbox ref as stored, checked by hand (a long outbox is read on every pass of the delivery loop). */
function asRef(value: unknown): OutboxRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = value as Partial<OutboxRef>;
  const ok =
    typeof ref.key === 'string' &&
    typeof ref.subscriptionId === 'string' &&
    typeof ref.eventId === 'string' &&
    typeof ref.dealId === 'string' &&
    typeof ref.at === 'string' &&
    typeof ref.enqueuedAt === 'string' &&
    KINDS.has(ref.kind as DealEventKind);
  return ok ? (ref as OutboxRef) : undefined;
}
const KINDS: ReadonlySet<DealEventKind> = new Set(DEAL_EVENT_KINDS);
const refsOf = (value: unknown): OutboxRef[] => (Array.isArray(value) ? value : []).flatMap((v) => asRef(v) ?? []);

/** A stored event, as this code wrote it from a `DealEvent`. */
function asEvent(value: unknown): DealEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Partial<DealEvent>;
  const ok =
    typeof event.id === 'string' &&
    typeof event.dealId === 'string' &&
    typeof event.at === 'string' &&
    KINDS.has(event.kind as DealEventKind) &&
    typeof event.deal === 'object' &&
    event.deal !== null;
  if (!ok) return undefined;
  // Events queued before snapshots kept the deal's url read as having none.
  const deal = event.deal as DealEvent['deal'];
  return { ...(event as DealEvent), deal: { ...deal, url: snapshotUrl(deal) } };
}

const progressSchema = z.object({
  sendId: z.string(),
  entryKeys: z.array(z.string()),
  kind: z.enum(['alert', 'parent', 'batch', 'cap', 'cap-update', 'drop']),
  dealId: z.string().nullable(),
  threadTs: z.string().nullable(),
  posting: z.boolean(),
  ts: z.string().nullable(),
  threadDone: z.boolean(),
  parentDone: z.boolean(),
  counted: z.boolean(),
  hour: z.string(),
  more: z.number().nullable(),
  startedAt: z.string(),
});

const paceSchema = z.object({ lastPostAt: z.number().nullable(), notBefore: z.number().nullable(), failures: z.number() });
const hourSchema = z.object({ count: z.number(), capTs: z.string().nullable(), capMore: z.number() });
const threadSchema = z.object({ ts: z.string(), postedAt: z.string() });
const announcedSchema = z.object({ at: z.string() });

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const parseSubscription = (value: unknown): AlertSubscription | undefined =>
  parseWith(subscriptionSchema, value) as AlertSubscription | undefined;

export interface AlertStore {
  // Subscriptions
  get(id: string): Promise<AlertSubscription | undefined>;
  /** Every subscription, oldest first (ties by id): the order `/pipeline alerts list` numbers them in. */
  list(): Promise<AlertSubscription[]>;
  listByChannel(channelId: string): Promise<AlertSubscription[]>;
  listByPerson(userId: string): Promise<AlertSubscription[]>;
  /**
   * Saves `add` and removes `remove` in one step under the subscriptions lock: the index
   * switches in one write, so a reader sees the old set or the new one. `check` runs inside
   * the lock on what is stored now and may refuse (returns a reason), in which case nothing changes.
   */
  apply<R>(change: {
    add?: AlertSubscription[];
    remove?: string[];
    check?: (current: AlertSubscription[]) => R | null;
  }): Promise<{ ok: true } | { ok: false; refusal: R }>;
  /** Pauses a subscription (delivery's answer to a Slack error that will not go away). */
  pause(id: string, reason: string): Promise<AlertSubscription | undefined>;

  // Outbox
  /**
   * Adds alerts to `target`'s outbox; an alert whose (subscription, event) was queued before,
   * by anyone, is left out. Returns the entries added.
   */
  enqueue(target: string, entries: OutboxEntry[]): Promise<OutboxEntry[]>;
  outbox(target: string): Promise<OutboxRef[]>;
  outboxes(targets: readonly string[]): Promise<Map<string, OutboxRef[]>>;
  /** The queued entries with these keys, with their events (those still queued). */
  entries(target: string, keys: readonly string[]): Promise<OutboxEntry[]>;
  /** Takes the entries with these keys out of `target`'s outbox. */
  removeFromOutbox(target: string, keys: readonly string[]): Promise<void>;

  // Per-target delivery state (written only by the holder of the target's lease)
  progress(target: string): Promise<AlertSendProgress | undefined>;
  /** The send in flight and the pace of each target, in two reads (the delivery loop's scan). */
  states(targets: readonly string[]): Promise<Map<string, { progress: AlertSendProgress | undefined; pace: AlertPace }>>;
  saveProgress(target: string, progress: AlertSendProgress): Promise<void>;
  clearProgress(target: string): Promise<void>;
  pace(target: string): Promise<AlertPace>;
  savePace(target: string, pace: AlertPace): Promise<void>;
  hour(target: string, hour: string): Promise<AlertHour>;
  saveHour(target: string, hour: string, value: AlertHour): Promise<void>;

  // Threads and announcements
  thread(channelId: string, dealId: string): Promise<AlertThread | undefined>;
  saveThread(channelId: string, dealId: string, thread: AlertThread): Promise<void>;
  forgetThread(channelId: string, dealId: string): Promise<void>;
  recordAnnounced(channelId: string, dealId: string, kind: DealEventKind, at: string): Promise<void>;
  /** When Dealbot announced `kind` of the deal in the channel, if it did lately. */
  announced(channelId: string, dealId: string, kind: DealEventKind): Promise<string | undefined>;
  /** `announced` for many at once (one read). */
  announcedMany(items: ReadonlyArray<{ channelId: string; dealId: string; kind: DealEventKind }>): Promise<Array<string | undefined>>;
}

const byAge = (a: AlertSubscription, b: AlertSubscription): number => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

export function createAlertStore(store: Store): AlertStore {
  const readIndex = async (): Promise<string[]> => (await store.get<string[]>(INDEX_KEY)) ?? [];

  async function readAll(): Promise<AlertSubscription[]> {
    const ids = await readIndex();
    const values = await store.getMany<unknown>(ids.map(subscriptionKey));
    return values.flatMap((v) => parseSubscription(v) ?? []).sort(byAge);
  }

  const readOutbox = async (target: string): Promise<OutboxRef[]> => refsOf(await store.get<unknown>(outboxKey(target)));

  /** Rewrites `target`'s list without the entries `drop` picks, then deletes their events. Under the outbox lock. */
  async function removeWhere(target: string, drop: (ref: OutboxRef) => boolean): Promise<void> {
    const gone = await store.withLock(outboxLock(target), async () => {
      const current = await readOutbox(target);
      const kept = current.filter((r) => !drop(r));
      if (kept.length === current.length) return [];
      if (kept.length === 0) await store.delete(outboxKey(target));
      else await store.set(outboxKey(target), kept);
      return current.filter(drop);
    });
    await Promise.all(gone.map((r) => store.delete(entryKey(target, r.key)).catch(() => false)));
  }

  async function dropQueued(target: string, subscriptionId: string): Promise<void> {
    await removeWhere(target, (r) => r.subscriptionId === subscriptionId);
  }

  const alertStore: AlertStore = {
    async get(id) {
      return parseSubscription(await store.get(subscriptionKey(id)));
    },

    list: readAll,

    async listByChannel(channelId) {
      return (await readAll()).filter((s) => s.target.kind === 'channel' && s.target.channelId === channelId);
    },

    async listByPerson(userId) {
      return (await readAll()).filter((s) => s.target.kind === 'person' && s.target.userId === userId);
    },

    apply(change) {
      return store.withLock(LOCK_NAME, async () => {
        if (change.check) {
          const refusal = change.check(await readAll());
          if (refusal !== null) return { ok: false as const, refusal };
        }
        const add = change.add ?? [];
        const remove = new Set((change.remove ?? []).filter((id) => !add.some((s) => s.id === id)));
        const removed = (await store.getMany<unknown>([...remove].map(subscriptionKey))).flatMap((v) => parseSubscription(v) ?? []);
        for (const subscription of add) await store.set(subscriptionKey(subscription.id), subscription);
        const index = await readIndex();
        const next = [...index.filter((id) => !remove.has(id)), ...add.map((s) => s.id).filter((id) => !index.includes(id))];
        await store.set(INDEX_KEY, next);
        for (const id of remove) await store.delete(subscriptionKey(id));
        // What a removed subscription still had queued would never be sent (nor looked at, once
        // its channel has no subscription left): it goes with it.
        for (const subscription of removed) await dropQueued(alertTargetKey(subscription.target), subscription.id);
        return { ok: true as const };
      });
    },

    pause(id, reason) {
      return store.withLock(LOCK_NAME, async () => {
        const existing = parseSubscription(await store.get(subscriptionKey(id)));
        if (!existing) return undefined;
        const paused: AlertSubscription = { ...existing, paused: true, pausedReason: reason };
        await store.set(subscriptionKey(id), paused);
        return paused;
      });
    },

    async enqueue(target, entries) {
      if (entries.length === 0) return [];
      return store.withLock(outboxLock(target), async () => {
        const owner = randomUUID();
        const current = await readOutbox(target);
        const present = new Set(current.map((e) => e.key));
        const fresh = entries.filter((e, i) => !present.has(e.key) && entries.findIndex((o) => o.key === e.key) === i);
        // The claim is the memory of "queued once" that outlives the outbox (emptied as it is sent).
        const taken = await Promise.all(fresh.map((e) => store.claim(seenKey(e.subscriptionId, e.event.id), SEEN_TTL_MS, owner)));
        const added = fresh.filter((_, i) => taken[i]);
        if (added.length === 0) return [];
        try {
          // The events first, then the list that names them: a reader never meets a ref without its event.
          await Promise.all(added.map((e) => store.set(entryKey(target, e.key), e.event, SEEN_TTL_MS)));
          await store.set(outboxKey(target), [...current, ...added.map(refOf)]);
        } catch (error) {
          // Not queued after all: a later sighting of the same change may queue it.
          await Promise.all(added.map((e) => store.release(seenKey(e.subscriptionId, e.event.id), owner).catch(() => undefined)));
          throw error;
        }
        return added;
      });
    },

    outbox: readOutbox,

    async outboxes(targets) {
      const values = await store.getMany<unknown>(targets.map(outboxKey));
      const result = new Map<string, OutboxRef[]>();
      targets.forEach((target, i) => result.set(target, refsOf(values[i])));
      return result;
    },

    async entries(target, keys) {
      if (keys.length === 0) return [];
      const refs = new Map((await readOutbox(target)).map((r) => [r.key, r]));
      const wanted = keys.filter((k) => refs.has(k));
      const events = await store.getMany<unknown>(wanted.map((k) => entryKey(target, k)));
      return wanted.flatMap((key, i) => {
        const event = asEvent(events[i]);
        const ref = refs.get(key)!;
        return event ? [{ key, subscriptionId: ref.subscriptionId, event, enqueuedAt: ref.enqueuedAt }] : [];
      });
    },

    async removeFromOutbox(target, keys) {
      if (keys.length === 0) return;
      const gone = new Set(keys);
      await removeWhere(target, (r) => gone.has(r.key));
    },

    async progress(target) {
      return parseWith(progressSchema, await store.get(progressKey(target)));
    },
    async states(targets) {
      const [progresses, paces] = await Promise.all([
        store.getMany<unknown>(targets.map(progressKey)),
        store.getMany<unknown>(targets.map(paceKey)),
      ]);
      const result = new Map<string, { progress: AlertSendProgress | undefined; pace: AlertPace }>();
      targets.forEach((target, i) => {
        result.set(target, { progress: parseWith(progressSchema, progresses[i]), pace: parseWith(paceSchema, paces[i]) ?? NO_PACE });
      });
      return result;
    },
    async saveProgress(target, progress) {
      await store.set(progressKey(target), progress);
    },
    async clearProgress(target) {
      await store.delete(progressKey(target));
    },

    async pace(target) {
      return parseWith(paceSchema, await store.get(paceKey(target))) ?? NO_PACE;
    },
    async savePace(target, pace) {
      await store.set(paceKey(target), pace);
    },

    async hour(target, hour) {
      return parseWith(hourSchema, await store.get(hourKey(target, hour))) ?? EMPTY_HOUR;
    },
    async saveHour(target, hour, value) {
      await store.set(hourKey(target, hour), value, HOUR_TTL_MS);
    },

    async thread(channelId, dealId) {
      return parseWith(threadSchema, await store.get(threadKey(channelId, dealId)));
    },
    async saveThread(channelId, dealId, thread) {
      await store.set(threadKey(channelId, dealId), thread, THREAD_TTL_MS);
    },
    async forgetThread(channelId, dealId) {
      await store.delete(threadKey(channelId, dealId));
    },

    async recordAnnounced(channelId, dealId, kind, at) {
      await store.set(announcedKey(channelId, dealId, kind), { at }, ANNOUNCED_TTL_MS);
    },
    async announced(channelId, dealId, kind) {
      return parseWith(announcedSchema, await store.get(announcedKey(channelId, dealId, kind)))?.at;
    },
    async announcedMany(items) {
      const values = await store.getMany<unknown>(items.map((i) => announcedKey(i.channelId, i.dealId, i.kind)));
      return values.map((v) => parseWith(announcedSchema, v)?.at);
    },
  };
  return alertStore;
}
