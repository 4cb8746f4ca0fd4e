import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { createDigestSchedule, type NewDigestSchedule } from '../../src/domain/digest-schedule.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

const NOW = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });
const input = (overrides: Partial<NewDigestSchedule> = {}): NewDigestSchedule => ({
  channelId: 'C1',
  pipelineId: null,
  frequency: { kind: 'daily' },
  time: '09:00',
  zone: 'Europe/Berlin',
  createdBy: 'U1',
  ...overrides,
});

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
async function memory(): Promise<Store> {
  const store = await createStore('memory://');
  opened.push(store);
  return store;
}

describe('createScheduleStore', () => {
  it('saves, lists, replaces and removes schedules', async () => {
    const schedules = createScheduleStore(await memory());
    const a = await schedules.save(createDigestSchedule(input(), NOW));
    await schedules.save(createDigestSchedule(input({ channelId: 'C2', pipelineId: '7', pipelineName: 'Partners' }), NOW));
    await schedules.save(createDigestSchedule(input({ pipelineId: '7' }), NOW));
    expect((await schedules.list()).map((s) => s.id)).toEqual(['C1.7', 'C1.default', 'C2.7']);
    expect((await schedules.listByChannel('C1')).map((s) => s.id)).toEqual(['C1.7', 'C1.default']);

    // Setting the same channel and pipeline again replaces the schedule, keeping when it was first made.
    const later = NOW.plus({ days: 2 });
    const replaced = await schedules.save(createDigestSchedule(input({ time: '17:00', createdBy: 'U2' }), later));
    expect(replaced).toMatchObject({ id: a.id, time: '17:00', createdBy: 'U2', createdAt: a.createdAt });
    expect(replaced.updatedAt).not.toBe(a.updatedAt);
    expect(await schedules.list()).toHaveLength(3);

    expect(await schedules.remove(a.id)).toBe(true);
    expect(await schedules.remove(a.id)).toBe(false);
    expect(await schedules.get(a.id)).toBeUndefined();
    expect((await schedules.list()).map((s) => s.id)).toEqual(['C1.7', 'C2.7']);
  });

  it('pauses a schedule with its reason, and setting it again resumes it', async () => {
    const schedules = createScheduleStore(await memory());
    const saved = await schedules.save(createDigestSchedule(input(), NOW));
    expect(await schedules.pause(saved.id, 'is_archived')).toMatchObject({ paused: true, pausedReason: 'is_archived' });
    expect(await schedules.get(saved.id)).toMatchObject({ paused: true });
    expect(await schedules.pause('nope', 'x')).toBeUndefined();
    await schedules.save(createDigestSchedule(input(), NOW.plus({ hours: 1 })));
    expect(await schedules.get(saved.id)).toMatchObject({ paused: false, pausedReason: null });
  });

  it('keeps run states apart from schedules and drops them with the schedule', async () => {
    const schedules = createScheduleStore(await memory());
    const saved = await schedules.save(createDigestSchedule(input(), NOW));
    expect((await schedules.runStates([saved.id])).get(saved.id)).toEqual({ lastSlot: null, lastPostedAt: null, retry: null });
    await schedules.saveRunState(saved.id, { lastSlot: '2026-03-10T08:00:00.000Z', lastPostedAt: null, retry: null });
    expect((await schedules.runStates([saved.id])).get(saved.id)?.lastSlot).toBe('2026-03-10T08:00:00.000Z');
    await schedules.remove(saved.id);
    expect((await schedules.runStates([saved.id])).get(saved.id)?.lastSlot).toBeNull();
  });

  it('keeps every schedule when many are saved at once', async () => {
    const schedules = createScheduleStore(await memory());
    await Promise.all(Array.from({ length: 30 }, (_, i) => schedules.save(createDigestSchedule(input({ channelId: `C${i}` }), NOW))));
    expect(await schedules.list()).toHaveLength(30);
  });

  it('survives a restart on the SQLite store', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dealbot-digest-'));
    try {
      const url = `sqlite://${path.join(dir, 'store.sqlite')}`;
      const first = await createStore(url);
      await createScheduleStore(first).save(createDigestSchedule(input({ frequency: { kind: 'weekly', day: 'fri' } }), NOW));
      await first.close();
      const second = await createStore(url);
      opened.push(second);
      expect(await createScheduleStore(second).list()).toEqual([
        expect.objectContaining({ id: 'C1.default', frequency: { kind: 'weekly', day: 'fri' }, zone: 'Europe/Berlin' }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
