import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CrmNotFoundError, CrmUnauthorizedError, CrmUnavailableError } from '../../src/errors.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createScheduler, slotClaimKey } from '../../src/runtime/scheduler.js';
import { createClock, createHarness, schedule, silentLogger, type Posted } from './scheduler-harness.js';

const ZONE = 'Europe/Berlin';
/** Monday 2026-03-09, 08:00 in Berlin; the schedules below were set at this moment. */
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const nineOn = (day: number): DateTime => DateTime.fromObject({ year: 2026, month: 3, day, hour: 9 }, { zone: ZONE });
const iso = (at: DateTime): string => at.toUTC().toISO() ?? '';

const platformError = (error: string) => new WebAPIPlatformError({ ok: false, error });

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
async function memoryStore(): Promise<Store> {
  const store = await createStore('memory://');
  opened.push(store);
  return store;
}

async function setUp(options: Parameters<typeof createHarness>[2] = {}) {
  const store = await memoryStore();
  const clock = createClock(SET_AT);
  const schedules = createScheduleStore(store);
  const saved = await schedules.save(schedule(SET_AT));
  const harness = createHarness(store, clock, options);
  return { store, clock, schedules, saved, ...harness };
}

describe('scheduler: when digests are posted', () => {
  it('posts a digest when its time comes, once, and again at the next slot', async () => {
    const { clock, scheduler, posted, commits, saved } = await setUp();
    clock.set(nineOn(9).minus({ seconds: 1 }));
    expect((await scheduler.tick()).due).toBe(0);
    expect(posted).toHaveLength(0);

    clock.set(nineOn(9).plus({ seconds: 5 }));
    await scheduler.tick();
    await scheduler.tick();
    expect(posted).toEqual([expect.objectContaining({ scheduleId: saved.id, channelId: 'C0SALES', slot: iso(nineOn(9)) })]);
    expect(posted[0]?.run).toMatchObject({ trigger: 'schedule', late: false, missedSlots: 1 });
    // The snapshot for the next "what changed" is kept only once the post went through.
    expect(commits).toEqual([`${saved.id}@${iso(nineOn(9))}`]);

    clock.set(nineOn(10).plus({ seconds: 2 }));
    await scheduler.tick();
    expect(posted.map((p) => p.slot)).toEqual([iso(nineOn(9)), iso(nineOn(10))]);
  });

  it('starts a new schedule at its next slot, not with one that passed before it was set', async () => {
    const store = await memoryStore();
    const clock = createClock(nineOn(9).plus({ minutes: 30 }));
    await createScheduleStore(store).save(schedule(clock.now()));
    const { scheduler, posted } = createHarness(store, clock);
    await scheduler.tick();
    expect(posted).toHaveLength(0);
    clock.set(nineOn(10));
    await scheduler.tick();
    expect(posted.map((p) => p.slot)).toEqual([iso(nineOn(10))]);
  });

  it('after downtime posts the missed digest once, marked late, not once per missed slot', async () => {
    const { clock, scheduler, posted } = await setUp();
    clock.set(nineOn(9).plus({ seconds: 1 }));
    await scheduler.tick();
    // Down from Monday until Thursday noon: Tuesday, Wednesday and Thursday were missed.
    clock.set(nineOn(12).plus({ hours: 3 }));
    const report = await scheduler.start();
    scheduler.stop();
    expect(report.outcomes).toEqual([expect.objectContaining({ result: 'posted', late: true, slot: iso(nineOn(12)) })]);
    expect(posted.map((p) => p.slot)).toEqual([iso(nineOn(9)), iso(nineOn(12))]);
    expect(posted[1]?.run).toMatchObject({ late: true, missedSlots: 3 });
    await scheduler.tick();
    expect(posted).toHaveLength(2);
  });

  it('does not call a digest late for a minute’s delay', async () => {
    const { clock, scheduler, posted } = await setUp();
    clock.set(nineOn(9).plus({ minutes: 2 }));
    await scheduler.tick();
    expect(posted[0]?.run.late).toBe(false);
  });

  it('leaves paused schedules alone', async () => {
    const { clock, scheduler, posted, schedules, saved } = await setUp();
    await schedules.pause(saved.id, 'is_archived');
    clock.set(nineOn(9).plus({ seconds: 1 }));
    expect((await scheduler.tick()).due).toBe(0);
    expect(posted).toHaveLength(0);
  });

  it('keeps ticking on its timers: start arms one, it fires, the next digest is posted, stop ends it', async () => {
    const { clock, scheduler, posted, timers, fireTimers } = await setUp({ tickIntervalMs: 60_000 });
    clock.set(nineOn(9).minus({ seconds: 20 }));
    await scheduler.start();
    expect(posted).toHaveLength(0);
    // The next slot is 20 s away, sooner than the 60 s tick: the timer is set for it.
    expect(timers.at(-1)?.ms).toBe(20_000);

    clock.set(nineOn(9));
    fireTimers();
    await vi.waitFor(() => expect(posted).toHaveLength(1));
    await vi.waitFor(() => expect(timers.filter((t) => !t.cleared)).toHaveLength(1));
    expect(timers.at(-1)?.ms).toBe(60_000);

    scheduler.stop();
    expect(timers.every((t) => t.cleared)).toBe(true);
  });

  it('posts each due schedule once when two replicas tick at the same moment', async () => {
    const store = await memoryStore();
    const clock = createClock(SET_AT);
    const schedules = createScheduleStore(store);
    for (let i = 0; i < 8; i += 1) await schedules.save(schedule(SET_AT, { channelId: `C${i}` }));
    const posted: Posted[] = [];
    const a = createHarness(store, clock, { instanceId: 'a', posted });
    const b = createHarness(store, clock, { instanceId: 'b', posted });
    clock.set(nineOn(9));
    await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick()]);
    expect(posted).toHaveLength(8);
    expect(new Set(posted.map((p) => p.channelId)).size).toBe(8);
  });

  it('keeps posting other digests while one post hangs', async () => {
    const store = await memoryStore();
    const clock = createClock(SET_AT);
    const schedules = createScheduleStore(store);
    for (let i = 0; i < 3; i += 1) await schedules.save(schedule(SET_AT, { channelId: `C${i}` }));
    const { scheduler, posted, failNext } = createHarness(store, clock, { concurrency: 2 });
    failNext('chat.postMessage', 'hang');
    clock.set(nineOn(9));
    void scheduler.tick();
    await vi.waitFor(() => expect(posted).toHaveLength(2));
  });
});

