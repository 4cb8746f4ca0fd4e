// Posts each due digest exactly once, on one machine or many.
//
// Every replica runs a scheduler over the same store. On each tick it lists the schedules,
// works out for each the latest slot due since the last one handled, and before building
// anything takes a lease on `(schedule, slot)` in the store (an atomic set-if-absent with a
// short expiry, renewed while the replica works). Only the lease holder works on the slot;
// the lease key includes the slot time, so a replica that dies mid-digest blocks nobody for
// longer than the lease: another replica takes the same slot over, and the next slot was
// never blocked. After downtime only the latest missed slot is posted, once, marked late.
//
// A digest is several Slack calls, and Slack can accept the first and refuse the next (the
// message goes out, the chart upload is rate limited). So a digest is a sequence of steps —
// post the message, upload the chart into its thread, record the snapshot — and each step is
// written to the slot's progress record as soon as it is done. A retry, on this replica or
// another after a crash, resumes at the first step not recorded; the record's `done` is the
// completion record that keeps the slot from ever running again.
//
// Failures are read by `classifyDigestFailure`: worth retrying (a rate limit is waited out
// as long as Retry-After says; the claim is let go meanwhile so any replica can retry),
// needing a person (the schedule is paused and its owner told by DM), or lost for this
// slot only (the owner is told, the next slot runs).
//
// Time comes from the injected `now` and timers, so tests drive the clock; claims expire
// by the store's own clock (Redis's for a Redis store).

import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { classifyDigestFailure } from './digest-failure.js';
import { clearUnrefTimer, LeaseLost, takeLease, unrefTimer, type Every } from '../store/lease.js';
import type { DigestChart, DigestJob } from './digest-job.js';
import { digestOwnerNotice } from '../ui/digest-notices.js';
import { dueSlot, nextRunAfter, type DigestFailure, type DigestRun, type DigestSchedule, type DueSlot } from '../domain/digest-schedule.js';
import {
  createScheduleStore,
  EMPTY_RUN_STATE,
  type DigestProgress,
  type DigestRunState,
  type ScheduleStore,
} from '../store/schedule-store.js';

export interface OwnerNotice {
  /** The Slack user to message directly (the schedule's `createdBy`). */
  userId: string;
  schedule: DigestSchedule;
  failure: DigestFailure;
  outcome: 'paused' | 'skipped';
  /** Ready to post (see `digestOwnerNotice`). */
  message: { text: string; blocks: KnownBlock[] };
}

/** The Slack calls a digest is made of; each throws Slack's errors as `@slack/web-api` does. */
export interface DigestPoster {
  /** Posts the digest message; resolves with its ts. */
  postMessage(job: DigestJob): Promise<{ ts: string }>;
  /** Uploads the chart as a reply in the thread of the message `threadTs`. */
  uploadChart(job: DigestJob, chart: DigestChart, threadTs: string): Promise<void>;
}

export interface SchedulerOptions {
  /** The longest the scheduler sleeps, and so how soon it sees a schedule another replica saved. Default 60 s. */
  tickIntervalMs?: number;
  /**
   * How long a lease on a slot holds unless renewed. The holder renews it every third of this
   * while it works, so a crashed replica's slot is taken over after at most this. Default 30 s.
   */
  leaseMs?: number;
  /** A digest posted later than this after its slot says it is late. Default 10 min. */
  lateAfterMs?: number;
  /** Tries per slot for failures worth retrying. Default 5. */
  maxAttempts?: number;
  /** Wait before the first retry when the error names none; doubles each time. Default 1 min. */
  retryBaseMs?: number;
  /** Digests built and posted at once by one replica. Default 4. */
  concurrency?: number;
}

