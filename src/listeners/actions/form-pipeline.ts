// The create modal's pipeline select: when it changes, the stage list follows it. What
// the person typed so far is read from the view's state and drawn again unchanged.

import type { App, BlockAction, StaticSelectAction } from '@slack/bolt';
import { loadDealForm } from '../../services/create-deal.js';
import { ActionId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { renderDealForm } from '../create-deal-modal.js';
import { EMPTY_CREATE_METADATA, parseMetadata, type CreateModalMetadata } from '../modal-metadata.js';
import { readDealDraft } from '../modal-state.js';

export function registerFormPipelineAction(app: App<DealbotContext>): void {
  app.action<BlockAction<StaticSelectAction>>(ActionId.formPipeline, async ({ ack, body, action, client, context }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const metadata = parseMetadata<CreateModalMetadata>(view.private_metadata, EMPTY_CREATE_METADATA);
    // What was typed, with the new pipeline and no stage yet (the new pipeline's stages follow).
    const draft = Object.assign(readDealDraft(view.state.values), { pipelineId: action.selected_option.value, stageId: null });
    const form = await loadDealForm(context.crm, draft, { knownCurrency: metadata.defaultCurrency, source: metadata.source ?? null });
    await client.views.update({ view_id: view.id, hash: view.hash, view: renderDealForm(context, metadata, form) });
  });
}
