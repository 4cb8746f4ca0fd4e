// The digest use cases without Bolt: a fake Slack port says whether the bot can post, a stub
// CRM lists the pipelines, and the schedules live in a real in-memory store.

import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/crm/port.js';
import { createDigestSubscriptions, type DigestSettingsInput, type PostNowResult } from '../../src/services/digest-subscriptions.js';
import type { DigestSchedule } from '../../src/domain/digest-schedule.js';
import { createStore } from '../../src/store/create-store.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import type { Store } from '../../src/store/store.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-03-02T08:00:00Z', { zone: 'utc' });
const pipelines: Pipeline[] = [
  { id: '1', name: 'Sales', order: 1, isDefault: true },
  { id: '2', name: 'Renewals', order: 2, isDefault: false },
  { id: '3', name: 'Resellers', order: 3, isDefault: false },
];
const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function subject(options: { canPost?: boolean; postNow?: PostNowResult } = {}) {
  const store = await createStore('memory://');
  opened.push(store);
  const schedules = createScheduleStore(store);
  const asked: string[] = [];
  const posted: DigestSchedule[] = [];
  const subscriptions = createDigestSubscriptions({
    crm: stubCrm('digest subscriptions', { listPipelines: async () => pipelines }),
    schedules,
    channels: {
      canPostIn: async (channelId) => {
        asked.push(channelId);
        return options.canPost ?? true;
      },
    },
    postNow: async (schedule) => {
      posted.push(schedule);
      return options.postNow ?? { ok: true };
    },
    now: () => NOW,
  });
  return { subscriptions, schedules, asked, posted };
}

const daily = { frequency: { kind: 'daily' } as const, time: '08:30', zone: 'Europe/Berlin', zoneGiven: true, staleDays: null };

