// Registers every listener. One folder per Slack surface; adding a command touches its
// handler, its folder and this list.

import type { App } from '@slack/bolt';
import type { DealbotContext } from './context.js';
import { registerDealCommand } from './commands/deal.js';
import { registerPipelineCommand } from './commands/pipeline.js';
import { registerTimelineActions } from './actions/timeline.js';
import { registerDealCardActions } from './actions/deal-card.js';
import { registerPickerActions } from './actions/pickers.js';
import { registerFormPipelineAction } from './actions/form-pipeline.js';
import { registerCreateDealView } from './views/create-deal.js';
import { registerLostReasonView } from './views/lost-reason.js';
import { registerDigestSettingsView } from './views/digest-settings.js';
import { registerAlertSettingsView } from './views/alert-settings.js';
import { registerAttachNoteView } from './views/attach-note.js';
import { registerConnectCrmView } from './views/connect-crm.js';
import { registerUndoAction } from './actions/undo.js';
import { registerHomeActions } from './actions/home.js';
import { registerShortcuts } from './shortcuts/index.js';
import { registerPickerOptions } from './options/pickers.js';
import { registerAppHomeEvent } from './events/app-home.js';
import { registerLinkSharedEvent } from './events/link-shared.js';
import { registerUserChangeEvent } from './events/user-change.js';

export function registerListeners(app: App<DealbotContext>): void {
  registerDealCommand(app);
  registerPipelineCommand(app);
  registerTimelineActions(app);
  registerDealCardActions(app);
  registerPickerActions(app);
  registerFormPipelineAction(app);
  registerCreateDealView(app);
  registerLostReasonView(app);
  registerDigestSettingsView(app);
  registerAlertSettingsView(app);
  registerAttachNoteView(app);
  registerConnectCrmView(app);
  registerUndoAction(app);
  registerHomeActions(app);
  registerShortcuts(app);
  registerPickerOptions(app);
  registerAppHomeEvent(app);
  registerLinkSharedEvent(app);
  registerUserChangeEvent(app);
}
