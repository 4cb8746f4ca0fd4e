// A loopback stand-in for Slack's Web API and for response_urls. The console and the
// end-to-end tests point the real Bolt app at it (`clientOptions.slackApiUrl`), so the app
// speaks HTTP exactly as it would to slack.com, while every call is recorded in order,
// announced as an event and answered the way Slack answers it (`{ ok: true, ... }` on
// HTTP 200, `{ ok: false, error }` on failure, HTTP 429 + Retry-After when rate limited).
// For Socket Mode it also says where the WebSocket is (`apps.connections.open`).

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { blockKitProblems } from '../slack/block-kit-limits.js';

export interface StandinUser {
  id: string;
  /** The handle, e.g. `ada`. */
  name: string;
  realName?: string;
  email?: string;
  /** IANA zone, e.g. Europe/Berlin. */
  tz?: string;
  isBot?: boolean;
  /** The person's home team; default the stand-in's (a member). Another: someone of another organization. */
  teamId?: string;
  /** A workspace admin (`is_admin`) or owner (`is_owner`). */
  isAdmin?: boolean;
  isOwner?: boolean;
  /** A multi-channel guest (`is_restricted`) or a single-channel guest (`is_ultra_restricted`). */
  isRestricted?: boolean;
  isUltraRestricted?: boolean;
  /** Slack's `is_stranger`: someone from another organization in a shared channel. */
  isStranger?: boolean;
}

export interface StandinChannel {
  id: string;
  /** Without the `#`. */
  name: string;
  isPrivate?: boolean;
  /** False: the bot is not a member. A private channel then looks absent to it, as on Slack. */
  botIsMember?: boolean;
  /** Shared with another organization (Slack Connect): `is_ext_shared`. */
  isExtShared?: boolean;
}

export interface StandinCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a post to a response_url. */
  method: string;
  /** The arguments as the app meant them: JSON-stringified form values decoded, token removed. */
  args: Record<string, unknown>;
  /** Milliseconds since the epoch when the call arrived. */
  at: number;
  /** For `response_url` calls: which minted response_url was used. */
  responseId?: string;
  /** What the stand-in answered (the JSON body). */
  result: Record<string, unknown>;
  /** For `response_url` calls that posted, replaced or deleted a channel message: that message. */
  message?: StandinMessage;
}

/** Where a response_url replies: the channel, and the message it was minted for, if any. */
export interface ResponseOrigin {
  channel: string;
  /** The message whose button was pressed; `replace_original` / `delete_original` act on it. */
  ts?: string;
  ephemeral?: boolean;
}

/** A message the stand-in knows: posted by the app, or said by a person through the console. */
export interface StandinMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  user: string;
  botId: string | null;
  threadTs: string | null;
}

/** A view (modal) as Slack keeps it: what the app sent plus the id, hash and state Slack adds. */
export type StandinView = Record<string, unknown> & {
  id: string;
  hash: string;
  state: { values: Record<string, Record<string, unknown>> };
};

