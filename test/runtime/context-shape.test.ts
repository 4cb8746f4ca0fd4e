// Every request's context is built holding every key it will be given (listeners/context.ts,
// `dealbotContextShape`): on Node 20 a context Bolt makes by a spread gets a hidden class of
// its own for each key added after it, which made every request's context a class of its own
// and every read of it a miss of V8's caches (the ack bench's CPU per burst fell by a third to
// a half when the keys were declared). Here the real app, behind the instrumented receiver as
// production assembles it, takes one request of every kind Dealbot answers, and each
// context, after its request is done (work after the ack included), holds exactly the shape's
// keys, in its order: no middleware or listener added one of its own. A key added later and
// not declared fails this test, rather than quietly slowing every request down.

import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { STANDIN_BOT, STANDIN_TEAM, startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import {
  blockActionPayload,
  blockSuggestionPayload,
  shortcutPayload,
  slashCommandPayload,
  viewSubmissionPayload,
} from '../../src/console/slack-payloads.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { dealbotContextShape, type DealbotContext } from '../../src/listeners/context.js';
import { createLogger } from '../../src/logger.js';
import { createInFlight } from '../../src/runtime/in-flight.js';
import { instrumentReceiver } from '../../src/runtime/instrumented-receiver.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { ActionId, CallbackId, DealFormExtraField, DealFormField, encodeDealStage } from '../../src/ui/ids.js';

const ADA = { id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };

const text = (value: string) => ({ type: 'plain_text_input', value });
const select = (value: string, label: string = value) => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: label, emoji: true }, value },
});

/** One request of each kind Dealbot answers, as Slack sends it. */
const REQUESTS: Record<string, () => Record<string, unknown>> = {
  'a command (/deal 1)': () => slashCommandPayload({ command: '/deal', text: '1' }),
  'a command that writes (/deal new)': () => slashCommandPayload({ command: '/deal', text: 'new Shape Co 12k EUR' }),
  'a command that reads the board (/pipeline)': () => slashCommandPayload({ command: '/pipeline', text: '' }),
  'a card’s Move': () =>
    blockActionPayload({
      action: {
        action_id: ActionId.cardMove,
        type: 'static_select',
        selected_option: { text: 'Proposal', value: encodeDealStage({ dealId: '2', stageId: '3' }) },
      },
      message: { ts: '1700000000.000100', ephemeral: true },
    }),
  'the create modal’s submission': () =>
    viewSubmissionPayload({
      view: {
        id: 'VSHAPE1',
        hash: '1.1',
        callback_id: CallbackId.createDealModal,
        private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', defaultCurrency: 'EUR' }),
      },
      values: {
        [DealFormField.title]: { [DealFormField.title]: text('Shape Co expansion') },
        [DealFormField.value]: { [DealFormField.value]: text('12k') },
        [DealFormField.currency]: { [DealFormField.currency]: select('EUR') },
        [DealFormField.pipeline]: { [DealFormField.pipeline]: select('1', 'Sales') },
        [DealFormField.stage]: { [`${DealFormField.stage}:1`]: select('2', 'Contact made') },
      },
    }),
  'a global shortcut': () => shortcutPayload({ callbackId: CallbackId.newDealShortcut }),
  'an organization picker’s options': () =>
    blockSuggestionPayload({ actionId: DealFormExtraField.organization, blockId: DealFormExtraField.organization, value: 'Ac' }),
  'the Home tab opening (an event)': () => ({
    token: 'console-verification-token',
    team_id: STANDIN_TEAM.id,
    api_app_id: STANDIN_BOT.appId,
    type: 'event_callback',
    event_id: 'EvSHAPE1',
    event_time: 1_700_000_000,
    event: { type: 'app_home_opened', user: ADA.id, channel: 'D0CONSOLE', tab: 'home', event_ts: '1700000000.000200' },
    authorizations: [{ team_id: STANDIN_TEAM.id, user_id: STANDIN_BOT.userId, is_bot: true, is_enterprise_install: false }],
  }),
};

describe('a request’s context', () => {
  let standin: SlackApiStandin;
  let store: Store;
  const contexts: Array<{ request: string; context: DealbotContext; acked: unknown }> = [];

  beforeAll(async () => {
    standin = await startSlackApiStandin({ users: [ADA] });
    store = await createStore('memory://');
    const crm = createLocalCrm({ store });
    await ensureSeeded(crm, store);
    let deliver!: (event: ReceiverEvent) => Promise<void>;
    const receiver: Receiver = {
      init: (app) => void (deliver = (event) => app.processEvent(event)),
      start: async () => undefined,
      stop: async () => undefined,
    };
    const inFlight = createInFlight();
    const logger = createLogger('silent');
    instrumentReceiver(receiver, { inFlight, logger });
    const app = createApp({
      store,
      logger,
      crmForTeam: () => crm,
      receiver,
      token: 'xoxb-shape',
      slackApiUrl: standin.url,
      identity: { botId: STANDIN_BOT.botId, botUserId: STANDIN_BOT.userId },
      installation: { teamId: STANDIN_TEAM.id, enterpriseId: null, isEnterpriseInstall: false, appId: STANDIN_BOT.appId },
    });
    let current = '';
    // After Dealbot's middleware, before the listener: the context as the listener gets it.
    app.use(async ({ context, next }) => {
      contexts.push({ request: current, context: context as DealbotContext, acked: null });
      await next();
    });
    for (const [request, payload] of Object.entries(REQUESTS)) {
      current = request;
      let acked: unknown = 'never';
      await deliver({ body: payload(), ack: async (response?: unknown) => void (acked = response ?? 'empty') });
      await inFlight.drain(5_000);
      const seen = contexts.find((c) => c.request === request);
      if (seen) seen.acked = acked;
    }
  });

  afterAll(async () => {
    await standin.close();
    await store.close();
  });

  it('reached every listener, which answered', () => {
    expect(contexts.map((c) => c.request)).toEqual(Object.keys(REQUESTS));
    for (const { request, context, acked } of contexts) {
      expect(acked, request).not.toBe('never');
      // Dealbot's middleware ran: the CRM, the store and the request's logger are there.
      expect(context.crm, request).toBeDefined();
      expect(context.store, request).toBeDefined();
      expect(context.logger, request).toBeDefined();
      expect(context.requestLogger, request).toBeDefined();
    }
  });

  it('holds exactly the declared keys, in their order, once its request is done', () => {
    const declared = Object.keys(dealbotContextShape({}));
    for (const { request, context } of contexts) {
      expect(Object.keys(context), request).toEqual(declared);
    }
  });
});
