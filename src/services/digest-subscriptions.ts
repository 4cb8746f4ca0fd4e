// The use cases behind `/pipeline digest …` and the digest settings modal: subscribe a
// channel, list its digests, turn them off, post one now, apply the modal's settings. The
// rules live here: a named pipeline must be exactly one; the bot must be able to post in the
// channel before a schedule is saved (it joins a public channel, a private one must invite
// it), so a channel learns now rather than at 09:00 that nothing will come; settings are
// checked first and swapped in one step, so a failure leaves the old schedule running.
//
// Slack is reached through two small ports (`DigestChannels`, `DigestPoster`) the listeners
// implement; every outcome is drawn by `ui/digest-notices.ts`.

import type { DateTime } from 'luxon';
import type { CrmClient, Pipeline } from '../crm/port.js';
import type { ScheduleStore } from '../store/schedule-store.js';
import {
  createDigestSchedule,
  digestScheduleId,
  type DigestFrequency,
  type DigestSchedule,
  type DigestSection,
} from '../domain/digest-schedule.js';
import { pickPipeline } from './pick-pipeline.js';
import { AccessRefusedError } from '../errors.js';
import { mayChangeWhatWasSetBy } from './access-policy.js';

/** Whether the bot can post (and upload the chart) in a channel, joining a public one it is not in. */
export interface DigestChannels {
  canPostIn(channelId: string): Promise<boolean>;
}

export type PostNowResult = { ok: true } | { ok: false; notInChannel: boolean; detail: string };

/** Posts one digest at once, outside its schedule (the scheduler does it). */
export type DigestPoster = (schedule: DigestSchedule) => Promise<PostNowResult>;

/** The settings modal's answers, checked field by field already. */
export interface DigestSettingsInput {
  /** Null: no digest in this channel. */
  frequency: DigestFrequency | null;
  time: string;
  zone: string;
  pipelineId: string | null;
  sections: DigestSection[];
  staleDays: number;
}

/** A pipeline typed in a digest command fits none or several. */
type NoSinglePipeline = { kind: 'no-single-pipeline'; name: string; all: Pipeline[] };

export type DigestOffOutcome = NoSinglePipeline | { kind: 'off'; removed: DigestSchedule[] };
export type DigestNowOutcome = NoSinglePipeline | { kind: 'posted' } | { kind: 'not-in-channel' } | { kind: 'failed'; detail: string };
export type DigestSubscribeOutcome =
  NoSinglePipeline | { kind: 'invite-me' } | { kind: 'subscribed'; schedule: DigestSchedule; zoneFromProfile: boolean };
export type DigestSettingsOutcome =
  | { kind: 'off'; removed: DigestSchedule[] }
  | { kind: 'invite-me' }
  | { kind: 'pipeline-gone'; previous: DigestSchedule | null }
  | { kind: 'subscribed'; schedule: DigestSchedule }
  /** Nothing changed: the old schedule (if any) still runs. */
  | { kind: 'not-saved'; error: unknown; previous: DigestSchedule | null };

export interface DigestSubscriptionsDeps {
  crm: Pick<CrmClient, 'listPipelines'>;
  schedules: ScheduleStore;
  postNow: DigestPoster;
  channels: DigestChannels;
  now: () => DateTime;
}

/**
 * Who changes a channel's digests: a schedule is changed or removed only by whoever set it or
 * an admin (anyone may read them). Absent: not checked (internal callers).
 */
export interface DigestChanger {
  slackUserId: string;
  isAdmin: boolean;
}

/** Refuses before anything changes when `changer` may not change `schedules`. */
function mayChangeAll(changer: DigestChanger | undefined, schedules: readonly DigestSchedule[]): void {
  if (!changer) return;
  if (schedules.some((s) => !mayChangeWhatWasSetBy(changer, s.createdBy))) throw new AccessRefusedError('not-your-subscription');
}

export interface SubscribeRequest {
  changer?: DigestChanger;
  channelId: string;
  userId: string;
  pipeline: string | null;
  frequency: DigestFrequency;
  time: string;
  zone: string;
  zoneGiven: boolean;
  staleDays: number | null;
}

