// The "Undo" button of a change's confirmation; its value is the undo id.

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ui/ids.js';
import { readId } from '../action-values.js';
import type { DealbotContext } from '../context.js';
import { undoChange } from '../undo-flows.js';
import { replyForAction } from './reply-for-action.js';

export function registerUndoAction(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.undoChange, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const undoId = readId(action.value, ActionId.undoChange);
    await undoChange(context, replyForAction(body, client, respond), undoId);
  });
}
