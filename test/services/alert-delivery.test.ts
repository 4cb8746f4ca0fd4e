import { WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { createAlertStore } from '../../src/store/alert-store.js';
import type { Store } from '../../src/store/store.js';
import { ALERTS_PER_HOUR, recordAnnounced, type AlertPost } from '../../src/services/alert-delivery.js';
import { drawAlertPost } from '../../src/runtime/alert-runtime.js';
import type { AlertContext } from '../../src/ui/alert-message.js';
import { displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import {
  alertSubscription,
  CHANNEL,
  createClock,
  createFakeSlack,
  createTestDelivery,
  dealEvent,
  drain,
  saveSubscriptions,
} from './alert-harness.js';

const platformError = (error: string) => new WebAPIPlatformError({ ok: false, error });
const T0 = DateTime.fromISO('2026-03-09T08:00:00Z', { zone: 'utc' });

const opened: Store[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
async function memoryStore(): Promise<Store> {
  const store = await createStore('memory://');
  opened.push(store);
  return store;
}

const ctx: AlertContext = {
  stages: new Map([
    ['1', { id: '1', pipelineId: '1', name: 'Qualified', order: 1, probability: null }],
    ['3', { id: '3', pipelineId: '1', name: 'Proposal', order: 3, probability: null }],
  ]),
  pipelines: new Map([['1', { id: '1', name: 'Sales', order: 1, isDefault: true }]]),
  users: new Map(),
  crmName: 'Pipedrive',
  now: T0,
};
/** What a person reads of a post. */
const seen = (post: AlertPost): string =>
  mrkdwnTexts(drawAlertPost(post, ctx).blocks)
    .map((text) => displayedText(text).replace(/\*/g, ''))
    .join('\n');

async function setUp(...subscriptions: Parameters<typeof alertSubscription>[]) {
  const store = await memoryStore();
  const clock = createClock(T0);
  const fake = createFakeSlack(clock);
  const delivery = createTestDelivery(store, clock, fake);
  await saveSubscriptions(store, ...subscriptions.map((args) => alertSubscription(...args)));
  return { store, clock, fake, delivery };
}

describe('fanning events out to subscriptions', () => {
  it('queues an event for the subscriptions it matches only, and posts it once per channel', async () => {
    const { fake, delivery, clock } = await setUp(
      ['won-only', { events: ['won'] }],
      ['moves', { events: ['moved'] }],
      ['everything-too', { events: ['won', 'lost'] }],
      ['other-channel', { events: ['won'], target: { kind: 'channel', channelId: 'C0OTHER' } }],
    );
    const won = dealEvent('7', { kind: 'won' });
    expect(await delivery.enqueue([won])).toEqual({ queued: 3, targets: [CHANNEL, 'channel:C0OTHER'] });
    await drain(delivery, CHANNEL, clock);
    await drain(delivery, 'channel:C0OTHER', clock);
    // Two subscriptions of one channel matched the same change: one message there.
    expect(fake.posts.map((p) => [p.post.conversation, p.post.kind])).toEqual([
      ['C0SALES', 'alert'],
      ['C0OTHER', 'alert'],
    ]);
    expect(seen(fake.posts[0]!.post)).toContain('Deal 7 was won — €1,000');
  });

  it('queues a change seen twice (a webhook, then a poll) once', async () => {
    const { fake, delivery, clock } = await setUp(['all', {}]);
    const moved = dealEvent('7', { kind: 'moved', toStageId: '3' }, { id: '7:moved:3:2026-03-09T08:00:00Z' });
    expect((await delivery.enqueue([moved])).queued).toBe(1);
    expect((await delivery.enqueue([{ ...moved, source: 'webhook' }])).queued).toBe(0);
    await drain(delivery, CHANNEL, clock);
    // Even after it was delivered and left the outbox.
    expect((await delivery.enqueue([moved])).queued).toBe(0);
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts).toHaveLength(1);
  });

  it('sends a person the changes others make to their deals, never their own', async () => {
    const { fake, delivery, clock } = await setUp([
      'person-U0BOB',
      { target: { kind: 'person', userId: 'U0BOB' }, ownerId: '20', createdBy: 'U0BOB' },
    ]);
    await delivery.enqueue([
      dealEvent('7', { kind: 'won' }, { deal: { ownerId: '20' }, actor: { crmUserId: '21', name: 'Ada' } }),
      dealEvent('8', { kind: 'won' }, { deal: { ownerId: '20' }, actor: { crmUserId: '20' } }),
      dealEvent('9', { kind: 'lost' }, { deal: { ownerId: '20' }, actor: { slackUserId: 'U0BOB' } }),
      dealEvent('10', { kind: 'won' }, { deal: { ownerId: '99' }, actor: { crmUserId: '21' } }),
    ]);
    await drain(delivery, 'person:U0BOB', clock);
    expect(fake.posts.map((p) => [p.post.conversation, p.post.kind === 'alert' && p.post.event.dealId])).toEqual([['U0BOB', '7']]);
    expect(seen(fake.posts[0]!.post)).toContain('Ada won Deal 7');
  });
});

describe('pace', () => {
  it('never posts to one channel faster than one message a second', async () => {
    const { fake, delivery, clock } = await setUp(['all', {}]);
    await delivery.enqueue([1, 2, 3, 4].map((n) => dealEvent(String(n), { kind: 'won' })));
    expect((await delivery.deliver(CHANNEL)).result).toBe('sent');
    clock.advance({ milliseconds: 999 });
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    expect((await delivery.scan()).nextAt?.toMillis()).toBe(T0.plus({ seconds: 1 }).toMillis());
    clock.advance({ milliseconds: 1 });
    await drain(delivery, CHANNEL, clock, 250);
    const times = fake.posts.map((p) => p.at.toMillis());
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
  });

  it('waits out a rate limit for as long as Retry-After says, and loses nothing', async () => {
    const { fake, delivery, clock } = await setUp(['all', {}]);
    fake.failNext('post', new WebAPIRateLimitedError(30));
    await delivery.enqueue([dealEvent('7', { kind: 'won' })]);
    expect(await delivery.deliver(CHANNEL)).toEqual({ target: CHANNEL, result: 'retry', code: 'ratelimited' });
    clock.advance({ seconds: 29 });
    expect((await delivery.scan()).due).toEqual([]);
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    clock.advance({ seconds: 1 });
    expect((await delivery.scan()).due).toEqual([CHANNEL]);
    expect((await delivery.deliver(CHANNEL)).result).toBe('sent');
    expect(fake.posts).toHaveLength(1);
  });
});

describe('batches', () => {
  it('sends a window of changes as one message, each deal’s events merged', async () => {
    const { fake, delivery, clock, store } = await setUp(['batched', { delivery: { kind: 'batched', everyMinutes: 15 } }]);
    await delivery.enqueue([dealEvent('7', { kind: 'created' }, { at: '2026-03-09T08:00:00Z' })]);
    clock.advance({ minutes: 2 });
    await delivery.enqueue([dealEvent('7', { kind: 'moved', toStageId: '3' }, { at: '2026-03-09T08:02:00Z' })]);
    clock.advance({ minutes: 3 });
    await delivery.enqueue([dealEvent('8', { kind: 'won' }, { at: '2026-03-09T08:05:00Z' })]);

    clock.set(T0.plus({ minutes: 15 }).minus({ milliseconds: 1 }));
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    expect((await delivery.scan()).nextAt?.toISO()).toBe(T0.plus({ minutes: 15 }).toISO());
    clock.set(T0.plus({ minutes: 15 }));
    expect((await delivery.deliver(CHANNEL)).result).toBe('sent');

    expect(fake.posts).toHaveLength(1);
    const text = seen(fake.posts[0]!.post);
    expect(text).toContain('3 changes to 2 deals in the last 15 minutes');
    expect(text).toContain('Deal 7 — €1,000: created and moved to Proposal');
    expect(text).toContain('Deal 8 — €1,000: won');
    expect(await createAlertStore(store).outbox(CHANNEL)).toEqual([]);
  });
});

describe('quiet hours', () => {
  it('holds alerts through a Berlin night that loses an hour, and sends them as one batch at 07:00 local', async () => {
    // 2026-03-29: Berlin goes from 02:00 CET to 03:00 CEST, so 07:00 is 05:00 UTC (the day before, 06:00 UTC).
    const { fake, delivery, clock } = await setUp(['quiet', { quietHours: { from: '22:00', to: '07:00', zone: 'Europe/Berlin' } }]);
    clock.set(DateTime.fromISO('2026-03-28T23:30', { zone: 'Europe/Berlin' }));
    await delivery.enqueue([dealEvent('7', { kind: 'won' }, { at: clock.now().toISO()! })]);
    clock.set(DateTime.fromISO('2026-03-29T03:30', { zone: 'Europe/Berlin' }));
    await delivery.enqueue([dealEvent('8', { kind: 'lost', lostReason: 'Budget' }, { at: clock.now().toISO()! })]);
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    expect((await delivery.scan()).nextAt?.toUTC().toISO()).toBe('2026-03-29T05:00:00.000Z');

    clock.set(DateTime.fromISO('2026-03-29T04:59:59Z'));
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    clock.set(DateTime.fromISO('2026-03-29T05:00:00Z'));
    expect((await delivery.deliver(CHANNEL)).result).toBe('sent');
    expect(fake.posts).toHaveLength(1);
    expect(fake.posts[0]!.post).toMatchObject({ kind: 'batch', reason: 'quiet-hours' });
    const text = seen(fake.posts[0]!.post);
    expect(text).toContain('While quiet hours held alerts: 2 changes to 2 deals');
    expect(text).toContain('Deal 8 — €1,000: lost (Budget)');
  });

  it('holds alerts through a New York night that gains an hour, and sends them at 07:00 EST', async () => {
    // 2026-11-01: New York goes from 02:00 EDT back to 01:00 EST, so 07:00 is 12:00 UTC (the day before, 11:00 UTC).
    const { fake, delivery, clock } = await setUp([
      'quiet',
      { quietHours: { from: '22:00', to: '07:00', zone: 'America/New_York' }, delivery: { kind: 'each' } },
    ]);
    clock.set(DateTime.fromISO('2026-11-01T05:30:00Z')); // 01:30 EDT, the first of two
    await delivery.enqueue([dealEvent('7', { kind: 'won' }, { at: clock.now().toISO()! })]);
    clock.set(DateTime.fromISO('2026-11-01T11:30:00Z')); // 06:30 EST: still quiet
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    expect((await delivery.scan()).nextAt?.toUTC().toISO()).toBe('2026-11-01T12:00:00.000Z');
    clock.set(DateTime.fromISO('2026-11-01T12:00:00Z'));
    expect((await delivery.deliver(CHANNEL)).result).toBe('sent');
    expect(fake.posts.map((p) => p.post.kind)).toEqual(['batch']);
    // Out of quiet hours, an "each" subscription posts each change again.
    clock.advance({ minutes: 5 });
    await delivery.enqueue([dealEvent('9', { kind: 'won' }, { at: clock.now().toISO()! })]);
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts.map((p) => p.post.kind)).toEqual(['batch', 'alert']);
  });
});

describe('the hourly cap', () => {
  it('sends at most 20 messages an hour, the last saying how many more, kept up to date', async () => {
    const { fake, delivery, clock } = await setUp(['all', {}]);
    await delivery.enqueue(Array.from({ length: 25 }, (_, i) => dealEvent(String(100 + i), { kind: 'won' })));
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts).toHaveLength(ALERTS_PER_HOUR);
    expect(fake.posts.slice(0, 19).every((p) => p.post.kind === 'alert')).toBe(true);
    const cap = fake.posts[19]!;
    expect(cap.post).toMatchObject({ kind: 'cap', more: 6 });
    expect(seen(cap.post)).toContain('…and 6 more alerts this hour — see the digest');

    await delivery.enqueue(Array.from({ length: 3 }, (_, i) => dealEvent(String(200 + i), { kind: 'lost' })));
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts).toHaveLength(ALERTS_PER_HOUR);
    expect(fake.updates.map((u) => u.update)).toEqual([
      { kind: 'cap', conversation: 'C0SALES', ts: cap.ts, more: 9, perHour: ALERTS_PER_HOUR },
    ]);

    // The next hour starts afresh.
    clock.set(T0.plus({ hours: 1 }));
    await delivery.enqueue([dealEvent('300', { kind: 'won' })]);
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts.at(-1)!.post).toMatchObject({ kind: 'alert' });
    expect(fake.posts).toHaveLength(ALERTS_PER_HOUR + 1);
  });
});

