// Socket Mode end to end on loopback: the real app behind Bolt's SocketModeReceiver asks the
// Web API stand-in for its WebSocket URL (`apps.connections.open`, with the app-level
// token), connects to a local server speaking Slack's Socket Mode protocol (`hello`,
// envelopes with an `envelope_id`, acks `{ envelope_id, payload }` sent back over the same
// socket), and answers slash commands and button presses as over HTTP. The embedded CRM
// is seeded with the demo pipeline.

import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '@slack/bolt';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { DealbotContext } from '../../src/listeners/context.js';
import { createLogger } from '../../src/logger.js';
import { createSocketReceiver } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { ActionId } from '../../src/ui/ids.js';
import { blockActionPayload, DEFAULT_PAYLOAD_CHANNEL, slashCommandPayload } from '../helpers/slack-payloads.js';
import { blocksOf, buttonValue, shown } from '../listeners/http-harness.js';

const NOW = DateTime.fromISO('2026-11-16T10:00:00', { zone: 'Europe/Berlin' });
const APP_TOKEN = 'xapp-1-test';
const WAIT_MS = 3000;

/** What the app sent back for an envelope: Socket Mode's ack. */
interface Ack {
  envelope_id: string;
  payload: Record<string, unknown>;
}

/** A loopback Socket Mode server: greets each connection with `hello`, records acks. */
interface SocketModeServer {
  url: string;
  /** Resolves with the next connection (or the one already open). */
  connected(): Promise<WebSocket>;
  /** Sends an envelope of `type` to the open connection; returns its envelope_id. */
  deliver(type: 'slash_commands' | 'interactive', payload: Record<string, unknown>, acceptsResponsePayload: boolean): string;
  /** Resolves with the ack for `envelopeId`, past or future. */
  ackFor(envelopeId: string): Promise<Ack>;
  /** Resolves with the close code once the open connection is closed. */
  closed(): Promise<number>;
  close(): Promise<void>;
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function startSocketModeServer(): Promise<SocketModeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const acks = new Map<string, Ack>();
  const ackWaiters = new Map<string, (ack: Ack) => void>();
  let open: WebSocket | null = null;
  let onConnection: ((socket: WebSocket) => void) | null = null;
  let closeCode: Promise<number> = Promise.resolve(-1);

