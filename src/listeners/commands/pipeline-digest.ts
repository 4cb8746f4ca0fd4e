// `/pipeline digest …` after the ack: subscribe a channel, list, turn off, post one now, or
// open the settings modal. Parses, calls the use case (`services/digest-subscriptions.ts`),
// draws its outcome (`ui/digest-notices.ts`) and sends it.

import type { Scheduler } from '../../runtime/scheduler.js';
import { parseDigestCommand } from '../../parse/digest-command.js';
import {
  digestListMessage,
  digestNotPostedMessage,
  digestOffMessage,
  digestsUnavailableMessage,
  digestSubscribedMessage,
  digestUsageMessage,
  inviteMeMessage,
} from '../../ui/digest-notices.js';
import { digestSettingsModal } from '../../ui/digest-settings-modal.js';
import { noticeModal } from '../../ui/notice-modal.js';
import { noSinglePipelineMessage } from '../../ui/pipeline-pick.js';
import type { DealbotContext } from '../context.js';
import { digestSubscriptionsFor } from '../digest-slack.js';
import { fillOpenedModal } from '../opened-modal.js';
import type { Reply } from '../replies.js';

const SETTINGS_TITLE = 'Pipeline digest';

export async function runDigestCommand(ctx: DealbotContext, reply: Reply, args: string, triggerId: string): Promise<void> {
  const digests = ctx.digests;
  if (!digests) {
    await reply.respond({ response_type: 'ephemeral', ...digestsUnavailableMessage() });
    return;
  }
  const channelId = reply.channelId ?? reply.userId;
  // The settings modal must open within the trigger's 3 s: before anything is looked up.
  if (parseDigestCommand(args, 'UTC').kind === 'settings') return openDigestSettings(ctx, reply, digests, triggerId, channelId);
  const person = await ctx.people.get(reply.client, reply.userId);
  const command = parseDigestCommand(args, person.tz);
  const subscriptions = digestSubscriptionsFor(ctx, digests, reply.client);
  const ephemeral = (message: { text: string }) => reply.respond({ response_type: 'ephemeral', ...message });
  // A channel's digest is changed only by whoever set it or an admin (the use case refuses others).
  const changer = { slackUserId: reply.userId, isAdmin: ctx.requester?.isAdmin ?? false };

  switch (command.kind) {
    case 'invalid':
      await ephemeral(digestUsageMessage(command.problem));
      return;
    case 'settings':
      return;
    case 'list': {
      const schedules = await subscriptions.list(channelId);
      await ephemeral(digestListMessage({ schedules, now: ctx.now().setZone(person.tz) }));
      return;
    }
    case 'off': {
      const outcome = await subscriptions.off(channelId, command.pipeline, changer);
      if (outcome.kind === 'no-single-pipeline') return void (await ephemeral(noSinglePipelineMessage(outcome.name, outcome.all)));
      await reply.respond({
        response_type: outcome.removed.length > 0 ? 'in_channel' : 'ephemeral',
        ...digestOffMessage({ removed: outcome.removed, userId: reply.userId }),
      });
      return;
    }
    case 'now': {
      const outcome = await subscriptions.now({ channelId, userId: reply.userId, pipeline: command.pipeline, zone: person.tz });
      if (outcome.kind === 'no-single-pipeline') await ephemeral(noSinglePipelineMessage(outcome.name, outcome.all));
      else if (outcome.kind === 'not-in-channel') await ephemeral(inviteMeMessage());
      else if (outcome.kind === 'failed') await ephemeral(digestNotPostedMessage(outcome.detail));
      return;
    }
    case 'set': {
      const outcome = await subscriptions.subscribe({ ...command, channelId, userId: reply.userId, changer });
      if (outcome.kind === 'no-single-pipeline') await ephemeral(noSinglePipelineMessage(outcome.name, outcome.all));
      else if (outcome.kind === 'invite-me') await ephemeral(inviteMeMessage());
      else {
        await reply.respond({
          response_type: 'in_channel',
          ...digestSubscribedMessage({
            schedule: outcome.schedule,
            userId: reply.userId,
            now: ctx.now(),
            zoneFromProfile: outcome.zoneFromProfile,
          }),
        });
      }
      return;
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
    view: noticeModal({ title: SETTINGS_TITLE, text: 'Loading the settings…' }),
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  await fillOpenedModal({ client: reply.client, viewId, title: SETTINGS_TITLE, crmName: ctx.crm.displayName }, async () => {
    const [person, pipelines, schedules] = await Promise.all([
      ctx.people.get(reply.client, reply.userId),
      ctx.crm.listPipelines(),
      digests.schedules.listByChannel(channelId),
    ]);
    await reply.client.views.update({
      view_id: viewId,
      view: digestSettingsModal({ channelId, pipelines, current: schedules[0] ?? null, defaultZone: person.tz }),
    });
  });
}