describe('one thread per deal', () => {
  it('posts a deal’s first alert as a card, replies to it with the later ones and updates the card in place', async () => {
    const { fake, delivery, clock } = await setUp(['threads', { threadPerDeal: true }]);
    await delivery.enqueue([dealEvent('7', { kind: 'created' })]);
    await drain(delivery, CHANNEL, clock);
    clock.advance({ minutes: 1 });
    const moved = dealEvent('7', { kind: 'moved', toStageId: '3' }, { actor: { slackUserId: 'U0ADA' } });
    await delivery.enqueue([moved, dealEvent('8', { kind: 'created' })]);
    await drain(delivery, CHANNEL, clock);

    const [parent, reply, other] = fake.posts;
    expect(parent!.post.kind).toBe('parent');
    expect(reply!.post).toMatchObject({ kind: 'alert', threadTs: parent!.ts });
    expect(seen(reply!.post)).toContain('<@U0ADA> moved Deal 7 — €1,000: Qualified → Proposal');
    expect(other!.post.kind).toBe('parent');
    expect(fake.updates.map((u) => u.update)).toEqual([{ kind: 'parent', conversation: 'C0SALES', ts: parent!.ts, event: moved }]);
  });

  it('starts a new thread when the parent card was deleted', async () => {
    const { fake, delivery, clock } = await setUp(['threads', { threadPerDeal: true }]);
    await delivery.enqueue([dealEvent('7', { kind: 'created' })]);
    await drain(delivery, CHANNEL, clock);
    fake.failNext('update', platformError('message_not_found'));
    await delivery.enqueue([dealEvent('7', { kind: 'won' })]);
    await drain(delivery, CHANNEL, clock);
    await delivery.enqueue([dealEvent('7', { kind: 'reopened' })]);
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts.map((p) => p.post.kind)).toEqual(['parent', 'alert', 'parent']);
  });
});

