// Submitting the alerts modal. Mistakes in the form are answered next to their field. Then,
// the modal closed, the use case (`subscribe` in services/alert-subscriptions.ts) checks the
// rule against the CRM and stores it; the channel is told who set what or, when something
// went wrong, the person is told by direct message with what to do.

import type { App } from '@slack/bolt';
import type { AlertRule } from '../../services/alert-subscriptions.js';
import {
  alertRuleProblemsMessage,
  alertSettingsFailedNotice,
  alertSubscribedMessage,
  alertTooManyMessage,
  alertUnchangedMessage,
} from '../../ui/alert-notices.js';
import { describeSettingsFailure, inviteMeMessage } from '../../ui/digest-notices.js';
import { CallbackId } from '../../ui/ids.js';
import { readAlertSettings, readAlertSettingsMetadata, type AlertStateValues } from '../alert-settings-state.js';
import { alertSubscriptionsFor } from '../alert-slack.js';
import { alertNamesFor } from '../commands/pipeline-alerts.js';
import type { DealbotContext } from '../context.js';
import { settingsReplies, type Message } from './settings-replies.js';

export function registerAlertSettingsView(app: App<DealbotContext>): void {
  app.view(CallbackId.alertSettingsModal, async ({ ack, body, view, client, context }) => {
    const { logger } = context;
    const metadata = readAlertSettingsMetadata(view.private_metadata);
    const submission = readAlertSettings(view.state.values as AlertStateValues);
    if (!submission.ok) return ack({ response_action: 'errors', errors: submission.errors });
    await ack();
    if (!metadata) return;
    const userId = body.user.id;
    const { channelId } = metadata;
    const { tellPerson, announce } = settingsReplies({ client, userId, channelId, what: 'alert settings', logger });

    let announcement: Message;
    try {
      // The modal picks by id; the pipeline's name is kept for lists that read no CRM.
      const pipelines = submission.settings.pipelineId === null ? [] : await context.crm.listPipelines();
      const rule: AlertRule = {
        ...submission.settings,
        pipelineName: pipelines.find((p) => p.id === submission.settings.pipelineId)?.name ?? null,
      };
      const outcome = await alertSubscriptionsFor(context, client).subscribe({ channelId, userId, rule });
      switch (outcome.kind) {
        case 'invalid':
          return tellPerson(alertRuleProblemsMessage(outcome.problems), null);
        case 'invite-me':
          return tellPerson(inviteMeMessage(), null);
        case 'too-many':
          return tellPerson(alertTooManyMessage({ limit: outcome.limit }), null);
        case 'unchanged':
          return tellPerson(
            alertUnchangedMessage({
              n: outcome.n,
              subscription: outcome.subscription,
              names: await alertNamesFor(context, [outcome.subscription]),
            }),
            null,
          );
        case 'subscribed':
          announcement = alertSubscribedMessage({
            subscription: outcome.subscription,
            userId,
            // Saved already: names the CRM cannot give now are shown as ids rather than the save reported failed.
            names: await alertNamesFor(context, [outcome.subscription]).catch(() => ({})),
          });
          break;
      }
    } catch (error) {
      const reason = describeSettingsFailure(error);
      await tellPerson(alertSettingsFailedNotice({ channelId, reason, saved: false }), error);
      logger.warn(`alert settings for ${channelId} not saved: ${reason}`);
      return;
    }

    await announce(announcement, (error) => alertSettingsFailedNotice({ channelId, reason: describeSettingsFailure(error), saved: true }));
  });
}
