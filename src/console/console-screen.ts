// What the person at the console would see in Slack, and how it changes: every Web API
// call the app makes (a post, an update, a response_url reply, a modal opened) and every
// ack it answers with (a command's immediate reply, a submission's `response_action`) is
// applied to the messages and the stack of modals, then drawn, each surface once, with
// fresh numbers for the controls on it.

import { stateFor, withGeneratedIds, type Directory, type SlackBlock, type StateValue, type StateValues } from './form-state.js';
import type { SlackApiStandin, StandinCall, StandinMessage } from './slack-api-standin.js';
import { renderMessage, renderModal, type Control } from './terminal-renderer.js';
import { createPainter } from './terminal-style.js';

export interface MessageSurface {
  key: string;
  channel: string;
  ts: string;
  audience: 'channel' | 'ephemeral' | 'direct';
  author: string;
  inThread: boolean;
  text: string;
  blocks: SlackBlock[];
  /** What the person picked in the message's own menus and pickers. */
  entered: StateValues;
  /** `entered` over the elements' initial values. */
  values: StateValues;
  deleted: boolean;
}

export interface ModalSurface {
  view: Record<string, unknown> & { id: string };
  blocks: SlackBlock[];
  /** What the person typed or picked; survives a redraw that keeps the ids (as in Slack). */
  entered: StateValues;
  /** `entered` over the elements' initial values: the state Slack would send. */
  values: StateValues;
  errors: Record<string, string>;
}

/** A numbered control on screen and the surface it belongs to. */
export interface Target {
  control: Control;
  /** A message key, or `modal:<view id>`. */
  surface: string;
}

export type ScreenEvent =
  | { kind: 'call'; call: StandinCall }
  | { kind: 'ack'; payload: 'command' | 'view_submission' | 'other'; response: unknown; responseUrl?: string }
  | { kind: 'note'; text: string };

export interface ScreenDeps {
  standin: SlackApiStandin;
  color: boolean;
  directory: Directory;
  person: { id: string; name: string };
  /** Where slash commands are typed. */
  channelId: string;
  print(text: string): void;
}