describe('Slack refusing', () => {
  it('pauses the channel’s subscriptions when the bot was removed, and tells whoever set them', async () => {
    const { fake, delivery, store, clock } = await setUp(['a', { createdBy: 'U0ADA' }], ['b', { createdBy: 'U0BOB', events: ['won'] }]);
    fake.failNext('post', platformError('not_in_channel'));
    await delivery.enqueue([dealEvent('7', { kind: 'won' })]);
    expect(await delivery.deliver(CHANNEL)).toEqual({ target: CHANNEL, result: 'paused', code: 'not_in_channel' });
    expect(fake.notices.map((n) => [n.userId, n.subscription.id, n.code])).toEqual([
      ['U0ADA', 'a', 'not_in_channel'],
      ['U0BOB', 'b', 'not_in_channel'],
    ]);
    const alerts = createAlertStore(store);
    expect((await alerts.list()).map((s) => [s.id, s.paused, s.pausedReason])).toEqual([
      ['a', true, 'not_in_channel'],
      ['b', true, 'not_in_channel'],
    ]);
    // What was waiting is dropped, and nothing new is queued for a paused subscription.
    await drain(delivery, CHANNEL, clock);
    expect(await alerts.outbox(CHANNEL)).toEqual([]);
    expect((await delivery.enqueue([dealEvent('8', { kind: 'won' })])).queued).toBe(0);
    expect(fake.posts).toEqual([]);
  });

  it('gives up a message Slack refuses for good, and goes on with the next', async () => {
    const { fake, delivery, clock } = await setUp(['all', {}]);
    fake.failNext('post', platformError('invalid_blocks'));
    await delivery.enqueue([dealEvent('7', { kind: 'won' }), dealEvent('8', { kind: 'won' })]);
    expect((await delivery.deliver(CHANNEL)).result).toBe('skipped');
    await drain(delivery, CHANNEL, clock);
    expect(fake.posts.map((p) => p.post.kind === 'alert' && p.post.event.dealId)).toEqual(['8']);
  });
});

