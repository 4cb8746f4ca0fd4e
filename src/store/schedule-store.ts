// Digest schedules in the store, so they survive restarts and every replica sees the same
// ones. Each schedule is one key; an index key lists the ids, so listing every schedule
// (what the scheduler does on each tick) is two reads whatever their number. Writes are
// rare (a person changes a subscription, the scheduler pauses one) and go through one
// store-wide lock, so two replicas never lose each other's index update.
//
// What the scheduler learns while running a schedule (the last slot it handled, a retry
// waiting) is kept apart from the schedule, so a person editing a schedule and a replica
// recording a post never overwrite each other.

import { z } from 'zod';
import type { Store } from './store.js';
import { DIGEST_SECTIONS, WEEKDAYS, type DigestSchedule } from '../domain/digest-schedule.js';

const INDEX_KEY = 'digest:schedules';
const LOCK_NAME = 'digest:schedules';
const scheduleKey = (id: string): string => `digest:schedule:${id}`;
const runStateKey = (id: string): string => `digest:run:${id}`;
const progressKey = (id: string, slot: string): string => `digest:progress:${id}:${slot}`;
/** Long past any retry of a slot; the run state's `lastSlot` guards it after that. */
const PROGRESS_TTL_MS = 14 * 24 * 60 * 60 * 1000;

/** What the scheduler knows about a schedule's runs. Instants are ISO strings in UTC. */
export interface DigestRunState {
  /** The latest slot handled (posted, or given up on); slots up to it never run again. */
  lastSlot: string | null;
  lastPostedAt: string | null;
  /** A slot whose post failed in a way worth retrying, and when to try again. */
  retry: { slot: string; attempts: number; at: string; reason: string } | null;
}

export const EMPTY_RUN_STATE: DigestRunState = { lastSlot: null, lastPostedAt: null, retry: null };

/**
 * How far one slot's digest got. Each step is recorded as soon as Slack confirmed it, so a
 * retry (here or on another replica) resumes at the step that failed and repeats none.
 */
export interface DigestProgress {
  /** The posted message's ts; null until Slack confirmed the post. */
  messageTs: string | null;
  /** The chart is in the message's thread, or there was none to upload. */
  chartDone: boolean;
  /** The snapshot for the next "what changed" was recorded. */
  snapshotDone: boolean;
  /** Every step done: the completion record. */
  done: boolean;
}

export const NO_PROGRESS: DigestProgress = { messageTs: null, chartDone: false, snapshotDone: false, done: false };

const progressSchema = z.object({
  messageTs: z.string().nullable(),
  chartDone: z.boolean(),
  snapshotDone: z.boolean(),
  done: z.boolean(),
});

const scheduleSchema = z.object({
  id: z.string().min(1),
  channelId: z.string().min(1),
  pipelineId: z.string().nullable(),
  pipelineName: z.string().nullable().default(null),
  frequency: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('daily') }),
    z.object({ kind: z.literal('weekdays') }),
    z.object({ kind: z.literal('weekly'), day: z.enum(WEEKDAYS) }),
  ]),
  time: z.string().regex(/^\d{1,2}:\d{2}$/),
  zone: z.string().min(1),
  sections: z.array(z.enum(DIGEST_SECTIONS)),
  staleDays: z.number().int().positive(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  paused: z.boolean(),
  pausedReason: z.string().nullable(),
});

const runStateSchema = z.object({
  lastSlot: z.string().nullable(),
  lastPostedAt: z.string().nullable(),
  retry: z.object({ slot: z.string(), attempts: z.number(), at: z.string(), reason: z.string() }).nullable(),
});

export interface ScheduleStore {
  /** Creates or replaces the schedule with the same id (same channel and pipeline). */
  save(schedule: DigestSchedule): Promise<DigestSchedule>;
  get(id: string): Promise<DigestSchedule | undefined>;
  /** True when there was one to remove. Its run state goes with it. */
  remove(id: string): Promise<boolean>;
  /** Every schedule, by channel then id. */
  list(): Promise<DigestSchedule[]>;
  listByChannel(channelId: string): Promise<DigestSchedule[]>;
  /** Pauses the schedule (the scheduler's answer to a Slack error that will not go away). */
  pause(id: string, reason: string): Promise<DigestSchedule | undefined>;
  runStates(ids: readonly string[]): Promise<Map<string, DigestRunState>>;
  saveRunState(id: string, state: DigestRunState): Promise<void>;
  /** How far the digest of `slot` (ISO instant in UTC) got. */
  progress(id: string, slot: string): Promise<DigestProgress>;
  saveProgress(id: string, slot: string, progress: DigestProgress): Promise<void>;
  /**
   * Puts `schedule` in place of `previousId` (when given and different) under the schedules
   * lock. What the scheduler lists switches in one write (the index): it sees the old schedule
   * or the new one, never neither and never both. Check the schedule before calling.
   */
  replace(previousId: string | null, schedule: DigestSchedule): Promise<DigestSchedule>;
}

const parse = (value: unknown): DigestSchedule | undefined => {
  const parsed = scheduleSchema.safeParse(value);
  // A record this version cannot read cannot run either; it is left alone, not deleted.
  return parsed.success ? parsed.data : undefined;
};

