// The "Attach to deal" use case: a Slack message added to a deal as a note, once per
// submitted form (a double-click adds one note), in the words of the person attaching it.
// The deal is read first, so an unknown id fails before anything is written.

import type { CrmClient, Deal } from '../crm/port.js';
import type { Store } from '../store/store.js';
import type { DealService } from './deal-service.js';
import { runOnce } from './idempotency.js';
import { addDealNote, noteForDeal, type MessageSource } from './message-note.js';
import type { SlackDirectory } from './slack-directory.js';
import { writeOptionsFor } from './slack-people.js';

/** Whether this CRM keeps notes Dealbot can add to; without them the shortcut says so at once. */
export const canAttachNotes = (crm: CrmClient): boolean => Boolean(crm.addNote);

export interface AttachMessageNoteDeps {
  crm: CrmClient;
  deals: DealService;
  store: Store;
  slack: SlackDirectory;
}

export interface NoteAttached {
  kind: 'attached';
  deal: Deal;
  /** A repeated submission: the note was added by the first one, nothing more to tell. */
  duplicate: boolean;
}

export async function attachMessageNote(
  deps: AttachMessageNoteDeps,
  input: { dealId: string; note: string; source: MessageSource; requesterId: string; onceKey: string },
): Promise<NoteAttached> {
  const { crm, deals, store, slack } = deps;
  const deal = await deals.getDeal(input.dealId);
  const { duplicate } = await runOnce(store, `note:${input.onceKey}`, async () => {
    const [note, options] = await Promise.all([
      noteForDeal(slack, input.source, input.note, input.requesterId),
      writeOptionsFor(crm, slack.person(input.requesterId)),
    ]);
    await addDealNote(crm, deal.id, note, options);
    return deal.id;
  });
  return { kind: 'attached', deal, duplicate };
}
