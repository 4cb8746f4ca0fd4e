// The global shortcut "New deal" and the message shortcuts "Create deal from message" and
// "Attach to deal": each acks, then opens its modal at once (a trigger_id lasts 3 s, so no
// CRM call comes before `views.open`).

import type { App } from '@slack/bolt';
import type { DealbotContext } from '../context.js';
import { registerAttachToDealShortcut } from './attach-to-deal.js';
import { registerCreateFromMessageShortcut } from './create-from-message.js';
import { registerNewDealShortcut } from './new-deal.js';

export function registerShortcuts(app: App<DealbotContext>): void {
  registerNewDealShortcut(app);
  registerCreateFromMessageShortcut(app);
  registerAttachToDealShortcut(app);
}
