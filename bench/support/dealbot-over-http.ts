// The real Dealbot app as Slack and Pipedrive see it, for the fault suite and the benchmark:
// Bolt's HTTP receiver on loopback taking signed requests, the recording Slack Web API
// stand-in, and the Pipedrive adapter (behind the shared cache) pointed at the loopback fake.
// The wiring is the one of test/e2e/pipedrive-over-http.test.ts, with the fake in place of nock.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin, type StandinCall, type StandinUser } from '../../src/console/slack-api-standin.js';
import { createCachedCrm } from '../../src/crm/cached-crm.js';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import type { CrmClient } from '../../src/crm/port.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import type { FakePipedrive } from './fake-pipedrive-server.js';
import type { StateValues } from '../../src/console/form-state.js';
import {
  blockActionPayload,
  slashCommandPayload,
  viewSubmissionPayload,
  type PayloadAction,
  type PayloadView,
} from '../../src/console/slack-payloads.js';
import { formBody, payloadBody, postSigned } from '../signed-requests.js';

export const SIGNING_SECRET = 'faults-signing-secret';

/** The person every request comes from: Ada, who is also a user of the fake Pipedrive. */
export const ADA: StandinUser = { id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };

export interface DealbotOverHttpOptions {
  pipedrive: FakePipedrive;
  /** Per attempt (the adapter's default is 10 s; faults want short ones). */
  timeoutMs?: number;
  maxRetries?: number;
  /** The adapter's pause between retries; tests record the waits asked for and shorten them. */
  sleep?: (ms: number) => Promise<void>;
  logLevel?: string;
}

/** A request Slack sent, and what the receiver answered (the ack). */
export interface SentRequest {
  status: number;
  /** The ack's body, parsed when it is JSON. */
  ack: unknown;
  /** The response_url minted for this request (null for view submissions). */
  responseUrl: string | null;
  responseId: string | null;
  /** How many stand-in calls were recorded before this request. */
  fromIndex: number;
}

export interface DealbotOverHttp {
  readonly events: string;
  readonly standin: SlackApiStandin;
  readonly store: Store;
  readonly crm: CrmClient;
  slash(text: string, options?: { command?: '/deal' | '/pipeline'; triggerId?: string }): Promise<SentRequest>;
  action(action: PayloadAction, options?: { triggerId?: string }): Promise<SentRequest>;
  submit(view: PayloadView, values: StateValues, options?: { times?: number }): Promise<SentRequest[]>;
  /** The first response_url post answering `sent`. */
  reply(sent: SentRequest, timeoutMs?: number): Promise<StandinCall>;
  /** The first call of `method` recorded since `sent` was made that satisfies `predicate`. */
  callAfter(sent: SentRequest, method: string, predicate?: (call: StandinCall) => boolean, timeoutMs?: number): Promise<StandinCall>;
  close(): Promise<void>;
}

async function readAck(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startDealbotOverHttp(options: DealbotOverHttpOptions): Promise<DealbotOverHttp> {
  const standin = await startSlackApiStandin({ users: [ADA] });
  const store = await createStore('memory://');
  const logger = createLogger(options.logLevel ?? 'silent');
  const pipedrive = createPipedriveClient({
    apiToken: options.pipedrive.apiToken,
    baseUrl: options.pipedrive.url,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const crm = createCachedCrm(pipedrive, store, { namespace: 'faults' });
  const receiver = createHttpReceiver({ signingSecret: SIGNING_SECRET, logger: boltLogger(logger) });
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver,
    token: 'xoxb-faults',
    slackApiUrl: standin.url,
    tokenVerification: false,
  });
  const server = (await app.start(0)) as Server;
  const events = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;

  const post = async (body: string, responseUrl: string | null): Promise<SentRequest> => {
    const fromIndex = standin.calls.length;
    const res = await postSigned({ url: events, secret: SIGNING_SECRET, body });
    return {
      status: res.status,
      ack: await readAck(res),
      responseUrl,
      responseId: responseUrl ? standin.responseIdOf(responseUrl) : null,
      fromIndex,
    };
  };

  return {
    events,
    standin,
    store,
    crm,
    slash(text, slashOptions = {}) {
      const responseUrl = standin.responseUrl({ channel: 'C0CONSOLE' });
      const payload = slashCommandPayload({
        command: slashOptions.command ?? '/deal',
        text,
        responseUrl,
        triggerId: slashOptions.triggerId ?? standin.triggerId(),
      });
      return post(formBody(payload), responseUrl);
    },
    action(action, actionOptions = {}) {
      const responseUrl = standin.responseUrl({ channel: 'C0CONSOLE', ephemeral: true });
      const payload = blockActionPayload({
        action,
        message: { ts: '1700000000.000100', ephemeral: true },
        responseUrl,
        triggerId: actionOptions.triggerId ?? standin.triggerId(),
      });
      return post(payloadBody(payload), responseUrl);
    },
    async submit(view, values, submitOptions = {}) {
      // The person has the modal open: Slack knows it, so the app may update it.
      if (view.id && !standin.view(view.id))
        standin.knownView({ id: view.id, ...(typeof view.hash === 'string' ? { hash: view.hash } : {}) });
      const body = payloadBody(viewSubmissionPayload({ view, values }));
      return Promise.all(Array.from({ length: submitOptions.times ?? 1 }, () => post(body, null)));
    },
    reply(sent, timeoutMs = 5000) {
      return standin.waitFor((c, i) => i >= sent.fromIndex && c.method === 'response_url' && c.responseId === sent.responseId, timeoutMs);
    },
    callAfter(sent, method, predicate = () => true, timeoutMs = 5000) {
      return standin.waitFor((c, i) => i >= sent.fromIndex && c.method === method && predicate(c), timeoutMs);
    },
    async close() {
      await app.stop();
      await standin.close();
      await store.close();
    },
  };
}

type Texty = { text?: unknown } | string | undefined;
const words = (t: Texty): string => (typeof t === 'string' ? t : typeof t?.text === 'string' ? t.text : '');

/** The words a block shows, in reading order (headers, sections and their fields, context, buttons, input labels and values). */
function blockWords(block: Record<string, unknown>): string[] {
  const out: string[] = [words(block.text as Texty)];
  if (block.type === 'input') out.push(words(block.label as Texty));
  for (const field of (block.fields as Texty[] | undefined) ?? []) out.push(words(field));
  for (const element of (block.elements as Array<Record<string, unknown>> | undefined) ?? [])
    out.push(words(element as Texty), words(element.text as Texty));
  const element = block.element as Record<string, unknown> | undefined;
  if (element && typeof element.initial_value === 'string') out.push(element.initial_value);
  const accessory = block.accessory as Record<string, unknown> | undefined;
  if (accessory) out.push(words(accessory.text as Texty));
  return out.filter(Boolean);
}

/**
 * What the person read in a recorded Slack call: a message's blocks (its `text` when it has
 * none) or, for views.open/update/push, the modal's. Zero-width spaces that defuse mentions
 * are dropped. Always read from the call Slack received, never typed by a test.
 */
export function visibleText(call: StandinCall): string {
  const view = call.args.view as Record<string, unknown> | undefined;
  const blocks = (view?.blocks ?? call.args.blocks) as Array<Record<string, unknown>> | undefined;
  const shown = Array.isArray(blocks) && blocks.length > 0 ? blocks.flatMap(blockWords).join(' ') : words(call.args as Texty);
  return shown.replaceAll('\u200b', '').replace(/\s+/g, ' ').trim();
}

/** What a person reads in a reply. */
export const replyText = visibleText;