export interface FailOptions {
  /** For `ratelimited`: the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface SlackApiStandin {
  /** Base of the Web API, to pass as `slackApiUrl`: `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  readonly port: number;
  /** Every call so far, in arrival order. */
  readonly calls: readonly StandinCall[];
  readonly bot: { userId: string; botId: string; appId: string; teamId: string; teamDomain: string };
  /** Mints a fresh response_url (accepts five posts, like Slack's) for replies in `origin`. */
  responseUrl(origin?: ResponseOrigin): string;
  /** The id part of a response_url minted here, or null for any other URL. */
  responseIdOf(url: string): string | null;
  /** Mints a trigger_id in Slack's shape. */
  triggerId(): string;
  /** The next call of `method` fails with `error` (`ratelimited` → HTTP 429 + Retry-After). */
  failNext(method: string, error: string, options?: FailOptions): void;
  /** Resolves with the first recorded call (past or future) matching `predicate`. */
  waitFor(predicate: (call: StandinCall, index: number) => boolean, timeoutMs?: number): Promise<StandinCall>;
  /** Resolves with the first call of `method` recorded at or after `fromIndex` (default 0). */
  waitForCall(method: string, timeoutMs?: number, fromIndex?: number): Promise<StandinCall>;
  /** Forgets the recorded calls (messages, views and users stay). */
  clearCalls(): void;
  /** Requests received and not yet answered. */
  inFlight(): number;
  message(channel: string, ts: string): StandinMessage | undefined;
  view(id: string): StandinView | undefined;
  user(id: string): StandinUser | undefined;
  channel(idOrName: string): StandinChannel | undefined;
  /** Records a message a person wrote (the console's `say`), so the app can act on it. */
  postUserMessage(channel: string, user: string, text: string): StandinMessage;
  /** Records a message the app posted by other means (a slash command's in-channel ack). */
  recordAppMessage(channel: string, text: string, blocks: unknown[]): StandinMessage;
  /**
   * Records a view the app answered a submission with (`response_action: update` replaces
   * `replaceId`, `push` stacks a new one), as Slack would; returns it with id and hash.
   */
  acceptView(view: Record<string, unknown>, replaceId?: string): StandinView;
  /**
   * A modal the person already has open when a test begins (opened before it, as a hand-made
   * submission payload assumes): kept as given, its id and hash included, so the app can
   * update it. Any other unknown view id is `not_found`, as in Slack.
   */
  knownView(view: { id: string; hash?: string; callback_id?: string }): StandinView;
  /** Keeps the stand-in's copy of a view's state in step with what the person typed. */
  setViewState(viewId: string, values: Record<string, Record<string, unknown>>): void;
  on(event: 'call', listener: (call: StandinCall) => void): this;
  off(event: 'call', listener: (call: StandinCall) => void): this;
  close(): Promise<void>;
}

export interface StandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Known people, besides DEFAULT_STANDIN_USER (a user with the same id replaces it). */
  users?: StandinUser[];
  /**
   * What `users.info` answers for a user id in Slack's shape that no one registered:
   * `members` (default: a full member of the stand-in's workspace named after the id, as
   * most hand-made test payloads assume) or `not-found` (`user_not_found`, strictly as Slack).
   */
  unknownUsers?: 'members' | 'not-found';
  /** Known channels, besides DEFAULT_STANDIN_CHANNEL (same id replaces it). */
  channels?: StandinChannel[];
  /**
   * The WebSocket URL `apps.connections.open` hands a Socket Mode client (`ws://…` on
   * loopback). Absent, the stand-in answers that call `socket_mode_not_enabled` (its own
   * error, for an app set up without Socket Mode).
   */
  socketModeUrl?: string;
}

export const STANDIN_TEAM = { id: 'T0CONSOLE', domain: 'dealbot-console' } as const;
export const STANDIN_BOT = {
  userId: 'U0DEALBOT',
  botId: 'B0DEALBOT',
  appId: 'A0DEALBOT',
  teamId: STANDIN_TEAM.id,
  teamDomain: STANDIN_TEAM.domain,
} as const;

/** The person at the console, and who hand-made test payloads come from unless they say otherwise. */
export const DEFAULT_STANDIN_USER: StandinUser = {
  id: 'U0CONSOLE',
  name: 'you',
  realName: 'You',
  // The console's person runs their own installation: a member and an admin.
  isAdmin: true,
  // The demo CRM's Ada Lovelace, so the console acts as a known CRM user.
  email: 'ada@example.com',
  tz: 'Europe/Berlin',
};
export const DEFAULT_STANDIN_CHANNEL: StandinChannel = { id: 'C0CONSOLE', name: 'sales' };

/** Slack answers a response_url at most five times. */
const RESPONSE_URL_USES = 5;

/** Values a person writes, which web-api never JSON-encodes and we must not decode. */
const FREE_TEXT_ARGS = new Set([
  'text',
  'markdown_text',
  'alt_text',
  'title',
  'username',
  'name',
  'query',
  'topic',
  'purpose',
  'reason',
  'initial_comment',
  'icon_emoji',
  'icon_url',
]);

/** A Web API method: the call's arguments and the token it came with, to its result. */
type Handler = (args: Record<string, unknown>, token: string) => Record<string, unknown>;

