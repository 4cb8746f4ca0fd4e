// Submitting the lost-reason modal: an empty reason is answered next to the field; then
// the modal says "Marking lost…" while the CRM is called, and on failure the form comes
// back with the reason still typed in.

import type { App } from '@slack/bolt';
import { CallbackId, LostFormField } from '../../ui/ids.js';
import { escapeMrkdwn } from '../../ui/mrkdwn.js';
import { noticeModal } from '../../ui/notice-modal.js';
import { lostReasonModal } from '../../ui/deal-form-modal.js';
import { errorMessage } from '../../ui/error-message.js';
import type { DealbotContext } from '../context.js';
import { markLost, type LostModalMetadata } from '../deal-flows.js';
import { parseMetadata } from '../deal-form-flows.js';
import { replyFromModal } from '../replies.js';

export const LOST_REASON_MAX = 500;

export function registerLostReasonView(app: App<DealbotContext>): void {
  app.view(CallbackId.lostReasonModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<LostModalMetadata>(view.private_metadata, { dealId: '', channelId: null, responseUrl: null });
    const reason = (view.state.values[LostFormField.reason]?.[LostFormField.reason]?.value ?? '').trim();
    if (!reason) return ack({ response_action: 'errors', errors: { [LostFormField.reason]: 'Say in a few words why it was lost.' } });
    if (reason.length > LOST_REASON_MAX) {
      return ack({ response_action: 'errors', errors: { [LostFormField.reason]: `Keep it under ${LOST_REASON_MAX} characters.` } });
    }
    await ack({ response_action: 'update', view: noticeModal({ title: 'Mark as lost', text: 'Marking the deal lost…' }) });

    const reply = replyFromModal({
      client,
      userId: body.user.id,
      channelId: metadata.channelId,
      responseUrl: metadata.responseUrl,
      fromCard: metadata.fromCard ?? false,
      card: metadata.card ?? null,
    });
    try {
      await markLost(context, reply, metadata.dealId, reason);
      await client.views.update({ view_id: view.id, view: noticeModal({ title: 'Mark as lost', text: 'Done: the deal is marked lost.' }) });
    } catch (error) {
      const deal = await context.deals.getDeal(metadata.dealId).catch(() => null);
      const banner = `${errorMessage(error, context.crm.displayName).summary} Your reason is still here.`;
      await client.views.update({
        view_id: view.id,
        view: deal
          ? lostReasonModal({ deal, privateMetadata: view.private_metadata, initialReason: reason, banner })
          : noticeModal({ title: 'Mark as lost', text: `${escapeMrkdwn(banner)}\n\n> ${escapeMrkdwn(reason)}` }),
      });
      throw error;
    }
  });
}
