// Pipedrive's webhooks over real HTTP, through the ops server's route, into the deal watch:
// credentials, the real v2 body PipedreamHQ recorded (and bodies derived from it, see the
// fixtures' README), deduplication of retries, the answer inside Pipedrive's timeout.

import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPipedriveWebhook } from '../../src/crm/pipedrive/pipedrive-webhook-body.js';
import type { Deal, Page } from '../../src/crm/port.js';
import type { DealEvent } from '../../src/domain/deal-events.js';
import { createLogger } from '../../src/logger.js';
import { createOpsServer, type OpsServer } from '../../src/runtime/ops-server.js';
import {
  createPipedriveWebhookHandler,
  PIPEDRIVE_WEBHOOK_PATH,
  type PipedriveWebhookOptions,
} from '../../src/runtime/pipedrive-webhook.js';
import { createReadiness } from '../../src/runtime/readiness.js';
import { createDealWatch, CURSOR_KEY, SNAPSHOT_KEY_PREFIX, type DealWatch } from '../../src/services/deal-watch.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { stubCrm } from '../helpers/stub-crm.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));
const CREATE = fixture('real-webhook-v2-create-deal');
const MOVED = fixture('webhook-v2-change-deal-moved');
const WON = fixture('webhook-v2-change-deal-won');
const DELETED = fixture('webhook-v2-delete-deal');
const V1_UPDATED = fixture('real-webhook-v1-updated-deal');

const USER = 'pipedrive';
const PASSWORD = 'correct horse battery staple';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let store: Store;
let ops: OpsServer;
let base: string;
let events: DealEvent[];
let watch: DealWatch;
let onEvents: (batch: DealEvent[]) => Promise<void> | void;
let polled: Deal[];

async function serve(options: Partial<PipedriveWebhookOptions> = {}): Promise<void> {
  const handler = createPipedriveWebhookHandler({
    credentials: { user: USER, password: PASSWORD },
    store,
    logger: createLogger('silent'),
    // The composition root's glue: the adapter reads the body, the watch takes the change.
    read: (body) => {
      const reading = readPipedriveWebhook(body);
      if (reading.kind !== 'deal') return reading;
      return { kind: 'accept', eventId: reading.event.eventId, work: () => watch.ingestPushed(reading.event) };
    },
    ...options,
  });
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>([[PIPEDRIVE_WEBHOOK_PATH, handler]]);
  ops = createOpsServer({ readiness: createReadiness(), logger: createLogger('silent'), routes });
  base = `http://127.0.0.1:${await ops.listen(0, '127.0.0.1')}`;
}

beforeEach(async () => {
  store = scopeStore(await createStore('memory://'), 'T1');
  events = [];
  polled = [];
  onEvents = (batch) => {
    events.push(...batch);
  };
  watch = createDealWatch({
    crm: stubCrm('webhook', { listDeals: async (): Promise<Page<Deal>> => ({ items: polled, nextCursor: null }) }),
    store,
    now: () => DateTime.fromISO('2025-04-20T00:00:00Z'),
    logger: createLogger('silent'),
    onEvents: (batch) => onEvents(batch),
    instanceId: 'replica-a',
    pollSeconds: 60,
  });
});

afterEach(async () => {
  await ops?.close();
});

