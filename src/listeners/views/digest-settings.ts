// Submitting the digest settings modal. Mistakes in the form are answered next to their
// field. Then, the modal closed, the use case (`applySettings` in
// services/digest-subscriptions.ts) checks everything the new settings depend on and swaps
// the schedule in one step; its outcome is announced in the channel or, when something went
// wrong, told to the person by direct message with what is in place now and what to do.

import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import {
  describeSettingsFailure,
  digestOffMessage,
  digestSettingsFailedNotice,
  digestSubscribedMessage,
  inviteMeMessage,
  PIPELINE_GONE_REASON,
} from '../../ui/digest-notices.js';
import { readDigestSettings, readDigestSettingsMetadata, type ViewStateValues } from '../../ui/digest-settings-modal.js';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { digestSubscriptionsFor } from '../digest-slack.js';

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

    const outcome = await digestSubscriptionsFor(context, digests, client).applySettings({
      channelId,
      userId,
      previousId: metadata.scheduleId ?? null,
      settings: submission.settings,
      changer: { slackUserId: userId, isAdmin: context.requester?.isAdmin ?? false },
    });
    let announcement: Message;
    switch (outcome.kind) {
      case 'invite-me':
        return tellPerson(inviteMeMessage(), null);
      case 'pipeline-gone':
        return tellPerson(
          digestSettingsFailedNotice({ channelId, reason: PIPELINE_GONE_REASON, outcome: 'not-saved', previous: outcome.previous }),
          null,
        );
      case 'not-saved': {
        const reason = describeSettingsFailure(outcome.error);
        await tellPerson(
          digestSettingsFailedNotice({ channelId, reason, outcome: 'not-saved', previous: outcome.previous }),
          outcome.error,
        );
        logger.warn(`digest settings for ${channelId} not saved: ${reason}`);
        return;
      }
      case 'off':
        announcement = digestOffMessage({ removed: outcome.removed, userId });
        break;
      case 'subscribed':
        announcement = digestSubscribedMessage({ schedule: outcome.schedule, userId, now: context.now() });
        break;
    }

    try {
      await post(client, channelId, announcement);
    } catch (error) {
      const reason = describeSettingsFailure(error);
      await tellPerson(digestSettingsFailedNotice({ channelId, reason, outcome: 'saved-not-announced', previous: null }), error);
    }
  });
}
