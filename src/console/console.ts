// The terminal console: the real Bolt app (same listeners, services and renderers) driven
// like a chat, with no Slack workspace. A line becomes the payload Slack would send (a
// slash command, a button press, a modal submission); the app answers through the loopback
// Web API stand-in; once it has gone quiet, what the person would now see in Slack is drawn:
// new and updated messages, ephemeral replies, the open modal with its errors.

import { createInterface, type Interface } from 'node:readline';
import type { Receiver } from '@slack/bolt';
import { IANAZone } from 'luxon';
import { createConsoleReceiver, type ConsoleDelivery } from './console-receiver.js';
import {
  choose,
  describeValue,
  elementOptions,
  stateFor,
  textOf,
  withGeneratedIds,
  type Directory,
  type SlackBlock,
  type SlackOption,
  type StateValue,
  type StateValues,
} from './form-state.js';
import {
  DEFAULT_STANDIN_CHANNEL,
  DEFAULT_STANDIN_USER,
  startSlackApiStandin,
  STANDIN_BOT,
  type SlackApiStandin,
  type StandinCall,
  type StandinMessage,
} from './slack-api-standin.js';
import {
  blockActionPayload,
  blockSuggestionPayload,
  messageShortcutPayload,
  shortcutPayload,
  slashCommandPayload,
  viewClosedPayload,
  viewSubmissionPayload,
  type PayloadChannel,
  type PayloadUser,
} from './slack-payloads.js';
import { renderMessage, renderModal, type Control } from './terminal-renderer.js';
import { createPainter } from './terminal-style.js';

export interface ConsoleWiring {
  receiver: Receiver;
  /** Pass as `clientOptions.slackApiUrl`. */
  slackApiUrl: string;
  /** Pass as the app's `token` (any token works against the stand-in). */
  token: string;
}

/** What the console needs of the Bolt app it built. */
export interface ConsoleApp {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

export interface ConsolePerson {
  id: string;
  /** Shown name, e.g. "You". */
  name: string;
  email: string;
  /** IANA zone. */
  tz: string;
}

export interface ConsoleShortcut {
  callbackId: string;
  /** The name shown in Slack's shortcut menu. */
  name: string;
  type: 'global' | 'message';
}

export interface ConsoleOptions {
  buildApp: (wiring: ConsoleWiring) => ConsoleApp | Promise<ConsoleApp>;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A TTY: show a prompt. Otherwise read one command a line and echo it. */
  interactive: boolean;
  color: boolean;
  user?: ConsolePerson;
  channel?: { id: string; name: string };
  /** The app's shortcuts (from manifest.yml), so `shortcut <name>` knows them. */
  shortcuts?: ConsoleShortcut[];
  /** How long the app must stay silent to count as done reacting (default 150 ms). */
  settleMs?: number;
  /** Longest wait for one reaction (default 15 s). */
  maxWaitMs?: number;
}

export interface ConsoleSession {
  /** Resolves when the input ends or the person quits, after everything is shut down. */
  done: Promise<void>;
  close(): Promise<void>;
  /** The Web API stand-in the app talks to (for tests and diagnostics). */
  standin: SlackApiStandin;
}

const CONSOLE_TOKEN = 'xoxb-console-no-slack';
const FALLBACK_ZONE = 'Europe/Berlin';

/** The person's zone: TZ when it names a real IANA zone, else Europe/Berlin. */
export function consoleZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  return tz && IANAZone.isValidZone(tz) ? tz : FALLBACK_ZONE;
}

const HELP = [
  ['/<command> <text>', 'run a slash command, e.g. /deal new Acme 5k or /deal help'],
  ['click N', 'press button N'],
  ['select N <option>', 'choose in menu, date or user picker N (by label or value)'],
  ['set <field|N> <value>', 'fill a modal field (empty value clears it; \\n for a new line)'],
  ['submit / cancel', 'submit or close the open modal'],
  ['say <text>', 'post a message in the channel as you'],
  ['shortcut <name> [text]', 'run a shortcut; a message shortcut acts on your last message (or on text)'],
  ['show', 'draw the open modal, or the last messages, again'],
  ['help / quit', 'this list / leave (also exit, Ctrl-D)'],
];

interface MessageSurface {
  key: string;
  channel: string;
  ts: string;
  audience: 'channel' | 'ephemeral' | 'direct';
  author: string;
  inThread: boolean;
  text: string;
  blocks: SlackBlock[];
  values: StateValues;
  deleted: boolean;
}

interface ModalSurface {
  view: Record<string, unknown> & { id: string };
  blocks: SlackBlock[];
  values: StateValues;
  errors: Record<string, string>;
}

interface Target {
  control: Control;
  /** A message key, or `modal:<view id>`. */
  surface: string;
}

