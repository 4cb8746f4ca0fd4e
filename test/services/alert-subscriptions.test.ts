import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/domain/alert-subscription.js';
import { createAlertSubscriptions, MAX_ALERTS_PER_CHANNEL } from '../../src/services/alert-subscriptions.js';
import { createAlertStore } from '../../src/store/alert-store.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

const NOW = DateTime.fromISO('2026-03-09T08:00:00Z', { zone: 'utc' });
const ADA = { userId: 'U0ADA', isAdmin: false };
const BOB = { userId: 'U0BOB', isAdmin: false };
const ADMIN = { userId: 'U0ADMIN', isAdmin: true };

const rule = (overrides: Partial<AlertRule> = {}): AlertRule => ({
  events: ['won', 'lost'],
  toStageIds: [],
  pipelineId: null,
  pipelineName: null,
  minValue: null,
  ownerId: null,
  delivery: { kind: 'each' },
  quietHours: null,
  threadPerDeal: false,
  ...overrides,
});

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function setUp(options: { canPost?: boolean } = {}) {
  const store = await createStore('memory://');
  opened.push(store);
  const crmCalls: string[] = [];
  let ids = 0;
  const alerts = createAlertSubscriptions({
    store: createAlertStore(store),
    crm: {
      listPipelines: async () => {
        crmCalls.push('listPipelines');
        return [{ id: '1', name: 'Sales', order: 1, isDefault: true }];
      },
      listStages: async () => {
        crmCalls.push('listStages');
        return [
          { id: '3', pipelineId: '1', name: 'Proposal', order: 3, probability: null },
          { id: '4', pipelineId: '1', name: 'Negotiation', order: 4, probability: null },
        ];
      },
    },
    channels: { canPostIn: async () => options.canPost ?? true },
    now: () => NOW,
    newId: () => `sub-${++ids}`,
  });
  return { store, alerts, crmCalls };
}

describe('setting a channel’s alerts', () => {
  it('stores a checked rule, numbered in the channel’s list, and asks the CRM nothing when it names no pipeline', async () => {
    const { alerts, crmCalls } = await setUp();
    const outcome = await alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule({ events: ['lost', 'won'] }) });
    expect(outcome).toMatchObject({ kind: 'subscribed', n: 1, subscription: { id: 'sub-1', events: ['won', 'lost'], createdBy: 'U0ADA' } });
    expect(crmCalls).toEqual([]);
    expect((await alerts.list('C1')).map((s) => s.id)).toEqual(['sub-1']);
    expect(await alerts.list('C2')).toEqual([]);
  });

  it('names every problem of a rule at once, and stores nothing', async () => {
    const { alerts } = await setUp();
    const outcome = await alerts.subscribe({
      channelId: 'C1',
      userId: 'U0ADA',
      rule: rule({
        events: ['won'],
        toStageIds: ['3'],
        delivery: { kind: 'batched', everyMinutes: 0 },
        quietHours: { from: '22:00', to: '22:00', zone: 'Mars/Base' },
        minValue: -5,
      }),
    });
    expect(outcome).toEqual({
      kind: 'invalid',
      problems: [
        { field: 'stages', problem: 'without-moved' },
        { field: 'delivery', problem: 'minutes', min: 1, max: 1440 },
        { field: 'quietHours', problem: 'times' },
        { field: 'quietHours', problem: 'zone', zone: 'Mars/Base' },
        { field: 'minValue', problem: 'negative' },
      ],
    });
    expect(await alerts.list('C1')).toEqual([]);
  });

  it('refuses a pipeline or stages the CRM no longer has', async () => {
    const { alerts } = await setUp();
    expect(
      await alerts.subscribe({
        channelId: 'C1',
        userId: 'U0ADA',
        rule: rule({ events: ['moved'], pipelineId: '9', toStageIds: ['3', '7'] }),
      }),
    ).toEqual({
      kind: 'invalid',
      problems: [
        { field: 'pipeline', problem: 'gone', pipelineId: '9' },
        { field: 'stages', problem: 'gone', stageIds: ['7'] },
      ],
    });
  });

  it('asks to be invited first when the bot cannot post in the channel', async () => {
    const { alerts } = await setUp({ canPost: false });
    expect(await alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule() })).toEqual({ kind: 'invite-me', channelId: 'C1' });
    expect(await alerts.list('C1')).toEqual([]);
  });

  it('keeps one subscription for the same rule set twice, and runs a paused one again', async () => {
    const { alerts, store } = await setUp();
    await alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule() });
    expect(await alerts.subscribe({ channelId: 'C1', userId: 'U0BOB', rule: rule({ events: ['lost', 'won'] }) })).toMatchObject({
      kind: 'unchanged',
      n: 1,
    });
    await createAlertStore(store).pause('sub-1', 'not_in_channel');
    expect(await alerts.subscribe({ channelId: 'C1', userId: 'U0BOB', rule: rule() })).toMatchObject({
      kind: 'subscribed',
      subscription: { id: 'sub-1', paused: false, createdBy: 'U0BOB' },
    });
    expect(await alerts.list('C1')).toHaveLength(1);
  });

  it(`holds at most ${MAX_ALERTS_PER_CHANNEL} per channel`, async () => {
    const { alerts } = await setUp();
    for (let i = 0; i < MAX_ALERTS_PER_CHANNEL; i += 1) {
      await alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule({ minValue: i }) });
    }
    expect(await alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule({ minValue: 99 }) })).toMatchObject({
      kind: 'too-many',
      limit: 10,
    });
    expect(await alerts.subscribe({ channelId: 'C2', userId: 'U0ADA', rule: rule({ minValue: 99 }) })).toMatchObject({
      kind: 'subscribed',
    });
  });
});