  wss.on('connection', (socket) => {
    open = socket;
    closeCode = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const ack = JSON.parse(String(data)) as Ack;
      acks.set(ack.envelope_id, ack);
      ackWaiters.get(ack.envelope_id)?.(ack);
    });
    // Slack opens every connection with `hello`; the client counts as connected only then.
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-loopback', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0DEALBOT' },
      }),
    );
    onConnection?.(socket);
  });

  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link/?ticket=loopback`,
    connected: () =>
      open ? Promise.resolve(open) : within(new Promise<WebSocket>((resolve) => (onConnection = resolve)), 'a Socket Mode connection'),
    deliver(type, payload, acceptsResponsePayload) {
      if (!open) throw new Error('no Socket Mode connection to deliver to');
      const envelopeId = randomUUID();
      open.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: acceptsResponsePayload }));
      return envelopeId;
    },
    ackFor(envelopeId) {
      const known = acks.get(envelopeId);
      if (known) return Promise.resolve(known);
      return within(new Promise<Ack>((resolve) => ackWaiters.set(envelopeId, resolve)), `the ack of ${envelopeId}`);
    },
    closed: () => within(closeCode, 'the Socket Mode connection closing'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface SocketHarness {
  server: SocketModeServer;
  standin: SlackApiStandin;
  store: Store;
  local: LocalCrm;
  app: App<DealbotContext>;
}

let h: SocketHarness | undefined;
afterEach(async () => {
  if (!h) return;
  // Stop the client first: a server going away under a running client makes it reconnect.
  await h.app.stop();
  await h.server.close();
  await h.standin.close();
  await h.store.close();
  h = undefined;
});

async function startSocketHarness(): Promise<SocketHarness> {
  const server = await startSocketModeServer();
  const standin = await startSlackApiStandin({ socketModeUrl: server.url });
  const store = await createStore('memory://');
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store, { now: NOW.toUTC() });
  const logger = createLogger('silent');
  const app = createApp({
    store,
    logger,
    crmForTeam: () => local,
    receiver: createSocketReceiver({ appToken: APP_TOKEN, logger: boltLogger(logger), slackApiUrl: standin.url }),
    token: 'xoxb-test',
    slackApiUrl: standin.url,
    tokenVerification: false,
    now: () => NOW.toUTC(),
  });
  h = { server, standin, store, local, app };
  await within(app.start(), 'app.start()');
  return h;
}

const slashCommand = (standin: SlackApiStandin, text: string) =>
  slashCommandPayload({ command: '/deal', text, responseUrl: standin.responseUrl({ channel: DEFAULT_PAYLOAD_CHANNEL.id }) });

describe('Dealbot over Socket Mode', () => {
  it('asks for its WebSocket URL with the app-level token, connects, answers pings and closes cleanly on stop', async () => {
    const { server, standin, app } = await startSocketHarness();

    const open = standin.calls.find((c) => c.method === 'apps.connections.open');
    expect(open?.result).toEqual({ ok: true, url: server.url });
    const socket = await server.connected();
    const pong = new Promise<string>((resolve) => socket.once('pong', (data) => resolve(String(data))));
    socket.ping('are you there');
    expect(await within(pong, 'a pong')).toBe('are you there');

    await app.stop();
    expect(await server.closed()).toBe(1000);
  });

  it('acks `/deal help` over the socket with the help itself', async () => {
    const { server, standin } = await startSocketHarness();
    await server.connected();

    const envelopeId = server.deliver('slash_commands', slashCommand(standin, 'help'), true);
    const ack = await server.ackFor(envelopeId);

    expect(ack.payload.response_type).toBe('ephemeral');
    expect(String(ack.payload.text)).toContain('/deal find acme');
    expect(shown(ack.payload.blocks)).toContain('Dealbot: your deals, from Slack');
    // The answer was the ack: nothing went through the response_url.
    expect(standin.calls.filter((c) => c.method === 'response_url')).toEqual([]);
  });

  it('acks `/deal new` at once, sends the card through the response_url, and the card’s Won button wins the deal', async () => {
    const { server, standin, local } = await startSocketHarness();
    await server.connected();

    const command = slashCommand(standin, 'new Acme socket 5k EUR');
    const commandResponseId = standin.responseIdOf(String(command.response_url));
    const commandEnvelope = server.deliver('slash_commands', command, true);
    const commandAck = await server.ackFor(commandEnvelope);
    expect(commandAck.payload).toEqual({});
    // Acked before the CRM work: Slack would otherwise give up after three seconds.
    const answeredBeforeAck = standin.calls.some((c) => c.method === 'response_url' && c.responseId === commandResponseId);
    expect(answeredBeforeAck).toBe(false);

    const card = await standin.waitFor((c) => c.method === 'response_url' && c.responseId === commandResponseId, WAIT_MS);
    expect(card.result.ok).toBe(true);
    expect(card.args.response_type).toBe('ephemeral');
    expect(shown(card.args.blocks)).toContain('Acme socket');
    const dealId = buttonValue(blocksOf(card.args), ActionId.cardWon);
    if (!dealId) throw new Error(`no Won button on the card: ${shown(card.args)}`);
    const deal = await local.getDeal(dealId);
    expect(deal).toMatchObject({ title: 'Acme socket', status: 'open', value: { amount: 5000, currency: 'EUR' } });

    const pressUrl = standin.responseUrl({ channel: DEFAULT_PAYLOAD_CHANNEL.id, ephemeral: true });
    const pressEnvelope = server.deliver(
      'interactive',
      blockActionPayload({
        action: { action_id: ActionId.cardWon, value: dealId },
        message: { ts: '1763283600.000100', ephemeral: true },
        responseUrl: pressUrl,
      }),
      false,
    );
    expect((await server.ackFor(pressEnvelope)).payload).toEqual({});

    const redrawn = await standin.waitFor((c) => c.method === 'response_url' && c.responseId === standin.responseIdOf(pressUrl), WAIT_MS);
    expect(redrawn.result.ok).toBe(true);
    expect((await local.getDeal(dealId)).status).toBe('won');
  });
});