class SlackApiFailure extends Error {
  constructor(
    readonly slackError: string,
    /** What Slack adds to some errors: `response_metadata.messages` (e.g. for `invalid_blocks`). */
    readonly messages: string[] = [],
  ) {
    super(`Slack stand-in answered ${slackError}`);
    this.name = 'SlackApiFailure';
  }
}

/** Slack refuses a message or view over a Block Kit limit with `invalid_blocks`, naming each problem. */
function refuseInvalidBlocks(surface: unknown): void {
  const problems = blockKitProblems(surface, { markup: false });
  if (problems.length > 0)
    throw new SlackApiFailure(
      'invalid_blocks',
      problems.map((p) => `[ERROR] ${p}`),
    );
}

/** The message part of chat.* arguments, as the limit checker reads it. */
function messageSurface(args: Record<string, unknown>): Record<string, unknown> {
  return { ...(args.text !== undefined ? { text: args.text } : {}), blocks: Array.isArray(args.blocks) ? args.blocks : [] };
}

interface PendingFailure {
  error: string;
  retryAfterSeconds: number;
}

interface Waiter {
  predicate: (call: StandinCall, index: number) => boolean;
  resolve: (call: StandinCall) => void;
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function asBoolean(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function decodeFormValue(key: string, value: string): unknown {
  if (FREE_TEXT_ARGS.has(key)) return value;
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json') || raw.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Not JSON after all: fall through to form decoding.
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) args[key] = decodeFormValue(key, value);
  return args;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

export async function startSlackApiStandin(options: StandinOptions = {}): Promise<SlackApiStandin> {
  const users = new Map<string, StandinUser>([DEFAULT_STANDIN_USER, ...(options.users ?? [])].map((u) => [u.id, u]));
  users.set(STANDIN_BOT.userId, { id: STANDIN_BOT.userId, name: 'dealbot', realName: 'Dealbot', isBot: true });
  const channels = new Map<string, StandinChannel>([DEFAULT_STANDIN_CHANNEL, ...(options.channels ?? [])].map((c) => [c.id, c]));
  const messages = new Map<string, StandinMessage>();
  const views = new Map<string, StandinView>();
  const uploads = new Map<string, { filename: string; bytes: number }>();
  const responseUses = new Map<string, number>();
  const responseOrigins = new Map<string, ResponseOrigin>();
  const failures = new Map<string, PendingFailure[]>();
  const calls: StandinCall[] = [];
  const waiters = new Set<Waiter>();
  const events = new EventEmitter();
  let inFlight = 0;
  let lastTsMicros = 0;
  let idCounter = 0;

  const nextTs = (): string => {
    lastTsMicros = Math.max(lastTsMicros + 1, Date.now() * 1000);
    const seconds = Math.floor(lastTsMicros / 1_000_000);
    return `${seconds}.${String(lastTsMicros % 1_000_000).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => {
    idCounter += 1;
    return `${prefix}0${idCounter.toString(36).toUpperCase().padStart(6, '0')}${randomBytes(2).toString('hex').toUpperCase()}`;
  };

  const findChannel = (idOrName: string): StandinChannel | undefined => {
    const byId = channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    return [...channels.values()].find((c) => c.name === name);
  };

  /** Where a post lands: a known channel, a Slack-shaped channel id, or a person's DM. */
  const resolveChannel = (value: unknown): string => {
    const raw = asString(value);
    if (!raw) throw new SlackApiFailure('channel_not_found');
    const known = findChannel(raw);
    if (known) return known.id;
    if (users.has(raw)) return `D${raw.slice(1)}`;
    if (/^[CGD][A-Z0-9]{2,}$/.test(raw)) return raw;
    throw new SlackApiFailure('channel_not_found');
  };

  const messageKey = (channel: string, ts: string): string => `${channel}/${ts}`;

  const messageJson = (m: StandinMessage): Record<string, unknown> => ({
    type: 'message',
    ...(m.botId ? { subtype: 'bot_message', bot_id: m.botId, app_id: STANDIN_BOT.appId } : {}),
    user: m.user,
    text: m.text,
    ts: m.ts,
    team: STANDIN_TEAM.id,
    blocks: m.blocks,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
  });

  const requireContent = (args: Record<string, unknown>): void => {
    const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
    const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
    if (!asString(args.text) && !hasBlocks && !hasAttachments) throw new SlackApiFailure('no_text');
    if (hasBlocks) refuseInvalidBlocks(messageSurface(args));
  };

  const userJson = (u: StandinUser): Record<string, unknown> => {
    const tz = u.tz ?? 'UTC';
    const realName = u.realName ?? u.name;
    return {
      id: u.id,
      team_id: u.teamId ?? STANDIN_TEAM.id,
      name: u.name,
      deleted: false,
      real_name: realName,
      tz,
      tz_label: tz,
      tz_offset: zoneOffsetSeconds(tz),
      is_bot: u.isBot ?? false,
      is_app_user: false,
      is_admin: u.isAdmin ?? false,
      is_owner: u.isOwner ?? false,
      is_primary_owner: false,
      is_restricted: u.isRestricted ?? false,
      is_ultra_restricted: u.isUltraRestricted ?? false,
      ...(u.isStranger ? { is_stranger: true } : {}),
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: u.name,
        display_name_normalized: u.name,
        ...(u.email ? { email: u.email } : {}),
        team: u.teamId ?? STANDIN_TEAM.id,
      },
    };
  };

  const channelJson = (c: StandinChannel): Record<string, unknown> => ({
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: false,
    is_private: c.isPrivate ?? false,
    is_archived: false,
    is_member: c.botIsMember ?? true,
    is_ext_shared: c.isExtShared ?? false,
    is_shared: c.isExtShared ?? false,
    context_team_id: STANDIN_TEAM.id,
    name_normalized: c.name,
  });

  const storeView = (sent: unknown, base: { id?: string; rootId?: string; previousId?: string | null }): StandinView => {
    if (!sent || typeof sent !== 'object' || Array.isArray(sent)) throw new SlackApiFailure('invalid_arguments');
    const view = sent as Record<string, unknown>;
    if (view.type !== 'modal' && view.type !== 'home') throw new SlackApiFailure('invalid_arguments');
    refuseInvalidBlocks(view);
    const id = base.id ?? nextId('V');
    const previous = views.get(id);
    const stored: StandinView = {
      team_id: STANDIN_TEAM.id,
      private_metadata: '',
      callback_id: '',
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      ...view,
      id,
      hash: `${nextTs()}.${randomBytes(4).toString('hex')}`,
      state: previous?.state ?? { values: {} },
      root_view_id: base.rootId ?? previous?.root_view_id ?? id,
      previous_view_id: base.previousId ?? previous?.previous_view_id ?? null,
      app_id: STANDIN_BOT.appId,
      app_installed_team_id: STANDIN_TEAM.id,
      bot_id: STANDIN_BOT.botId,
    };
    views.set(id, stored);
    return stored;
  };

  const findViewForUpdate = (args: Record<string, unknown>): StandinView => {
    const viewId = asString(args.view_id);
    const externalId = asString(args.external_id);
    if (!viewId && !externalId) throw new SlackApiFailure('invalid_arguments');
    const current = viewId ? views.get(viewId) : [...views.values()].find((v) => v.external_id === externalId);
    // As Slack: a view that was never opened here, or was closed, is not there to update.
    if (!current) throw new SlackApiFailure('not_found');
    const hash = asString(args.hash);
    if (hash && hash !== current.hash) throw new SlackApiFailure('hash_conflict');
    return current;
  };

  const requireTrigger = (args: Record<string, unknown>): void => {
    if (!asString(args.trigger_id)) throw new SlackApiFailure('invalid_arguments');
  };

  const handlers: Record<string, Handler> = {
    'api.test': (args) => ({ args }),
    // Socket Mode asks for its WebSocket URL with the app-level token (`xapp-`); Slack
    // refuses a bot or user token here.
    'apps.connections.open': (_args, token) => {
      if (!token.startsWith('xapp-')) throw new SlackApiFailure('not_allowed_token_type');
      if (!options.socketModeUrl) throw new SlackApiFailure('socket_mode_not_enabled');
      return { url: options.socketModeUrl };
    },
    'auth.test': () => ({
      url: `https://${STANDIN_TEAM.domain}.slack.com/`,
      team: 'Dealbot console',
      user: 'dealbot',
      team_id: STANDIN_TEAM.id,
      user_id: STANDIN_BOT.userId,
      bot_id: STANDIN_BOT.botId,
      app_id: STANDIN_BOT.appId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const channel = resolveChannel(args.channel);
      requireContent(args);
      const threadTs = asString(args.thread_ts) ?? null;
      const m: StandinMessage = {
        channel,
        ts: nextTs(),
        text: asString(args.text) ?? '',
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        user: STANDIN_BOT.userId,
        botId: STANDIN_BOT.botId,
        threadTs,
      };
      messages.set(messageKey(channel, m.ts), m);
      return { channel, ts: m.ts, message: messageJson(m) };
    },
    'chat.postEphemeral': (args) => {
      resolveChannel(args.channel);
      const user = asString(args.user);
      if (!user || !/^[UW][A-Z0-9]{2,}$/.test(user)) throw new SlackApiFailure('user_not_in_channel');
      requireContent(args);
      return { message_ts: nextTs() };
    },
    'chat.update': (args) => {
      const channel = resolveChannel(args.channel);
      const ts = asString(args.ts);
      if (!ts) throw new SlackApiFailure('message_not_found');
      const previous = messages.get(messageKey(channel, ts));
      // As Slack: only a message that exists, and that the bot wrote, can be updated.
      if (!previous) throw new SlackApiFailure('message_not_found');
      if (!previous.botId) throw new SlackApiFailure('cant_update_message');
      requireContent(args);
      const m: StandinMessage = {
        channel,
        ts,
        text: asString(args.text) ?? '',
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        user: previous?.user ?? STANDIN_BOT.userId,
        botId: previous ? previous.botId : STANDIN_BOT.botId,
        threadTs: previous?.threadTs ?? null,
      };
      messages.set(messageKey(channel, ts), m);
      return { channel, ts, text: m.text, message: messageJson(m) };
    },
    'chat.delete': (args) => {
      const channel = resolveChannel(args.channel);
      const ts = asString(args.ts);
      if (!ts) throw new SlackApiFailure('message_not_found');
      messages.delete(messageKey(channel, ts));
      return { channel, ts };
    },
    'chat.getPermalink': (args) => {
      const channel = resolveChannel(args.channel);
      const ts = asString(args.message_ts);
      if (!ts) throw new SlackApiFailure('message_not_found');
      return { channel, permalink: `${baseUrl()}/archives/${channel}/p${ts.replace('.', '')}` };
    },
    // Links in a posted message (`channel` + `ts`, the message must hold each URL) or still
    // in the composer (`unfurl_id` + `source`); each unfurl's blocks checked like a message's.
    'chat.unfurl': (args) => {
      const unfurls = args.unfurls;
      if (!unfurls || typeof unfurls !== 'object' || Array.isArray(unfurls)) throw new SlackApiFailure('invalid_arguments');
      const unfurlId = asString(args.unfurl_id);
      const source = asString(args.source);
      if (unfurlId || source) {
        if (!unfurlId || (source !== 'composer' && source !== 'conversations_history')) throw new SlackApiFailure('invalid_arguments');
      } else {
        const channel = resolveChannel(args.channel);
        const ts = asString(args.ts);
        const posted = ts ? messages.get(messageKey(channel, ts)) : undefined;
        if (!posted) throw new SlackApiFailure('cannot_find_message');
        if (Object.keys(unfurls).some((url) => !posted.text.includes(url))) throw new SlackApiFailure('cannot_unfurl_url');
      }
      for (const unfurl of Object.values(unfurls as Record<string, unknown>)) {
        const blocks = (unfurl as { blocks?: unknown } | null)?.blocks;
        if (blocks !== undefined) refuseInvalidBlocks({ blocks });
      }
      return {};
    },
    'conversations.info': (args) => {
      const found = findChannel(asString(args.channel) ?? '');
      if (!found || (found.isPrivate && found.botIsMember === false)) throw new SlackApiFailure('channel_not_found');
      return { channel: channelJson(found) };
    },
    'conversations.join': (args) => {
      const found = findChannel(asString(args.channel) ?? '');
      if (!found) throw new SlackApiFailure('channel_not_found');
      return { channel: channelJson(found) };
    },
    'conversations.open': (args) => {
      const first = (asString(args.users) ?? '').split(',')[0] ?? '';
      if (!users.has(first)) throw new SlackApiFailure('user_not_found');
      return { channel: { id: `D${first.slice(1)}` } };
    },
    'users.info': (args) => {
      const id = asString(args.user) ?? '';
      const found = users.get(id);
      if (found) return { user: userJson(found) };
      if (options.unknownUsers !== 'not-found' && /^[UW][A-Z0-9]{2,}$/.test(id)) {
        return { user: userJson({ id, name: id.toLowerCase() }) };
      }
      throw new SlackApiFailure('user_not_found');
    },
    'users.lookupByEmail': (args) => {
      const email = (asString(args.email) ?? '').toLowerCase();
      const found = [...users.values()].find((u) => u.email?.toLowerCase() === email);
      if (!found) throw new SlackApiFailure('users_not_found');
      return { user: userJson(found) };
    },
    'views.open': (args) => {
      requireTrigger(args);
      return { view: storeView(args.view, {}) };
    },
    'views.push': (args) => {
      requireTrigger(args);
      const open = [...views.values()].at(-1);
      return { view: storeView(args.view, open ? { rootId: open.root_view_id as string, previousId: open.id } : {}) };
    },
    'views.update': (args) => {
      const current = findViewForUpdate(args);
      return { view: storeView(args.view, { id: current.id }) };
    },
    // files.uploadV2 is three steps: ask for an upload URL, send the bytes there, complete.
    'files.getUploadURLExternal': (args) => {
      const filename = asString(args.filename);
      if (!filename) throw new SlackApiFailure('invalid_arguments');
      const fileId = nextId('F');
      uploads.set(fileId, { filename, bytes: 0 });
      return { file_id: fileId, upload_url: `${baseUrl()}/upload/${fileId}` };
    },
    'files.completeUploadExternal': (args) => {
      const raw = args.files;
      const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ id: string; title?: string }> | undefined;
      if (!Array.isArray(list) || list.length === 0) throw new SlackApiFailure('invalid_arguments');
      const files = list.map((f) => {
        const upload = uploads.get(f.id);
        if (!upload || upload.bytes === 0) throw new SlackApiFailure('file_not_found');
        return { id: f.id, name: upload.filename, title: f.title ?? upload.filename, size: upload.bytes };
      });
      const channel = asString(args.channel_id);
      if (channel) resolveChannel(channel);
      return { files };
    },
    'views.publish': (args) => {
      const user = asString(args.user_id);
      if (!user || !users.has(user)) throw new SlackApiFailure('user_not_found');
      return { view: storeView(args.view, {}) };
    },
  };

