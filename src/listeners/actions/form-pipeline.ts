// The create modal's pipeline select: when it changes, the stage list follows it. What
// the person typed so far is read from the view's state and drawn again unchanged.

import type { App, BlockAction, StaticSelectAction } from '@slack/bolt';
import { ActionId } from '../../ui/ids.js';
import type { DealbotContext } from '../context.js';
import { dealFormView, parseMetadata, type CreateModalMetadata } from '../deal-form-flows.js';
import { readDealForm, readDealFormExtras } from '../modal-state.js';

export function registerFormPipelineAction(app: App<DealbotContext>): void {
  app.action<BlockAction<StaticSelectAction>>(ActionId.formPipeline, async ({ ack, body, action, client, context }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const metadata = parseMetadata<CreateModalMetadata>(view.private_metadata, {
      channelId: null,
      responseUrl: null,
      defaultCurrency: null,
    });
    const values = {
      ...readDealForm(view.state.values),
      ...readDealFormExtras(view.state.values),
      pipelineId: action.selected_option.value,
      stageId: null,
    };
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: await dealFormView(context, metadata, values),
    });
  });
}
