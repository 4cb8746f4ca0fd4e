// Opening the "Mark as lost" modal, from `/deal lost` without a reason, a card's Lost
// button or a picker: the modal opens at once (a trigger_id lasts 3 s, so no CRM call comes
// first), then `findDealToMarkLost` says what to fill it with: the reason form, or why there
// is nothing to ask. Several matches close the loop through a picker whose buttons open the
// modal again. A CRM failure while filling it is shown in the modal (`opened-modal.ts`).

import type { DealRef } from '../parse/deal-command.js';
import { findDealToMarkLost } from '../services/resolve-deal.js';
import type { SharedCard } from '../services/undo.js';
import { lostReasonModal } from '../ui/deal-form-modal.js';
import { LOST_MODAL_TITLE, lostAlreadyClosedModal, lostFindingDealModal, lostUnresolvedModal } from '../ui/lost-reason-notices.js';
import { closedElsewhereNote } from '../ui/deal-change.js';
import { replyWithCard } from './card-replies.js';
import type { DealbotContext } from './context.js';
import { answerNotFound } from './deal-replies.js';
import { fillOpenedModal } from './opened-modal.js';
import type { Reply } from './replies.js';

/** Private metadata of the lost-reason modal: where to answer, and the card it was opened from. */
export interface LostModalMetadata {
  dealId: string;
  channelId: string | null;
  responseUrl: string | null;
  fromCard?: boolean;
  card?: SharedCard | null;
}

export async function openLostModal(
  ctx: DealbotContext,
  reply: Reply,
  triggerId: string,
  target: { dealId: string } | { ref: DealRef },
): Promise<void> {
  const opened = await reply.client.views.open({ trigger_id: triggerId, view: lostFindingDealModal() });
  const viewId = opened.view?.id;
  if (!viewId) return;
  await fillOpenedModal({ client: reply.client, viewId, title: LOST_MODAL_TITLE, crmName: ctx.crm.displayName }, () =>
    fillLostModal(ctx, reply, viewId, target),
  );
}

async function fillLostModal(
  ctx: DealbotContext,
  reply: Reply,
  viewId: string,
  target: { dealId: string } | { ref: DealRef },
): Promise<void> {
  const show = (view: ReturnType<typeof lostFindingDealModal>) => reply.client.views.update({ view_id: viewId, view });

  const found = await findDealToMarkLost(ctx.deals, target);
  switch (found.kind) {
    case 'unresolved':
      await show(lostUnresolvedModal(found.found.kind, found.words));
      await answerNotFound(reply, found.found, { op: 'lost', reason: null });
      return;
    case 'closed':
      await show(lostAlreadyClosedModal(found.deal));
      // The card it was opened from may be out of date: show the deal as it is.
      if (reply.fromCard) await replyWithCard(ctx, reply, found.deal, closedElsewhereNote(found.deal));
      return;
    case 'ask': {
      const metadata: LostModalMetadata = {
        dealId: found.deal.id,
        channelId: reply.channelId,
        responseUrl: reply.responseUrl,
        fromCard: reply.fromCard,
        card: reply.card ?? null,
      };
      await show(lostReasonModal({ deal: found.deal, privateMetadata: JSON.stringify(metadata) }));
    }
  }
}
