// The alerts' poll against the Pipedrive adapter behind nock: what a poll costs the account.
// Every request is counted (the adapter's `onExchange`), and a request no scope expected fails
// the test (the nock boundary).

import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmExchange } from '../../src/crm/http/http-client.js';
import type { DealEvent } from '../../src/domain/deal-events.js';
import { createLogger } from '../../src/logger.js';
import { createDealWatch, CURSOR_KEY } from '../../src/services/deal-watch.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { useNockBoundary } from '../helpers/nock-boundary.js';
import { createPipedriveUnderTest, pipedriveApi } from '../helpers/pipedrive-under-test.js';

useNockBoundary();

const recordedDeal = JSON.parse(readFileSync(new URL('../fixtures/pipedrive/real-v2-deal.json', import.meta.url), 'utf8')).data;

let store: Store;
beforeEach(async () => {
  store = scopeStore(await createStore('memory://'), 'T1');
});
afterEach(async () => {
  await store.close();
});

function pipedriveWatch() {
  const exchanges: CrmExchange[] = [];
  const events: DealEvent[] = [];
  const crm = createPipedriveUnderTest([], { onExchange: (exchange) => exchanges.push(exchange) });
  const watch = createDealWatch({
    crm,
    store,
    now: () => DateTime.fromISO('2026-05-15T10:20:00Z'),
    logger: createLogger('silent'),
    onEvents: (batch) => {
      events.push(...batch);
    },
    instanceId: 'replica-a',
    pollSeconds: 60,
  });
  return { watch, exchanges, events };
}

const emptyPage = { success: true, data: [], additional_data: { next_cursor: null } };

describe('polling Pipedrive', () => {
  it('costs one request when nothing changed: one page of GET /api/v2/deals?updated_since=…, oldest change first', async () => {
    await store.set(CURSOR_KEY, '2026-05-15T10:16:44.000Z');
    const scope = pipedriveApi()
      .get('/api/v2/deals')
      .query({ updated_since: '2026-05-15T10:14:44Z', sort_by: 'update_time', sort_direction: 'asc', limit: '500' })
      .reply(200, emptyPage);
    const { watch, exchanges, events } = pipedriveWatch();

    await expect(watch.pollOnce()).resolves.toEqual({ result: 'polled', pages: 1, deals: 0, events: 0 });

    scope.done();
    expect(exchanges.map((e) => `${e.method} ${e.endpoint} ${e.status}`)).toEqual(['GET /api/v2/deals 200']);
    expect(events).toEqual([]);
  });

  it('announces the recorded deal won, read from one page, and nothing more the next time', async () => {
    const { watch, exchanges, events } = pipedriveWatch();
    // The first poll (no cursor) reads every deal once, to know how they stand.
    pipedriveApi()
      .get('/api/v2/deals')
      .query({ limit: '500' })
      .reply(200, { success: true, data: [recordedDeal], additional_data: { next_cursor: null } });
    await expect(watch.pollOnce()).resolves.toMatchObject({ result: 'baseline', deals: 1, events: 0 });
    await expect(store.get(CURSOR_KEY)).resolves.toBe('2026-05-15T10:16:44.000Z');

    const won = {
      ...recordedDeal,
      status: 'won',
      won_time: '2026-05-15T10:19:03Z',
      close_time: '2026-05-15T10:19:03Z',
      update_time: '2026-05-15T10:19:03Z',
    };
    pipedriveApi()
      .get('/api/v2/deals')
      .query({ updated_since: '2026-05-15T10:14:44Z', sort_by: 'update_time', sort_direction: 'asc', limit: '500' })
      .reply(200, { success: true, data: [won], additional_data: { next_cursor: null } });
    await watch.pollOnce();
    expect(events.map((e) => [e.kind, e.deal.title, e.deal.value])).toEqual([
      ['won', 'Acme Corp - Enterprise License', { amount: 25000, currency: 'USD' }],
    ]);

    // The next poll looks back over the overlap and sees the same won deal: not news.
    pipedriveApi()
      .get('/api/v2/deals')
      .query({ updated_since: '2026-05-15T10:17:03Z', sort_by: 'update_time', sort_direction: 'asc', limit: '500' })
      .reply(200, { success: true, data: [won], additional_data: { next_cursor: null } });
    await watch.pollOnce();
    expect(events).toHaveLength(1);
    expect(exchanges).toHaveLength(3);
  });
});