export interface SchedulerDeps extends SchedulerOptions {
  store: Store;
  now: () => DateTime;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Runs `fn` every `ms` until the returned function is called (lease renewal). Default setInterval, unref'd. */
  every?: Every;
  buildDigest: (schedule: DigestSchedule, run: DigestRun) => Promise<DigestJob>;
  /** The Slack calls a digest is made of. */
  slack: DigestPoster;
  /** Sends the owner a direct message; failures are logged, never retried. */
  notifyOwner?: (notice: OwnerNotice) => Promise<void>;
  logger: Logger;
  /** Names this replica in claims and logs. */
  instanceId: string;
  /** Told of each scheduled slot's outcome and how long after its slot it ended (metrics). */
  onSlot?: (outcome: SlotOutcome, lagMs: number) => void;
  /** Wraps each scheduled digest's work, so a shutdown can wait for posts in flight. */
  track?: <T>(work: Promise<T>) => Promise<T>;
}

export interface SlotOutcome {
  scheduleId: string;
  /** ISO instant in UTC. */
  slot: string;
  result: 'posted' | 'elsewhere' | 'retry' | 'paused' | 'skipped' | 'error';
  late?: boolean;
  code?: string;
}

export interface TickReport {
  /** Schedules with a slot due at this tick (and not waiting for a retry). */
  due: number;
  outcomes: SlotOutcome[];
  /** When the scheduler wakes next, at the latest. */
  nextWakeAt: DateTime;
}

export type PostNowResult = { ok: true; job: DigestJob } | { ok: false; failure: DigestFailure };

export interface Scheduler {
  /**
   * Catches up (posts each digest missed while down, once) and keeps ticking. The promise
   * settles when the catch-up digests are done; the timers run from the moment it is called.
   */
  start(): Promise<TickReport>;
  /** Stops the timers. Digests already being posted finish on their own. */
  stop(): void;
  /** Runs once: posts whatever is due and resolves when those posts are done. */
  tick(): Promise<TickReport>;
  /** `/pipeline digest now`: builds and posts at once, outside the schedule; nothing is paused on failure. */
  postNow(schedule: DigestSchedule): Promise<PostNowResult>;
  readonly schedules: ScheduleStore;
}

const DEFAULTS = {
  tickIntervalMs: 60_000,
  leaseMs: 30_000,
  lateAfterMs: 10 * 60_000,
  maxAttempts: 5,
  retryBaseMs: 60_000,
  concurrency: 4,
} satisfies Required<SchedulerOptions>;

/** Never spin: even with a slot due right now, the next scan waits this long. */
const MIN_WAKE_MS = 1_000;

const iso = (at: DateTime): string => at.toUTC().toISO() ?? '';
const fromIso = (text: string | null | undefined): DateTime | null => {
  if (!text) return null;
  const at = DateTime.fromISO(text, { zone: 'utc' });
  return at.isValid ? at : null;
};
const later = (a: DateTime, b: DateTime | null): DateTime => (b && b > a ? b : a);
const earlier = (a: DateTime, b: DateTime | null): DateTime => (b && b < a ? b : a);

