// Submitting the create modal. Field mistakes are answered before the ack, next to the
// field; then the ack turns the modal into "Creating…" and the use case takes over
// (`services/create-deal.ts`): a CRM refusal or outage redraws the form with everything
// typed, a double-clicked submit creates one deal, a deal made from a message gets the
// message as a note and its card in the message's thread.

import type { App } from '@slack/bolt';
import { createDealFromForm } from '../../services/create-deal.js';
import { checkDealForm } from '../../services/deal-form.js';
import { creatingDealModal } from '../../ui/deal-form-modal.js';
import { CallbackId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { createDealDeps, createDealModalPort } from '../create-deal-modal.js';
import { EMPTY_CREATE_METADATA, parseMetadata, type CreateModalMetadata } from '../modal-metadata.js';
import { dealFormBlockErrors, readDealDraft } from '../modal-state.js';
import { replyFromModal } from '../replies.js';

export function registerCreateDealView(app: App<DealbotContext>): void {
  app.view(CallbackId.createDealModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<CreateModalMetadata>(view.private_metadata, EMPTY_CREATE_METADATA);
    const draft = readDealDraft(view.state.values);
    const checked = checkDealForm(draft, metadata.defaultCurrency ?? 'EUR');
    if (!checked.ok) return ack({ response_action: 'errors', errors: dealFormBlockErrors(checked.errors) });

    await ack({ response_action: 'update', view: creatingDealModal(draft.title, context.crmName) });

    const reply = replyFromModal({ client, userId: body.user.id, channelId: metadata.channelId, responseUrl: metadata.responseUrl });
    const outcome = await createDealFromForm(
      createDealDeps(context, client),
      createDealModalPort(context, reply, { viewId: view.id }, metadata),
      {
        draft,
        checked,
        requesterId: body.user.id,
        onceKey: `view:${view.id}:${view.hash}`,
        knownCurrency: metadata.defaultCurrency,
        source: metadata.source ?? null,
      },
    );
    // The modal has told the person; the CRM's error still goes to app.error() to be logged.
    if (outcome.kind === 'refused' || outcome.kind === 'failed') throw outcome.error;
  });
}
