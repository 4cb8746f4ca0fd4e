// End to end through the real Bolt HTTP receiver: Slack's signed requests in, Slack's Web
// API served by the recording stand-in on loopback (SLACK_API_URL), Pipedrive mocked with
// nock at its HTTP boundary. What is asserted is what a person and the Pipedrive account
// would notice: the replies, in order, and the requests Pipedrive received.

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, boltLogger } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createCachedCrm } from '../../src/crm/cached-crm.js';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH, HEALTH_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { ActionId, CallbackId, DealFormField, encodeDealStage } from '../../src/ui/ids.js';
import { blockActionPayload, slashCommandPayload, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { formBody, payloadBody, postSigned } from '../helpers/slack-signing.js';

const SECRET = 'e2e-signing-secret';
/**
 * Pipedrive's host, new for each test: work a previous test's app still does after it
 * ended cannot consume this test's interceptors.
 */
let PD = 'https://pd-0.example.test';
let testNumber = 0;
const PD_TOKEN = 'pd-e2e-secret-token-0123456789';
const USER = { id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

const stages = [
  { id: 1, name: 'Qualified', order_nr: 1 },
  { id: 2, name: 'Proposal', order_nr: 2 },
  { id: 3, name: 'Negotiation', order_nr: 3 },
].map((s) => ({ ...fixture('stages').data[0], ...s, pipeline_id: 1 }));

function deal(overrides: Json = {}): Json {
  return {
    success: true,
    data: {
      ...fixture('deal').data,
      id: 42,
      title: 'Acme renewal',
      value: 12000,
      currency: 'EUR',
      stage_id: 1,
      pipeline_id: 1,
      owner_id: 1,
      org_id: null,
      person_id: null,
      status: 'open',
      lost_reason: null,
      ...overrides,
    },
  };
}

/** Reference data the cache reads at most once per test. */
function referenceData(scope: nock.Scope): nock.Scope {
  return (
    scope
      .get('/api/v2/stages')
      .query(true)
      .reply(200, { success: true, data: stages, additional_data: { next_cursor: null } })
      .get('/api/v2/pipelines')
      .query(true)
      .reply(200, { ...fixture('pipelines'), additional_data: { next_cursor: null } })
      .get('/v1/users')
      .query(true)
      .reply(200, {
        success: true,
        data: [{ ...fixture('users').data[0], id: 1, name: 'Ada Lovelace', email: 'ada@example.com', active_flag: true }],
      })
      // Read for deal links and the default currency; a failed create never needs it.
      .get('/v1/users/me')
      .query(true)
      .optionally()
      .reply(200, { ...fixture('users-me'), data: { ...fixture('users-me').data, company_domain: 'acme' } })
  );
}

let standin: SlackApiStandin;
let store: Store;
let server: Server;
let events: string;

beforeEach(async () => {
  testNumber += 1;
  PD = `https://pd-${testNumber}.example.test`;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  standin = await startSlackApiStandin({ users: [USER] });
  store = await createStore('memory://');
  const logger = createLogger('silent');
  const crm = createCachedCrm(createPipedriveClient({ apiToken: PD_TOKEN, baseUrl: PD }), store, { namespace: 'e2e' });
  const receiver = createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) });
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver,
    token: 'xoxb-e2e',
    slackApiUrl: standin.url,
    tokenVerification: false,
  });
  server = (await app.start(0)) as Server;
  events = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await standin.close();
  await store.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const slash = (text: string, extra: { triggerId?: string } = {}) =>
  formBody(slashCommandPayload({ command: '/deal', text, responseUrl: standin.responseUrl(), ...extra }));

