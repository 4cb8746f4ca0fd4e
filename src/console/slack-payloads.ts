// The payloads Slack sends an app, built in the shapes Slack documents (slash command form
// fields, `block_actions`, `view_submission`, `view_closed`, `block_suggestion`, shortcuts).
// The console sends these through its receiver; tests use them (via test/helpers) to drive
// the app as Slack would. Defaults are the console's workspace, person and channel.

import { randomBytes } from 'node:crypto';
import { DEFAULT_STANDIN_CHANNEL, DEFAULT_STANDIN_USER, STANDIN_BOT, STANDIN_TEAM } from './slack-api-standin.js';
import type { StateValues } from './form-state.js';

export interface PayloadUser {
  id: string;
  /** The handle (Slack's `username` / `user_name`). */
  name: string;
}

export interface PayloadChannel {
  id: string;
  name: string;
}

interface Common {
  user?: PayloadUser;
  teamId?: string;
  teamDomain?: string;
  triggerId?: string;
}

/** A view as Slack puts it into payloads; only `callback_id` (or `id`) is needed in tests. */
export type PayloadView = Record<string, unknown> & { id?: string; callback_id?: string };

/** A plain-text option (`{ text, value }`); `text` may be given as a bare string. */
export type PayloadOption = { text: string | { type: 'plain_text'; text: string; emoji?: boolean }; value: string };

/** An action as Slack reports it: `action_id` plus what the element is and what was chosen. */
export type PayloadAction = Record<string, unknown> & { action_id: string; type?: string; block_id?: string };

export const DEFAULT_PAYLOAD_USER: PayloadUser = { id: DEFAULT_STANDIN_USER.id, name: DEFAULT_STANDIN_USER.name };
export const DEFAULT_PAYLOAD_CHANNEL: PayloadChannel = { ...DEFAULT_STANDIN_CHANNEL };

const VERIFICATION_TOKEN = 'console-verification-token';

function ids(common: Common) {
  const user = common.user ?? DEFAULT_PAYLOAD_USER;
  const teamId = common.teamId ?? STANDIN_TEAM.id;
  const teamDomain = common.teamDomain ?? STANDIN_TEAM.domain;
  return { user, teamId, teamDomain };
}

/** A trigger_id in Slack's shape (`<seconds>.<digits>.<hex>`). */
export function fakeTriggerId(): string {
  return `${Math.floor(Date.now() / 1000)}.${Date.now() % 1_000_000_000}.${randomBytes(16).toString('hex')}`;
}

/** A response_url in Slack's shape; tests replying through the stand-in use its `responseUrl()` instead. */
export function fakeResponseUrl(teamId: string = STANDIN_TEAM.id): string {
  return `https://hooks.slack.com/actions/${teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`;
}

function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function plain(text: string | { type: 'plain_text'; text: string; emoji?: boolean }) {
  return typeof text === 'string' ? { type: 'plain_text' as const, text, emoji: true } : { emoji: true, ...text };
}

function normaliseOption(option: unknown): unknown {
  if (!option || typeof option !== 'object') return option;
  const o = option as PayloadOption;
  return { ...o, text: plain(o.text) };
}

export interface SlashCommandInput extends Common {
  /** With the slash: `/deal`. */
  command: string;
  text?: string;
  channel?: PayloadChannel;
  responseUrl?: string;
  apiAppId?: string;
}

/** A slash command as Slack posts it: form fields, all strings. */
export function slashCommandPayload(input: SlashCommandInput): Record<string, string> {
  const { user, teamId, teamDomain } = ids(input);
  const channel = input.channel ?? DEFAULT_PAYLOAD_CHANNEL;
  return {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: teamDomain,
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.name,
    command: input.command,
    text: input.text ?? '',
    api_app_id: input.apiAppId ?? STANDIN_BOT.appId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? fakeResponseUrl(teamId),
    trigger_id: input.triggerId ?? fakeTriggerId(),
  };
}