describe('resuming after a crash', () => {
  it('never posts again an alert whose post was under way when its replica died', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = await memoryStore();
    const clock = createClock(T0);
    const a = createFakeSlack(clock, 'replica-a');
    const b = createFakeSlack(clock, 'replica-b', a);
    const replicaA = createTestDelivery(store, clock, a, { instanceId: 'replica-a', leaseMs: 1_000 });
    const replicaB = createTestDelivery(store, clock, b, { instanceId: 'replica-b', leaseMs: 1_000 });
    await saveSubscriptions(store, alertSubscription('all'));
    await replicaA.enqueue([dealEvent('7', { kind: 'won' }), dealEvent('8', { kind: 'won' })]);

    // Slack takes A's post; A dies before it hears back (its ts is never recorded).
    a.failNext('post', 'took-then-hang');
    void replicaA.deliver(CHANNEL);
    await vi.waitFor(() => expect(a.posts).toHaveLength(1));
    expect((await replicaB.deliver(CHANNEL)).result).toBe('elsewhere');

    // A's lease lapses; B takes the channel over.
    vi.setSystemTime(Date.now() + 1_001);
    clock.advance({ seconds: 2 });
    expect(await replicaB.deliver(CHANNEL)).toEqual({ target: CHANNEL, result: 'skipped', code: 'outcome_unknown' });
    await drain(replicaB, CHANNEL, clock);
    expect(a.posts.map((p) => [p.instance, p.post.kind === 'alert' && p.post.event.dealId])).toEqual([
      ['replica-a', '7'],
      ['replica-b', '8'],
    ]);
  });

  it('finishes a thread reply’s card update on another replica without posting the reply again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = await memoryStore();
    const clock = createClock(T0);
    const a = createFakeSlack(clock, 'replica-a');
    const b = createFakeSlack(clock, 'replica-b', a);
    const replicaA = createTestDelivery(store, clock, a, { instanceId: 'replica-a', leaseMs: 1_000 });
    const replicaB = createTestDelivery(store, clock, b, { instanceId: 'replica-b', leaseMs: 1_000 });
    await saveSubscriptions(store, alertSubscription('threads', { threadPerDeal: true }));
    await replicaA.enqueue([dealEvent('7', { kind: 'created' })]);
    await drain(replicaA, CHANNEL, clock);
    const won = dealEvent('7', { kind: 'won' });
    await replicaA.enqueue([won]);
    clock.advance({ seconds: 1 });

    // A posts the reply (recorded), then dies while updating the parent card.
    a.failNext('update', 'hang');
    void replicaA.deliver(CHANNEL);
    await vi.waitFor(async () => expect((await createAlertStore(store).progress(CHANNEL))?.ts).toBeTruthy());
    vi.setSystemTime(Date.now() + 1_001);
    clock.advance({ seconds: 2 });
    expect((await replicaB.deliver(CHANNEL)).result).toBe('sent');

    expect(a.posts.map((p) => [p.instance, p.post.kind])).toEqual([
      ['replica-a', 'parent'],
      ['replica-a', 'alert'],
    ]);
    expect(a.updates.map((u) => [u.instance, u.update.kind, u.update.kind === 'parent' && u.update.event.id])).toEqual([
      ['replica-b', 'parent', won.id],
    ]);
    expect(await createAlertStore(store).outbox(CHANNEL)).toEqual([]);
  });
});

