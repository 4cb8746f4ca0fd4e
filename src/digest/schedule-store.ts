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
import type { Store } from '../store/store.js';
import { DIGEST_SECTIONS, WEEKDAYS, type DigestSchedule } from './schedule.js';

const INDEX_KEY = 'digest:schedules';
const LOCK_NAME = 'digest:schedules';
const scheduleKey = (id: string): string => `digest:schedule:${id}`;
const runStateKey = (id: string): string => `digest:run:${id}`;

/** What the scheduler knows about a schedule's runs. Instants are ISO strings in UTC. */
export interface DigestRunState {
  /** The latest slot handled (posted, or given up on); slots up to it never run again. */
  lastSlot: string | null;
  lastPostedAt: string | null;
  /** A slot whose post failed in a way worth retrying, and when to try again. */
  retry: { slot: string; attempts: number; at: string; reason: string } | null;
}

export const EMPTY_RUN_STATE: DigestRunState = { lastSlot: null, lastPostedAt: null, retry: null };

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
}

export function createScheduleStore(store: Store): ScheduleStore {
  const readIndex = async (): Promise<string[]> => (await store.get<string[]>(INDEX_KEY)) ?? [];
  const parse = (value: unknown): DigestSchedule | undefined => {
    const parsed = scheduleSchema.safeParse(value);
    // A record this version cannot read cannot run either; it is left alone, not deleted.
    return parsed.success ? parsed.data : undefined;
  };
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
        if (index.includes(id)) await store.set(INDEX_KEY, index.filter((i) => i !== id));
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
  };
  return scheduleStore;
}
