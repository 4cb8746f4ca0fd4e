// The terminal console: the real Bolt app (same listeners, services and renderers) driven
// like a chat, with no Slack workspace. A line becomes the payload Slack would send (a
// slash command, a button press, a modal submission); the app answers through the loopback
// Web API stand-in; once it has gone quiet, what the person would now see in Slack is drawn:
// new and updated messages, ephemeral replies, the open modal with its errors.

import { createInterface, type Interface } from 'node:readline';
import type { Receiver } from '@slack/bolt';
import { IANAZone } from 'luxon';
import { createConsoleReceiver, type ConsoleDelivery } from './console-receiver.js';
import { createConsoleScreen, type ScreenEvent, type Target } from './console-screen.js';
import { choose, describeValue, elementOptions, textOf, type Directory, type SlackOption } from './form-state.js';
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
  /** The app's slash commands (from manifest.yml), named when someone types another. */
  commands?: string[];
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with `work`, or with undefined after `ms`; leaves no timer behind either way. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

  let lastSaid: StandinMessage | undefined;
  let busy = false;
  let lastActivity = Date.now();
  let idleTimer: NodeJS.Timeout | undefined;
  let rl: Interface | undefined; // eslint-disable-line prefer-const -- assigned once the prompt starts, read by earlier closures
  let closing: Promise<void> | undefined;

  const write = (text: string): void => {
    options.output.write(`${text}\n`);
  };

  const screen = createConsoleScreen({
    standin,
    color: options.color,
    directory,
    person,
    channelId: channel.id,
    print: (text) => {
      // Output between inputs (a scheduled post) must not run into the half-typed line.
      const overPrompt = options.interactive && !busy;
      if (overPrompt) options.output.write('\r\u001b[K');
      write(text);
      if (overPrompt) rl?.prompt(true);
    },
  });

  const onCall = (call: StandinCall): void => {
    screen.queue({ kind: 'call', call });
    lastActivity = Date.now();
    if (!busy) scheduleIdleFlush();
  };
  standin.on('call', onCall);

  function scheduleIdleFlush(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (busy) return;
      if (standin.inFlight() > 0) return scheduleIdleFlush();
      screen.flush();
    }, settleMs);
  }

  /** Runs one payload through the app and waits until it has stopped talking to Slack. */

  const deliver = async (
    body: Record<string, unknown>,
    ack: Omit<Extract<ScreenEvent, { kind: 'ack' }>, 'kind' | 'response'>,
  ): Promise<ConsoleDelivery | undefined> => {
    const started = Date.now();
    const work = receiver.deliver(body, {
      onAck: (response) => {
        screen.queue({ kind: 'ack', ...ack, response });
        lastActivity = Date.now();
      },
    });
    const delivery = await within(work, maxWaitMs);
    lastActivity = Math.max(lastActivity, Date.now());
    while (Date.now() - started < maxWaitMs) {
      if (standin.inFlight() === 0 && Date.now() - lastActivity >= settleMs) break;
      await sleep(Math.min(25, settleMs));
    }
    if (!delivery) screen.queue({ kind: 'note', text: paint.yellow(`(the app is still busy after ${Math.round(maxWaitMs / 1000)} s)`) });
    else if (delivery.error !== undefined) {
      const message = delivery.error instanceof Error ? delivery.error.message : String(delivery.error);
      screen.queue({ kind: 'note', text: paint.red(`(the app failed: ${message})`) });
    } else if (!delivery.acked) {
      // Most often a slash command the app does not have: name the ones it does.
      const command = ack.payload === 'command' && typeof body.command === 'string' ? body.command : null;
      const known = options.commands?.length ? ` Try ${options.commands.join(' or ')}.` : '';
      const text = command
        ? `(nothing answers ${command} here; Slack would say it failed.${known})`
        : '(the app did not acknowledge this; Slack would show an error)';
      screen.queue({ kind: 'note', text: paint.yellow(text) });
    }
    return delivery;
  };

  // ---- verbs ---------------------------------------------------------------------------------
  const hint = (text: string): void => write(paint.yellow(text));

  const sendBlockAction = async (target: Target, action: Record<string, unknown>): Promise<void> => {
    const modal = screen.modalOf(target);
    const full = { block_id: target.control.blockId, action_id: String(target.control.element.action_id), ...action };
    if (modal) {
      standin.setViewState(modal.view.id, modal.values);
      await deliver(
        blockActionPayload({
          user: payloadUser,
          action: full,
          view: screen.viewForPayload(modal),
          values: modal.values,
          triggerId: standin.triggerId(),
        }),
        { payload: 'other' },
      );
      return;
    }
    const surface = screen.messageOf(target);
    if (!surface) return;
    await deliver(
      blockActionPayload({
        user: payloadUser,
        action: full,
        message: {
          ts: surface.ts,
          channel: { id: surface.channel, name: screen.channelName(surface.channel) },
          text: surface.text,
          blocks: surface.blocks,
          ephemeral: surface.audience === 'ephemeral',
          ...(surface.author === 'Dealbot' ? {} : { user: person.id }),
        },
        values: surface.values,
        channel: { id: surface.channel, name: screen.channelName(surface.channel) },
        responseUrl: screen.mintResponseUrl({ channel: surface.channel, messageKey: surface.key }),
        triggerId: standin.triggerId(),
      }),
      { payload: 'other' },
    );
  };

  const click = async (token: string | undefined): Promise<void> => {
    const target = screen.target(token);
    if (!target) return hint(token ? `There is no element [${token}] on screen; type show to see the numbers.` : 'Say which: click N.');
    if (!screen.stillShown(target)) return hint(`[${token}] is no longer on screen.`);
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
    const modal = screen.modalOf(target);
    const surface = screen.messageOf(target);
    const body = blockSuggestionPayload({
      user: payloadUser,
      actionId: String(target.control.element.action_id),
      blockId: target.control.blockId,
      value: typed,
      ...(modal ? { view: screen.viewForPayload(modal), values: modal.values } : {}),
      ...(surface ? { message: { ts: surface.ts, channel: { id: surface.channel, name: screen.channelName(surface.channel) } } } : {}),
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
    if (!screen.stillShown(target)) return hint(`[${target.control.number}] is no longer on screen.`);
    const { element, field, dispatchAction, label } = target.control;
    if (element.type === 'button' || element.type === 'workflow_button')
      return hint(`[${target.control.number}] is a button: click ${target.control.number}`);
    let offered: SlackOption[] | undefined;
    if (element.type === 'external_select' || element.type === 'multi_external_select') {
      offered = await suggestedOptions(target, input.split(',')[0]?.trim() ?? input);
      if (!offered) return hint(`The app offered no options for "${input}".`);
    }
    const choice = choose(element, input, directory, offered);
    if (!choice.ok) return hint(`${label}: ${choice.problem}`);
    const value = choice.value;
    // An overflow menu is a list of commands, not a value the surface keeps.
    if (element.type !== 'overflow') screen.enter(target, value);
    // Form fields change quietly, unless the input dispatches; menus in messages and
    // actions blocks report every choice at once.
    if (field && !dispatchAction) {
      return write(`${paint.green('✓')} ${label}: ${describeValue(value, directory) ?? paint.dim('(empty)')}`);
    }
    await sendBlockAction(target, { ...value });
  };

  const select = async (rest: string): Promise<void> => {
    const [token, ...words] = rest.split(/\s+/);
    const target = screen.target(token);
    if (!target)
      return hint(token ? `There is no element [${token}] on screen; type show to see the numbers.` : 'Say which: select N <option>.');
    await setValue(target, words.join(' '));
  };

  /** `set 2 Acme`, `set Title Acme`, `set "Expected close" 2025-03-31`. */
  const set = async (rest: string): Promise<void> => {
    const fields = screen.fields();
    const quoted = /^"([^"]+)"\s*(.*)$/.exec(rest);
    const numbered = /^(\d+)(?:\s+(.*))?$/.exec(rest);
    let target: Target | undefined;
    let value = '';
    if (numbered) {
      target = screen.target(numbered[1]);
      value = numbered[2] ?? '';
    } else {
      const lower = rest.toLowerCase();
      const wantedLabel = quoted ? quoted[1]?.toLowerCase() : undefined;
      const candidates = fields
        .map((t) => ({ t, label: t.control.label.toLowerCase() }))
        .filter(({ label }) =>
          wantedLabel ? label === wantedLabel || label.startsWith(wantedLabel) : lower === label || lower.startsWith(`${label} `),
        )
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
    const top = screen.topModal();
    if (!top) return hint('No modal is open.');
    if (!textOf(top.view.submit) && !top.blocks.some((b) => b.type === 'input'))
      return hint('This modal has no submit button; type cancel to close it.');
    top.errors = {};
    const values = top.values;
    standin.setViewState(top.view.id, values);
    const responseUrls = top.blocks.flatMap((block) => {
      const element = isRecord(block.element) ? block.element : undefined;
      if (block.type !== 'input' || !element || element.response_url_enabled !== true) return [];
      const picked = values[block.block_id ?? '']?.[String(element.action_id)];
      const channelId = picked?.selected_conversation ?? picked?.selected_channel;
      if (typeof channelId !== 'string') return [];
      return [
        {
          block_id: block.block_id ?? '',
          action_id: String(element.action_id),
          channel_id: channelId,
          response_url: screen.mintResponseUrl({ channel: channelId }),
        },
      ];
    });
    await deliver(
      viewSubmissionPayload({
        user: payloadUser,
        view: screen.viewForPayload(top),
        values,
        responseUrls,
        triggerId: standin.triggerId(),
      }),
      { payload: 'view_submission' },
    );
  };

  const cancel = async (): Promise<void> => {
    const top = screen.topModal();
    if (!top) return hint('No modal is open.');
    if (top.view.notify_on_close === true) {
      await deliver(viewClosedPayload({ user: payloadUser, view: screen.viewForPayload(top), values: top.values }), { payload: 'other' });
    }
    screen.closeTopModal();
  };

  const slashCommand = async (line: string): Promise<void> => {
    const match = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(line);
    if (!match?.[1]) return hint('A slash command looks like /deal help.');
    // A modal that only says something ("Done", "Loading…") is closed by moving on, as a
    // person would press Close before typing the next command in Slack.
    for (let top = screen.topModal(); top && !top.blocks.some((b) => b.type === 'input'); top = screen.topModal()) {
      await cancel();
    }
    const responseUrl = screen.mintResponseUrl({ channel: channel.id });
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
    screen.said(lastSaid, person.name);
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
    const matchedName = known
      ? ([known.name, known.callbackId].find((n) => lower.startsWith(n.toLowerCase())) ?? known.callbackId)
      : undefined;
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
        message: {
          ts: message.ts,
          text: message.text,
          user: message.user,
          channel: { id: message.channel, name: screen.channelName(message.channel) },
        },
        channel,
        responseUrl: screen.mintResponseUrl({ channel: message.channel }),
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
    screen.flush();
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
            if (!screen.show()) hint('Nothing on screen yet. Try /deal help.');
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
      screen.flush();
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

  rl = createInterface({
    input: options.input,
    ...(options.interactive ? { output: options.output, terminal: true } : { terminal: false }),
  });
  if (options.interactive) {
    rl.setPrompt(paint.bold('> '));
    rl.on('SIGINT', () => {
      write('');
      void close();
    });
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
