// What each Slack surface needs (issue #16 "one policy check"): every command and
// subcommand, action id, view and shortcut callback id, options request and event is
// classified here, in ONE table, into an `AccessNeed` the access guard checks before any
// listener works. The tables are keyed by the grammars' kinds and by `ui/ids.ts`, as mapped
// types: an id or a subcommand added without an entry here fails the type check.
//
// Anything Slack may send that is in no table (a new command, an event) needs `read`: only
// members (and, with ALLOW_GUESTS=read, guests) get past it, so forgetting an entry can
// refuse too much but never show a guest a deal.

import type { AccessNeed } from '../domain/requester.js';
import { parseAlertCommand, type AlertCommand } from '../parse/alert-command.js';
import { parseDealCommand, type DealCommand } from '../parse/deal-command.js';
import { parseDigestCommand, type DigestCommand } from '../parse/digest-command.js';
import { parsePipelineCommand, type PipelineCommand } from '../parse/pipeline-command.js';
import type { PendingDealAction } from '../ui/deal-list.js';
import { ActionId, AttachFormField, CallbackId, DealFormExtraField, DealFormField, SlashCommand } from '../ui/ids.js';

type Need<T> = AccessNeed | ((input: T) => AccessNeed);

/** `/deal`: per subcommand. */
export const DEAL_COMMAND_ACCESS: { readonly [K in DealCommand['kind']]: Need<Extract<DealCommand, { kind: K }>> } = {
  help: 'none',
  invalid: 'none',
  show: 'read',
  find: 'read',
  timeline: 'read',
  new: 'write',
  move: 'write',
  won: 'close',
  lost: 'close',
  reopen: 'close',
  // A DM about the person's own deals: reading.
  alerts: 'read',
  // Anyone may see the rule in force; setting it is for admins.
  channel: (command) => (command.rule === null ? 'none' : 'admin'),
  // Linked users, personal credentials, the audit trail (issue #16): linking and the audit are
  // for admins; storing one's own credential is for members; anyone may forget theirs.
  link: 'admin',
  'link-list': 'admin',
  unlink: 'admin',
  audit: 'admin',
  // Members only, linked or not: connecting is how an unlinked person links themselves,
  // also under UNLINKED_USERS=none.
  connect: 'self',
  disconnect: 'none',
};

/** `/pipeline alerts …`: reading the channel's alerts is reading; setting or removing them changes what the channel gets. */
export const ALERT_COMMAND_ACCESS: { readonly [K in AlertCommand['kind']]: AccessNeed } = {
  invalid: 'none',
  list: 'read',
  settings: 'read',
  set: 'write',
  off: 'write',
};

/** `/pipeline digest …`: reading the channel's digests is reading; a digest posted now is for everyone. */
export const DIGEST_COMMAND_ACCESS: { readonly [K in DigestCommand['kind']]: AccessNeed } = {
  invalid: 'none',
  list: 'read',
  settings: 'read',
  now: 'post',
  set: 'write',
  off: 'write',
};

/** `/pipeline`: per subcommand. */
export const PIPELINE_COMMAND_ACCESS: { readonly [K in PipelineCommand['kind']]: Need<Extract<PipelineCommand, { kind: K }>> } = {
  help: 'none',
  invalid: 'none',
  board: 'read',
  timeline: 'read',
  digest: (command) => DIGEST_COMMAND_ACCESS[parseDigestCommand(command.args, 'UTC').kind],
  alerts: (command) => ALERT_COMMAND_ACCESS[parseAlertCommand(command.args, 'UTC').kind],
};

/** What a "which deal?" picker finishes needs what its subcommand needs. */
const PENDING_ACCESS: { readonly [K in PendingDealAction['op']]: AccessNeed } = {
  show: 'read',
  timeline: 'read',
  move: 'write',
  won: 'close',
  lost: 'close',
  reopen: 'close',
};

function pendingNeed(value: string | undefined): AccessNeed {
  try {
    const op = (JSON.parse(value ?? '') as { op?: unknown }).op;
    if (typeof op === 'string' && op in PENDING_ACCESS) return PENDING_ACCESS[op as PendingDealAction['op']];
  } catch {
    // A value Dealbot did not write: the strictest need; the listener refuses the value itself.
  }
  return 'close';
}

