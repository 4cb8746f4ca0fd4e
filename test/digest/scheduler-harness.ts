// A scheduler under a hand-driven clock for the digest tests: `advance` moves time,
// `fireTimers` runs what the scheduler armed, every post is recorded with its run, and
// `post` can be told to fail or hang.

import { DateTime } from 'luxon';
import { pino } from 'pino';
import { vi } from 'vitest';
import type { DigestJob, DigestRun } from '../../src/digest/digest-job.js';
import { createDigestSchedule, type NewDigestSchedule } from '../../src/digest/schedule.js';
import { createScheduler, type OwnerNotice, type Scheduler, type SchedulerOptions } from '../../src/digest/scheduler.js';
import type { DigestSchedule } from '../../src/digest/schedule.js';
import type { Store } from '../../src/store/store.js';

export const silentLogger = pino({ level: 'silent' });

export interface Clock {
  now: () => DateTime;
  set(at: DateTime): void;
  advance(duration: { milliseconds?: number; seconds?: number; minutes?: number; hours?: number; days?: number }): void;
}

export function createClock(start: DateTime): Clock {
  let current = start;
  return {
    now: () => current,
    set: (at) => {
      current = at;
    },
    advance: (duration) => {
      current = current.plus(duration);
    },
  };
}

export interface Posted {
  scheduleId: string | null;
  channelId: string;
  slot: string;
  run: DigestRun;
  instance: string;
}

export interface Harness {
  scheduler: Scheduler;
  posted: Posted[];
  notices: OwnerNotice[];
  commits: string[];
  timers: Array<{ fn: () => void; ms: number; cleared: boolean }>;
  /** Runs the timers armed and not cleared, as if their time had come. */
  fireTimers(): void;
  /** What the next `post` calls do instead of succeeding, one entry per call. */
  failNext: Array<unknown | 'hang'>;
}

export function slotIso(run: DigestRun): string {
  return run.slot.toUTC().toISO() ?? '';
}

export function createHarness(
  store: Store,
  clock: Clock,
  options: SchedulerOptions & { instanceId?: string; posted?: Posted[]; notices?: OwnerNotice[] } = {},
): Harness {
  const { instanceId, posted: sharedPosts, notices: sharedNotices, ...schedulerOptions } = options;
  const instance = instanceId ?? 'replica-a';
  const posted = sharedPosts ?? [];
  const notices = sharedNotices ?? [];
  const commits: string[] = [];
  const timers: Harness['timers'] = [];
  const failNext: Harness['failNext'] = [];

  const buildDigest = async (schedule: DigestSchedule, run: DigestRun): Promise<DigestJob> => ({
    scheduleId: run.trigger === 'schedule' ? schedule.id : null,
    channelId: schedule.channelId,
    pipelineId: schedule.pipelineId ?? '1',
    run,
    message: { text: `digest for ${schedule.channelId}`, blocks: [] },
    chart: null,
    commit: async () => {
      commits.push(`${schedule.id}@${slotIso(run)}`);
    },
  });

  const post = async (job: DigestJob): Promise<void> => {
    const failure = failNext.shift();
    if (failure === 'hang') return new Promise<void>(() => undefined);
    if (failure !== undefined) throw failure;
    posted.push({ scheduleId: job.scheduleId, channelId: job.channelId, slot: slotIso(job.run), run: job.run, instance });
  };

  const scheduler = createScheduler({
    store,
    now: clock.now,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
    buildDigest: vi.fn(buildDigest),
    post: vi.fn(post),
    notifyOwner: async (notice) => {
      notices.push(notice);
    },
    logger: silentLogger,
    instanceId: instance,
    ...schedulerOptions,
  });

  return {
    scheduler,
    posted,
    notices,
    commits,
    timers,
    failNext,
    fireTimers() {
      for (const timer of timers.splice(0)) if (!timer.cleared) timer.fn();
    },
  };
}

export function schedule(now: DateTime, overrides: Partial<NewDigestSchedule> = {}): DigestSchedule {
  return createDigestSchedule(
    {
      channelId: 'C0SALES',
      pipelineId: null,
      frequency: { kind: 'daily' },
      time: '09:00',
      zone: 'Europe/Berlin',
      createdBy: 'U1',
      ...overrides,
    },
    now,
  );
}