describe('Slack → Dealbot → Pipedrive over the HTTP receiver', () => {
  it('refuses unsigned, wrongly signed and stale requests before doing anything', async () => {
    const scope = nock(PD).get(/.*/).reply(500);
    const body = slash('won 42');
    expect((await postSigned({ url: events, secret: SECRET, body, signature: null })).status).toBe(401);
    expect((await postSigned({ url: events, secret: 'not-the-secret', body })).status).toBe(401);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expect((await postSigned({ url: events, secret: SECRET, body, timestamp: tenMinutesAgo })).status).toBe(401);
    expect(scope.isDone()).toBe(false);
    expect(standin.calls).toHaveLength(0);
  });

  it('answers the health check', async () => {
    const res = await fetch(events.replace(EVENTS_PATH, HEALTH_PATH));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('/deal won 42 marks the deal won in Pipedrive and announces it in the channel', async () => {
    const scope = referenceData(nock(PD, { reqheaders: { 'x-api-token': PD_TOKEN } }))
      .get('/api/v2/deals/42')
      .reply(200, deal())
      .patch('/api/v2/deals/42', (body) => body.status === 'won')
      .reply(200, deal({ status: 'won', won_time: '2026-11-21T10:00:00Z', close_time: '2026-11-21T10:00:00Z' }));

    const res = await postSigned({ url: events, secret: SECRET, body: slash('won 42') });
    expect(res.status).toBe(200);

    const announcement = await standin.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');
    expect(String(announcement.args.text)).toContain('Acme renewal');
    expect(JSON.stringify(announcement.args.blocks)).toMatch(/won/i);
    expect(scope.isDone()).toBe(true);
  });

  it('a Move select on the card moves the deal and replaces the card', async () => {
    const scope = referenceData(nock(PD))
      .get('/api/v2/deals/42')
      .reply(200, deal())
      .patch('/api/v2/deals/42', (body) => body.stage_id === 3)
      .reply(200, deal({ stage_id: 3 }));

    const body = payloadBody(
      blockActionPayload({
        action: {
          action_id: ActionId.cardMove,
          type: 'static_select',
          selected_option: { text: 'Negotiation', value: encodeDealStage({ dealId: '42', stageId: '3' }) },
        },
        message: { ts: '1700000000.000100', ephemeral: true },
        responseUrl: standin.responseUrl(),
      }),
    );
    expect((await postSigned({ url: events, secret: SECRET, body })).status).toBe(200);

    const card = await standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true);
    expect(JSON.stringify(card.args.blocks)).toContain('Negotiation');
    expect(JSON.stringify(card.args.blocks)).toContain('Moved from');
    expect(scope.isDone()).toBe(true);
  });

  it('a create-modal submission creates one deal even when submitted twice, and replies with the card', async () => {
    let creates = 0;
    const scope = referenceData(nock(PD))
      .post('/api/v2/deals', (body) => {
        creates += 1;
        return body.title === 'Globex expansion' && body.value === 1500000 && body.currency === 'USD' && body.stage_id === 2;
      })
      .reply(200, deal({ id: 43, title: 'Globex expansion', value: 1500000, currency: 'USD', stage_id: 2 }));

    const responseUrl = standin.responseUrl();
    const view = {
      id: 'VCREATE1',
      hash: '1700000000.abcd',
      callback_id: CallbackId.createDealModal,
      private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', responseUrl, defaultCurrency: 'EUR' }),
    };
    const values = {
      [DealFormField.title]: { [DealFormField.title]: { type: 'plain_text_input', value: 'Globex expansion' } },
      [DealFormField.value]: { [DealFormField.value]: { type: 'plain_text_input', value: '1.5m' } },
      [DealFormField.currency]: {
        [DealFormField.currency]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'USD' }, value: 'USD' } },
      },
      [DealFormField.pipeline]: {
        [DealFormField.pipeline]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'P' }, value: '1' } },
      },
      [DealFormField.stage]: {
        'deal_stage:1': { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Proposal' }, value: '2' } },
      },
    };
    standin.knownView(view);
    const body = payloadBody(viewSubmissionPayload({ view, values }));
    const [first, second] = await Promise.all([
      postSigned({ url: events, secret: SECRET, body }),
      postSigned({ url: events, secret: SECRET, body }),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    // The ack keeps the modal open with "Creating…" rather than closing it.
    expect(await first.json()).toMatchObject({ response_action: 'update' });

    const card = await standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args.blocks).includes('Globex expansion'));
    expect(card.args.response_type).toBe('ephemeral');
    await standin.waitFor((c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes('Created'));
    expect(creates).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  function createSubmission(title: string, extra: Record<string, unknown> = {}) {
    const view = {
      id: `V${title.replace(/\W/g, '').toUpperCase()}`,
      hash: '1700000000.ef01',
      callback_id: CallbackId.createDealModal,
      private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', responseUrl: standin.responseUrl(), defaultCurrency: 'EUR' }),
    };
    const values = {
      [DealFormField.title]: { [DealFormField.title]: { type: 'plain_text_input', value: title } },
      [DealFormField.value]: { [DealFormField.value]: { type: 'plain_text_input', value: '12k' } },
      [DealFormField.probability]: { [DealFormField.probability]: { type: 'plain_text_input', value: '30' } },
      [DealFormField.stage]: {
        'deal_stage:1': { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Qualified' }, value: '1' } },
      },
      ...extra,
    };
    standin.knownView(view);
    return payloadBody(viewSubmissionPayload({ view, values }));
  }

  it('answers a form mistake next to the field before calling Pipedrive', async () => {
    // Who Ada is in Pipedrive (a write needs a linked person) is the one read allowed first.
    nock(PD)
      .get('/v1/users')
      .query(true)
      .reply(200, {
        success: true,
        data: [{ ...fixture('users').data[0], id: 1, name: 'Ada Lovelace', email: 'ada@example.com', active_flag: true }],
      });
    const scope = nock(PD).post('/api/v2/deals').reply(200, deal());
    const body = createSubmission('Bad probability', {
      [DealFormField.probability]: { [DealFormField.probability]: { type: 'plain_text_input', value: '140' } },
    });
    const res = await postSigned({ url: events, secret: SECRET, body });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { [DealFormField.probability]: 'Use a whole number from 0 to 100.' },
    });
    expect(scope.isDone()).toBe(false);
  });

  it('maps a Pipedrive 400 back to the field it names and keeps everything typed', async () => {
    const scope = referenceData(nock(PD))
      .post('/api/v2/deals')
      .reply(400, { success: false, error: "Parameter 'probability' must be between 0 and 100.", data: null });
    const res = await postSigned({ url: events, secret: SECRET, body: createSubmission('Umbrella audit') });
    expect(await res.json()).toMatchObject({ response_action: 'update' });

    const redrawn = await standin.waitFor((c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes('must be between'));
    const view = JSON.stringify(redrawn.args.view);
    expect(view).toContain('Umbrella audit');
    expect(view).toContain('12k');
    const probability = (redrawn.args.view as { blocks: Array<{ block_id?: string; hint?: { text: string } }> }).blocks.find(
      (b) => b.block_id === DealFormField.probability,
    );
    expect(probability?.hint?.text).toMatch(/Pipedrive.*between 0 and 100/);
    expect(scope.isDone()).toBe(true);
  });

  it('keeps the modal open with what was typed when Pipedrive is down, and never retries the create', async () => {
    let creates = 0;
    const scope = referenceData(nock(PD))
      .post('/api/v2/deals', () => {
        creates += 1;
        return true;
      })
      .reply(503, 'unavailable');
    const res = await postSigned({ url: events, secret: SECRET, body: createSubmission('Hooli pilot') });
    expect(await res.json()).toMatchObject({ response_action: 'update' });

    const redrawn = await standin.waitFor((c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes('Hooli pilot'));
    const view = JSON.stringify(redrawn.args.view);
    expect(view).toMatch(/unavailable/i);
    expect(view).toContain('Everything you typed is still here');
    expect(view).toContain('12k');
    expect(creates).toBe(1);
    expect(standin.calls.some((c) => c.method === 'response_url')).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it('a retried slash command (same trigger_id, X-Slack-Retry-Num) creates one deal and is dropped after its ack', async () => {
    let creates = 0;
    const scope = referenceData(nock(PD))
      .post('/api/v2/deals', () => {
        creates += 1;
        return true;
      })
      .reply(200, deal({ id: 44, title: 'Initech', value: 5000 }))
      // Read once, by the `/deal 44` sent after the retry; the retry itself reads nothing.
      .get('/api/v2/deals/44')
      .reply(200, deal({ id: 44, title: 'Initech', value: 5000 }));
    const body = slash('new Initech 5k EUR', { triggerId: '1700000000.12345.abcdef' });
    expect((await postSigned({ url: events, secret: SECRET, body })).status).toBe(200);
    await standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args.blocks).includes('Initech'));
    const mark = standin.calls.length;
    const retry = await postSigned({
      url: events,
      secret: SECRET,
      body,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe('');
    // The first delivery answered the person; the retry adds nothing. A later command's
    // answer marks the point by which a retry that got through would have answered too.
    await postSigned({ url: events, secret: SECRET, body: slash('44') });
    await standin.waitFor((c, i) => i >= mark && c.method === 'response_url' && JSON.stringify(c.args.blocks).includes('Initech'));
    expect(standin.calls.slice(mark).filter((c) => c.method === 'response_url')).toHaveLength(1);
    expect(creates).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it('a Pipedrive outage is told to the person with the next step, and the token never shows', async () => {
    nock(PD).get('/api/v2/deals/42').times(4).reply(503, 'down');
    expect((await postSigned({ url: events, secret: SECRET, body: slash('42') })).status).toBe(200);
    const reply = await standin.waitFor((c) => c.method === 'response_url', 15_000);
    expect(String(reply.args.text)).toMatch(/Pipedrive/);
    expect(String(reply.args.text)).toMatch(/try again/i);
    expect(JSON.stringify(standin.calls)).not.toContain(PD_TOKEN);
  });
});
