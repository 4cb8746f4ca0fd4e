// A modal opened before any CRM call (a trigger_id lasts 3 s) says "Loading…" until it is
// filled. When filling it fails — the CRM refused, timed out, or never answered within its
// deadline — the modal is updated with what went wrong, so it is never left loading; the
// error still goes on to `app.error()` to be logged (and told in the channel too).

import type { WebClient } from '@slack/web-api';
import { errorMessage } from '../ui/error-message.js';
import { noticeModal } from '../ui/notice-modal.js';

export interface OpenedModal {
  client: WebClient;
  viewId: string;
  title: string;
  /** The CRM's display name, for the words of a CRM failure. */
  crmName: string;
}

/** Runs `fill` (which ends with its own `views.update`); on failure shows the error in the modal and rethrows. */
export async function fillOpenedModal(modal: OpenedModal, fill: () => Promise<void>): Promise<void> {
  try {
    await fill();
  } catch (error) {
    const { blocks } = errorMessage(error, modal.crmName);
    await modal.client.views
      .update({ view_id: modal.viewId, view: { ...noticeModal({ title: modal.title, text: '' }), blocks } })
      // The modal may have been closed meanwhile; the error below is what matters.
      .catch(() => undefined);
    throw error;
  }
}
