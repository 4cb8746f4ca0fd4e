// Submitting the digest settings modal: mistakes next to their field; then the schedule is
// saved (or removed when "off" was chosen) and the channel is told who set what.

import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { digestOffMessage, digestSubscribedMessage, inviteMeMessage } from '../../digest/digest-notices.js';
import { readDigestSettings, readDigestSettingsMetadata, type ViewStateValues } from '../../digest/digest-settings-modal.js';
import { createDigestSchedule, digestScheduleId } from '../../digest/schedule.js';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { canPostIn } from '../digest-flows.js';

export function registerDigestSettingsView(app: App<DealbotContext>): void {
  app.view(CallbackId.digestSettingsModal, async ({ ack, body, view, client, context }) => {
    const metadata = readDigestSettingsMetadata(view.private_metadata);
    const submission = readDigestSettings(view.state.values as ViewStateValues);
    if (!submission.ok) return ack({ response_action: 'errors', errors: submission.errors });
    await ack();
    const digests = context.digests;
    if (!digests || !metadata) return;
    const { settings } = submission;
    const userId = body.user.id;
    const tell = (message: { text: string; blocks?: KnownBlock[] }, channel: string) =>
      client.chat.postMessage({ channel, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });

    // The schedule being edited is replaced (its pipeline may have changed) or removed.
    const previous = metadata.scheduleId ? await digests.schedules.get(metadata.scheduleId) : undefined;
    if (previous) await digests.schedules.remove(previous.id);
    if (!settings.frequency) {
      await tell(digestOffMessage({ removed: previous ? [previous] : [], userId }), metadata.channelId);
      return;
    }
    if (!(await canPostIn(client, metadata.channelId))) {
      await tell(inviteMeMessage(), userId);
      return;
    }
    const pipelines = await context.crm.listPipelines();
    const pipeline = pipelines.find((p) => p.id === settings.pipelineId) ?? null;
    const schedule = createDigestSchedule(
      {
        channelId: metadata.channelId,
        pipelineId: pipeline?.id ?? null,
        pipelineName: pipeline?.name ?? null,
        frequency: settings.frequency,
        time: settings.time,
        zone: settings.zone,
        createdBy: userId,
        sections: settings.sections,
        staleDays: settings.staleDays,
      },
      context.now(),
    );
    await digests.schedules.save({ ...schedule, id: digestScheduleId(metadata.channelId, pipeline?.id ?? null) });
    await tell(digestSubscribedMessage({ schedule, userId, now: context.now() }), metadata.channelId);
  });
}
