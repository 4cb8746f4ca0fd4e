// Deal alerts under a hand-driven clock: events and subscriptions built in one line, and a
// fake Slack that answers the alert port's calls (`post`, `update`, `notifyPaused`) as Slack
// does — each can be told to fail with the errors `@slack/web-api` throws, or to hang after
// Slack took the message (a replica dying mid-call). What Slack took is recorded as it would
// be seen in the channel, with the clock's time of each post.

import { DateTime } from 'luxon';
import { pino } from 'pino';
import type { AlertSubscription } from '../../src/domain/alert-subscription.js';
import type { DealEvent, DealSnapshot } from '../../src/domain/deal-events.js';
import {
  createAlertDelivery,
  type AlertDeliveryOptions,
  type AlertPausedNotice,
  type AlertPost,
  type AlertSlack,
  type AlertUpdate,
} from '../../src/services/alert-delivery.js';
import { classifyAlertFailure } from '../../src/runtime/alert-runtime.js';
import { createAlertStore } from '../../src/store/alert-store.js';
import type { Store } from '../../src/store/store.js';

export const silentLogger = pino({ level: 'silent' });

export interface Clock {
  now: () => DateTime;
  set(at: DateTime): void;
  advance(duration: { milliseconds?: number; seconds?: number; minutes?: number; hours?: number; days?: number }): void;
}

export function createClock(start: DateTime): Clock {
  let current = start.toUTC();
  return {
    now: () => current,
    set: (at) => {
      current = at.toUTC();
    },
    advance: (duration) => {
      current = current.plus(duration);
    },
  };
}

/** A deal as alerts see it: open, 1,000 EUR, stage 1 of pipeline 1, unless told otherwise. */
export function snapshot(dealId: string, overrides: Partial<DealSnapshot> = {}): DealSnapshot {
  return {
    dealId,
    title: `Deal ${dealId}`,
    status: 'open',
    pipelineId: '1',
    stageId: '1',
    ownerId: null,
    value: { amount: 1000, currency: 'EUR' },
    expectedCloseDate: null,
    lostReason: null,
    url: null,
    changedAt: '2026-03-09T08:00:00.000Z',
    ...overrides,
  };
}

type KindFields =
  | { kind: 'created' }
  | { kind: 'moved'; fromStageId?: string | null; toStageId: string; fromPipelineId?: string | null }
  | { kind: 'won' }
  | { kind: 'lost'; lostReason?: string | null }
  | { kind: 'reopened' }
  | { kind: 'value'; from: DealSnapshot['value']; to: DealSnapshot['value'] }
  | { kind: 'closeDatePushed'; from: string | null; to: string };

let eventCounter = 0;

/** A deal event; its id is unique unless given. */
export function dealEvent(
  dealId: string,
  fields: KindFields,
  overrides: { at?: string; deal?: Partial<DealSnapshot>; actor?: DealEvent['actor']; id?: string } = {},
): DealEvent {
  eventCounter += 1;
  const at = overrides.at ?? '2026-03-09T08:00:00.000Z';
  const deal = snapshot(dealId, {
    ...(fields.kind === 'moved' ? { stageId: fields.toStageId } : {}),
    ...(fields.kind === 'won' ? { status: 'won' } : {}),
    ...(fields.kind === 'lost' ? { status: 'lost', lostReason: fields.lostReason ?? null } : {}),
    ...(fields.kind === 'value' ? { value: fields.to } : {}),
    ...(fields.kind === 'closeDatePushed' ? { expectedCloseDate: fields.to } : {}),
    changedAt: at,
    ...overrides.deal,
  });
  const base = {
    id: overrides.id ?? `${dealId}:${fields.kind}:${eventCounter}`,
    dealId,
    deal,
    at,
    actor: overrides.actor ?? null,
    source: 'poll' as const,
  };
  switch (fields.kind) {
    case 'moved':
      return {
        ...base,
        kind: 'moved',
        fromStageId: fields.fromStageId ?? '1',
        toStageId: fields.toStageId,
        fromPipelineId: fields.fromPipelineId ?? null,
      };
    case 'lost':
      return { ...base, kind: 'lost', lostReason: fields.lostReason ?? null };
    case 'value':
      return { ...base, kind: 'value', from: fields.from, to: fields.to };
    case 'closeDatePushed':
      return { ...base, kind: 'closeDatePushed', from: fields.from, to: fields.to };
    default:
      return { ...base, kind: fields.kind };
  }
}