describe('scheduler: when Slack or the CRM fails', () => {
  it('waits out a rate limit for as long as Retry-After says, then posts on time', async () => {
    const { clock, scheduler, posted, failNext, notices } = await setUp();
    failNext('chat.postMessage', new WebAPIRateLimitedError(30));
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes).toEqual([expect.objectContaining({ result: 'retry', code: 'ratelimited' })]);
    clock.advance({ seconds: 20 });
    expect((await scheduler.tick()).due).toBe(0);
    clock.advance({ seconds: 11 });
    await scheduler.tick();
    expect(posted).toEqual([expect.objectContaining({ slot: iso(nineOn(9)) })]);
    expect(posted[0]?.run.late).toBe(false);
    expect(notices).toHaveLength(0);
  });

  it('retries an outage with growing waits, then gives the slot up, tells the owner and runs the next one', async () => {
    const { clock, scheduler, posted, failNext, failBuild, notices } = await setUp({ maxAttempts: 3, retryBaseMs: 60_000 });
    failNext('chat.postMessage', new WebAPIRequestError(new Error('socket hang up')), new WebAPIHTTPError(503, 'Unavailable', {}));
    failBuild.push(undefined, undefined, new CrmUnavailableError('timeout', { crm: 'Pipedrive' }));
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes[0]?.result).toBe('retry');
    clock.advance({ seconds: 59 });
    expect((await scheduler.tick()).due).toBe(0);
    clock.advance({ seconds: 1 });
    expect((await scheduler.tick()).outcomes[0]?.result).toBe('retry');
    clock.advance({ minutes: 2 });
    expect((await scheduler.tick()).outcomes[0]?.result).toBe('skipped');
    expect(notices).toEqual([expect.objectContaining({ userId: 'U1', outcome: 'skipped' })]);
    expect(notices[0]?.message.text).toContain('was not posted');
    expect(notices[0]?.message.text).toContain('The next one runs as planned');
    clock.advance({ minutes: 5 });
    expect((await scheduler.tick()).due).toBe(0);

    clock.set(nineOn(10));
    await scheduler.tick();
    expect(posted.map((p) => p.slot)).toEqual([iso(nineOn(10))]);
  });

  it.each([
    ['is_archived', 'the channel was archived'],
    ['not_in_channel', 'Dealbot is not in the channel any more'],
    ['channel_not_found', 'Dealbot cannot see the channel'],
    ['account_inactive', 'deactivated or uninstalled'],
  ])('pauses the schedule and tells its owner when Slack answers %s', async (code, words) => {
    const { clock, scheduler, posted, failNext, notices, schedules, saved } = await setUp();
    failNext('chat.postMessage', platformError(code));
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes).toEqual([expect.objectContaining({ result: 'paused', code })]);
    expect(await schedules.get(saved.id)).toMatchObject({ paused: true, pausedReason: code });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ userId: 'U1', outcome: 'paused' });
    expect(notices[0]?.message.text).toContain('I paused the pipeline digest');
    expect(notices[0]?.message.text).toContain(words);
    expect(notices[0]?.message.text).toContain('<#C0SALES>');

    clock.set(nineOn(11));
    await scheduler.tick();
    expect(posted).toHaveLength(0);
  });

  it('pauses the schedule when its pipeline was deleted in the CRM', async () => {
    const { clock, scheduler, failBuild, schedules, saved, notices } = await setUp();
    failBuild.push(new CrmNotFoundError('pipeline', '7', { crm: 'Pipedrive' }));
    clock.set(nineOn(9));
    await scheduler.tick();
    expect(await schedules.get(saved.id)).toMatchObject({ paused: true, pausedReason: 'pipeline_not_found' });
    expect(notices[0]?.message.text).toContain('another pipeline');
  });

  it('skips one slot, without pausing, when the CRM refuses the request', async () => {
    const { clock, scheduler, failBuild, schedules, saved, notices, posted } = await setUp();
    failBuild.push(new CrmUnauthorizedError({ crm: 'Pipedrive' }));
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes[0]?.result).toBe('skipped');
    expect(await schedules.get(saved.id)).toMatchObject({ paused: false });
    expect(notices[0]?.outcome).toBe('skipped');
    clock.set(nineOn(10));
    await scheduler.tick();
    expect(posted).toHaveLength(1);
  });

  it('still pauses the schedule when its owner cannot be told either', async () => {
    const store = await memoryStore();
    const clock = createClock(SET_AT);
    const schedules = createScheduleStore(store);
    const saved = await schedules.save(schedule(SET_AT));
    // The app was uninstalled: the post fails, and so does the direct message.
    const scheduler = createScheduler({
      store,
      now: clock.now,
      setTimer: () => null,
      clearTimer: () => undefined,
      buildDigest: () => Promise.reject(platformError('account_inactive')),
      slack: { postMessage: () => Promise.resolve({ ts: '1.1' }), uploadChart: () => Promise.resolve() },
      notifyOwner: () => Promise.reject(platformError('account_inactive')),
      logger: silentLogger,
      instanceId: 'x',
    });
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes[0]?.result).toBe('paused');
    expect(await schedules.get(saved.id)).toMatchObject({ paused: true });
    clock.set(nineOn(10));
    expect((await scheduler.tick()).due).toBe(0);
  });
});

