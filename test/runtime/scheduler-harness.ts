// A scheduler under a hand-driven clock for the digest tests: `advance` moves time,
// `fireTimers` runs what the scheduler armed, and a fake Slack answers each Web API method
// the digest uses on its own (`chat.postMessage`, `files.uploadV2`), as Slack does: each can
// be told to fail (with the errors `@slack/web-api` throws, a rate limit's Retry-After
// included) or to hang, one call at a time, so a digest can half-succeed. Messages and
// charts that Slack took are recorded, as they would be seen in the channel.

import { DateTime } from 'luxon';
import { pino } from 'pino';
import { vi } from 'vitest';
import type { DigestJob } from '../../src/runtime/digest-job.js';
import type { DigestRun } from '../../src/domain/digest-schedule.js';
import { createDigestSchedule, type NewDigestSchedule } from '../../src/domain/digest-schedule.js';
import {
  createScheduler,
  type DigestPoster,
  type OwnerNotice,
  type Scheduler,
  type SchedulerOptions,
} from '../../src/runtime/scheduler.js';
import type { DigestSchedule } from '../../src/domain/digest-schedule.js';
import type { Store } from '../../src/store/store.js';

export const silentLogger = pino({ level: 'silent' });

/** Message timestamps, unique across every replica of a test, as Slack's are in a channel. */
let nextTs = 1;

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
  /** The message's ts, as Slack answered. */
  ts: string;
}

export interface UploadedChart {
  channelId: string;
  /** The digest message it was threaded under. */
  threadTs: string;
  scheduleId: string | null;
  slot: string;
  instance: string;
}

/** The Slack methods a digest calls, by their Web API names. */
export type DigestMethod = 'chat.postMessage' | 'files.uploadV2';

export interface Harness {
  scheduler: Scheduler;
  /** Digest messages in their channels. */
  posted: Posted[];
  /** Charts Slack took. */
  charts: UploadedChart[];
  /** Every call, answered or not, in order: `method` and whether Slack took it. */
  calls: Array<{ method: DigestMethod; ok: boolean }>;
  notices: OwnerNotice[];
  commits: string[];
  timers: Array<{ fn: () => void; ms: number; cleared: boolean }>;
  /** Runs the timers armed and not cleared, as if their time had come. */
  fireTimers(): void;
  /**
   * What the next calls of `method` do instead of succeeding at once, one answer per call: an
   * error to throw, `hang`, or a promise (the call is answered when it settles).
   */
  failNext(method: DigestMethod, ...answers: Array<unknown>): void;
  /** Answers still queued for `method`. */
  pending(method: DigestMethod): number;
  /** What the next `buildDigest` calls throw (the CRM or the store failing), one per call. */
  failBuild: unknown[];
}

export function slotIso(run: DigestRun): string {
  return run.slot.toUTC().toISO() ?? '';
}

export function createHarness(
  store: Store,
  clock: Clock,
  options: SchedulerOptions & {
    instanceId?: string;
    posted?: Posted[];
    charts?: UploadedChart[];
    notices?: OwnerNotice[];
    /** False: digests with nothing to chart. */
    withChart?: boolean;
  } = {},
): Harness {
  const { instanceId, posted: sharedPosts, charts: sharedCharts, notices: sharedNotices, withChart = true, ...schedulerOptions } = options;
  const instance = instanceId ?? 'replica-a';
  const posted = sharedPosts ?? [];
  const charts = sharedCharts ?? [];
  const notices = sharedNotices ?? [];
  const commits: string[] = [];
  const timers: Harness['timers'] = [];
  const calls: Harness['calls'] = [];
  const answers = new Map<DigestMethod, unknown[]>();
  const failBuild: unknown[] = [];

  /** Slack's side of one call: the queued answer, if any, else success. */
  const answer = (method: DigestMethod): Promise<void> => {
    const queue = answers.get(method) ?? [];
    const next = queue.shift();
    if (next === 'hang') {
      calls.push({ method, ok: false });
      return new Promise<void>(() => undefined);
    }
    if (next instanceof Promise) {
      // Answered when the test says: resolved, Slack took the call; rejected, with that error.
      return next.then(
        () => void calls.push({ method, ok: true }),
        (error: unknown) => {
          calls.push({ method, ok: false });
          throw error;
        },
      );
    }
    if (next !== undefined) {
      calls.push({ method, ok: false });
      return Promise.reject(next);
    }
    calls.push({ method, ok: true });
    return Promise.resolve();
  };

  const buildDigest = async (schedule: DigestSchedule, run: DigestRun): Promise<DigestJob> => {
    const failure = failBuild.shift();
    if (failure !== undefined) throw failure;
    return {
      scheduleId: run.trigger === 'schedule' ? schedule.id : null,
      channelId: schedule.channelId,
      pipelineId: schedule.pipelineId ?? '1',
      run,
      message: { text: `digest for ${schedule.channelId}`, blocks: [] },
      chart: withChart ? { png: Buffer.from('png'), filename: 'pipeline.png', title: 'Pipeline', altText: 'Deals by stage' } : null,
      commit: async () => {
        commits.push(`${schedule.id}@${slotIso(run)}`);
      },
    };
  };

  const slack: DigestPoster = {
    async postMessage(job) {
      await answer('chat.postMessage');
      const ts = `1700000000.${String(nextTs++).padStart(6, '0')}`;
      posted.push({ scheduleId: job.scheduleId, channelId: job.channelId, slot: slotIso(job.run), run: job.run, instance, ts });
      return { ts };
    },
    async uploadChart(job, _chart, threadTs) {
      await answer('files.uploadV2');
      charts.push({ channelId: job.channelId, threadTs, scheduleId: job.scheduleId, slot: slotIso(job.run), instance });
    },
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
    slack,
    // Lease renewal is checked before each step; the background renewal is not needed here.
    every: () => () => undefined,
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
    charts,
    calls,
    notices,
    commits,
    timers,
    failBuild,
    failNext(method, ...queued) {
      answers.set(method, [...(answers.get(method) ?? []), ...queued]);
    },
    pending(method) {
      return answers.get(method)?.length ?? 0;
    },
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
