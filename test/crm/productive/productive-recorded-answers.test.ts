// The Productive adapter on what Productive really answered (test/fixtures/productive/README.md:
// productiveio/cli-toolbox cassettes). Stage lists come from the documented seed examples,
// because no recording of `/deal_statuses` exists; each such use is named.

import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProductiveClient, type ProductiveClientOptions } from '../../../src/crm/productive/productive-client.js';
import { CrmNotFoundError, CrmSettingsError, CrmValidationError } from '../../../src/errors.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { errorMessage } from '../../../src/ui/error-message.js';
import { failure } from '../../helpers/crm-failure.js';

const API = 'https://api.productive.io';
const TOKEN = 'pk-recorded-0000-1111-2222-333344445555';
const ORG = '10';
const INCLUDE = 'deal_status,company,contact,responsible,lost_reason';
const REASON = 'Price';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../fixtures/productive/${name}.json`, import.meta.url), 'utf8'));

function productive(options: Partial<ProductiveClientOptions> = {}) {
  return createProductiveClient({
    apiToken: TOKEN,
    organizationId: ORG,
    now: () => DateTime.fromISO('2026-03-24T09:00:00Z', { zone: 'utc' }),
    sleep: async () => {},
    maxRetries: 0,
    ...options,
  });
}

const api = () => nock(API, { reqheaders: { 'x-auth-token': TOKEN, 'x-organization-id': ORG } });

/** The recorded page as an answer to the adapter's own list request (same deals, our page size). */
function recordedPage(): Json {
  const page = fixture('recorded-deals-page');
  return { ...page, meta: { ...page.meta, total_pages: 1, total_count: page.data.length } };
}

/** The documented stage list (seed 000) in pipeline 410, as the stage request answers it. */
function documentedStages(): Json {
  const stages = fixture('deal-statuses').data.map((s: Json) => ({
    ...s,
    relationships: { ...s.relationships, pipeline: { data: { type: 'pipelines', id: '410' } } },
  }));
  return { data: stages, included: fixture('pipelines').data, meta: { current_page: 1, total_pages: 1, total_count: stages.length } };
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('recorded deals parse', () => {
  it('GET /deals/749 as recorded: no updated_at, no deal_value, stage not loaded', async () => {
    const scope = api().get('/api/v2/deals/749').query({ include: INCLUDE }).reply(200, fixture('recorded-deal-749'));

    const deal = await productive().getDeal('749');

    expect(deal).toMatchObject({
      id: '749',
      title: 'Testna ponuda',
      // `revenue` 1000000 cents of HRK (budget_total agrees on this sales deal).
      value: { amount: 10000, currency: 'HRK' },
      status: 'open',
      stageId: '',
      probability: 100,
      closedAt: null,
      lostReason: null,
      url: `https://app.productive.io/${ORG}/deals/749`,
    });
    expect(deal.createdAt.toISO()).toBe('2013-04-16T15:18:48.000Z');
    // last_activity_at and sales_status_updated_at stand in for the missing updated_at.
    expect(deal.updatedAt?.toISO()).toBe('2025-09-01T08:18:29.000Z');
    expect(deal.stageChangedAt?.toISO()).toBe('2024-11-25T12:57:23.000Z');
    scope.done();
  });

  it('the recorded page lists as deals: lost ones lost, budgets left out, nothing rejected', async () => {
    const scope = api()
      .get('/api/v2/deals')
      .query({ 'filter[type]': '1', include: INCLUDE, 'page[number]': '1', 'page[size]': '200' })
      .reply(200, recordedPage());

    const page = await productive().listDeals({});

    expect(page.items.map((d) => [d.id, d.status, d.value?.amount, d.value?.currency])).toEqual([
      ['749', 'open', 10000, 'HRK'],
      ['754', 'lost', 13100, 'HRK'],
      ['784', 'lost', 2500, 'HRK'],
    ]);
    const zapier = page.items.find((d) => d.id === '754')!;
    expect(zapier.lostReason).toBe('123123');
    expect(zapier.closedAt?.toISO()).toBe('2024-02-22T16:00:37.000Z');
    expect(page.nextCursor).toBeNull();
    scope.done();
  });

  it('updatedSince is judged on the last activity the recorded deals carry', async () => {
    const scope = api().get('/api/v2/deals').query(true).reply(200, recordedPage());

    const page = await productive().listDeals({ updatedSince: DateTime.fromISO('2024-01-01T00:00:00Z') });

    expect(page.items.map((d) => d.id)).toEqual(['749', '754']);
    scope.done();
  });

  it('find: the recorded page answers a search with hits, the lost deal marked lost', async () => {
    const scope = api()
      .get('/api/v2/deals')
      .query({ 'filter[type]': '1', 'filter[query]': 'Dizajn', include: INCLUDE, 'page[number]': '1', 'page[size]': '10' })
      .reply(200, { ...recordedPage(), data: recordedPage().data.filter((d: Json) => d.id === '784') });

    const result = await productive().searchDeals('Dizajn', { limit: 10 });

    expect(result.hits).toEqual([
      expect.objectContaining({ id: '784', title: 'Dizajn', status: 'lost', value: { amount: 2500, currency: 'HRK' } }),
    ]);
    scope.done();
  });
});

