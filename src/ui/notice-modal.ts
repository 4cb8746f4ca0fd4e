// A modal that only says something: "Loading the deal…" while CRM data is on its way
// (a modal must open within 3 s of the click, before any CRM call), "Created" after a
// submission, or why nothing can be done. Text is mrkdwn the caller has made safe.

import type { ModalView } from '@slack/types';
import { SlackLimits } from './ids.js';

export interface NoticeModalInput {
  title: string;
  /** mrkdwn, already escaped by the caller. */
  text: string;
  callbackId?: string;
  privateMetadata?: string;
}

export function noticeModal({ title, text, callbackId, privateMetadata }: NoticeModalInput): ModalView {
  return {
    type: 'modal',
    ...(callbackId ? { callback_id: callbackId } : {}),
    ...(privateMetadata ? { private_metadata: privateMetadata } : {}),
    title: { type: 'plain_text', text: title.slice(0, SlackLimits.modalTitle) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, SlackLimits.sectionText) } }],
  };
}
