// Submitting the digest settings modal. Mistakes in the form are answered next to their
// field. Then, the modal closed, the use case (`applySettings` in
// services/digest-subscriptions.ts) checks everything the new settings depend on and swaps
// the schedule in one step; its outcome is announced in the channel or, when something went
// wrong, told to the person by direct message with what is in place now and what to do.

import type { App } from '@slack/bolt';
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
import { settingsReplies, type Message } from './settings-replies.js';

export function registerDigestSettingsView(app: App<DealbotContext>): void {
  app.view(CallbackId.digestSettingsModal, async ({ ack, body, view, client, context }) => {
    const { logger } = context;
    const metadata = readDigestSettingsMetadata(view.private_metadata);
    const submission = readDigestSettings(view.state.values as ViewStateValues);
    if (!submission.ok) return ack({ response_action: 'errors', errors: submission.errors });
    await ack();
    const digests = context.digests;
    if (!digests || !metadata) return;
    const userId = body.user.id;
    const { channelId } = metadata;
    const { tellPerson, announce } = settingsReplies({ client, userId, channelId, what: 'digest settings', logger });

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

    await announce(announcement, (error) =>
      digestSettingsFailedNotice({ channelId, reason: describeSettingsFailure(error), outcome: 'saved-not-announced', previous: null }),
    );
  });
}