describe('scheduler: /pipeline digest now', () => {
  it('posts at once, outside the schedule, and leaves the schedule’s slots alone', async () => {
    const { clock, scheduler, posted, saved } = await setUp();
    clock.set(nineOn(9).minus({ hours: 1 }));
    const result = await scheduler.postNow(saved);
    expect(result.ok).toBe(true);
    expect(posted).toEqual([expect.objectContaining({ scheduleId: null, channelId: 'C0SALES' })]);
    expect(posted[0]?.run.trigger).toBe('now');
    clock.set(nineOn(9));
    await scheduler.tick();
    expect(posted).toHaveLength(2);
  });

  it('says why it could not post, and pauses nothing', async () => {
    const { scheduler, failNext, saved, schedules, notices } = await setUp();
    failNext('chat.postMessage', platformError('not_in_channel'));
    const result = await scheduler.postNow(saved);
    expect(result).toMatchObject({ ok: false, failure: { kind: 'pause', code: 'not_in_channel' } });
    expect(await schedules.get(saved.id)).toMatchObject({ paused: false });
    expect(notices).toHaveLength(0);
  });
});

describe('scheduler: a digest is steps, each done once', () => {
  it('after a chart upload refused with Retry-After, uploads the chart under the one message and posts nothing twice', async () => {
    const { clock, scheduler, posted, charts, calls, commits, failNext } = await setUp();
    failNext('files.uploadV2', new WebAPIRateLimitedError(20));
    clock.set(nineOn(9));
    expect((await scheduler.tick()).outcomes).toEqual([expect.objectContaining({ result: 'retry', code: 'ratelimited' })]);
    expect(posted).toHaveLength(1);
    expect(charts).toHaveLength(0);
    // Nothing is remembered as shown until the digest is whole.
    expect(commits).toHaveLength(0);

    clock.advance({ seconds: 21 });
    expect((await scheduler.tick()).outcomes).toEqual([expect.objectContaining({ result: 'posted' })]);
    expect(posted).toHaveLength(1);
    expect(charts).toEqual([expect.objectContaining({ threadTs: posted[0]?.ts, channelId: 'C0SALES' })]);
    expect(commits).toHaveLength(1);
    expect(calls.map((c) => `${c.method}:${c.ok}`)).toEqual(['chat.postMessage:true', 'files.uploadV2:false', 'files.uploadV2:true']);
  });

  it('stops before the next step when its lease lapsed and another replica holds it', async () => {
    const { clock, scheduler, posted, charts, failNext, pending, store, saved } = await setUp({ leaseMs: 50 });
    let answer: () => void = () => undefined;
    failNext('chat.postMessage', new Promise<void>((resolve) => (answer = resolve)));
    clock.set(nineOn(9));
    const ticking = scheduler.tick();
    await vi.waitFor(() => expect(pending('chat.postMessage')).toBe(0));
    // While Slack takes its time, the lease lapses (nobody renews it in this harness) and
    // another replica takes the slot.
    const key = slotClaimKey(saved.id, iso(nineOn(9)));
    await vi.waitFor(async () => expect(await store.claim(key, 60_000, 'replica-b')).toBe(true), { timeout: 10_000, interval: 20 });
    answer();
    expect((await ticking).outcomes).toEqual([expect.objectContaining({ result: 'elsewhere' })]);
    // The message Slack took is recorded for whoever resumes; the chart is left to them.
    expect(posted).toHaveLength(1);
    expect(charts).toHaveLength(0);
  });
});