/** A channel's subscription to every event, each as it comes, unless told otherwise. */
export function alertSubscription(id: string, overrides: Partial<AlertSubscription> = {}): AlertSubscription {
  return {
    id,
    target: { kind: 'channel', channelId: 'C0SALES' },
    events: ['created', 'moved', 'won', 'lost', 'reopened', 'value', 'closeDatePushed'],
    toStageIds: [],
    pipelineId: null,
    pipelineName: null,
    minValue: null,
    ownerId: null,
    delivery: { kind: 'each' },
    quietHours: null,
    threadPerDeal: false,
    createdBy: 'U0ADA',
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    ...overrides,
  };
}

export async function saveSubscriptions(store: Store, ...subscriptions: AlertSubscription[]): Promise<void> {
  await createAlertStore(store).apply({ add: subscriptions });
}

export interface SlackPost {
  post: AlertPost;
  ts: string;
  /** The clock's time when Slack took it. */
  at: DateTime;
  instance: string;
}

type Method = 'post' | 'update' | 'notifyPaused';
/** What a call does instead of succeeding: an error to throw, `hang` (never answers), or `took-then-hang` (Slack took it, the answer never comes). */
type Answer = unknown;

let nextTs = 1;

export interface FakeSlack {
  slack: AlertSlack;
  posts: SlackPost[];
  updates: Array<{ update: AlertUpdate; at: DateTime; instance: string }>;
  notices: AlertPausedNotice[];
  failNext(method: Method, ...answers: Answer[]): void;
}

/** A fake Slack shared by every replica of a test (pass the same `shared`). */
export function createFakeSlack(
  clock: Clock,
  instance = 'replica-a',
  shared?: Pick<FakeSlack, 'posts' | 'updates' | 'notices'>,
): FakeSlack {
  const posts = shared?.posts ?? [];
  const updates = shared?.updates ?? [];
  const notices = shared?.notices ?? [];
  const answers = new Map<Method, Answer[]>();
  const answer = (method: Method): Answer => answers.get(method)?.shift();
  const slack: AlertSlack = {
    async post(post) {
      const next = answer('post');
      if (next === 'hang') return new Promise(() => undefined);
      const ts = `1773000000.${String(nextTs++).padStart(6, '0')}`;
      if (next === 'took-then-hang') {
        posts.push({ post, ts, at: clock.now(), instance });
        return new Promise(() => undefined);
      }
      if (next !== undefined) throw next;
      posts.push({ post, ts, at: clock.now(), instance });
      return { ts };
    },
    async update(update) {
      const next = answer('update');
      if (next === 'hang') return new Promise(() => undefined);
      if (next !== undefined) throw next;
      updates.push({ update, at: clock.now(), instance });
    },
    async notifyPaused(notice) {
      const next = answer('notifyPaused');
      if (next !== undefined) throw next;
      notices.push(notice);
    },
  };
  return {
    slack,
    posts,
    updates,
    notices,
    failNext(method, ...list) {
      answers.set(method, [...(answers.get(method) ?? []), ...list]);
    },
  };
}

export function createTestDelivery(
  store: Store,
  clock: Clock,
  fake: FakeSlack,
  options: AlertDeliveryOptions & { instanceId?: string } = {},
) {
  return createAlertDelivery({
    store,
    slack: fake.slack,
    classify: classifyAlertFailure,
    now: clock.now,
    logger: silentLogger,
    instanceId: options.instanceId ?? 'replica-a',
    // Lease renewal is checked before each step; the background renewal is not needed here.
    every: () => () => undefined,
    ...options,
  });
}

/** Delivers `target` until nothing is due at the clock's time; returns the results in order. */
export async function drain(delivery: ReturnType<typeof createTestDelivery>, target: string, clock: Clock, stepMs = 1_000, max = 200) {
  const results: string[] = [];
  for (let i = 0; i < max; i += 1) {
    const { result } = await delivery.deliver(target);
    results.push(result);
    if (result === 'nothing') {
      const scan = await delivery.scan();
      if (scan.due.length === 0 && scan.nextAt === null) break;
      clock.advance({ milliseconds: stepMs });
    }
  }
  return results;
}

export const CHANNEL = 'channel:C0SALES';