describe('changes Dealbot announced itself', () => {
  it('are not announced again in the channel that heard them, but still elsewhere', async () => {
    const { fake, delivery, store, clock } = await setUp(['here', {}], ['there', { target: { kind: 'channel', channelId: 'C0OTHER' } }]);
    await recordAnnounced(store, 'C0SALES', '9', 'won', T0);
    // The poll sees the CRM's change time, a moment before the announcement.
    await delivery.enqueue([dealEvent('9', { kind: 'won' }, { at: T0.minus({ seconds: 2 }).toISO()! })]);
    await drain(delivery, CHANNEL, clock);
    await drain(delivery, 'channel:C0OTHER', clock);
    expect(fake.posts.map((p) => p.post.conversation)).toEqual(['C0OTHER']);
  });

  it('drops what was queued for a subscription turned off before it was sent', async () => {
    const { fake, delivery, store, clock } = await setUp(['all', { delivery: { kind: 'batched', everyMinutes: 5 } }]);
    await delivery.enqueue([dealEvent('7', { kind: 'won' })]);
    await delivery.enqueue([dealEvent('8', { kind: 'won' })]);
    await createAlertStore(store).apply({ remove: ['all'] });
    expect(await createAlertStore(store).outbox(CHANNEL)).toEqual([]);
    clock.advance({ minutes: 5 });
    expect((await delivery.deliver(CHANNEL)).result).toBe('nothing');
    expect(fake.posts).toEqual([]);
  });

  it('drops what was queued for a subscription changed so that it no longer matches', async () => {
    const { fake, delivery, store, clock } = await setUp(['all', { delivery: { kind: 'batched', everyMinutes: 5 } }]);
    await delivery.enqueue([dealEvent('7', { kind: 'won' })]);
    const alerts = createAlertStore(store);
    await alerts.apply({ add: [{ ...(await alerts.get('all'))!, events: ['lost'] }] });
    clock.advance({ minutes: 5 });
    expect((await delivery.deliver(CHANNEL)).result).toBe('dropped');
    expect(await alerts.outbox(CHANNEL)).toEqual([]);
    expect(fake.posts).toEqual([]);
  });
});
