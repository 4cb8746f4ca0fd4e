// The app's shortcuts, as manifest.yml declares them: the listeners register these
// callback ids and the console offers these names (`shortcut New deal`).

import { CallbackId } from '../../ui/ids.js';

export interface ShortcutSpec {
  callbackId: string;
  /** The name Slack shows in its shortcut menus. */
  name: string;
  type: 'global' | 'message';
  description: string;
}

export const SHORTCUTS: readonly ShortcutSpec[] = [
  { callbackId: CallbackId.newDealShortcut, name: 'New deal', type: 'global', description: 'Create a deal in the CRM' },
  {
    callbackId: CallbackId.createFromMessageShortcut,
    name: 'Create deal from message',
    type: 'message',
    description: 'A new deal titled after this message, with the message as a note',
  },
  {
    callbackId: CallbackId.attachToDealShortcut,
    name: 'Attach to deal',
    type: 'message',
    description: 'Add this message to a deal as a note',
  },
];