describe('recorded errors', () => {
  it("a 404 on a deal (Productive's record_not_found) is no such deal", async () => {
    api().get('/api/v2/deals/999999999').query(true).reply(404, fixture('recorded-error-404'));

    const error = await failure(productive().getDeal('999999999'));

    expect(error).toBeInstanceOf(CrmNotFoundError);
    expect(error).toMatchObject({ entity: 'deal', id: '999999999' });
  });

  it('a 404 on the stage list says the base URL or organization is wrong, not "no deal #deal_statuses"', async () => {
    api().get('/api/v2/deal_statuses').query(true).reply(404, fixture('recorded-error-404'));

    const error = await failure(productive().listStages());

    expect(error).toBeInstanceOf(CrmSettingsError);
    const words = errorMessage(error, 'Productive').summary;
    expect(words).not.toMatch(/no deal/i);
    expect(words).toContain('PRODUCTIVE_BASE_URL');
    expect(words).toContain('PRODUCTIVE_ORG_ID');
  });

  it('a 404 on a deal from a server that is not Productive (an HTML page) is a settings problem too', async () => {
    api().get('/api/v2/deals/749').query(true).reply(404, '<html><body>Not Found</body></html>', { 'content-type': 'text/html' });

    const error = await failure(productive().getDeal('749'));

    expect(error).toBeInstanceOf(CrmSettingsError);
  });

  it('a 400 on a read names no field the person typed', async () => {
    // Assumed body: no recorded 400 exists; this is the JSON:API envelope of the recorded errors.
    api()
      .get('/api/v2/deals')
      .query(true)
      .reply(400, {
        errors: [
          {
            status: '400',
            code: 'invalid_attribute',
            title: 'Invalid Attribute',
            detail: 'is not includable',
            source: { pointer: 'data/attributes/name', parameter: 'include' },
          },
        ],
      });

    const error = (await failure(productive().searchDeals('acme'))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBeNull();
    const words = errorMessage(error, 'Productive').summary;
    expect(words).not.toContain('refused the title');
    expect(words).toContain('include: is not includable');
  });

  it('the recorded 422 envelope on a write keeps Productive’s words for each attribute', async () => {
    api().patch('/api/v2/deals/749').query(true).reply(422, fixture('recorded-error-422-task'));

    const error = (await failure(productive().updateDeal('749', { title: '' }))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.crmMessage).toContain("can't be blank");
  });
});

describe('reopen state lives in the store', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createStore('memory://');
  });
  afterEach(async () => {
    await store.close();
  });

  it('a deal lost by one replica is reopened into the stage it left by another (a restart)', async () => {
    const reopenStore = { store, namespace: 'acct-1' };
    const inStage = (id: string, stageId: string) => ({
      data: {
        ...fixture('recorded-deal-749').data,
        id,
        relationships: {
          ...fixture('recorded-deal-749').data.relationships,
          deal_status: { data: { type: 'deal_statuses', id: stageId } },
        },
      },
    });
    // Stage list: the documented seed stages (no recording of /deal_statuses exists).
    const first = api()
      .get('/api/v2/deals/749')
      .query({ include: INCLUDE })
      .reply(200, inStage('749', '1735'))
      .get('/api/v2/deal_statuses')
      .query(true)
      .reply(200, documentedStages())
      // The seed's Lost stage asks for a lost reason (invented list, see the README).
      .get('/api/v2/lost_reasons')
      .query(true)
      .reply(200, fixture('lost-reasons'))
      .patch('/api/v2/deals/749', (body) => body.data.relationships.deal_status.data.id === '1737')
      .query({ include: INCLUDE })
      .reply(200, inStage('749', '1737'));

    const lost = await productive({ reopenStore }).markLost('749', REASON);
    expect(lost.status).toBe('lost');
    first.done();

    const second = api()
      .get('/api/v2/deals/749')
      .query({ include: INCLUDE })
      .reply(200, inStage('749', '1737'))
      .get('/api/v2/deal_statuses')
      .query(true)
      .reply(200, documentedStages())
      .patch('/api/v2/deals/749', (body) => body.data.relationships.deal_status.data.id === '1735')
      .query({ include: INCLUDE })
      .reply(200, inStage('749', '1735'));

    const reopened = await productive({ reopenStore }).reopenDeal('749');

    expect(reopened).toMatchObject({ status: 'open', stageId: '1735' });
    second.done();
  });

  it('a lost deal whose stage is not a sales stage is reopened into the default pipeline’s first open stage', async () => {
    const recorded = fixture('recorded-deals-page').data.find((d: Json) => d.id === '754');
    const scope = api()
      .get('/api/v2/deals/754')
      .query({ include: INCLUDE })
      .reply(200, { data: recorded })
      .get('/api/v2/deal_statuses')
      .query(true)
      .reply(200, documentedStages())
      .patch('/api/v2/deals/754', (body) => body.data.relationships.deal_status.data.id === '1733')
      .query({ include: INCLUDE })
      .reply(200, {
        data: {
          ...recorded,
          attributes: { ...recorded.attributes, probability: 10, sales_closed_at: null },
          relationships: { ...recorded.relationships, deal_status: { data: { type: 'deal_statuses', id: '1733' } } },
        },
      });

    const reopened = await productive({ reopenStore: { store, namespace: 'acct-2' } }).reopenDeal('754');

    expect(reopened).toMatchObject({ id: '754', status: 'open', stageId: '1733' });
    scope.done();
  });
});