describe('changing and turning off', () => {
  async function twoSubscriptions() {
    const setup = await setUp();
    await setup.alerts.subscribe({ channelId: 'C1', userId: 'U0ADA', rule: rule() });
    await setup.alerts.subscribe({ channelId: 'C1', userId: 'U0BOB', rule: rule({ events: ['created'] }) });
    return setup;
  }

  it('lets only the author remove theirs, and the refusal names who set it', async () => {
    const { alerts } = await twoSubscriptions();
    expect(await alerts.off({ channelId: 'C1', which: 2, actor: ADA })).toMatchObject({
      kind: 'not-yours',
      subscriptions: [{ n: 2, subscription: { id: 'sub-2', createdBy: 'U0BOB' } }],
    });
    expect(await alerts.off({ channelId: 'C1', which: 1, actor: ADA })).toMatchObject({ kind: 'off', removed: [{ id: 'sub-1' }] });
    expect((await alerts.list('C1')).map((s) => s.id)).toEqual(['sub-2']);
  });

  it('refuses "all" whole when some are someone else’s; an admin may remove them all', async () => {
    const { alerts } = await twoSubscriptions();
    expect(await alerts.off({ channelId: 'C1', which: 'all', actor: ADA })).toMatchObject({
      kind: 'not-yours',
      subscriptions: [{ n: 2, subscription: { createdBy: 'U0BOB' } }],
    });
    expect(await alerts.list('C1')).toHaveLength(2);
    expect(await alerts.off({ channelId: 'C1', which: 'all', actor: ADMIN })).toMatchObject({
      kind: 'off',
      removed: [{ id: 'sub-1' }, { id: 'sub-2' }],
    });
    expect(await alerts.list('C1')).toEqual([]);
  });

  it('says so when the number is not in the list', async () => {
    const { alerts } = await twoSubscriptions();
    expect(await alerts.off({ channelId: 'C1', which: 3, actor: ADA })).toEqual({ kind: 'not-found', n: 3, count: 2 });
  });

  it('changes a rule in place (same number) for its author or an admin only', async () => {
    const { alerts } = await twoSubscriptions();
    expect(await alerts.change({ channelId: 'C1', n: 1, rule: rule({ events: ['moved'] }), actor: BOB })).toMatchObject({
      kind: 'not-yours',
    });
    const changed = await alerts.change({ channelId: 'C1', n: 1, rule: rule({ events: ['moved'], minValue: 5000 }), actor: ADMIN });
    expect(changed).toMatchObject({
      kind: 'changed',
      n: 1,
      previous: { events: ['won', 'lost'] },
      subscription: { id: 'sub-1', events: ['moved'], minValue: 5000, createdBy: 'U0ADMIN' },
    });
    expect((await alerts.list('C1')).map((s) => [s.id, s.events])).toEqual([
      ['sub-1', ['moved']],
      ['sub-2', ['created']],
    ]);
  });
});

describe('a person’s own alerts', () => {
  it('watches every change to the deals of their CRM user, by DM; once only; and off again', async () => {
    const { alerts } = await setUp();
    expect(await alerts.subscribeMe({ userId: 'U0ADA', crmUserId: null })).toEqual({ kind: 'no-crm-user' });
    const on = await alerts.subscribeMe({ userId: 'U0ADA', crmUserId: '20' });
    expect(on).toMatchObject({
      kind: 'subscribed',
      subscription: {
        target: { kind: 'person', userId: 'U0ADA' },
        ownerId: '20',
        events: ['created', 'moved', 'won', 'lost', 'reopened', 'value', 'closeDatePushed'],
      },
    });
    expect(await alerts.subscribeMe({ userId: 'U0ADA', crmUserId: '20' })).toMatchObject({ kind: 'unchanged' });
    // A channel's list does not show a person's own.
    expect(await alerts.list('U0ADA')).toEqual([]);
    expect(await alerts.offMe({ userId: 'U0ADA' })).toMatchObject({ kind: 'off', removed: [{ ownerId: '20' }] });
    expect(await alerts.offMe({ userId: 'U0ADA' })).toEqual({ kind: 'off', removed: [] });
  });
});