export interface ConsoleScreen {
  /** Remembers a change; it is drawn at the next `flush`. */
  queue(event: ScreenEvent): void;
  /** Applies the queued changes and draws what changed. */
  flush(): void;
  /** A response_url whose replies land in `channel`, replacing `messageKey` when asked to. */
  mintResponseUrl(origin: { channel: string; messageKey?: string }): string;
  target(number: string | undefined): Target | undefined;
  /** Form fields on screen, in order. */
  fields(): Target[];
  stillShown(target: Target): boolean;
  modalOf(target: Target): ModalSurface | undefined;
  messageOf(target: Target): MessageSurface | undefined;
  topModal(): ModalSurface | undefined;
  /** A modal as Slack would put it into a payload: its latest hash and its blocks. */
  viewForPayload(modal: ModalSurface): Record<string, unknown> & { id: string };
  /** Records what the person chose for a control. */
  enter(target: Target, value: StateValue): void;
  /** Closes the modal in front (the console's `cancel`) and shows the one under it. */
  closeTopModal(): void;
  /** Draws the open modal, or the last messages, again; false when there is nothing. */
  show(): boolean;
  /** Shows a message the person wrote. */
  said(message: StandinMessage, author: string): void;
  channelName(id: string): string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

type Drawable =
  | { kind: 'message'; key: string; change: 'new' | 'updated' | 'deleted' }
  | { kind: 'modal' }
  | { kind: 'modal-closed' }
  | { kind: 'note'; text: string };

/** Values the person entered that the (re)drawn blocks still have a place for. */
function keptEntries(blocks: SlackBlock[], entered: StateValues = {}): StateValues {
  const values = stateFor(blocks, entered);
  const kept: StateValues = {};
  for (const [blockId, actions] of Object.entries(entered)) {
    for (const [actionId, value] of Object.entries(actions)) {
      if (values[blockId]?.[actionId] === value) kept[blockId] = { ...kept[blockId], [actionId]: value };
    }
  }
  return kept;
}

function modalSurface(view: Record<string, unknown> & { id: string }, previous?: ModalSurface): ModalSurface {
  const blocks = withGeneratedIds(view.blocks);
  const entered = keptEntries(blocks, previous?.entered);
  return { view, blocks, entered, values: stateFor(blocks, entered), errors: {} };
}

export function createConsoleScreen(deps: ScreenDeps): ConsoleScreen {
  const { standin, directory, person } = deps;
  const paint = createPainter(deps.color);
  const messages = new Map<string, MessageSurface>();
  const modals: ModalSurface[] = [];
  const queued: ScreenEvent[] = [];
  /** response_url id → the message it replaces (a command's: its first reply, once there is one). */
  const responseTargets = new Map<string, string | null>();
  let targets: Target[] = [];
  let lastDrawnMessages: string[] = [];
  let localTs = 0;

  const nextLocalTs = (): string => {
    localTs += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(localTs).padStart(6, '0')}`;
  };

  const channelName = (id: string): string => standin.channel(id)?.name ?? id;

  const upsertMessage = (surface: Omit<MessageSurface, 'values' | 'entered' | 'deleted' | 'blocks'> & { blocks: unknown }): void => {
    const blocks = withGeneratedIds(surface.blocks);
    const entered = keptEntries(blocks, messages.get(surface.key)?.entered);
    messages.set(surface.key, { ...surface, blocks, entered, values: stateFor(blocks, entered), deleted: false });
  };

  const messageFromResponse = (args: Record<string, unknown>, responseId: string | undefined, call?: StandinCall): Drawable => {
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
    const where = target?.channel ?? deps.channelId;
    // An in-channel reply is a real message the app may later update by its ts.
    const posted = call ? call.message : inChannel ? standin.recordAppMessage(where, text, blocks) : undefined;
    const ts = posted?.ts ?? nextLocalTs();
    const key = inChannel && posted ? `${posted.channel}/${posted.ts}` : `ephemeral/${ts}`;
    upsertMessage({
      key,
      channel: posted?.channel ?? where,
      ts,
      audience: inChannel ? 'channel' : 'ephemeral',
      author: 'Dealbot',
      inThread: false,
      text,
      blocks,
    });
    if (responseId && responseTargets.get(responseId) === null) responseTargets.set(responseId, key);
    return { kind: 'message', key, change: 'new' };
  };

  const openModal = (view: Record<string, unknown>, how: 'open' | 'push' | 'update' | 'replace-top'): Drawable | undefined => {
    const id = typeof view.id === 'string' ? view.id : `V${nextLocalTs().replace('.', '')}`;
    const found = modals.findIndex((m) => m.view.id === id);
    if (how === 'update') {
      const current = modals[found];
      // An update of a modal the person already closed changes nothing they can see.
      if (!current) return undefined;
      modals[found] = modalSurface({ ...view, id }, current);
      return found === modals.length - 1 ? { kind: 'modal' } : undefined;
    }
    if (how === 'open') modals.splice(0, modals.length, modalSurface({ ...view, id }));
    else if (how === 'push') modals.push(modalSurface({ ...view, id }));
    else {
      // `response_action: update` keeps the view's id, and what was typed where ids match.
      const top = modals.at(-1);
      modals.splice(Math.max(0, modals.length - 1), 1, modalSurface({ ...view, id: top?.view.id ?? id }, top));
    }
    return { kind: 'modal' };
  };

  const postedMessage = (
    args: Record<string, unknown>,
    channel: string,
    ts: string,
    key: string,
    audience: MessageSurface['audience'],
  ): Drawable => {
    upsertMessage({
      key,
      channel,
      ts,
      audience,
      author: 'Dealbot',
      inThread: typeof args.thread_ts === 'string',
      text: typeof args.text === 'string' ? args.text : '',
      blocks: args.blocks,
    });
    return { kind: 'message', key, change: 'new' };
  };

  const fromCall = (call: StandinCall): Drawable | undefined => {
    const { method, args, result } = call;
    if (result.ok !== true) {
      const what = method === 'response_url' ? 'the reply to a response_url' : method;
      return { kind: 'note', text: paint.yellow(`(Slack answered ${what} with ${String(result.error)})`) };
    }
    switch (method) {
      case 'chat.postMessage': {
        const channel = String(result.channel);
        const ts = String(result.ts);
        return postedMessage(args, channel, ts, `${channel}/${ts}`, channel.startsWith('D') ? 'direct' : 'channel');
      }
      case 'chat.postEphemeral': {
        if (args.user !== person.id) return undefined;
        const ts = String(result.message_ts);
        return postedMessage(args, String(args.channel), ts, `ephemeral/${ts}`, 'ephemeral');
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
      case 'files.completeUploadExternal': {
        const files = Array.isArray(result.files) ? (result.files as Array<{ title?: string; name?: string; size?: number }>) : [];
        const names = files.map((f) => `${f.title ?? f.name ?? 'file'} (${Math.round((f.size ?? 0) / 1024)} KB)`).join(', ');
        return { kind: 'note', text: paint.dim(`📎 Dealbot attached ${names}`) };
      }
      default:
        return undefined;
    }
  };

  const fromAck = (ack: Extract<ScreenEvent, { kind: 'ack' }>): Drawable | undefined => {
    const response = ack.response;
    if (ack.payload === 'command') {
      const body = typeof response === 'string' && response ? { text: response } : isRecord(response) ? response : undefined;
      if (!body) return undefined;
      const responseId = ack.responseUrl ? (standin.responseIdOf(ack.responseUrl) ?? undefined) : undefined;
      return messageFromResponse(body, responseId);
    }
    if (ack.payload !== 'view_submission') return undefined;
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
    // A bare ack closes the submitted view; `clear` closes the whole stack.
    if (action === 'clear') modals.splice(0, modals.length);
    else modals.pop();
    return modals.length > 0 ? { kind: 'modal' } : { kind: 'modal-closed' };
  };

  /** One drawing per surface, at its first position, showing its final state; the modal last. */
  const planOf = (drawables: Drawable[], modalWasOpen: boolean): Drawable[] => {
    const seen = new Map<string, number>();
    const plan: Drawable[] = [];
    for (const d of drawables) {
      const id = d.kind === 'message' ? `m:${d.key}` : d.kind === 'modal' || d.kind === 'modal-closed' ? 'modal' : undefined;
      const at = id ? seen.get(id) : undefined;
      if (id && at !== undefined) {
        const first = plan[at];
        // A message the person never saw before stays "new" through its updates.
        if (first?.kind === 'message' && d.kind === 'message')
          plan[at] = { ...d, change: first.change === 'new' && d.change !== 'deleted' ? 'new' : d.change };
        else plan[at] = d;
      } else {
        if (id) seen.set(id, plan.length);
        plan.push(d);
      }
    }
    const closed = plan.findIndex((d) => d.kind === 'modal-closed');
    if (closed >= 0 && !modalWasOpen) plan.splice(closed, 1);
    // An open modal stays in front: drawn last, so its fields keep their numbers.
    const modalAt = plan.findIndex((d) => d.kind === 'modal');
    if (modalAt >= 0) plan.push(...plan.splice(modalAt, 1));
    else if (plan.some((d) => d.kind === 'message') && modals.length > 0) plan.push({ kind: 'modal' });
    return plan;
  };

  const drawModal = (firstNumber: number): { text: string; targets: Target[] } | undefined => {
    const top = modals.at(-1);
    if (!top) return undefined;
    const drawing = renderModal(
      { view: { ...top.view, blocks: top.blocks }, values: top.values, errors: top.errors, depth: modals.length - 1 },
      { color: deps.color, firstNumber, directory },
    );
    return { text: drawing.text, targets: drawing.controls.map((control) => ({ control, surface: `modal:${top.view.id}` })) };
  };

  const drawMessage = (
    key: string,
    change: 'new' | 'updated' | 'deleted',
    firstNumber: number,
  ): { text: string; targets: Target[] } | undefined => {
    const surface = messages.get(key);
    if (!surface) return undefined;
    const drawing = renderMessage(
      {
        text: surface.text,
        blocks: surface.blocks,
        audience: surface.audience,
        channelName: channelName(surface.channel),
        author: surface.author,
        change: surface.deleted ? 'deleted' : change,
        inThread: surface.inThread,
        values: surface.values,
      },
      { color: deps.color, firstNumber, directory },
    );
    return { text: drawing.text, targets: drawing.controls.map((control) => ({ control, surface: key })) };
  };

  const draw = (plan: Drawable[]): void => {
    const newTargets: Target[] = [];
    const drawnMessages: string[] = [];
    const parts: string[] = [];
    for (const d of plan) {
      if (d.kind === 'note') parts.push(d.text);
      else if (d.kind === 'modal-closed') parts.push(paint.dim('(modal closed)'));
      else {
        const drawn = d.kind === 'modal' ? drawModal(newTargets.length + 1) : drawMessage(d.key, d.change, newTargets.length + 1);
        if (!drawn) continue;
        parts.push(drawn.text);
        newTargets.push(...drawn.targets);
        if (d.kind === 'message') drawnMessages.push(d.key);
      }
    }
    // A modal in front owns the numbers, even when it has nothing to press.
    if (newTargets.length > 0 || plan.some((d) => d.kind === 'modal')) targets = newTargets;
    if (drawnMessages.length > 0) lastDrawnMessages = drawnMessages;
    if (parts.length > 0) deps.print(`${parts.join('\n\n')}\n`);
  };

  const modalOf = (target: Target): ModalSurface | undefined =>
    target.surface.startsWith('modal:') ? modals.find((m) => `modal:${m.view.id}` === target.surface) : undefined;
  const messageOf = (target: Target): MessageSurface | undefined => messages.get(target.surface);
  const stillShown = (target: Target): boolean => {
    if (target.surface.startsWith('modal:')) return modalOf(target) !== undefined;
    const surface = messageOf(target);
    return surface !== undefined && !surface.deleted;
  };

  return {
    queue(event) {
      queued.push(event);
    },
    flush() {
      const modalWasOpen = modals.length > 0;
      const drawables = queued.splice(0, queued.length).flatMap((event) => {
        const drawable =
          event.kind === 'call'
            ? fromCall(event.call)
            : event.kind === 'ack'
              ? fromAck(event)
              : { kind: 'note' as const, text: event.text };
        return drawable ? [drawable] : [];
      });
      const plan = planOf(drawables, modalWasOpen);
      if (plan.length > 0) draw(plan);
    },
    mintResponseUrl(origin) {
      const surface = origin.messageKey ? messages.get(origin.messageKey) : undefined;
      const url = standin.responseUrl({
        channel: origin.channel,
        ...(surface ? { ts: surface.ts, ephemeral: surface.audience === 'ephemeral' } : {}),
      });
      const id = standin.responseIdOf(url);
      if (id) responseTargets.set(id, origin.messageKey ?? null);
      return url;
    },
    target(number) {
      const n = Number(number);
      if (!number || !Number.isInteger(n)) return undefined;
      return targets.find((t) => t.control.number === n);
    },
    fields: () => targets.filter((t) => t.control.field && stillShown(t)),
    stillShown,
    modalOf,
    messageOf,
    topModal: () => modals.at(-1),
    viewForPayload(modal) {
      const stored = standin.view(modal.view.id);
      return { ...modal.view, ...(stored ? { hash: stored.hash } : {}), blocks: modal.blocks };
    },
    enter(target, value) {
      const holder = modalOf(target) ?? messageOf(target);
      if (!holder) return;
      const blockId = target.control.blockId;
      const actionId = String(target.control.element.action_id);
      holder.entered = { ...holder.entered, [blockId]: { ...holder.entered[blockId], [actionId]: value } };
      holder.values = stateFor(holder.blocks, holder.entered);
      const modal = modalOf(target);
      if (modal) {
        delete modal.errors[blockId];
        standin.setViewState(modal.view.id, modal.values);
      }
    },
    closeTopModal() {
      modals.pop();
      deps.print(paint.dim('(modal closed)'));
      if (modals.length > 0) draw([{ kind: 'modal' }]);
    },
    show() {
      if (modals.length > 0) {
        draw([{ kind: 'modal' }]);
        return true;
      }
      const keys = lastDrawnMessages.filter((k) => messages.has(k));
      if (keys.length === 0) return false;
      draw(keys.map((key) => ({ kind: 'message' as const, key, change: 'new' as const })));
      return true;
    },
    said(message, author) {
      const key = `${message.channel}/${message.ts}`;
      upsertMessage({
        key,
        channel: message.channel,
        ts: message.ts,
        audience: 'channel',
        author,
        inThread: false,
        text: message.text,
        blocks: [],
      });
      draw([{ kind: 'message', key, change: 'new' }]);
    },
    channelName,
  };
}
