// Submitting the digest settings modal. Mistakes in the form are answered next to their
// field. Then, the modal closed, everything the new settings depend on is checked first
// (the bot can post in the channel, the pipeline still exists) and only then applied, in one
// step that swaps the old schedule for the new (`ScheduleStore.replace`): a check or a store
// that fails leaves the old schedule running. Whatever fails once the modal is closed is told
// to the person by direct message, with what is in place now and what to do.

import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import {
  describeSettingsFailure,
  digestOffMessage,
  digestSettingsFailedNotice,
  digestSubscribedMessage,
  inviteMeMessage,
} from '../../ui/digest-notices.js';
import { readDigestSettings, readDigestSettingsMetadata, type ViewStateValues } from '../../ui/digest-settings-modal.js';
import { createDigestSchedule, digestScheduleId, type DigestSchedule } from '../../services/digest-schedule.js';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { canPostIn } from '../digest-flows.js';

type Message = { text: string; blocks?: KnownBlock[] };

const post = (client: WebClient, channel: string, message: Message) =>
  client.chat.postMessage({ channel, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });

export function registerDigestSettingsView(app: App<DealbotContext>): void {
  app.view(CallbackId.digestSettingsModal, async ({ ack, body, view, client, context, logger }) => {
    const metadata = readDigestSettingsMetadata(view.private_metadata);
    const submission = readDigestSettings(view.state.values as ViewStateValues);
    if (!submission.ok) return ack({ response_action: 'errors', errors: submission.errors });
    await ack();
    const digests = context.digests;
    if (!digests || !metadata) return;
    const { settings } = submission;
    const userId = body.user.id;
    const { channelId } = metadata;
    // A direct message (to the user id: Slack opens the DM) is how a closed modal answers.
    const tellPerson = async (message: Message, error: unknown): Promise<void> => {
      try {
        await post(client, userId, message);
      } catch (dmError) {
        logger.error(`digest settings for ${channelId}: could not tell ${userId} by DM`);
        // Nobody was told: the error handler logs the original failure.
        throw error ?? dmError;
      }
    };

    let previous: DigestSchedule | null = null;
    let applied: { message: Message } | null = null;
    try {
      previous = (metadata.scheduleId ? await digests.schedules.get(metadata.scheduleId) : undefined) ?? null;
      if (!settings.frequency) {
        if (previous) await digests.schedules.remove(previous.id);
        applied = { message: digestOffMessage({ removed: previous ? [previous] : [], userId }) };
      } else {
        if (!(await canPostIn(client, channelId))) {
          await tellPerson(inviteMeMessage(), null);
          return;
        }
        const pipelines = await context.crm.listPipelines();
        const pipeline = settings.pipelineId === null ? null : pipelines.find((p) => p.id === settings.pipelineId);
        if (pipeline === undefined) {
          const reason = 'the pipeline you picked no longer exists in the CRM';
          await tellPerson(digestSettingsFailedNotice({ channelId, reason, outcome: 'not-saved', previous }), null);
          return;
        }
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
          context.now(),
        );
        const schedule = await digests.schedules.replace(previous?.id ?? null, {
          ...created,
          id: digestScheduleId(channelId, pipeline?.id ?? null),
        });
        applied = { message: digestSubscribedMessage({ schedule, userId, now: context.now() }) };
      }
    } catch (error) {
      const reason = describeSettingsFailure(error);
      await tellPerson(digestSettingsFailedNotice({ channelId, reason, outcome: 'not-saved', previous }), error);
      logger.warn(`digest settings for ${channelId} not saved: ${reason}`);
      return;
    }

    try {
      await post(client, channelId, applied.message);
    } catch (error) {
      const reason = describeSettingsFailure(error);
      await tellPerson(digestSettingsFailedNotice({ channelId, reason, outcome: 'saved-not-announced', previous: null }), error);
    }
  });
}
