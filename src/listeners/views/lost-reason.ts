// Submitting the lost-reason modal: an empty reason is answered next to the field; then
// the modal says "Marking lost…" while the CRM is called, and on failure the form comes
// back with the reason still typed in.

import type { App } from '@slack/bolt';
import { CallbackId, LostFormField } from '../../ui/ids.js';
import { lostReasonModal } from '../../ui/deal-form-modal.js';
import { errorMessage } from '../../ui/error-message.js';
import { lostDoneModal, lostFailedBanner, lostFailedModal, lostMarkingModal, lostReasonProblem } from '../../ui/lost-reason-notices.js';
import type { DealbotContext } from '../context.js';
import { changeStatus } from '../deal-replies.js';
import { parseMetadata } from '../modal-metadata.js';
import type { LostModalMetadata } from '../lost-reason-modal.js';
import { replyFromModal } from '../replies.js';

export function registerLostReasonView(app: App<DealbotContext>): void {
  app.view(CallbackId.lostReasonModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<LostModalMetadata>(view.private_metadata, { dealId: '', channelId: null, responseUrl: null });
    const reason = (view.state.values[LostFormField.reason]?.[LostFormField.reason]?.value ?? '').trim();
    const problem = lostReasonProblem(reason);
    if (problem) return ack({ response_action: 'errors', errors: { [LostFormField.reason]: problem } });
    await ack({ response_action: 'update', view: lostMarkingModal() });

    const reply = replyFromModal({
      client,
      userId: body.user.id,
      channelId: metadata.channelId,
      responseUrl: metadata.responseUrl,
      fromCard: metadata.fromCard ?? false,
      card: metadata.card ?? null,
    });
    try {
      await changeStatus(context, reply, metadata.dealId, { op: 'lost', reason });
      await client.views.update({ view_id: view.id, view: lostDoneModal() });
    } catch (error) {
      const deal = await context.deals.getDeal(metadata.dealId).catch(() => null);
      const banner = lostFailedBanner(errorMessage(error, context.crm.displayName).summary);
      await client.views.update({
        view_id: view.id,
        view: deal
          ? lostReasonModal({ deal, privateMetadata: view.private_metadata, initialReason: reason, banner })
          : lostFailedModal(banner, reason),
      });
      throw error;
    }
  });
}