/** Buttons and selects, by action id; a function reads the action's value. */
export const ACTION_ACCESS: { readonly [A in ActionId]: Need<string | undefined> } = {
  [ActionId.cardMove]: 'write',
  [ActionId.cardWon]: 'close',
  [ActionId.cardLost]: 'close',
  [ActionId.cardReopen]: 'close',
  [ActionId.cardTimeline]: 'read',
  [ActionId.cardShare]: 'post',
  // A link button: Slack reports the click, Dealbot only acknowledges it.
  [ActionId.cardOpenInCrm]: 'none',
  [ActionId.openDeal]: 'read',
  [ActionId.pickDeal]: pendingNeed,
  [ActionId.pickStage]: 'write',
  [ActionId.formPipeline]: 'write',
  [ActionId.timelineOlder]: 'read',
  [ActionId.pipelinePick]: 'read',
  [ActionId.digestFrequency]: 'write',
  [ActionId.digestTime]: 'write',
  [ActionId.digestZone]: 'write',
  [ActionId.digestPipeline]: 'write',
  [ActionId.digestSections]: 'write',
  [ActionId.digestStaleDays]: 'write',
  [ActionId.alertEvents]: 'write',
  [ActionId.alertPipeline]: 'write',
  [ActionId.alertStages]: 'write',
  [ActionId.alertMinValue]: 'write',
  [ActionId.alertOwner]: 'write',
  [ActionId.alertDelivery]: 'write',
  [ActionId.alertQuietFrom]: 'write',
  [ActionId.alertQuietTo]: 'write',
  [ActionId.alertQuietZone]: 'write',
  [ActionId.alertThread]: 'write',
  [ActionId.undoChange]: 'write',
  [ActionId.homeOpenDeal]: 'read',
  [ActionId.homeNewDeal]: 'write',
  [ActionId.homeRefresh]: 'read',
};

/** Modal submissions and shortcuts, by callback id. */
export const CALLBACK_ACCESS: { readonly [C in CallbackId]: AccessNeed } = {
  [CallbackId.createDealModal]: 'write',
  [CallbackId.lostReasonModal]: 'close',
  [CallbackId.digestSettingsModal]: 'write',
  // A channel's alerts post deal news for everyone there: changing them is a write.
  [CallbackId.alertSettingsModal]: 'write',
  [CallbackId.attachNoteModal]: 'write',
  [CallbackId.newDealShortcut]: 'write',
  [CallbackId.createFromMessageShortcut]: 'write',
  [CallbackId.attachToDealShortcut]: 'write',
  // Storing one's own CRM credential reads and changes nothing of the pipeline; members only.
  [CallbackId.connectCrmModal]: 'self',
};

/** Form fields that send actions or options requests (external selects list CRM records: reading). */
export const FIELD_ACCESS: { readonly [F in DealFormField | DealFormExtraField | AttachFormField]: AccessNeed } = {
  [DealFormField.title]: 'write',
  [DealFormField.value]: 'write',
  [DealFormField.currency]: 'write',
  [DealFormField.pipeline]: 'write',
  [DealFormField.stage]: 'write',
  [DealFormField.expectedCloseDate]: 'write',
  [DealFormField.probability]: 'write',
  [DealFormField.owner]: 'write',
  [DealFormExtraField.organization]: 'read',
  [DealFormExtraField.person]: 'read',
  [DealFormExtraField.note]: 'write',
  [AttachFormField.deal]: 'read',
  [AttachFormField.note]: 'write',
};

/** A block action's need: its action id's, or its input's (a field dispatching actions). Merged once, not per request. */
const ACTION_AND_FIELD_ACCESS: Readonly<Record<string, Need<string | undefined>>> = { ...ACTION_ACCESS, ...FIELD_ACCESS };

/** Events, by type. `user_change` only refreshes who someone is. */
export const EVENT_ACCESS: Readonly<Record<string, AccessNeed>> = {
  app_home_opened: 'read',
  link_shared: 'post',
  user_change: 'none',
  tokens_revoked: 'none',
  app_uninstalled: 'none',
};