/**
 * Moves the digest schedules a Dealbot from before workspaces kept at the top of the store
 * (with their run state and last snapshot) into one workspace's store, once: the first
 * workspace runtime that starts adopts them (one token, one workspace, in those versions),
 * and the old index is deleted last, so nobody adopts them twice. Returns how many moved.
 */
export async function adoptLegacyDigestState(legacy: Store, into: Store): Promise<number> {
  if (((await legacy.get<string[]>(INDEX_KEY)) ?? []).length === 0) return 0;
  return legacy.withLock(LOCK_NAME, async () => {
    const ids = (await legacy.get<string[]>(INDEX_KEY)) ?? [];
    const target = createScheduleStore(into);
    let moved = 0;
    for (const id of ids) {
      const [value, runState] = await legacy.getMany<unknown>([scheduleKey(id), runStateKey(id)]);
      const schedule = parse(value);
      if (!schedule || (await target.get(id))) continue;
      await target.save(schedule);
      if (runState !== undefined) await into.set(runStateKey(id), runState);
      if (schedule.pipelineId) {
        // The snapshot's key as `digest-snapshot.ts` writes it; a default-pipeline digest
        // (pipeline unknown until the CRM is read) starts its "what changed" afresh.
        const snapshotKey = `digest:snapshot:${schedule.channelId}:${schedule.pipelineId}`;
        const snapshot = await legacy.get(snapshotKey);
        if (snapshot !== undefined) await into.set(snapshotKey, snapshot);
      }
      moved += 1;
    }
    await legacy.delete(INDEX_KEY);
    for (const id of ids) {
      await legacy.delete(scheduleKey(id));
      await legacy.delete(runStateKey(id));
    }
    return moved;
  });
}

export function createScheduleStore(store: Store): ScheduleStore {
  const readIndex = async (): Promise<string[]> => (await store.get<string[]>(INDEX_KEY)) ?? [];
  const byChannelThenId = (a: DigestSchedule, b: DigestSchedule): number =>
    a.channelId.localeCompare(b.channelId) || a.id.localeCompare(b.id);

  const scheduleStore: ScheduleStore = {
    save(schedule) {
      return store.withLock(LOCK_NAME, async () => {
        const existing = parse(await store.get(scheduleKey(schedule.id)));
        const saved: DigestSchedule = { ...schedule, createdAt: existing?.createdAt ?? schedule.createdAt };
        await store.set(scheduleKey(schedule.id), saved);
        const index = await readIndex();
        if (!index.includes(schedule.id)) await store.set(INDEX_KEY, [...index, schedule.id]);
        return saved;
      });
    },

    async get(id) {
      return parse(await store.get(scheduleKey(id)));
    },

    remove(id) {
      return store.withLock(LOCK_NAME, async () => {
        const existed = await store.delete(scheduleKey(id));
        await store.delete(runStateKey(id));
        const index = await readIndex();
        if (index.includes(id))
          await store.set(
            INDEX_KEY,
            index.filter((i) => i !== id),
          );
        return existed;
      });
    },

    async list() {
      const ids = await readIndex();
      const values = await store.getMany<unknown>(ids.map(scheduleKey));
      return values.flatMap((v) => parse(v) ?? []).sort(byChannelThenId);
    },

    async listByChannel(channelId) {
      return (await scheduleStore.list()).filter((s) => s.channelId === channelId);
    },

    pause(id, reason) {
      return store.withLock(LOCK_NAME, async () => {
        const existing = parse(await store.get(scheduleKey(id)));
        if (!existing) return undefined;
        const paused: DigestSchedule = { ...existing, paused: true, pausedReason: reason };
        await store.set(scheduleKey(id), paused);
        return paused;
      });
    },

    async runStates(ids) {
      const values = await store.getMany<unknown>(ids.map(runStateKey));
      const states = new Map<string, DigestRunState>();
      ids.forEach((id, i) => {
        const parsed = runStateSchema.safeParse(values[i]);
        states.set(id, parsed.success ? parsed.data : EMPTY_RUN_STATE);
      });
      return states;
    },

    async saveRunState(id, state) {
      await store.set(runStateKey(id), state);
    },

    async progress(id, slot) {
      const parsed = progressSchema.safeParse(await store.get(progressKey(id, slot)));
      return parsed.success ? parsed.data : NO_PROGRESS;
    },

    async saveProgress(id, slot, progress) {
      await store.set(progressKey(id, slot), progress, PROGRESS_TTL_MS);
    },

    replace(previousId, schedule) {
      return store.withLock(LOCK_NAME, async () => {
        const existing = parse(await store.get(scheduleKey(schedule.id)));
        const saved: DigestSchedule = { ...schedule, createdAt: existing?.createdAt ?? schedule.createdAt };
        const index = await readIndex();
        const dropped = previousId !== null && previousId !== schedule.id ? previousId : null;
        const next = [...index.filter((i) => i !== dropped), ...(index.includes(schedule.id) ? [] : [schedule.id])];
        // The new record first, unlisted (or, same id, replacing the old in that one write); then
        // the index switches from the old id to the new in one write; only then the old record
        // goes. A failure part way leaves the old schedule running, never none.
        await store.set(scheduleKey(schedule.id), saved);
        await store.set(INDEX_KEY, next);
        if (dropped) {
          await store.delete(scheduleKey(dropped));
          await store.delete(runStateKey(dropped));
        }
        return saved;
      });
    },
  };
  return scheduleStore;
}