function post(body: unknown, authorization: string | null = basic(USER, PASSWORD)) {
  return fetch(`${base}${PIPEDRIVE_WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
}

describe('POST /webhooks/pipedrive', () => {
  it('refuses a wrong password or no credentials with 401 and does nothing', async () => {
    await serve();
    const wrong = await post(CREATE, basic(USER, 'wrong'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="dealbot"/);
    expect((await post(CREATE, basic('someone', PASSWORD))).status).toBe(401);
    expect((await post(CREATE, null)).status).toBe(401);
    expect((await post(CREATE, 'Bearer abc')).status).toBe(401);
    expect(events).toEqual([]);
    await expect(store.get(`${SNAPSHOT_KEY_PREFIX}1`)).resolves.toBeUndefined();

    // Nothing was claimed either: the same event with the right credentials is taken.
    expect((await post(CREATE)).status).toBe(200);
    expect(events.map((e) => e.kind)).toEqual(['created']);
  });

  it('answers 404 when no webhook credentials are configured', async () => {
    await serve({ credentials: null });
    expect((await post(CREATE)).status).toBe(404);
    expect(events).toEqual([]);
  });

  it("turns PipedreamHQ's recorded create.deal body into one alert, and the same body again into none", async () => {
    await serve();
    const first = await post(CREATE);
    expect(first.status).toBe(200);
    await expect(first.json()).resolves.toEqual({ ok: true });
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'created',
        dealId: '1',
        source: 'webhook',
        actor: { crmUserId: '123123' },
        deal: expect.objectContaining({ title: 'Title', value: { amount: 2, currency: 'BRL' }, stageId: '1', ownerId: '123123' }),
      }),
    ]);

    const again = await post(CREATE);
    expect(again.status).toBe(200);
    await expect(again.json()).resolves.toEqual({ ok: true, duplicate: true });
    expect(events).toHaveLength(1);
  });

  it('says moved (with the value change) and then won for change bodies, and forgets a deleted deal', async () => {
    await serve();
    await post(CREATE);
    await post(MOVED);
    await post(WON);
    expect(events.map((e) => e.kind)).toEqual(['created', 'moved', 'value', 'won']);
    expect(events[1]).toMatchObject({ fromStageId: '1', toStageId: '2', fromPipelineId: '1' });
    expect(events[2]).toMatchObject({ from: { amount: 2, currency: 'BRL' }, to: { amount: 2500, currency: 'BRL' } });

    expect((await post(DELETED)).status).toBe(200);
    expect(events).toHaveLength(4);
    await expect(store.get(`${SNAPSHOT_KEY_PREFIX}1`)).resolves.toBeUndefined();
  });

  it('reads the deal before a change from "previous" when it keeps no snapshot of the deal', async () => {
    await serve();
    await post(WON);
    expect(events.map((e) => e.kind)).toEqual(['won']);
  });

  it('announces a change once when the poll sees it after the webhook', async () => {
    await serve();
    await post(CREATE);
    await post(MOVED);
    expect(events).toHaveLength(3);
    await store.set(CURSOR_KEY, '2025-04-16T09:12:05.000Z');
    // The poll reads the same v2 deal object the webhook carried.
    const reading = readPipedriveWebhook(MOVED);
    polled = reading.kind === 'deal' && reading.event.deal ? [reading.event.deal] : [];
    expect(polled).toHaveLength(1);
    await expect(watch.pollOnce()).resolves.toMatchObject({ result: 'polled', deals: 1, events: 0 });
    expect(events).toHaveLength(3);
  });

  it("refuses a version 1 body (PipedreamHQ's recorded updated.deal) with 400", async () => {
    await serve();
    const response = await post(V1_UPDATED);
    expect(response.status).toBe(400);
    expect(events).toEqual([]);
  });

  it('answers 200 for another entity and does nothing with it', async () => {
    await serve();
    const person = { ...CREATE, meta: { ...CREATE.meta, entity: 'person', id: 'p-1' }, data: { id: 3, name: 'Ada' } };
    const response = await post(person);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ ok: true, ignored: 'entity person' });
    expect(events).toEqual([]);
  });

  it('answers 200 inside its budget while slow work carries on, and delivers when it is done', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    onEvents = async (batch) => {
      await gate;
      events.push(...batch);
    };
    await serve({ answerWithinMs: 20 });
    const response = await post(CREATE);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ ok: true, pending: true });
    expect(events).toEqual([]);
    open();
    await expect.poll(() => events.length).toBe(1);
  });

  it('answers 500 and takes the retry when the work fails inside its budget', async () => {
    let failures = 1;
    onEvents = (batch) => {
      if (failures-- > 0) throw new Error('the store blinked');
      events.push(...batch);
    };
    await serve();
    expect((await post(CREATE)).status).toBe(500);
    expect(events).toEqual([]);
    const retry = { ...CREATE, meta: { ...CREATE.meta, attempt: 2 } };
    expect((await post(retry)).status).toBe(200);
    expect(events.map((e) => e.kind)).toEqual(['created']);
  });
});