describe('digest subscriptions', () => {
  it('subscribes a channel it can post in, and keeps the sections when set again', async () => {
    const { subscriptions, schedules, asked } = await subject();
    const first = await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: 'renewals' });
    expect(first).toMatchObject({
      kind: 'subscribed',
      schedule: { channelId: 'C1', pipelineId: '2', time: '08:30' },
      zoneFromProfile: false,
    });
    expect(asked).toEqual(['C1']);
    const stored = (await schedules.listByChannel('C1'))[0];
    if (!stored) throw new Error('no schedule stored');
    await schedules.save({ ...stored, sections: ['board'] });
    const again = await subscriptions.subscribe({ ...daily, time: '17:00', channelId: 'C1', userId: 'U2', pipeline: 'Renewals' });
    expect(again).toMatchObject({ kind: 'subscribed', schedule: { time: '17:00', sections: ['board'] } });
    expect(await schedules.listByChannel('C1')).toHaveLength(1);
  });

  it('saves nothing where the bot cannot post, and asks to be invited', async () => {
    const { subscriptions, schedules } = await subject({ canPost: false });
    expect(await subscriptions.subscribe({ ...daily, channelId: 'G1', userId: 'U1', pipeline: null })).toEqual({ kind: 'invite-me' });
    expect(await schedules.listByChannel('G1')).toEqual([]);
  });

  it('never guesses a pipeline, and lists them all', async () => {
    const { subscriptions, asked } = await subject();
    const outcome = await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: 'Re' });
    expect(outcome).toEqual({ kind: 'no-single-pipeline', name: 'Re', all: pipelines });
    expect(asked).toEqual([]);
    expect(await subscriptions.off('C1', 'Partners')).toMatchObject({ kind: 'no-single-pipeline', name: 'Partners' });
  });

  it('turns off one pipeline’s digest or all of them', async () => {
    const { subscriptions, schedules } = await subject();
    await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: null });
    await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: 'Renewals' });
    const one = await subscriptions.off('C1', 'Renewals');
    expect(one.kind === 'off' && one.removed.map((s) => s.pipelineId)).toEqual(['2']);
    const rest = await subscriptions.off('C1', null);
    expect(rest.kind === 'off' && rest.removed.map((s) => s.pipelineId)).toEqual([null]);
    expect(await schedules.listByChannel('C1')).toEqual([]);
  });

  it('posts now with a default schedule in the person’s zone, and says why it could not', async () => {
    const { subscriptions, posted } = await subject();
    expect(await subscriptions.now({ channelId: 'C1', userId: 'U1', pipeline: null, zone: 'Asia/Tokyo' })).toEqual({ kind: 'posted' });
    expect(posted[0]).toMatchObject({ channelId: 'C1', pipelineId: null, zone: 'Asia/Tokyo', time: '09:00' });
    const refused = await subject({ postNow: { ok: false, notInChannel: true, detail: 'not_in_channel' } });
    expect(await refused.subscriptions.now({ channelId: 'C1', userId: 'U1', pipeline: null, zone: 'UTC' })).toEqual({
      kind: 'not-in-channel',
    });
    const failed = await subject({ postNow: { ok: false, notInChannel: false, detail: 'ratelimited' } });
    expect(await failed.subscriptions.now({ channelId: 'C1', userId: 'U1', pipeline: null, zone: 'UTC' })).toEqual({
      kind: 'failed',
      detail: 'ratelimited',
    });
  });

  describe('applySettings', () => {
    const settings: DigestSettingsInput = {
      frequency: { kind: 'weekdays' },
      time: '07:45',
      zone: 'UTC',
      pipelineId: '1',
      sections: ['board', 'forecast'],
      staleDays: 10,
    };

    it('swaps the old schedule for the new one', async () => {
      const { subscriptions, schedules } = await subject();
      await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: null });
      const previousId = (await schedules.listByChannel('C1'))[0]?.id ?? null;
      const outcome = await subscriptions.applySettings({ channelId: 'C1', userId: 'U2', previousId, settings });
      expect(outcome).toMatchObject({
        kind: 'subscribed',
        schedule: { pipelineId: '1', time: '07:45', sections: ['board', 'forecast'], staleDays: 10 },
      });
      expect((await schedules.listByChannel('C1')).map((s) => s.pipelineId)).toEqual(['1']);
    });

    it('keeps the old schedule when the pipeline is gone, the channel refuses, or the store fails', async () => {
      const { subscriptions, schedules } = await subject();
      await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: null });
      const previous = (await schedules.listByChannel('C1'))[0] ?? null;
      const gone = await subscriptions.applySettings({
        channelId: 'C1',
        userId: 'U1',
        previousId: previous?.id ?? null,
        settings: { ...settings, pipelineId: '9' },
      });
      expect(gone).toEqual({ kind: 'pipeline-gone', previous });

      const refusing = await subject({ canPost: false });
      expect(await refusing.subscriptions.applySettings({ channelId: 'C1', userId: 'U1', previousId: null, settings })).toEqual({
        kind: 'invite-me',
      });

      const failure = new Error('store down');
      schedules.replace = async () => {
        throw failure;
      };
      const notSaved = await subscriptions.applySettings({ channelId: 'C1', userId: 'U1', previousId: previous?.id ?? null, settings });
      expect(notSaved).toEqual({ kind: 'not-saved', error: failure, previous });
      expect(await schedules.listByChannel('C1')).toEqual([previous]);
    });

    it('turns the digest off when no frequency is chosen', async () => {
      const { subscriptions, schedules } = await subject();
      await subscriptions.subscribe({ ...daily, channelId: 'C1', userId: 'U1', pipeline: null });
      const previous = (await schedules.listByChannel('C1'))[0] ?? null;
      const outcome = await subscriptions.applySettings({
        channelId: 'C1',
        userId: 'U1',
        previousId: previous?.id ?? null,
        settings: { ...settings, frequency: null },
      });
      expect(outcome).toEqual({ kind: 'off', removed: [previous] });
      expect(await schedules.listByChannel('C1')).toEqual([]);
    });
  });
});