export function createDigestSubscriptions(deps: DigestSubscriptionsDeps) {
  /** Null: the default pipeline (no CRM call); a name must fit exactly one pipeline. */
  async function pipelineNamed(name: string | null): Promise<{ pipeline: Pipeline | null } | NoSinglePipeline> {
    if (!name) return { pipeline: null };
    const pick = await pickPipeline(deps.crm, { name });
    if (pick.kind === 'one') return { pipeline: pick.pipeline };
    const all = pick.kind === 'ambiguous' || pick.kind === 'unknown' ? pick.all : [];
    return { kind: 'no-single-pipeline', name, all };
  }

  return {
    list(channelId: string): Promise<DigestSchedule[]> {
      return deps.schedules.listByChannel(channelId);
    },

    /** Turns off the channel's digest of the named pipeline, or all of them. */
    async off(channelId: string, pipelineName: string | null, changer?: DigestChanger): Promise<DigestOffOutcome> {
      const named = await pipelineNamed(pipelineName);
      if ('kind' in named) return named;
      const schedules = await deps.schedules.listByChannel(channelId);
      const removed = schedules.filter((s) => !named.pipeline || s.pipelineId === named.pipeline.id);
      mayChangeAll(changer, removed);
      await Promise.all(removed.map((s) => deps.schedules.remove(s.id)));
      return { kind: 'off', removed };
    },

    /** Posts the channel's digest now: its schedule's, or a default one (daily 09:00 in `zone`). */
    async now(request: { channelId: string; userId: string; pipeline: string | null; zone: string }): Promise<DigestNowOutcome> {
      const named = await pipelineNamed(request.pipeline);
      if ('kind' in named) return named;
      const { pipeline } = named;
      const stored = await deps.schedules.get(digestScheduleId(request.channelId, pipeline?.id ?? null));
      const schedule =
        stored ??
        createDigestSchedule(
          {
            channelId: request.channelId,
            pipelineId: pipeline?.id ?? null,
            pipelineName: pipeline?.name ?? null,
            frequency: { kind: 'daily' },
            time: '09:00',
            zone: request.zone,
            createdBy: request.userId,
          },
          deps.now(),
        );
      const result = await deps.postNow(schedule);
      if (result.ok) return { kind: 'posted' };
      return result.notInChannel ? { kind: 'not-in-channel' } : { kind: 'failed', detail: result.detail };
    },

    /** Subscribes the channel; setting the same channel and pipeline again replaces it, keeping its sections. */
    async subscribe(request: SubscribeRequest): Promise<DigestSubscribeOutcome> {
      const named = await pipelineNamed(request.pipeline);
      if ('kind' in named) return named;
      const { pipeline } = named;
      if (!(await deps.channels.canPostIn(request.channelId))) return { kind: 'invite-me' };
      const existing = await deps.schedules.get(digestScheduleId(request.channelId, pipeline?.id ?? null));
      mayChangeAll(request.changer, existing ? [existing] : []);
      const schedule = createDigestSchedule(
        {
          channelId: request.channelId,
          pipelineId: pipeline?.id ?? null,
          pipelineName: pipeline?.name ?? null,
          frequency: request.frequency,
          time: request.time,
          zone: request.zone,
          createdBy: request.userId,
          ...(existing ? { sections: existing.sections } : {}),
          staleDays: request.staleDays ?? existing?.staleDays,
        },
        deps.now(),
      );
      await deps.schedules.save(schedule);
      return { kind: 'subscribed', schedule, zoneFromProfile: !request.zoneGiven };
    },

    /**
     * Applies the settings modal: no frequency turns the digest off; otherwise the channel and
     * the pipeline are checked before anything changes, and the new schedule replaces the old
     * one in one step. Any failure is an outcome, with the schedule still in place.
     */
    async applySettings(request: {
      channelId: string;
      userId: string;
      previousId: string | null;
      settings: DigestSettingsInput;
      changer?: DigestChanger;
    }): Promise<DigestSettingsOutcome> {
      const { channelId, userId, settings } = request;
      let previous: DigestSchedule | null = null;
      try {
        previous = (request.previousId ? await deps.schedules.get(request.previousId) : undefined) ?? null;
        mayChangeAll(request.changer, previous ? [previous] : []);
        if (!settings.frequency) {
          if (previous) await deps.schedules.remove(previous.id);
          return { kind: 'off', removed: previous ? [previous] : [] };
        }
        if (!(await deps.channels.canPostIn(channelId))) return { kind: 'invite-me' };
        const pipelines = await deps.crm.listPipelines();
        const pipeline = settings.pipelineId === null ? null : pipelines.find((p) => p.id === settings.pipelineId);
        if (pipeline === undefined) return { kind: 'pipeline-gone', previous };
        const created = createDigestSchedule(
          {
            channelId,
            pipelineId: pipeline?.id ?? null,
            pipelineName: pipeline?.name ?? null,
            frequency: settings.frequency,
            time: settings.time,
            zone: settings.zone,
            createdBy: userId,
            sections: settings.sections,
            staleDays: settings.staleDays,
          },
          deps.now(),
        );
        const schedule = await deps.schedules.replace(previous?.id ?? null, {
          ...created,
          id: digestScheduleId(channelId, pipeline?.id ?? null),
        });
        return { kind: 'subscribed', schedule };
      } catch (error) {
        return { kind: 'not-saved', error, previous };
      }
    },
  };
}

export type DigestSubscriptions = ReturnType<typeof createDigestSubscriptions>;
