// `/pipeline digest …` after the ack: subscribe a channel, list, turn off, post one now, or
// open the settings modal. The channel is checked before a schedule is saved, so a private
// channel the bot is not in gets "invite me" now rather than a silent failure at 09:00.

import type { WebClient } from '@slack/web-api';
import type { Pipeline } from '../crm/port.js';
import { digestSettingsModal } from '../ui/digest-settings-modal.js';
import { digestListMessage, digestOffMessage, digestSubscribedMessage, inviteMeMessage } from '../ui/digest-notices.js';
import { isNotInChannel } from '../runtime/digest-failure.js';
import { parseDigestCommand, DIGEST_USAGE } from '../parse/digest-command.js';
import { createDigestSchedule, digestScheduleId, type DigestSchedule } from '../services/digest-schedule.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { matchByName } from '../parse/match-name.js';
import { usageMessage } from '../ui/help.js';
import { escapeMrkdwn } from '../ui/mrkdwn.js';
import { noticeModal } from '../ui/notice-modal.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';
import { fillOpenedModal } from './opened-modal.js';

const UNAVAILABLE = 'Scheduled digests are not running in this Dealbot. Ask your admin to check its logs.';

/**
 * Makes sure the bot can post (and upload the chart) in the channel: it joins a public
 * channel it is not in; a private channel it is not in cannot even be read, so the answer
 * is false and the person is asked to invite it.
 */
export async function canPostIn(client: WebClient, channelId: string): Promise<boolean> {
  if (/^[DU]/.test(channelId)) return true;
  try {
    const { channel } = await client.conversations.info({ channel: channelId });
    if (!channel) return false;
    if (channel.is_member) return true;
    if (channel.is_private) return false;
    await client.conversations.join({ channel: channelId });
    return true;
  } catch (error) {
    if ((error as { data?: { error?: string } }).data?.error === 'channel_not_found') return false;
    throw error;
  }
}

async function pipelineNamed(ctx: DealbotContext, reply: Reply, name: string | null): Promise<Pipeline | null | undefined> {
  if (!name) return null;
  const pipelines = await ctx.crm.listPipelines();
  const match = matchByName(name, pipelines, (p) => p.name);
  if (match.kind === 'match') return match.item;
  const names = pipelines.map((p) => `\`${escapeMrkdwn(p.name)}\``).join(', ');
  await reply.respond({
    response_type: 'ephemeral',
    ...usageMessage(`There is no single pipeline called “${escapeMrkdwn(name)}”. The pipelines are ${names}.`, null),
  });
  return undefined;
}

export async function runDigestCommand(
  ctx: DealbotContext,
  reply: Reply,
  args: string,
  triggerId: string,
): Promise<void> {
  const digests = ctx.digests;
  if (!digests) {
    await reply.respond({ response_type: 'ephemeral', ...usageMessage(UNAVAILABLE, null) });
    return;
  }
  const channelId = reply.channelId ?? reply.userId;
  // The settings modal must open within the trigger's 3 s: before anything is looked up.
  if (parseDigestCommand(args, 'UTC').kind === 'settings') return openDigestSettings(ctx, reply, digests, triggerId, channelId);
  const person = await ctx.people.get(reply.client, reply.userId);
  const command = parseDigestCommand(args, person.tz);

  switch (command.kind) {
    case 'invalid':
      await reply.respond({ response_type: 'ephemeral', ...usageMessage(`${command.problem}\n${DIGEST_USAGE}`, null) });
      return;
    case 'settings':
      return;
    case 'list': {
      const schedules = await digests.schedules.listByChannel(channelId);
      await reply.respond({ response_type: 'ephemeral', ...digestListMessage({ schedules, now: ctx.now().setZone(person.tz) }) });
      return;
    }
    case 'off': {
      const pipeline = await pipelineNamed(ctx, reply, command.pipeline);
      if (pipeline === undefined) return;
      const schedules = await digests.schedules.listByChannel(channelId);
      const removed = schedules.filter((s) => !pipeline || s.pipelineId === pipeline.id);
      await Promise.all(removed.map((s) => digests.schedules.remove(s.id)));
      await reply.respond({
        response_type: removed.length > 0 ? 'in_channel' : 'ephemeral',
        ...digestOffMessage({ removed, userId: reply.userId }),
      });
      return;
    }
    case 'now': {
      const pipeline = await pipelineNamed(ctx, reply, command.pipeline);
      if (pipeline === undefined) return;
      const stored = await digests.schedules.get(digestScheduleId(channelId, pipeline?.id ?? null));
      const schedule =
        stored ??
        createDigestSchedule(
          {
            channelId,
            pipelineId: pipeline?.id ?? null,
            pipelineName: pipeline?.name ?? null,
            frequency: { kind: 'daily' },
            time: '09:00',
            zone: person.tz,
            createdBy: reply.userId,
          },
          ctx.now(),
        );
      const result = await digests.postNow(schedule);
      if (result.ok) return;
      const message = isNotInChannel(result.failure)
        ? inviteMeMessage()
        : usageMessage(`The digest could not be posted: ${escapeMrkdwn(result.failure.detail)}`, null);
      await reply.respond({ response_type: 'ephemeral', ...message });
      return;
    }
    case 'set': {
      const pipeline = await pipelineNamed(ctx, reply, command.pipeline);
      if (pipeline === undefined) return;
      if (!(await canPostIn(reply.client, channelId))) {
        await reply.respond({ response_type: 'ephemeral', ...inviteMeMessage() });
        return;
      }
      const existing = await digests.schedules.get(digestScheduleId(channelId, pipeline?.id ?? null));
      const schedule = createDigestSchedule(
        {
          channelId,
          pipelineId: pipeline?.id ?? null,
          pipelineName: pipeline?.name ?? null,
          frequency: command.frequency,
          time: command.time,
          zone: command.zone,
          createdBy: reply.userId,
          ...(existing ? { sections: existing.sections } : {}),
          staleDays: command.staleDays ?? existing?.staleDays,
        },
        ctx.now(),
      );
      await digests.schedules.save(schedule);
      await reply.respond({
        response_type: 'in_channel',
        ...digestSubscribedMessage({ schedule, userId: reply.userId, now: ctx.now(), zoneFromProfile: !command.zoneGiven }),
      });
    }
  }
}

async function openDigestSettings(
  ctx: DealbotContext,
  reply: Reply,
  digests: Scheduler,
  triggerId: string,
  channelId: string,
): Promise<void> {
  const opened = await reply.client.views.open({
    trigger_id: triggerId,
    view: noticeModal({ title: 'Pipeline digest', text: 'Loading the settings…' }),
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  await fillOpenedModal({ client: reply.client, viewId, title: 'Pipeline digest', crmName: ctx.crm.displayName }, async () => {
    const [person, pipelines, schedules] = await Promise.all([
      ctx.people.get(reply.client, reply.userId),
      ctx.crm.listPipelines(),
      digests.schedules.listByChannel(channelId),
    ]);
    const current: DigestSchedule | null = schedules[0] ?? null;
    await reply.client.views.update({
      view_id: viewId,
      view: digestSettingsModal({ channelId, pipelines, current, defaultZone: person.tz }),
    });
  });
}