type Pending =
  | { kind: 'call'; call: StandinCall }
  | { kind: 'ack'; payload: 'command' | 'view_submission' | 'other'; response: unknown; responseUrl?: string; viewId?: string }
  | { kind: 'note'; text: string };

type Drawable = { kind: 'message'; key: string; change: 'new' | 'updated' | 'deleted' } | { kind: 'modal' } | { kind: 'modal-closed' } | { kind: 'note'; text: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function handleOf(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '.') || 'you';
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleSession> {
  const paint = createPainter(options.color);
  const settleMs = options.settleMs ?? 150;
  const maxWaitMs = options.maxWaitMs ?? 15_000;
  const person: ConsolePerson = options.user ?? {
    id: DEFAULT_STANDIN_USER.id,
    name: DEFAULT_STANDIN_USER.realName ?? 'You',
    email: DEFAULT_STANDIN_USER.email ?? 'ada@example.com',
    tz: consoleZone(),
  };
  const channel: PayloadChannel = options.channel ?? { ...DEFAULT_STANDIN_CHANNEL };
  const payloadUser: PayloadUser = { id: person.id, name: handleOf(person.name) };
  const shortcuts = options.shortcuts ?? [];

  const standin = await startSlackApiStandin({
    users: [{ id: person.id, name: payloadUser.name, realName: person.name, email: person.email, tz: person.tz }],
    channels: [channel],
  });
  const directory: Directory = {
    people: [
      { id: person.id, name: payloadUser.name, realName: person.name, email: person.email },
      { id: STANDIN_BOT.userId, name: 'dealbot', realName: 'Dealbot' },
    ],
    channels: [channel],
    zone: person.tz,
  };

  const receiver = createConsoleReceiver();
  let app: ConsoleApp;
  try {
    app = await options.buildApp({ receiver, slackApiUrl: standin.url, token: CONSOLE_TOKEN });
    await app.start();
  } catch (error) {
    await standin.close();
    throw error;
  }

  // ---- what is on the person's screen ---------------------------------------------------
  const messages = new Map<string, MessageSurface>();
  const modals: ModalSurface[] = [];
  let targets: Target[] = [];
  let lastDrawnMessages: string[] = [];
  let lastSaid: StandinMessage | undefined;
  /** response_url id → the message key it replaces (commands: their first reply). */
  const responseTargets = new Map<string, string | null>();
  let localTs = 0;

  const pending: Pending[] = [];
  let busy = false;
  let lastActivity = Date.now();
  let idleTimer: NodeJS.Timeout | undefined;
  let rl: Interface | undefined;
  let closing: Promise<void> | undefined;

  const write = (text: string): void => {
    options.output.write(`${text}\n`);
  };

  const nextLocalTs = (): string => {
    localTs += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(localTs).padStart(6, '0')}`;
  };

  const channelName = (id: string): string => standin.channel(id)?.name ?? id;

  const mintResponseUrl = (origin: { channel: string; messageKey?: string }): string => {
    const surface = origin.messageKey ? messages.get(origin.messageKey) : undefined;
    const url = standin.responseUrl({
      channel: origin.channel,
      ...(surface ? { ts: surface.ts, ephemeral: surface.audience === 'ephemeral' } : {}),
    });
    const id = standin.responseIdOf(url);
    if (id) responseTargets.set(id, origin.messageKey ?? null);
    return url;
  };

  const onCall = (call: StandinCall): void => {
    pending.push({ kind: 'call', call });
    lastActivity = Date.now();
    if (!busy) scheduleIdleFlush();
  };
  standin.on('call', onCall);

  // ---- turning recorded calls and acks into screen changes -------------------------------
  const upsertMessage = (surface: Omit<MessageSurface, 'values' | 'deleted' | 'blocks'> & { blocks: unknown }): void => {
    const blocks = withGeneratedIds(surface.blocks);
    const previous = messages.get(surface.key);
    messages.set(surface.key, { ...surface, blocks, values: stateFor(blocks, previous?.values), deleted: false });
  };

  const messageFromResponse = (args: Record<string, unknown>, responseId: string | undefined, call?: StandinCall): Drawable | undefined => {
    const targetKey = responseId ? responseTargets.get(responseId) : undefined;
    const target = targetKey ? messages.get(targetKey) : undefined;
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = Array.isArray(args.blocks) ? args.blocks : [];
    const truthy = (v: unknown) => v === true || v === 'true';
    if (truthy(args.delete_original) && target) {
      target.deleted = true;
      return { kind: 'message', key: target.key, change: 'deleted' };
    }
    if (truthy(args.replace_original) && target) {
      upsertMessage({ ...target, text, blocks });
      return { kind: 'message', key: target.key, change: 'updated' };
    }
    const inChannel = args.response_type === 'in_channel';
    const where = target?.channel ?? channel.id;
    const posted = call?.message;
    const key = inChannel && posted ? `${posted.channel}/${posted.ts}` : `ephemeral/${nextLocalTs()}`;
    upsertMessage({
      key,
      channel: posted?.channel ?? where,
      ts: posted?.ts ?? key.split('/')[1] ?? nextLocalTs(),
      audience: inChannel ? 'channel' : 'ephemeral',
      author: 'Dealbot',
      inThread: false,
      text,
      blocks,
    });
    // A command's first reply is what its later `replace_original` replies replace.
    if (responseId && responseTargets.get(responseId) === null) responseTargets.set(responseId, key);
    return { kind: 'message', key, change: 'new' };
  };

  const openModal = (view: Record<string, unknown>, how: 'open' | 'push' | 'update' | 'replace-top'): Drawable | undefined => {
    const id = typeof view.id === 'string' ? view.id : `V${nextLocalTs().replace('.', '')}`;
    const blocks = withGeneratedIds(view.blocks);
    const found = modals.findIndex((m) => m.view.id === id);
    if (how === 'update') {
      const current = modals[found];
      if (!current) return undefined;
      modals[found] = { view: { ...view, id }, blocks, values: stateFor(blocks, current.values), errors: {} };
      return found === modals.length - 1 ? { kind: 'modal' } : undefined;
    }
    const surface: ModalSurface = { view: { ...view, id }, blocks, values: stateFor(blocks), errors: {} };
    if (how === 'open') modals.splice(0, modals.length, surface);
    else if (how === 'push') modals.push(surface);
    else {
      const top = modals.at(-1);
      // `response_action: update` keeps the view's id, and what was typed where ids match.
      if (top) surface.values = stateFor(blocks, top.values);
      modals.splice(Math.max(0, modals.length - 1), 1, { ...surface, view: { ...surface.view, id: top?.view.id ?? id } });
    }
    return { kind: 'modal' };
  };

  const closeTopModal = (all: boolean): Drawable => {
    if (all) modals.splice(0, modals.length);
    else modals.pop();
    return modals.length > 0 ? { kind: 'modal' } : { kind: 'modal-closed' };
  };

  const fromCall = (call: StandinCall): Drawable | undefined => {
    const { method, args, result } = call;
    if (result.ok !== true) {
      if (method === 'response_url') return { kind: 'note', text: paint.yellow(`(Slack refused the reply to a response_url: ${String(result.error)})`) };
      return { kind: 'note', text: paint.yellow(`(Slack answered ${method} with ${String(result.error)})`) };
    }
    switch (method) {
      case 'chat.postMessage': {
        const ch = String(result.channel);
        const ts = String(result.ts);
        const key = `${ch}/${ts}`;
        upsertMessage({
          key,
          channel: ch,
          ts,
          audience: ch.startsWith('D') ? 'direct' : 'channel',
          author: 'Dealbot',
          inThread: typeof args.thread_ts === 'string',
          text: typeof args.text === 'string' ? args.text : '',
          blocks: args.blocks,
        });
        return { kind: 'message', key, change: 'new' };
      }
      case 'chat.postEphemeral': {
        if (args.user !== person.id) return undefined;
        const ts = String(result.message_ts);
        const key = `ephemeral/${ts}`;
        upsertMessage({
          key,
          channel: String(args.channel),
          ts,
          audience: 'ephemeral',
          author: 'Dealbot',
          inThread: typeof args.thread_ts === 'string',
          text: typeof args.text === 'string' ? args.text : '',
          blocks: args.blocks,
        });
        return { kind: 'message', key, change: 'new' };
      }
      case 'chat.update': {
        const key = `${String(result.channel)}/${String(result.ts)}`;
        const before = messages.get(key);
        upsertMessage({
          key,
          channel: String(result.channel),
          ts: String(result.ts),
          audience: before?.audience ?? 'channel',
          author: before?.author ?? 'Dealbot',
          inThread: before?.inThread ?? false,
          text: typeof args.text === 'string' ? args.text : '',
          blocks: args.blocks,
        });
        return { kind: 'message', key, change: before ? 'updated' : 'new' };
      }
      case 'chat.delete': {
        const surface = messages.get(`${String(result.channel)}/${String(result.ts)}`);
        if (!surface) return undefined;
        surface.deleted = true;
        return { kind: 'message', key: surface.key, change: 'deleted' };
      }
      case 'response_url':
        return messageFromResponse(args, call.responseId, call);
      case 'views.open':
        return isRecord(result.view) ? openModal(result.view, 'open') : undefined;
      case 'views.push':
        return isRecord(result.view) ? openModal(result.view, 'push') : undefined;
      case 'views.update':
        return isRecord(result.view) ? openModal(result.view, 'update') : undefined;
      case 'views.publish':
        return { kind: 'note', text: paint.dim('(the app updated its Home tab)') };
      default:
        return undefined;
    }
  };

  const fromAck = (ack: Extract<Pending, { kind: 'ack' }>): Drawable | undefined => {
    const response = ack.response;
    if (ack.payload === 'command') {
      if (response === undefined || response === '') return undefined;
      const body = typeof response === 'string' ? { text: response } : isRecord(response) ? response : undefined;
      if (!body) return undefined;
      const responseId = ack.responseUrl ? standin.responseIdOf(ack.responseUrl) ?? undefined : undefined;
      return messageFromResponse(body, responseId);
    }
    if (ack.payload === 'view_submission') {
      const action = isRecord(response) ? response.response_action : undefined;
      const top = modals.at(-1);
      if (action === 'errors' && top && isRecord(response) && isRecord(response.errors)) {
        top.errors = Object.fromEntries(Object.entries(response.errors).map(([k, v]) => [k, String(v)]));
        return { kind: 'modal' };
      }
      if ((action === 'update' || action === 'push') && isRecord(response) && isRecord(response.view)) {
        const shown = action === 'push' ? standin.acceptView(response.view) : standin.acceptView(response.view, top?.view.id);
        return openModal(shown, action === 'push' ? 'push' : 'replace-top');
      }
      return closeTopModal(action === 'clear');
    }
    return undefined;
  };

  // ---- drawing ----------------------------------------------------------------------------
  const flush = (): void => {
    const items = pending.splice(0, pending.length);
    const drawables: Drawable[] = [];
    const modalWasOpen = modals.length > 0;
    for (const item of items) {
      const drawable = item.kind === 'call' ? fromCall(item.call) : item.kind === 'ack' ? fromAck(item) : { kind: 'note' as const, text: item.text };
      if (drawable) drawables.push(drawable);
    }
    // One drawing per surface, at its first position, showing its final state.
    const seen = new Map<string, number>();
    const plan: Drawable[] = [];
    for (const d of drawables) {
      const id = d.kind === 'message' ? `m:${d.key}` : d.kind === 'modal' || d.kind === 'modal-closed' ? 'modal' : undefined;
      const at = id ? seen.get(id) : undefined;
      if (id && at !== undefined) {
        const first = plan[at];
        if (first?.kind === 'message' && d.kind === 'message') plan[at] = { ...d, change: first.change === 'new' && d.change !== 'deleted' ? 'new' : d.change };
        else plan[at] = d;
      } else {
        if (id) seen.set(id, plan.length);
        plan.push(d);
      }
    }
    const modalIndex = plan.findIndex((d) => d.kind === 'modal' || d.kind === 'modal-closed');
    if (modalIndex >= 0 && plan[modalIndex]?.kind === 'modal-closed' && !modalWasOpen) plan.splice(modalIndex, 1);
    // An open modal stays in front: drawn last, so its fields keep their numbers.
    const modalEntry = plan.findIndex((d) => d.kind === 'modal');
    const drawsOther = plan.some((d) => d.kind === 'message');
    if (modalEntry >= 0) plan.push(...plan.splice(modalEntry, 1));
    else if (drawsOther && modals.length > 0) plan.push({ kind: 'modal' });
    if (plan.length === 0) return;

    const newTargets: Target[] = [];
    const drawnMessages: string[] = [];
    const blocksOut: string[] = [];
    for (const d of plan) {
      const firstNumber = newTargets.length + 1;
      if (d.kind === 'note') blocksOut.push(d.text);
      else if (d.kind === 'modal-closed') blocksOut.push(paint.dim('(modal closed)'));
      else if (d.kind === 'modal') {
        const top = modals.at(-1);
        if (!top) continue;
        const drawing = renderModal(
          { view: { ...top.view, blocks: top.blocks }, values: top.values, errors: top.errors, depth: modals.length - 1 },
          { color: options.color, firstNumber, directory },
        );
        blocksOut.push(drawing.text);
        newTargets.push(...drawing.controls.map((control) => ({ control, surface: `modal:${top.view.id}` })));
      } else {
        const surface = messages.get(d.key);
        if (!surface) continue;
        const drawing = renderMessage(
          {
            text: surface.text,
            blocks: surface.blocks,
            audience: surface.audience,
            channelName: channelName(surface.channel),
            author: surface.author,
            change: surface.deleted ? 'deleted' : d.change,
            inThread: surface.inThread,
            values: surface.values,
          },
          { color: options.color, firstNumber, directory },
        );
        blocksOut.push(drawing.text);
        drawnMessages.push(d.key);
        newTargets.push(...drawing.controls.map((control) => ({ control, surface: d.key })));
      }
    }
    if (newTargets.length > 0) targets = newTargets;
    if (drawnMessages.length > 0) lastDrawnMessages = drawnMessages;
    if (blocksOut.length > 0) {
      if (options.interactive && !busy) options.output.write('\r\u001b[K');
      write(`${blocksOut.join('\n\n')}\n`);
      if (options.interactive && !busy) rl?.prompt(true);
    }
  };

  function scheduleIdleFlush(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (busy) return;
      if (standin.inFlight() > 0) return scheduleIdleFlush();
      flush();
    }, settleMs);
  }

  /** Runs one payload through the app and waits until it has stopped talking to Slack. */
  const deliver = async (body: Record<string, unknown>, ack: Omit<Extract<Pending, { kind: 'ack' }>, 'kind' | 'response'>): Promise<ConsoleDelivery | undefined> => {
    const started = Date.now();
    const work = receiver.deliver(body, {
      onAck: (response) => {
        pending.push({ kind: 'ack', ...ack, response });
        lastActivity = Date.now();
      },
    });
    const delivery = await Promise.race([work, sleep(maxWaitMs).then(() => undefined)]);
    lastActivity = Math.max(lastActivity, Date.now());
    while (Date.now() - started < maxWaitMs) {
      if (standin.inFlight() === 0 && Date.now() - lastActivity >= settleMs) break;
      await sleep(Math.min(25, settleMs));
    }
    if (!delivery) pending.push({ kind: 'note', text: paint.yellow(`(the app is still busy after ${Math.round(maxWaitMs / 1000)} s)`) });
    else if (delivery.error !== undefined) {
      const message = delivery.error instanceof Error ? delivery.error.message : String(delivery.error);
      pending.push({ kind: 'note', text: paint.red(`(the app failed: ${message})`) });
    } else if (!delivery.acked) {
      pending.push({ kind: 'note', text: paint.yellow('(the app did not acknowledge this; Slack would show an error)') });
    }
    return delivery;
  };

  // ---- verbs ---------------------------------------------------------------------------------
  const hint = (text: string): void => write(paint.yellow(text));

  const findTarget = (token: string | undefined): Target | undefined => {
    const n = Number(token);
    if (!token || !Number.isInteger(n)) return undefined;
    return targets.find((t) => t.control.number === n);
  };

  /** The modal as Slack would put it into a payload: its latest hash and the typed values. */
  const viewForPayload = (modal: ModalSurface): Record<string, unknown> & { id: string } => {
    const stored = standin.view(modal.view.id);
    return { ...modal.view, ...(stored ? { hash: stored.hash } : {}), blocks: modal.blocks };
  };

  const modalOf = (target: Target): ModalSurface | undefined =>
    target.surface.startsWith('modal:') ? modals.find((m) => `modal:${m.view.id}` === target.surface) : undefined;

  const stillShown = (target: Target): boolean => {
    if (target.surface.startsWith('modal:')) return modalOf(target) !== undefined;
    const surface = messages.get(target.surface);
    return surface !== undefined && !surface.deleted;
  };

  const sendBlockAction = async (target: Target, action: Record<string, unknown>): Promise<void> => {
    const modal = modalOf(target);
    const full = { block_id: target.control.blockId, action_id: String(target.control.element.action_id), ...action };
    if (modal) {
      standin.setViewState(modal.view.id, modal.values);
      await deliver(
        blockActionPayload({
          user: payloadUser,
          action: full,
          view: viewForPayload(modal),
          values: modal.values,
          triggerId: standin.triggerId(),
        }),
        { payload: 'other' },
      );
      return;
    }
    const surface = messages.get(target.surface);
    if (!surface) return;
    await deliver(
      blockActionPayload({
        user: payloadUser,
        action: full,
        message: {
          ts: surface.ts,
          channel: { id: surface.channel, name: channelName(surface.channel) },
          text: surface.text,
          blocks: surface.blocks,
          ephemeral: surface.audience === 'ephemeral',
          ...(surface.author === 'Dealbot' ? {} : { user: person.id }),
        },
        values: surface.values,
        channel: { id: surface.channel, name: channelName(surface.channel) },
        responseUrl: mintResponseUrl({ channel: surface.channel, messageKey: surface.key }),
        triggerId: standin.triggerId(),
      }),
      { payload: 'other' },
    );
  };

  const click = async (token: string | undefined): Promise<void> => {
    const target = findTarget(token);
    if (!target) return hint(token ? `There is no element [${token}] on screen; type show to see the numbers.` : 'Say which: click N.');
    if (!stillShown(target)) return hint(`[${token}] is no longer on screen.`);
    const { element, field } = target.control;
    if (element.type !== 'button' && element.type !== 'workflow_button') {
      const verb = field ? 'set' : 'select';
      const options = elementOptions(element).map((o) => textOf(o.text));
      const list = options.length > 0 ? ` (${options.slice(0, 10).join(', ')}${options.length > 10 ? ', …' : ''})` : '';
      return hint(`[${token}] is a ${element.type.replace(/_/g, ' ')}: ${verb} ${token} <value>${list}`);
    }
    if (typeof element.url === 'string') write(paint.dim(`(opens ${element.url} in the browser)`));
    await sendBlockAction(target, {
      type: 'button',
      text: isRecord(element.text) ? element.text : { type: 'plain_text', text: textOf(element.text), emoji: true },
      ...(typeof element.value === 'string' ? { value: element.value } : {}),
      ...(typeof element.style === 'string' ? { style: element.style } : {}),
    });
  };

  /** External selects ask the app for options with what was typed (`block_suggestion`). */
  const suggestedOptions = async (target: Target, typed: string): Promise<SlackOption[] | undefined> => {
    const modal = modalOf(target);
    const surface = messages.get(target.surface);
    const body = blockSuggestionPayload({
      user: payloadUser,
      actionId: String(target.control.element.action_id),
      blockId: target.control.blockId,
      value: typed,
      ...(modal ? { view: viewForPayload(modal), values: modal.values } : {}),
      ...(surface ? { message: { ts: surface.ts, channel: { id: surface.channel, name: channelName(surface.channel) } } } : {}),
    });
    const delivery = await receiver.deliver(body);
    const response = delivery.response;
    if (!isRecord(response)) return undefined;
    const direct = Array.isArray(response.options) ? response.options : [];
    const grouped = Array.isArray(response.option_groups)
      ? response.option_groups.flatMap((g: unknown) => (isRecord(g) && Array.isArray(g.options) ? g.options : []))
      : [];
    return [...direct, ...grouped].filter((o): o is SlackOption => isRecord(o) && typeof o.value === 'string');
  };

  const setValue = async (target: Target, input: string): Promise<void> => {
    if (!stillShown(target)) return hint(`[${target.control.number}] is no longer on screen.`);
    const { element, field, dispatchAction, label } = target.control;
    if (element.type === 'button' || element.type === 'workflow_button') return hint(`[${target.control.number}] is a button: click ${target.control.number}`);
    let offered: SlackOption[] | undefined;
    if (element.type === 'external_select' || element.type === 'multi_external_select') {
      offered = await suggestedOptions(target, input.split(',')[0]?.trim() ?? input);
      if (!offered) return hint(`The app offered no options for "${input}".`);
    }
    const choice = choose(element, input, directory, offered);
    if (!choice.ok) return hint(`${label}: ${choice.problem}`);
    const value: StateValue = choice.value;
    const modal = modalOf(target);
    const holder = modal ?? messages.get(target.surface);
    if (!holder) return;
    const blockId = target.control.blockId;
    const actionId = String(element.action_id);
    if (element.type !== 'overflow') holder.values = { ...holder.values, [blockId]: { ...holder.values[blockId], [actionId]: value } };
    if (modal) {
      delete modal.errors[blockId];
      standin.setViewState(modal.view.id, modal.values);
    }
    // Form fields change quietly, unless the input dispatches; menus in messages and
    // actions blocks report every choice at once.
    if (field && !dispatchAction) {
      return write(`${paint.green('✓')} ${label}: ${describeValue(value, directory) ?? paint.dim('(empty)')}`);
    }
    await sendBlockAction(target, { ...value });
  };

  const select = async (rest: string): Promise<void> => {
    const [token, ...words] = rest.split(/\s+/);
    const target = findTarget(token);
    if (!target) return hint(token ? `There is no element [${token}] on screen; type show to see the numbers.` : 'Say which: select N <option>.');
    await setValue(target, words.join(' '));
  };

  /** `set 2 Acme`, `set Title Acme`, `set "Expected close" 2025-03-31`. */
  const set = async (rest: string): Promise<void> => {
    const fields = targets.filter((t) => t.control.field && stillShown(t));
    const quoted = /^"([^"]+)"\s*(.*)$/.exec(rest);
    const numbered = /^(\d+)(?:\s+(.*))?$/.exec(rest);
    let target: Target | undefined;
    let value = '';
    if (numbered) {
      target = findTarget(numbered[1]);
      value = numbered[2] ?? '';
    } else {
      const lower = rest.toLowerCase();
      const wantedLabel = quoted ? quoted[1]?.toLowerCase() : undefined;
      const candidates = fields
        .map((t) => ({ t, label: t.control.label.toLowerCase() }))
        .filter(({ label }) => (wantedLabel ? label === wantedLabel || label.startsWith(wantedLabel) : lower === label || lower.startsWith(`${label} `)))
        .sort((a, b) => b.label.length - a.label.length);
      const best = candidates[0];
      if (best) {
        target = best.t;
        value = quoted ? (quoted[2] ?? '') : rest.slice(best.label.length).trim();
      } else {
        // A unique prefix of one label: `set exp 2025-03-31`.
        const [word = '', ...others] = rest.split(/\s+/);
        const prefixed = fields.filter((t) => t.control.label.toLowerCase().startsWith(word.toLowerCase()));
        if (word && prefixed.length === 1) {
          target = prefixed[0];
          value = others.join(' ');
        }
      }
    }
    if (!target) {
      const labels = fields.map((t) => `[${t.control.number}] ${t.control.label}`).join(', ');
      return hint(labels ? `Which field? ${labels}` : 'There is no form field on screen.');
    }
    await setValue(target, value);
  };

  const submit = async (): Promise<void> => {
    const top = modals.at(-1);
    if (!top) return hint('No modal is open.');
    if (!textOf(top.view.submit) && !top.blocks.some((b) => b.type === 'input')) return hint('This modal has no submit button; type cancel to close it.');
    top.errors = {};
    const values = stateFor(top.blocks, top.values);
    standin.setViewState(top.view.id, values);
    const responseUrls = top.blocks.flatMap((block) => {
      const element = isRecord(block.element) ? block.element : undefined;
      if (block.type !== 'input' || !element || element.response_url_enabled !== true) return [];
      const picked = values[block.block_id ?? '']?.[String(element.action_id)];
      const channelId = picked?.selected_conversation ?? picked?.selected_channel;
      if (typeof channelId !== 'string') return [];
      return [{ block_id: block.block_id ?? '', action_id: String(element.action_id), channel_id: channelId, response_url: mintResponseUrl({ channel: channelId }) }];
    });
    await deliver(
      viewSubmissionPayload({
        user: payloadUser,
        view: viewForPayload(top),
        values,
        responseUrls,
        triggerId: standin.triggerId(),
      }),
      { payload: 'view_submission', viewId: top.view.id },
    );
  };

  const cancel = async (): Promise<void> => {
    const top = modals.at(-1);
    if (!top) return hint('No modal is open.');
    if (top.view.notify_on_close === true) {
      await deliver(viewClosedPayload({ user: payloadUser, view: viewForPayload(top), values: top.values }), { payload: 'other' });
    }
    modals.pop();
    write(paint.dim('(modal closed)'));
    if (modals.length > 0) redrawModal();
  };

  const redrawModal = (): void => {
    const top = modals.at(-1);
    if (!top) return;
    const drawing = renderModal(
      { view: { ...top.view, blocks: top.blocks }, values: top.values, errors: top.errors, depth: modals.length - 1 },
      { color: options.color, directory },
    );
    targets = drawing.controls.map((control) => ({ control, surface: `modal:${top.view.id}` }));
    write(`${drawing.text}\n`);
  };

  const show = (): void => {
    if (modals.length > 0) return redrawModal();
    const keys = lastDrawnMessages.filter((k) => messages.has(k));
    if (keys.length === 0) return hint('Nothing on screen yet. Try /deal help.');
    const newTargets: Target[] = [];
    const parts = keys.map((key) => {
      const surface = messages.get(key) as MessageSurface;
      const drawing = renderMessage(
        {
          text: surface.text,
          blocks: surface.blocks,
          audience: surface.audience,
          channelName: channelName(surface.channel),
          author: surface.author,
          change: surface.deleted ? 'deleted' : 'new',
          inThread: surface.inThread,
          values: surface.values,
        },
        { color: options.color, firstNumber: newTargets.length + 1, directory },
      );
      newTargets.push(...drawing.controls.map((control) => ({ control, surface: key })));
      return drawing.text;
    });
    targets = newTargets;
    write(`${parts.join('\n\n')}\n`);
  };

  const slashCommand = async (line: string): Promise<void> => {
    const match = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(line);
    if (!match?.[1]) return hint('A slash command looks like /deal help.');
    const responseUrl = mintResponseUrl({ channel: channel.id });
    await deliver(
      slashCommandPayload({
        command: match[1],
        text: (match[2] ?? '').trim(),
        user: payloadUser,
        channel,
        responseUrl,
        triggerId: standin.triggerId(),
        teamId: STANDIN_BOT.teamId,
        teamDomain: STANDIN_BOT.teamDomain,
      }),
      { payload: 'command', responseUrl },
    );
  };

  const say = (text: string): void => {
    if (!text.trim()) return hint('Say what? say <text>');
    lastSaid = standin.postUserMessage(channel.id, person.id, text);
    const key = `${lastSaid.channel}/${lastSaid.ts}`;
    upsertMessage({ key, channel: lastSaid.channel, ts: lastSaid.ts, audience: 'channel', author: person.name, inThread: false, text, blocks: [] });
    const drawing = renderMessage({ text, audience: 'channel', channelName: channel.name, author: person.name }, { color: options.color, directory });
    lastDrawnMessages = [key];
    write(`${drawing.text}\n`);
  };

  const shortcut = async (rest: string): Promise<void> => {
    if (!rest) {
      const known = shortcuts.map((s) => `${s.name} (${s.type}, ${s.callbackId})`).join('; ');
      return hint(known ? `Which shortcut? ${known}` : 'Which shortcut? shortcut <callback_id> [message text]');
    }
    const lower = rest.toLowerCase();
    const known = shortcuts
      .filter((s) => [s.callbackId, s.name].some((n) => lower === n.toLowerCase() || lower.startsWith(`${n.toLowerCase()} `)))
      .sort((a, b) => b.name.length - a.name.length)[0];
    const matchedName = known ? [known.name, known.callbackId].find((n) => lower.startsWith(n.toLowerCase())) ?? known.callbackId : undefined;
    const callbackId = known?.callbackId ?? rest.split(/\s+/)[0] ?? rest;
    const text = rest.slice((matchedName ?? callbackId).length).trim();
    const type = known?.type ?? (text ? 'message' : 'global');
    if (type === 'global') {
      await deliver(shortcutPayload({ user: payloadUser, callbackId, triggerId: standin.triggerId() }), { payload: 'other' });
      return;
    }
    if (text) say(text);
    const message = lastSaid;
    if (!message) return hint('A message shortcut needs a message: say <text> first, or shortcut <name> <text>.');
    await deliver(
      messageShortcutPayload({
        user: payloadUser,
        callbackId,
        message: { ts: message.ts, text: message.text, user: message.user, channel: { id: message.channel, name: channelName(message.channel) } },
        channel,
        responseUrl: mintResponseUrl({ channel: message.channel }),
        triggerId: standin.triggerId(),
      }),
      { payload: 'other' },
    );
  };

  const help = (): void => {
    const width = Math.max(...HELP.map(([verb]) => (verb ?? '').length));
    const lines = HELP.map(([verb = '', what = '']) => `  ${paint.bold(verb.padEnd(width))}  ${what}`);
    if (shortcuts.length > 0) lines.push(`  shortcuts: ${shortcuts.map((s) => `${s.name} (${s.type})`).join(', ')}`);
    write(`Console commands:\n${lines.join('\n')}\n`);
  };

  /** Handles one line; false when the person asked to leave. */
  const handleLine = async (raw: string): Promise<boolean> => {
    const line = raw.trim();
    if (!line) return true;
    if (!options.interactive) write(paint.dim(`> ${line}`));
    const [verb = '', ...restWords] = line.split(/\s+/);
    const rest = line.slice(verb.length).trim();
    busy = true;
    if (idleTimer) clearTimeout(idleTimer);
    flush();
    try {
      if (line.startsWith('/')) await slashCommand(line);
      else
        switch (verb.toLowerCase()) {
          case 'click':
          case 'press':
            await click(restWords[0]);
            break;
          case 'select':
          case 'choose':
            await select(rest);
            break;
          case 'set':
            await set(rest);
            break;
          case 'submit':
            await submit();
            break;
          case 'cancel':
          case 'close':
            await cancel();
            break;
          case 'say':
            say(rest);
            break;
          case 'shortcut':
            await shortcut(rest);
            break;
          case 'show':
            show();
            break;
          case 'help':
          case '?':
            help();
            break;
          case 'quit':
          case 'exit':
            return false;
          default:
            hint(`Not understood: "${line}". Type help for console commands, or /deal help.`);
        }
      flush();
    } catch (error) {
      write(paint.red(`(console error: ${error instanceof Error ? error.message : String(error)})`));
    } finally {
      busy = false;
    }
    return true;
  };

  // ---- the session ---------------------------------------------------------------------------
  const who = `@${payloadUser.name}`;
  write(
    `Dealbot console: the real app, no Slack workspace or credentials. You are ${who} (${person.email}) in #${channel.name}. Type ${paint.bold('help')} for commands, ${paint.bold('quit')} to leave.`,
  );

  rl = createInterface({ input: options.input, ...(options.interactive ? { output: options.output, terminal: true } : { terminal: false }) });
  if (options.interactive) {
    rl.setPrompt(paint.bold('> '));
    rl.prompt();
  }

  const shutdown = async (): Promise<void> => {
    if (idleTimer) clearTimeout(idleTimer);
    standin.off('call', onCall);
    rl?.close();
    try {
      await app.stop();
    } finally {
      await standin.close();
    }
  };

  const loop = (async () => {
    const lines = rl[Symbol.asyncIterator]();
    while (!closing) {
      const next = await lines.next();
      if (next.done) break;
      const keepGoing = await handleLine(String(next.value));
      if (!keepGoing) break;
      if (options.interactive && !closing) rl.prompt();
    }
  })();

  const close = (): Promise<void> => {
    closing ??= (async () => {
      rl?.close();
      await loop.catch(() => undefined);
      await shutdown();
    })();
    return closing;
  };

  const done = loop.then(
    () => close(),
    async (error: unknown) => {
      await close();
      throw error;
    },
  );

  return { done, close, standin };
}