  const record = (call: StandinCall): void => {
    calls.push(call);
    const index = calls.length - 1;
    for (const waiter of [...waiters]) {
      if (waiter.predicate(call, index)) {
        waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
    events.emit('call', call);
  };

  const takeFailure = (method: string): PendingFailure | undefined => {
    const queue = failures.get(method);
    const failure = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    return failure;
  };

  const answerFailure = (res: ServerResponse, failure: PendingFailure, httpStatusForOthers: number): void => {
    if (failure.error === 'ratelimited') {
      send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSeconds) });
    } else {
      send(res, httpStatusForOthers, httpStatusForOthers === 200 ? { ok: false, error: failure.error } : failure.error);
    }
  };

  const handleApi = (res: ServerResponse, method: string, args: Record<string, unknown>, token: string | undefined): void => {
    const at = Date.now();
    const failure = takeFailure(method);
    if (failure) {
      const result = { ok: false, error: failure.error };
      record({ method, args, at, result });
      answerFailure(res, failure, 200);
      return;
    }
    const handler = handlers[method];
    let result: Record<string, unknown>;
    if (!handler) result = { ok: false, error: 'unknown_method' };
    else if (!token) result = { ok: false, error: 'not_authed' };
    else {
      try {
        result = { ok: true, ...handler(args, token) };
      } catch (error) {
        if (!(error instanceof SlackApiFailure)) throw error;
        result = {
          ok: false,
          error: error.slackError,
          ...(error.messages.length > 0 ? { response_metadata: { messages: error.messages } } : {}),
        };
      }
    }
    record({ method, args, at, result });
    send(res, 200, result);
  };

  /** What a response_url post does to the channel's messages (ephemeral replies leave no trace). */
  const applyResponse = (responseId: string, args: Record<string, unknown>): StandinMessage | undefined => {
    const origin = responseOrigins.get(responseId);
    if (!origin || origin.ephemeral) return undefined;
    const original = origin.ts ? messages.get(messageKey(origin.channel, origin.ts)) : undefined;
    if (asBoolean(args.delete_original) && origin.ts) {
      messages.delete(messageKey(origin.channel, origin.ts));
      return original;
    }
    const content = {
      text: asString(args.text) ?? '',
      blocks: Array.isArray(args.blocks) ? args.blocks : [],
    };
    if (asBoolean(args.replace_original) && origin.ts) {
      const replaced: StandinMessage = {
        channel: origin.channel,
        ts: origin.ts,
        user: original?.user ?? STANDIN_BOT.userId,
        botId: original ? original.botId : STANDIN_BOT.botId,
        threadTs: original?.threadTs ?? null,
        ...content,
      };
      messages.set(messageKey(origin.channel, origin.ts), replaced);
      return replaced;
    }
    if (args.response_type !== 'in_channel') return undefined;
    const posted: StandinMessage = {
      channel: origin.channel,
      ts: nextTs(),
      user: STANDIN_BOT.userId,
      botId: STANDIN_BOT.botId,
      threadTs: null,
      ...content,
    };
    messages.set(messageKey(posted.channel, posted.ts), posted);
    return posted;
  };

  const handleResponseUrl = (res: ServerResponse, responseId: string, args: Record<string, unknown>): void => {
    const at = Date.now();
    const failure = takeFailure('response_url');
    const used = responseUses.get(responseId);
    let status = 200;
    let result: Record<string, unknown> = { ok: true };
    if (failure) result = { ok: false, error: failure.error };
    else if (used === undefined) [status, result] = [404, { ok: false, error: 'expired_url' }];
    else if (used >= RESPONSE_URL_USES) [status, result] = [404, { ok: false, error: 'used_url' }];
    else if (!asString(args.text) && !Array.isArray(args.blocks) && !asBoolean(args.delete_original)) {
      [status, result] = [400, { ok: false, error: 'no_text' }];
    } else if (Array.isArray(args.blocks) && blockKitProblems(messageSurface(args), { markup: false }).length > 0) {
      [status, result] = [400, { ok: false, error: 'invalid_blocks' }];
    } else responseUses.set(responseId, used + 1);
    const message = result.ok === true ? applyResponse(responseId, args) : undefined;
    record({ method: 'response_url', args, at, responseId, result, ...(message ? { message } : {}) });
    if (failure) answerFailure(res, failure, 404);
    else if (status === 200) send(res, 200, result);
    else send(res, status, String(result.error));
  };

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
    });
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (req.method !== 'POST') return send(res, 405, 'method_not_allowed');
      const raw = await readBody(req);
      const args = parseArgs(req.headers['content-type'], raw);
      const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
      if (apiMatch?.[1]) {
        const bearer = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
        const token = bearer ?? asString(args.token);
        delete args.token;
        return handleApi(res, apiMatch[1], args, token);
      }
      const uploadMatch = /^\/upload\/(F[A-Za-z0-9]+)$/.exec(path);
      if (uploadMatch?.[1]) {
        const upload = uploads.get(uploadMatch[1]);
        if (!upload) return send(res, 404, 'not_found');
        upload.bytes = Number(req.headers['content-length']) || Buffer.byteLength(raw);
        record({
          method: 'file_upload',
          args: { file_id: uploadMatch[1], filename: upload.filename, bytes: upload.bytes },
          at: Date.now(),
          result: { ok: true },
        });
        return send(res, 200, `OK - ${upload.bytes}`);
      }
      const responseMatch = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
      if (responseMatch?.[1]) return handleResponseUrl(res, responseMatch[1], args);
      return send(res, 404, 'not_found');
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: 'internal_error', detail: String(error) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = (): string => `http://127.0.0.1:${port}`;

  const standin: SlackApiStandin = {
    url: `${baseUrl()}/api/`,
    port,
    calls,
    bot: STANDIN_BOT,
    responseUrl(origin) {
      const id = randomBytes(9).toString('base64url');
      responseUses.set(id, 0);
      if (origin) responseOrigins.set(id, origin);
      return `${baseUrl()}/response/${id}`;
    },
    responseIdOf(url) {
      const prefix = `${baseUrl()}/response/`;
      return url.startsWith(prefix) ? url.slice(prefix.length) : null;
    },
    triggerId() {
      return `${Math.floor(Date.now() / 1000)}.${nextId('1').slice(1)}.${randomBytes(16).toString('hex')}`;
    },
    failNext(method, error, failOptions = {}) {
      const queue = failures.get(method) ?? [];
      queue.push({ error, retryAfterSeconds: failOptions.retryAfterSeconds ?? 1 });
      failures.set(method, queue);
    },
    waitFor(predicate, timeoutMs = 5000) {
      const existing = calls.findIndex((c, i) => predicate(c, i));
      const found = existing >= 0 ? calls[existing] : undefined;
      if (found) return Promise.resolve(found);
      return new Promise<StandinCall>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (call) => {
            clearTimeout(timer);
            resolve(call);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = calls.map((c) => c.method).join(', ') || 'none';
          reject(new Error(`No matching Slack call within ${timeoutMs} ms (calls so far: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    waitForCall(method, timeoutMs = 5000, fromIndex = 0) {
      return standin.waitFor((c, i) => i >= fromIndex && c.method === method, timeoutMs);
    },
    clearCalls() {
      calls.length = 0;
    },
    inFlight: () => inFlight,
    message: (channel, ts) => messages.get(messageKey(channel, ts)),
    view: (id) => views.get(id),
    user: (id) => users.get(id),
    channel: (idOrName) => findChannel(idOrName),
    postUserMessage(channel, user, text) {
      const m: StandinMessage = {
        channel: resolveChannel(channel),
        ts: nextTs(),
        text,
        blocks: [],
        user,
        botId: null,
        threadTs: null,
      };
      messages.set(messageKey(m.channel, m.ts), m);
      return m;
    },
    recordAppMessage(channel, text, blocks) {
      const m: StandinMessage = {
        channel: resolveChannel(channel),
        ts: nextTs(),
        text,
        blocks,
        user: STANDIN_BOT.userId,
        botId: STANDIN_BOT.botId,
        threadTs: null,
      };
      messages.set(messageKey(m.channel, m.ts), m);
      return m;
    },
    acceptView(view, replaceId) {
      return storeView(view, replaceId ? { id: replaceId } : {});
    },
    knownView(view) {
      const stored = storeView(
        { type: 'modal', title: { type: 'plain_text', text: 'Open modal' }, blocks: [], callback_id: view.callback_id ?? '' },
        { id: view.id },
      );
      if (view.hash) stored.hash = view.hash;
      return stored;
    },
    setViewState(viewId, values) {
      const view = views.get(viewId);
      if (view) view.state = { values };
    },
    on(event, listener) {
      events.on(event, listener);
      return standin;
    },
    off(event, listener) {
      events.off(event, listener);
      return standin;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return standin;
}

/** Seconds east of UTC right now in `zone`, as Slack's `tz_offset`. */
function zoneOffsetSeconds(zone: string): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date());
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    if (!match) return 0;
    const sign = match[1] === '-' ? -1 : 1;
    return sign * (Number(match[2]) * 3600 + Number(match[3]) * 60);
  } catch {
    return 0;
  }
}