/** Where a request is answered, for the refusal (`access-guard.ts` picks the form). */
export type SurfaceKind = 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'home' | 'unfurl' | 'event' | 'other';

export interface ClassifiedRequest {
  surface: SurfaceKind;
  need: AccessNeed;
  /** Who asks; null when the request names nobody (then there is no one to check). */
  userId: string | null;
  /** The channel it comes from, when there is one. */
  channelId: string | null;
}

/** What every request needs when no entry says otherwise. */
export const DEFAULT_NEED: AccessNeed = 'read';

type Body = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const rec = (value: unknown): Body => (value && typeof value === 'object' ? (value as Body) : {});
const pick = <T>(need: Need<T> | undefined, input: T): AccessNeed =>
  need === undefined ? DEFAULT_NEED : typeof need === 'function' ? need(input) : need;

function commandNeed(command: string, text: string): AccessNeed {
  if (command === SlashCommand.deal) {
    const parsed = parseDealCommand(text);
    return pick(DEAL_COMMAND_ACCESS[parsed.kind] as Need<DealCommand>, parsed);
  }
  if (command === SlashCommand.pipeline) {
    const parsed = parsePipelineCommand(text);
    return pick(PIPELINE_COMMAND_ACCESS[parsed.kind] as Need<PipelineCommand>, parsed);
  }
  return DEFAULT_NEED;
}

function lookup<T>(table: Readonly<Record<string, Need<T>>>, id: string | null, input: T): AccessNeed {
  return pick(id !== null && Object.hasOwn(table, id) ? table[id] : undefined, input);
}

/** The channel a modal was opened for, when its private_metadata says (`channelId`). */
function viewChannel(view: Body): string | null {
  try {
    const metadata = rec(JSON.parse(str(view.private_metadata) ?? 'null'));
    return str(metadata.channelId) ?? str(rec(metadata.source).channelId);
  } catch {
    return null;
  }
}

/** Classifies one request, as Slack sent it (Bolt's `body`). */
export function classifyRequest(body: Body): ClassifiedRequest {
  const command = str(body.command);
  if (command) {
    return {
      surface: 'command',
      need: commandNeed(command, typeof body.text === 'string' ? body.text : ''),
      userId: str(body.user_id),
      channelId: str(body.channel_id),
    };
  }
  const user = str(rec(body.user).id) ?? str(body.user_id);
  switch (str(body.type)) {
    case 'block_actions': {
      const action = rec(Array.isArray(body.actions) ? body.actions[0] : undefined);
      const id = str(action.action_id);
      const value = str(action.value) ?? str(rec(action.selected_option).value) ?? undefined;
      const channelId = str(rec(body.channel).id) ?? str(rec(body.container).channel_id);
      return { surface: 'action', need: lookup(ACTION_AND_FIELD_ACCESS, id, value), userId: user, channelId };
    }
    case 'view_submission': {
      const view = rec(body.view);
      return {
        surface: 'view',
        need: lookup(CALLBACK_ACCESS, str(view.callback_id), undefined),
        userId: user,
        channelId: viewChannel(view),
      };
    }
    case 'view_closed':
      return { surface: 'view', need: 'none', userId: user, channelId: null };
    case 'block_suggestion':
      return { surface: 'options', need: lookup(FIELD_ACCESS, str(body.action_id), undefined), userId: user, channelId: null };
    case 'shortcut':
    case 'message_action':
      return {
        surface: 'shortcut',
        need: lookup(CALLBACK_ACCESS, str(body.callback_id), undefined),
        userId: user,
        channelId: str(rec(body.channel).id),
      };
    case 'event_callback': {
      const event = rec(body.event);
      const type = str(event.type);
      const surface: SurfaceKind = type === 'app_home_opened' ? 'home' : type === 'link_shared' ? 'unfurl' : 'event';
      return {
        surface,
        need: lookup(EVENT_ACCESS, type, undefined),
        userId: str(event.user),
        channelId: str(event.channel),
      };
    }
    default:
      return { surface: 'other', need: DEFAULT_NEED, userId: user, channelId: null };
  }
}