/** A view as it appears inside a payload: what the app sent, plus Slack's own fields. */
export function viewInPayload(view: PayloadView, values: StateValues = {}, teamId: string = STANDIN_TEAM.id): Record<string, unknown> {
  const id = view.id ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
  return {
    id,
    team_id: teamId,
    type: 'modal',
    blocks: [],
    private_metadata: '',
    callback_id: '',
    hash: `${actionTs()}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'Modal', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: id,
    app_id: STANDIN_BOT.appId,
    external_id: '',
    app_installed_team_id: teamId,
    bot_id: STANDIN_BOT.botId,
    ...view,
    state: { values },
  };
}

export interface MessageRef {
  ts: string;
  channel?: PayloadChannel;
  text?: string;
  blocks?: unknown[];
  /** Ephemeral messages come without a `message` in the payload, as on Slack. */
  ephemeral?: boolean;
  /** Who wrote it (default: the bot). */
  user?: string;
}

export interface BlockActionInput extends Common {
  /** One action, or several (Slack sends one). `selected_option.text` may be a bare string. */
  action: PayloadAction | PayloadAction[];
  /** The message holding the element… */
  message?: MessageRef;
  /** …or the view holding it (with its current `state` as `values`). */
  view?: PayloadView;
  values?: StateValues;
  channel?: PayloadChannel;
  responseUrl?: string;
}

function completeAction(action: PayloadAction): Record<string, unknown> {
  const chosen = 'selected_option' in action || 'selected_options' in action;
  const out: Record<string, unknown> = {
    type: chosen ? 'static_select' : 'button',
    block_id: 'actions',
    action_ts: actionTs(),
    ...action,
  };
  if (out.type === 'button' && out.text === undefined) out.text = plain(action.action_id);
  else if (typeof out.text === 'string') out.text = plain(out.text);
  if ('selected_option' in out) out.selected_option = normaliseOption(out.selected_option);
  if (Array.isArray(out.selected_options)) out.selected_options = out.selected_options.map(normaliseOption);
  return out;
}

/** A `block_actions` payload: a button pressed or a menu chosen in a message or a view. */
export function blockActionPayload(input: BlockActionInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  const actions = (Array.isArray(input.action) ? input.action : [input.action]).map(completeAction);
  const base = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
    api_app_id: STANDIN_BOT.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    team: { id: teamId, domain: teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    actions,
  };
  if (input.view) {
    const view = viewInPayload(input.view, input.values ?? {}, teamId);
    return {
      ...base,
      container: { type: 'view', view_id: view.id },
      view,
      state: { values: input.values ?? {} },
    };
  }
  const channel = input.message?.channel ?? input.channel ?? DEFAULT_PAYLOAD_CHANNEL;
  const message = input.message ?? { ts: actionTs() };
  return {
    ...base,
    container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: message.ephemeral === true },
    channel: { id: channel.id, name: channel.name },
    ...(message.ephemeral
      ? {}
      : {
          message: {
            type: 'message',
            ...(message.user
              ? { user: message.user }
              : { subtype: 'bot_message', bot_id: STANDIN_BOT.botId, app_id: STANDIN_BOT.appId, user: STANDIN_BOT.userId }),
            ts: message.ts,
            text: message.text ?? '',
            team: teamId,
            blocks: message.blocks ?? [],
          },
        }),
    state: { values: input.values ?? {} },
    response_url: input.responseUrl ?? fakeResponseUrl(teamId),
  };
}

export interface ViewSubmissionInput extends Common {
  view: PayloadView;
  /** `view.state.values`, exactly as Slack sends it. */
  values?: StateValues;
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
}

export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  return {
    type: 'view_submission',
    team: { id: teamId, domain: teamDomain },
    user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
    api_app_id: STANDIN_BOT.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    view: viewInPayload(input.view, input.values ?? {}, teamId),
    response_urls: input.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface ViewClosedInput extends Common {
  view: PayloadView;
  values?: StateValues;
  isCleared?: boolean;
}

export function viewClosedPayload(input: ViewClosedInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  return {
    type: 'view_closed',
    team: { id: teamId, domain: teamDomain },
    user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
    api_app_id: STANDIN_BOT.appId,
    token: VERIFICATION_TOKEN,
    view: viewInPayload(input.view, input.values ?? {}, teamId),
    is_cleared: input.isCleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface BlockSuggestionInput extends Common {
  actionId: string;
  blockId: string;
  /** What the person has typed so far. */
  value: string;
  view?: PayloadView;
  values?: StateValues;
  message?: MessageRef;
}

/** An external select asking the app for options (`block_suggestion`). */
export function blockSuggestionPayload(input: BlockSuggestionInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  const base = {
    type: 'block_suggestion',
    user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
    team: { id: teamId, domain: teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    api_app_id: STANDIN_BOT.appId,
    token: VERIFICATION_TOKEN,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
  };
  if (input.view) {
    const view = viewInPayload(input.view, input.values ?? {}, teamId);
    return { ...base, container: { type: 'view', view_id: view.id }, view };
  }
  const channel = input.message?.channel ?? DEFAULT_PAYLOAD_CHANNEL;
  return {
    ...base,
    container: {
      type: 'message',
      message_ts: input.message?.ts ?? actionTs(),
      channel_id: channel.id,
      is_ephemeral: input.message?.ephemeral === true,
    },
    channel: { id: channel.id, name: channel.name },
  };
}

export interface ShortcutInput extends Common {
  callbackId: string;
}

/** A global shortcut (from the shortcuts menu). */
export function shortcutPayload(input: ShortcutInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  return {
    type: 'shortcut',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: { id: teamId, domain: teamDomain },
    user: { id: user.id, username: user.name, team_id: teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? fakeTriggerId(),
  };
}

export interface MessageShortcutInput extends Common {
  callbackId: string;
  message: MessageRef;
  channel?: PayloadChannel;
  responseUrl?: string;
}

/** A message shortcut (the "…" menu on a message). */
export function messageShortcutPayload(input: MessageShortcutInput): Record<string, unknown> {
  const { user, teamId, teamDomain } = ids(input);
  const channel = input.message.channel ?? input.channel ?? DEFAULT_PAYLOAD_CHANNEL;
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: { id: teamId, domain: teamDomain },
    user: { id: user.id, username: user.name, team_id: teamId, name: user.name },
    channel: { id: channel.id, name: channel.name },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    message_ts: input.message.ts,
    message: {
      type: 'message',
      user: input.message.user ?? user.id,
      ts: input.message.ts,
      text: input.message.text ?? '',
      ...(input.message.blocks ? { blocks: input.message.blocks } : {}),
    },
    response_url: input.responseUrl ?? fakeResponseUrl(teamId),
  };
}