export const slotClaimKey = (scheduleId: string, slot: string): string => `digest:claim:${scheduleId}:${slot}`;

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const options = {
    tickIntervalMs: deps.tickIntervalMs ?? DEFAULTS.tickIntervalMs,
    leaseMs: deps.leaseMs ?? DEFAULTS.leaseMs,
    lateAfterMs: deps.lateAfterMs ?? DEFAULTS.lateAfterMs,
    maxAttempts: Math.max(1, deps.maxAttempts ?? DEFAULTS.maxAttempts),
    retryBaseMs: deps.retryBaseMs ?? DEFAULTS.retryBaseMs,
    concurrency: Math.max(1, deps.concurrency ?? DEFAULTS.concurrency),
  };
  // A scheduler alone must not keep a finished process alive.
  const setTimer = deps.setTimer ?? unrefTimer;
  const clearTimer = deps.clearTimer ?? clearUnrefTimer;
  const log = deps.logger.child({ component: 'digest-scheduler', instance: deps.instanceId });
  const schedules = createScheduleStore(deps.store);
  /** Schedules this replica is posting right now; a slow post is not started twice here. */
  const inFlight = new Set<string>();
  let running = false;
  let timer: unknown = null;
  let scanning = false;

  interface Due {
    schedule: DigestSchedule;
    due: DueSlot;
  }

  /** Which schedules are due now, and when the earliest of the others will be. */
  async function scan(): Promise<{ due: Due[]; nextWakeAt: DateTime }> {
    const now = deps.now();
    let nextWakeAt = now.plus({ milliseconds: options.tickIntervalMs });
    const active = (await schedules.list()).filter((s) => !s.paused);
    const states = await schedules.runStates(active.map((s) => s.id));
    const due: Due[] = [];
    for (const schedule of active) {
      const state = states.get(schedule.id) ?? EMPTY_RUN_STATE;
      // Slots before the schedule was last set do not count: a new or changed schedule
      // starts with its next slot, not with a "late" one from before it existed.
      const anchor = later(fromIso(schedule.updatedAt) ?? now, fromIso(state.lastSlot));
      try {
        const slot = dueSlot(schedule, anchor, now);
        const retryAt = fromIso(state.retry?.at);
        if (slot && !(state.retry?.slot === iso(slot.slot) && retryAt && retryAt > now)) {
          if (!inFlight.has(schedule.id)) due.push({ schedule, due: slot });
        } else if (slot && retryAt) {
          nextWakeAt = earlier(nextWakeAt, retryAt);
        }
        nextWakeAt = earlier(nextWakeAt, nextRunAfter(schedule, later(now, anchor)));
      } catch (error) {
        // Stored schedules are checked when set; one that cannot be read must not stop the rest.
        log.error({ err: error, scheduleId: schedule.id }, 'digest schedule cannot be scheduled');
      }
    }
    return { due, nextWakeAt };
  }

  async function runDue({ schedule, due }: Due): Promise<SlotOutcome> {
    const slot = iso(due.slot);
    const base = { scheduleId: schedule.id, slot };
    const lease = await takeLease(deps.store, slotClaimKey(schedule.id, slot), {
      ms: options.leaseMs,
      instanceId: deps.instanceId,
      ...(deps.every ? { every: deps.every } : {}),
      // A store blip: the next renewal (a third of the lease later) may work.
      onRenewError: (error) => log.warn({ err: error, scheduleId: schedule.id, slot }, 'could not renew a digest lease'),
    });
    if (!lease) return { ...base, result: 'elsewhere' };
    inFlight.add(schedule.id);
    try {
      // What was read before the lease may be stale: another replica may have posted this
      // slot, or the schedule may have changed or gone.
      const [current, state, progress] = await Promise.all([
        schedules.get(schedule.id),
        schedules.runStates([schedule.id]).then((m) => m.get(schedule.id) ?? EMPTY_RUN_STATE),
        schedules.progress(schedule.id, slot),
      ]);
      const lastSlot = fromIso(state.lastSlot);
      if (progress.done || (lastSlot && lastSlot >= due.slot)) return { ...base, result: 'elsewhere' };
      const retryAt = state.retry?.slot === slot ? fromIso(state.retry.at) : null;
      if (!current || current.paused || current.updatedAt !== schedule.updatedAt || (retryAt && retryAt > deps.now())) {
        // Changed since the scan (edited, removed, or another replica's post failed and is
        // waiting out a Retry-After): the next scan decides afresh.
        return { ...base, result: 'elsewhere' };
      }
      const attempts = state.retry?.slot === slot ? state.retry.attempts : 0;
      const now = deps.now();
      const run: DigestRun = {
        trigger: 'schedule',
        slot: due.slot,
        late: now.toMillis() - due.slot.toMillis() > options.lateAfterMs,
        missedSlots: due.missed,
      };
      try {
        await runSteps(current, slot, run, progress, lease.confirm);
      } catch (error) {
        if (error instanceof LeaseLost) {
          log.warn({ scheduleId: schedule.id, slot }, 'lost the lease on a digest; another replica carries on');
          return { ...base, result: 'elsewhere' };
        }
        return await failed(current, state, due.slot, attempts, error);
      }
      await schedules.saveRunState(schedule.id, { lastSlot: slot, lastPostedAt: iso(deps.now()), retry: null });
      log.info(
        { scheduleId: schedule.id, channelId: schedule.channelId, slot, late: run.late, resumed: progress.messageTs !== null },
        'digest posted',
      );
      return { ...base, result: 'posted', late: run.late };
    } finally {
      inFlight.delete(schedule.id);
      await lease.end();
    }
  }

  /**
   * The digest's steps, each skipped when `progress` says it was done and recorded the moment
   * it is. A resumed digest is built afresh for the steps still to do (the chart shows the
   * board as it is now); the message already in the channel is left as it is.
   */
  async function runSteps(
    schedule: DigestSchedule,
    slot: string,
    run: DigestRun,
    start: DigestProgress,
    confirmLease: () => Promise<void>,
  ): Promise<void> {
    let progress = start;
    const record = async (next: DigestProgress): Promise<void> => {
      progress = next;
      await schedules.saveProgress(schedule.id, slot, next);
    };
    const job = await deps.buildDigest(schedule, run);

    let messageTs = progress.messageTs;
    if (messageTs === null) {
      await confirmLease();
      messageTs = (await deps.slack.postMessage(job)).ts;
      await record({ ...progress, messageTs });
    }
    if (!progress.chartDone) {
      if (job.chart) {
        await confirmLease();
        await deps.slack.uploadChart(job, job.chart, messageTs);
      }
      await record({ ...progress, chartDone: true });
    }
    if (!progress.snapshotDone) {
      await job.commit().catch((error: unknown) => {
        // Not worth a retry: the next digest repeats a few changes instead of missing any.
        log.warn(
          { err: error, scheduleId: schedule.id },
          'digest posted but its snapshot was not saved; the next one repeats some changes',
        );
      });
      await record({ ...progress, snapshotDone: true });
    }
    await record({ ...progress, done: true });
  }

  async function failed(
    schedule: DigestSchedule,
    state: DigestRunState,
    slotAt: DateTime,
    attempts: number,
    error: unknown,
  ): Promise<SlotOutcome> {
    const failure = classifyDigestFailure(error);
    const slot = iso(slotAt);
    const base = { scheduleId: schedule.id, slot, code: failure.code };
    const fields = { err: error, scheduleId: schedule.id, channelId: schedule.channelId, slot, code: failure.code };

    if (failure.kind === 'retry' && attempts + 1 < options.maxAttempts) {
      const waitMs = failure.retryAfterMs ?? options.retryBaseMs * 2 ** attempts;
      const at = deps.now().plus({ milliseconds: waitMs });
      // Any replica may retry once the wait is over (the lease is let go on the way out).
      await schedules.saveRunState(schedule.id, { ...state, retry: { slot, attempts: attempts + 1, at: iso(at), reason: failure.code } });
      log.warn({ ...fields, attempt: attempts + 1, retryAt: iso(at) }, 'digest failed; will retry');
      return { ...base, result: 'retry' };
    }

    const outcome = failure.kind === 'pause' ? 'paused' : 'skipped';
    if (outcome === 'paused') await schedules.pause(schedule.id, failure.code);
    await schedules.saveRunState(schedule.id, { ...state, lastSlot: slot, retry: null });
    log.error({ ...fields, outcome }, outcome === 'paused' ? 'digest schedule paused' : 'digest slot given up');
    if (deps.notifyOwner) {
      const message = digestOwnerNotice({ schedule, failure, outcome, slot: slotAt });
      await deps.notifyOwner({ userId: schedule.createdBy, schedule, failure, outcome, message }).catch((notifyError: unknown) => {
        log.warn({ err: notifyError, scheduleId: schedule.id }, 'could not tell the digest owner');
      });
    }
    return { ...base, result: outcome };
  }

  /** Runs `due` with at most `concurrency` at once; one hung post holds one lane, not the tick. */
  async function runAll(due: Due[]): Promise<SlotOutcome[]> {
    const outcomes: SlotOutcome[] = [];
    const queue = [...due];
    const lane = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const item = next;
        const run = runDue(item).catch((error: unknown): SlotOutcome => {
          log.error({ err: error, scheduleId: item.schedule.id }, 'digest run failed');
          return { scheduleId: item.schedule.id, slot: iso(item.due.slot), result: 'error' };
        });
        const outcome = await (deps.track ? deps.track(run) : run);
        deps.onSlot?.(outcome, deps.now().toMillis() - item.due.slot.toMillis());
        outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, due.length) }, lane));
    return outcomes;
  }

  /** Scans, hands the wake-up time to `onScanned` at once, then waits for the posts. */
  async function tickThen(onScanned: (nextWakeAt: DateTime) => void): Promise<TickReport> {
    const { due, nextWakeAt } = await scan();
    onScanned(nextWakeAt);
    const outcomes = await runAll(due);
    return { due: due.length, outcomes, nextWakeAt };
  }

  function arm(at: DateTime): void {
    if (!running) return;
    if (timer !== null) clearTimer(timer);
    const delay = Math.min(options.tickIntervalMs, Math.max(MIN_WAKE_MS, at.toMillis() - deps.now().toMillis()));
    timer = setTimer(() => {
      timer = null;
      void loop();
    }, delay);
  }

  function loop(): Promise<TickReport | null> {
    if (!running) return Promise.resolve(null);
    if (scanning) {
      arm(deps.now().plus({ milliseconds: options.tickIntervalMs }));
      return Promise.resolve(null);
    }
    scanning = true;
    return tickThen((nextWakeAt) => {
      scanning = false;
      arm(nextWakeAt);
    }).catch((error: unknown) => {
      scanning = false;
      log.error({ err: error }, 'digest scheduler tick failed; trying again later');
      arm(deps.now().plus({ milliseconds: options.tickIntervalMs }));
      return null;
    });
  }

  return {
    schedules,

    async start() {
      if (running) return tick();
      running = true;
      log.info('digest scheduler started');
      const report = await loop();
      return report ?? { due: 0, outcomes: [], nextWakeAt: deps.now().plus({ milliseconds: options.tickIntervalMs }) };
    },

    stop() {
      running = false;
      if (timer !== null) clearTimer(timer);
      timer = null;
    },

    tick,

    async postNow(schedule) {
      const run: DigestRun = { trigger: 'now', slot: deps.now(), late: false, missedSlots: 0 };
      let job: DigestJob;
      try {
        job = await deps.buildDigest(schedule, run);
        const { ts } = await deps.slack.postMessage(job);
        // Asked for by a person who is watching: the message is there, so a chart Slack
        // refuses is logged rather than reported as a digest that failed.
        if (job.chart) {
          await deps.slack.uploadChart(job, job.chart, ts).catch((error: unknown) => {
            log.warn({ err: error, channelId: schedule.channelId }, 'digest on demand posted without its chart');
          });
        }
      } catch (error) {
        const failure = classifyDigestFailure(error);
        log.warn({ err: error, channelId: schedule.channelId, code: failure.code }, 'digest on demand failed');
        return { ok: false, failure };
      }
      await job.commit().catch((error: unknown) => {
        log.warn({ err: error, scheduleId: schedule.id }, 'digest posted but its snapshot was not saved');
      });
      return { ok: true, job };
    },
  };

  function tick(): Promise<TickReport> {
    return tickThen(() => undefined);
  }
}
