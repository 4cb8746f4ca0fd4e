// What the "Mark as lost" modal says besides asking for the reason: while it finds the
// deal, why there is nothing to ask (no deal, several, already closed), while the CRM
// marks it lost, when it is done, and the answers beside the reason field. Every CRM and
// user text is escaped here.

import type { ModalView } from '@slack/types';
import type { Deal } from '../crm/port.js';
import { LOST_REASON_MAX } from './deal-form-modal.js';
import { codeSpan, escapeMrkdwn } from './mrkdwn.js';
import { noticeModal } from './notice-modal.js';

export const LOST_MODAL_TITLE = 'Mark as lost';

const notice = (text: string): ModalView => noticeModal({ title: LOST_MODAL_TITLE, text });

export const lostFindingDealModal = (): ModalView => notice('Finding the deal…');
export const lostMarkingModal = (): ModalView => notice('Marking the deal lost…');
export const lostDoneModal = (): ModalView => notice('Done: the deal is marked lost.');

/** Words that named no deal, or several (a picker was sent beside the modal). */
export function lostUnresolvedModal(found: 'none' | 'many', words: string): ModalView {
  const quoted = escapeMrkdwn(words);
  return notice(
    found === 'none'
      ? `No deal matches “${quoted}”. Try ${codeSpan(`/deal find ${words}`)}.`
      : `Several deals match “${quoted}”. Pick one from the list I sent you.`,
  );
}

/** The deal is won or lost already: nothing to ask. */
export function lostAlreadyClosedModal(deal: Deal): ModalView {
  const next = deal.status === 'won' ? `Reopen it first with ${codeSpan(`/deal reopen ${deal.id}`)}.` : 'Nothing to do.';
  return notice(`*${escapeMrkdwn(deal.title)}* is already ${deal.status}. ${next}`);
}

/** The CRM failed and the form cannot be drawn again: the reason is shown so it is not lost. */
export function lostFailedModal(banner: string, reason: string): ModalView {
  return notice(`${escapeMrkdwn(banner)}\n\n> ${escapeMrkdwn(reason)}`);
}

/** The banner over the form drawn again after a failure; `summary` is the error's plain words. */
export const lostFailedBanner = (summary: string): string => `${summary} Your reason is still here.`;

/** The answer beside the reason field, or null when the reason will do. */
export function lostReasonProblem(reason: string): string | null {
  if (!reason) return 'Say in a few words why it was lost.';
  if (reason.length > LOST_REASON_MAX) return `Keep it under ${LOST_REASON_MAX} characters.`;
  return null;
}
