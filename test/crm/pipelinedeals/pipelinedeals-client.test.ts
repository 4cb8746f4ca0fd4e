import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { DateTime } from 'luxon';
import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPipelineDealsClient, type PipelineDealsClientOptions } from '../../../src/crm/pipelinedeals/pipelinedeals-client.js';
import {
  CrmBadResponseError,
  CrmNotFoundError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmUnsupportedError,
  CrmValidationError,
} from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { failure } from '../../helpers/crm-failure.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';

const API = 'https://api.pipelinecrm.com';
const KEY = 'pld_9f8e7d6c5b4a39281706';

/** Fixtures are edited freely in tests; their shape is checked by the adapter under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../fixtures/pipelinedeals/${name}.json`, import.meta.url), 'utf8'));
}
/** The seed's "Retrieve a single deal" answer, with overrides. */
const dealWith = (overrides: Json = {}): Json => ({ ...fixture('deal'), ...overrides });
const page = (entries: Json[], pagination: Json): Json => ({ entries, pagination });

let waits: number[];

function pipelinedeals(options: Partial<PipelineDealsClientOptions> = {}) {
  return createPipelineDealsClient({
    apiKey: KEY,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}

/** Every PipelineDeals request carries the key as `api_key`, and nothing else authenticates it. */
const api = () => nock(API, { badheaders: ['authorization', 'x-api-token'] });
const withKey = (query: Record<string, string | number> = {}) => ({ api_key: KEY, ...query });

/** Everything a person or a log could ever see of an error. */
const everything = (error: unknown) =>
  `${(error as Error).message} ${JSON.stringify(error)} ${inspect(error, { depth: 10, showHidden: true })}`;

// A request nobody expected is a request the account paid for.
useNockBoundary();

beforeEach(() => {
  waits = [];
  // The seed's deals (2012) come from a server before pipelines: it has no
  // /admin/deal_pipelines (assumed to answer 404), so every deal is in the one `default`
  // pipeline. Tests of several pipelines serve the recorded list instead.
  api().get('/api/v3/admin/deal_pipelines.json').query(true).optionally().reply(404, '').persist();
});

describe('getDeal', () => {
  it("maps the seed's single deal, reading its datetimes with their offsets", async () => {
    const scope = api().get('/api/v3/deals/3.json').query(withKey()).reply(200, fixture('deal'));

    const deal = await pipelinedeals().getDeal('3');

    expect(deal).toMatchObject({
      id: '3',
      title: 'tester',
      value: null, // value_in_cents is null and there is no value
      status: 'open', // status 3 is "green", not an outcome; probability 10 is open
      pipelineId: 'default',
      stageId: '2',
      ownerId: '1',
      organization: { id: '6', name: 'zingle' },
      person: { id: '3', name: 'Veronika Ajtai' },
      expectedCloseDate: null,
      probability: 10,
      lostReason: null,
      stageChangedAt: null,
      closedAt: null,
      url: 'https://app.pipelinecrm.com/deals/3',
    });
    // Created in winter (-0500), updated in summer (-0400): same account, DST in between.
    expect(deal.createdAt.toUTC().toISO()).toBe('2012-02-07T20:26:10.000Z');
    expect(deal.createdAt.offset).toBe(-300);
    expect(deal.updatedAt?.toUTC().toISO()).toBe('2012-06-14T15:54:13.000Z');
    expect(deal.updatedAt?.offset).toBe(-240);
    expect(deal.updatedAt?.toFormat('HH:mm')).toBe('11:54');
    scope.done();
  });

  it("keeps collaborators' API keys and custom fields out of the deal", async () => {
    const scope = api().get('/api/v3/deals/3.json').query(withKey()).reply(200, fixture('deal'));

    const deal = await pipelinedeals().getDeal('3');

    expect(JSON.stringify(deal)).not.toContain('f00dbeef');
    expect(JSON.stringify(deal)).not.toContain('custom_label');
    scope.done();
  });

  it('treats the documented 422 with an empty body as an unknown deal', async () => {
    const scope = api().get('/api/v3/deals/8.json').query(withKey()).reply(422, '');

    const error = (await failure(pipelinedeals().getDeal('8'))) as CrmNotFoundError;

    expect(error).toBeInstanceOf(CrmNotFoundError);
    expect(error.entity).toBe('deal');
    expect(error.id).toBe('8');
    expect(error.status).toBe(422);
    scope.done();
  });

  it('answers an id PipelineDeals could not have issued as unknown, without a request', async () => {
    await expect(pipelinedeals().getDeal('abc')).rejects.toBeInstanceOf(CrmNotFoundError);
    await expect(pipelinedeals().getDeal('0')).rejects.toBeInstanceOf(CrmNotFoundError);
  });

  it('reads probability 100 as won, closed at the start of its close date in the deal offset', async () => {
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(200, dealWith({ probability: 100, closed_time: '2012-06-14', status: 1 }));

    const deal = await pipelinedeals().getDeal('3');

    expect(deal.status).toBe('won');
    expect(deal.closedAt?.toISO()).toBe('2012-06-14T00:00:00.000-04:00');
    expect(deal.lostReason).toBeNull();
    scope.done();
  });

  it('reads probability 0 as lost, with its value in the account currency and its closing datetime', async () => {
    const scope = api()
      .get('/api/v3/deals/1.json')
      .query(withKey())
      .reply(200, fixture('deal-closed-2013'))
      .get('/api/v3/account.json')
      .query(withKey())
      .reply(200, fixture('account'));

    const deal = await pipelinedeals().getDeal('1');

    expect(deal).toMatchObject({
      status: 'lost',
      value: { amount: 456, currency: 'USD' }, // value_in_cents 45600, no currency on the deal
      person: { id: '27', name: 'Josue Grimes' },
      organization: null,
      lostReason: null,
    });
    expect(deal.closedAt?.toUTC().toISO()).toBe('2013-06-03T19:25:21.000Z');
    scope.done();
  });

  it("names a lost deal's reason from its loss reason and notes", async () => {
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(
        200,
        dealWith({
          probability: 0,
          closed_time: '2012/06/14 11:54:13 -0400',
          deal_loss_reason_id: 7,
          deal_loss_reason: { id: 7, name: 'Price' },
          deal_loss_reason_notes: 'They found it cheaper',
        }),
      );

    const deal = await pipelinedeals().getDeal('3');

    expect(deal.status).toBe('lost');
    expect(deal.lostReason).toBe('Price: They found it cheaper');
    scope.done();
  });

  it("uses the deal's own currency and a decimal sent as a string, with no account request", async () => {
    const scope = api()
      .get('/api/v3/deals/15487.json')
      .query(withKey())
      .reply(200, { ...fixture('deal-2023'), value: '1234.50', currency: { code: 'EUR', name: 'Euro', symbol: '€' } });

    const deal = await pipelinedeals().getDeal('15487');

    expect(deal.value).toEqual({ amount: 1234.5, currency: 'EUR' });
    expect(deal.stageId).toBe(''); // deal_stage_id null: no stage
    expect(deal.probability).toBeNull();
    expect(deal.status).toBe('open');
    scope.done();
  });

  it('reports a deal that breaks its shape as a bad response, without the keys it lists', async () => {
    const { name: _name, ...nameless } = fixture('deal');
    const scope = api().get('/api/v3/deals/3.json').query(withKey()).reply(200, nameless);

    const error = await failure(pipelinedeals().getDeal('3'));

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toContain('name');
    expect(everything(error)).not.toContain('f00dbeef');
    expect(everything(error)).not.toContain(KEY);
    scope.done();
  });

  it('reports an unreadable datetime as a bad response', async () => {
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(200, dealWith({ created_at: 'yesterday' }));

    await expect(pipelinedeals().getDeal('3')).rejects.toBeInstanceOf(CrmBadResponseError);
    scope.done();
  });
});

describe('listDeals', () => {
  it("asks for the largest page of everyone's deals and maps the seed's list across DST", async () => {
    const scope = api()
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 200, 'conditions[deal_owner]': 'all' }))
      .reply(200, fixture('deals'));

    const result = await pipelinedeals().listDeals({});

    expect(result.items.map((d) => [d.id, d.title, d.stageId, d.probability, d.status])).toEqual([
      ['1', 'kjkjkj', '3', 25, 'open'],
      ['2', 'bargle deal', '5', 75, 'open'],
    ]);
    const [first] = result.items;
    expect(first!.organization).toEqual({ id: '4', name: 'apple' });
    expect(first!.person).toEqual({ id: '17', name: 'john hammer' });
    expect(first!.createdAt.toUTC().toISO()).toBe('2012-01-19T20:26:09.000Z'); // -0500
    expect(first!.updatedAt?.toUTC().toISO()).toBe('2012-04-18T14:20:18.000Z'); // -0400
    // 2 of a total of 3 at 2 a page: there is a second page.
    expect(result.nextCursor).toBe('2');
    scope.done();
  });

  it('pages on with its cursor and ends on the last page, and past it', async () => {
    const deal = (id: number) => dealWith({ id, name: `Deal ${id}` });
    const scope = api()
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 2, 'conditions[deal_owner]': 'all' }))
      .reply(200, page([deal(1), deal(2)], { page: 1, per_page: 2, pages: 3, total: 5 }))
      .get('/api/v3/deals.json')
      .query(withKey({ page: 2, per_page: 2, 'conditions[deal_owner]': 'all' }))
      .reply(200, page([deal(3), deal(4)], { page: 2, per_page: 2, pages: 3, total: 5 }))
      .get('/api/v3/deals.json')
      .query(withKey({ page: 3, per_page: 2, 'conditions[deal_owner]': 'all' }))
      .reply(200, page([deal(5)], { page: 3, per_page: 2, pages: 3, total: 5 }))
      .get('/api/v3/deals.json')
      .query(withKey({ page: 4, per_page: 2, 'conditions[deal_owner]': 'all' }))
      .reply(200, page([], { page: 4, per_page: 2, pages: 3, total: 5 }));
    const client = pipelinedeals();

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const result = await client.listDeals({ limit: 2, cursor });
      ids.push(...result.items.map((d) => d.id));
      cursor = result.nextCursor;
    } while (cursor !== null);
    const past = await client.listDeals({ limit: 2, cursor: '4' });

    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    expect(past).toEqual({ items: [], nextCursor: null });
    scope.done();
  });

  it('pages by the size the server used when it clamps the page, without `pages`', async () => {
    const deals = Array.from({ length: 100 }, (_, i) => dealWith({ id: i + 1 }));
    const scope = api()
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 200, 'conditions[deal_owner]': 'all' }))
      .reply(200, page(deals, { page: 1, per_page: 100, total: 150 }));

    const result = await pipelinedeals().listDeals({ limit: 500 });

    expect(result.items).toHaveLength(100);
    expect(result.nextCursor).toBe('2');
    scope.done();
  });

  it('filters by stage, owner and a closed status on the server, and keeps open ones itself', async () => {
    const won = dealWith({ id: 10, probability: 100, closed_time: '2012-06-01' });
    const open = dealWith({ id: 11 });
    const archived = dealWith({ id: 12, is_archived: true });
    const scope = api()
      .get('/api/v3/deals.json')
      .query(
        withKey({
          page: 1,
          per_page: 200,
          'conditions[deal_owner]': '1',
          'conditions[deal_stage]': '2',
          'conditions[deal_percentage]': 100,
        }),
      )
      .reply(200, page([won], { page: 1, per_page: 200, pages: 1, total: 1 }))
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 200, 'conditions[deal_owner]': 'all' }))
      .reply(200, page([won, open, archived], { page: 1, per_page: 200, pages: 1, total: 3 }));
    const client = pipelinedeals();

    const wonOnly = await client.listDeals({ stageId: '2', ownerId: '1', status: ['won'] });
    const openOnly = await client.listDeals({ status: ['open'] });

    expect(wonOnly.items.map((d) => d.id)).toEqual(['10']);
    expect(openOnly.items.map((d) => d.id)).toEqual(['11']); // archived deals are not on the board
    expect(openOnly.nextCursor).toBeNull();
    scope.done();
  });

  it('lists deals changed since an instant newest first, and stops at the first older one', async () => {
    const since = DateTime.fromISO('2012-06-14T12:00:00Z', { zone: 'utc' });
    const newer = dealWith({ id: 20, updated_at: '2012/06/14 09:00:00 -0400' }); // 13:00Z
    const older = dealWith({ id: 21, updated_at: '2012/06/14 07:30:00 -0400' }); // 11:30Z
    const scope = api()
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 200, 'conditions[deal_owner]': 'all', sort: '-deals.updated_at' }))
      .reply(200, page([newer, older], { page: 1, per_page: 2, pages: 9, total: 18 }));

    const result = await pipelinedeals().listDeals({ updatedSince: since });

    expect(result.items.map((d) => d.id)).toEqual(['20']);
    expect(result.nextCursor).toBeNull();
    scope.done();
  });

  it('answers a pipeline the account does not have with nothing, without reading deals', async () => {
    await expect(pipelinedeals().listDeals({ pipelineId: '2' })).resolves.toEqual({ items: [], nextCursor: null });
  });

  it('refuses a stage id PipelineDeals could not have issued before any request', async () => {
    const error = (await failure(pipelinedeals().listDeals({ stageId: 'proposal' }))) as CrmValidationError;
    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('stageId');
  });
});

describe('searchDeals', () => {
  it('searches names with conditions[deal_name] and maps hits; more when there is another page', async () => {
    const scope = api()
      .get('/api/v3/deals.json')
      .query(withKey({ page: 1, per_page: 50, 'conditions[deal_name]': 'deal', 'conditions[deal_owner]': 'all' }))
      .reply(200, fixture('deals'));

    const result = await pipelinedeals().searchDeals('  deal ', { limit: 50 });

    expect(result.hits[0]).toEqual({
      id: '1',
      title: 'kjkjkj',
      value: null,
      status: 'open',
      stageId: '3',
      ownerId: '1',
      organizationName: 'apple',
      personName: 'john hammer',
    });
    expect(result.hits.map((h) => h.title)).toEqual(['kjkjkj', 'bargle deal']);
    expect(result.more).toBe(true);
    scope.done();
  });

  it('asks for a single closed status on the server and reports no more on the last page', async () => {
    const scope = api()
      .get('/api/v3/deals.json')
      .query(
        withKey({
          page: 1,
          per_page: 200,
          'conditions[deal_name]': 'acme',
          'conditions[deal_owner]': 'all',
          'conditions[deal_percentage]': 0,
        }),
      )
      .reply(200, page([dealWith({ probability: 0, closed_time: '2012-06-01' })], { page: 1, per_page: 200, pages: 1, total: 1 }));

    const result = await pipelinedeals().searchDeals('acme', { status: ['lost'] });

    expect(result.hits.map((h) => h.status)).toEqual(['lost']);
    expect(result.more).toBe(false);
    scope.done();
  });

  it('answers a blank term with no hits without spending a request', async () => {
    await expect(pipelinedeals().searchDeals('   ')).resolves.toEqual({ hits: [], more: false });
  });
});

describe('createDeal', () => {
  it("posts the form of the seed's example and maps the created deal", async () => {
    const scope = api()
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .post('/api/v3/deals.json', { 'deal[name]': 'Kinda a big deal' })
      .query(withKey())
      .reply(200, fixture('deal-created'));

    const deal = await pipelinedeals().createDeal({ title: 'Kinda a big deal', value: null, ownerId: null });

    expect(deal).toMatchObject({ id: '3', title: 'tester', stageId: '2', status: 'open', probability: 10 });
    scope.done();
  });

  it('sends every field as deal[…], the value in the account currency', async () => {
    const scope = api()
      .get('/api/v3/account.json')
      .query(withKey())
      .reply(200, fixture('account'))
      .post('/api/v3/deals.json', {
        'deal[name]': 'Acme rollout',
        'deal[value]': '1500.5',
        'deal[deal_stage_id]': '238',
        'deal[user_id]': '377',
        'deal[company_id]': '6',
        'deal[primary_contact_id]': '3',
        'deal[expected_close_date]': '2026-04-30',
        'deal[probability]': '40',
      })
      .query(withKey())
      .reply(200, { ...fixture('deal-created'), value: 1500.5, currency_code: 'USD' });

    const deal = await pipelinedeals().createDeal({
      title: 'Acme rollout',
      value: { amount: 1500.5, currency: 'USD' },
      pipelineId: 'default',
      stageId: '238',
      ownerId: '377',
      organizationId: '6',
      personId: '3',
      expectedCloseDate: '2026-04-30',
      probability: 40,
    });

    expect(deal.value).toEqual({ amount: 1500.5, currency: 'USD' });
    scope.done();
  });

  it('refuses a value in another currency than the account’s, on the currency field, without posting', async () => {
    const scope = api().get('/api/v3/account.json').query(withKey()).reply(200, fixture('account'));

    const error = (await failure(pipelinedeals().createDeal({ title: 'X', value: { amount: 10, currency: 'EUR' } }))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('currency');
    expect(error.crmMessage).toContain('USD');
    scope.done();
  });

  it('refuses a probability that would close the deal, and ids it could not have issued, before any request', async () => {
    const client = pipelinedeals();
    const closing = (await failure(client.createDeal({ title: 'X', probability: 100 }))) as CrmValidationError;
    const badOwner = (await failure(client.createDeal({ title: 'X', ownerId: 'U0123SLACK' }))) as CrmValidationError;
    const otherPipeline = (await failure(client.createDeal({ title: 'X', pipelineId: 'sales' }))) as CrmValidationError;

    expect(closing.field).toBe('probability');
    expect(badOwner.field).toBe('ownerId');
    expect(otherPipeline.field).toBe('pipelineId');
  });

  it("maps the documented 422 to the field it names, with PipelineDeals' own words", async () => {
    const scope = api().post('/api/v3/deals.json').query(withKey()).reply(422, fixture('error-name-blank'));

    const error = (await failure(pipelinedeals().createDeal({ title: '' }))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('title');
    expect(error.crmMessage).toBe("Name can't be blank");
    expect(error.status).toBe(422);
    expect(error.request?.url).toBe('https://api.pipelinecrm.com/api/v3/deals.json?api_key=[redacted]');
    scope.done();
  });

  it('is never retried: a 503 may have created the deal', async () => {
    const scope = api().post('/api/v3/deals.json').query(withKey()).once().reply(503, 'busy');

    const error = await failure(pipelinedeals().createDeal({ title: 'Once' }));

    expect(error).toBeInstanceOf(CrmUnavailableError);
    expect(waits).toEqual([]);
    scope.done();
  });
});

describe('updating deals', () => {
  const updated = fixture('deal-updated');

  it('puts only the changed attributes, so custom fields stay as they are; null clears', async () => {
    const scope = api()
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .put('/api/v3/deals/3014.json', {
        'deal[name]': 'Updating deal 3',
        'deal[value]': '',
        'deal[company_id]': '',
        'deal[primary_contact_id]': '8',
        'deal[expected_close_date]': '',
        'deal[probability]': '75',
      })
      .query(withKey())
      .reply(200, updated);

    const deal = await pipelinedeals().updateDeal('3014', {
      title: 'Updating deal 3',
      value: null,
      organizationId: null,
      personId: '8',
      expectedCloseDate: null,
      probability: 75,
    });

    // The seed's update answer: no stage, no probability, no custom fields.
    expect(deal).toMatchObject({ id: '3014', title: 'Updating deal 3', stageId: '', probability: null, status: 'open' });
    scope.done();
  });

  it('reads the deal instead of sending an empty update', async () => {
    const scope = api().get('/api/v3/deals/3.json').query(withKey()).reply(200, fixture('deal'));

    await expect(pipelinedeals().updateDeal('3', {})).resolves.toMatchObject({ id: '3' });
    scope.done();
  });

  it('reports the documented 404 of an update as an unknown deal', async () => {
    const scope = api().put('/api/v3/deals/99.json', { 'deal[name]': 'Gone' }).query(withKey()).reply(404, '');

    const error = (await failure(pipelinedeals().updateDeal('99', { title: 'Gone' }))) as CrmNotFoundError;

    expect(error).toBeInstanceOf(CrmNotFoundError);
    expect(error.id).toBe('99');
    expect(error.status).toBe(404);
    scope.done();
  });

  it('moves a deal by its deal_stage_id, and maps a refused stage to the stage field', async () => {
    const scope = api()
      .put('/api/v3/deals/3.json', { 'deal[deal_stage_id]': '238' })
      .query(withKey())
      .reply(200, dealWith({ deal_stage_id: 238, deal_stage: { id: 238, name: 'Presentation', percent: 50 } }))
      .put('/api/v3/deals/3.json', { 'deal[deal_stage_id]': '999' })
      .query(withKey())
      .reply(422, [{ field: 'deal_stage', humanized_field: 'Deal stage', msg: 'is invalid' }]);
    const client = pipelinedeals();

    const moved = await client.moveDeal('3', '238');
    const error = (await failure(client.moveDeal('3', '999'))) as CrmValidationError;

    expect(moved.stageId).toBe('238');
    expect(error.field).toBe('stageId');
    expect(error.crmMessage).toBe('Deal stage is invalid');
    scope.done();
  });

  it('marks won with probability 100', async () => {
    const scope = api()
      .put('/api/v3/deals/3.json', { 'deal[probability]': '100' })
      .query(withKey())
      .reply(200, dealWith({ probability: 100, closed_time: '2012-06-14' }));

    await expect(pipelinedeals().markWon('3')).resolves.toMatchObject({ status: 'won' });
    scope.done();
  });

  it('marks lost with a known loss reason by name, read once, and keeps any other reason as notes', async () => {
    const lost = dealWith({ probability: 0, closed_time: '2012-06-14' });
    const scope = api()
      .get('/api/v3/admin/deal_loss_reasons.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .once()
      .reply(200, fixture('deal-loss-reasons'))
      .put('/api/v3/deals/3.json', {
        'deal[probability]': '0',
        'deal[deal_loss_reason_id]': '7',
        'deal[deal_loss_reason_notes]': '',
      })
      .query(withKey())
      .reply(200, { ...lost, deal_loss_reason_id: 7, deal_loss_reason: { id: 7, name: 'Price' } })
      .put('/api/v3/deals/4.json', {
        'deal[probability]': '0',
        'deal[deal_loss_reason_id]': '',
        'deal[deal_loss_reason_notes]': 'Went quiet after the demo',
      })
      .query(withKey())
      .reply(200, { ...lost, id: 4, deal_loss_reason_notes: 'Went quiet after the demo' })
      .put('/api/v3/deals/5.json', {
        'deal[probability]': '0',
        'deal[deal_loss_reason_id]': '',
        'deal[deal_loss_reason_notes]': '',
      })
      .query(withKey())
      .reply(200, { ...lost, id: 5 });
    const client = pipelinedeals();

    const byName = await client.markLost('3', '  price ');
    const asNotes = await client.markLost('4', 'Went quiet after the demo');
    const noReason = await client.markLost('5', null);

    expect(byName).toMatchObject({ status: 'lost', lostReason: 'Price' });
    expect(asNotes).toMatchObject({ status: 'lost', lostReason: 'Went quiet after the demo' });
    expect(noReason).toMatchObject({ status: 'lost', lostReason: null });
    scope.done();
  });

  it('still marks lost, with the reason as notes, when the loss reasons cannot be read', async () => {
    const scope = api()
      .get('/api/v3/admin/deal_loss_reasons.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .reply(403, { error: 'Admins only' })
      .put('/api/v3/deals/3.json', {
        'deal[probability]': '0',
        'deal[deal_loss_reason_id]': '',
        'deal[deal_loss_reason_notes]': 'Price',
      })
      .query(withKey())
      .reply(200, dealWith({ probability: 0, closed_time: '2012-06-14', deal_loss_reason_notes: 'Price' }));

    await expect(pipelinedeals().markLost('3', 'Price')).resolves.toMatchObject({ lostReason: 'Price' });
    scope.done();
  });

  it("reopens at the stage's percent, or at 50 when the stage would close it again", async () => {
    const closedIn = (id: number, percent: number) =>
      dealWith({ id, probability: 100, closed_time: '2012-06-14', deal_stage: { id: 2, name: 'Stage', percent } });
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(200, closedIn(3, 10))
      .put('/api/v3/deals/3.json', { 'deal[probability]': '10' })
      .query(withKey())
      .reply(200, dealWith({ probability: 10, closed_time: null }))
      .get('/api/v3/deals/4.json')
      .query(withKey())
      .reply(200, closedIn(4, 100))
      .put('/api/v3/deals/4.json', { 'deal[probability]': '50' })
      .query(withKey())
      .reply(200, dealWith({ id: 4, probability: 50, closed_time: null }));
    const client = pipelinedeals();

    await expect(client.reopenDeal('3')).resolves.toMatchObject({ status: 'open', closedAt: null });
    await expect(client.reopenDeal('4')).resolves.toMatchObject({ status: 'open', probability: 50 });
    scope.done();
  });

  it('retries an idempotent PUT when PipelineDeals rate-limits, as long as Retry-After says', async () => {
    const scope = api()
      .put('/api/v3/deals/3.json', { 'deal[probability]': '100' })
      .query(withKey())
      .reply(429, '', { 'Retry-After': '1' })
      .put('/api/v3/deals/3.json', { 'deal[probability]': '100' })
      .query(withKey())
      .reply(200, dealWith({ probability: 100, closed_time: '2012-06-14' }));

    await expect(pipelinedeals().markWon('3')).resolves.toMatchObject({ status: 'won' });
    expect(waits).toEqual([1000]);
    scope.done();
  });
});

describe('pipelines, stages, users, currency, notes', () => {
  it('has one default pipeline on a server without /admin/deal_pipelines (a 404)', async () => {
    await expect(pipelinedeals().listPipelines()).resolves.toEqual([{ id: 'default', name: 'Pipeline', order: 0, isDefault: true }]);
  });

  it('lists stages by percent with the 0 % (lost) stage last, each with its percent', async () => {
    const scope = api()
      .get('/api/v3/admin/deal_stages.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .reply(200, fixture('deal-stages'));

    const stages = await pipelinedeals().listStages('default');

    expect(stages.map((s) => [s.id, s.name, s.order, s.probability, s.pipelineId, s.closes])).toEqual([
      ['236', 'Qualified', 0, 10, 'default', null],
      ['237', 'Request for Info', 1, 25, 'default', null],
      ['238', 'Presentation', 2, 50, 'default', null],
      ['239', 'Negotiation', 3, 75, 'default', null],
      ['240', 'Won', 4, 100, 'default', 'won'],
      ['235', 'Lost', 5, 0, 'default', 'lost'],
    ]);
    scope.done();
  });

  it('follows stage pages to the last one, and answers another pipeline with none', async () => {
    const stage = (id: number, percent: number) => ({ id, name: `S${id}`, percent });
    const scope = api()
      .get('/api/v3/admin/deal_stages.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .reply(200, page([stage(1, 10)], { page: 1, per_page: 1, pages: 2, total: 2 }))
      .get('/api/v3/admin/deal_stages.json')
      .query(withKey({ page: 2, per_page: 200 }))
      .reply(200, page([stage(2, 20)], { page: 2, per_page: 1, pages: 2, total: 2 }));
    const client = pipelinedeals();

    expect((await client.listStages()).map((s) => s.id)).toEqual(['1', '2']);
    expect(await client.listStages('2')).toEqual([]);
    scope.done();
  });

  it('reads /users, as PipelineDeals’ own client does, when /admin/users refuses a key without admin rights', async () => {
    const scope = api()
      .get('/api/v3/admin/users.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .reply(403, '')
      .get('/api/v3/users.json')
      .query(withKey({ page: 1, per_page: 200 }))
      .reply(200, fixture('users'));

    await expect(pipelinedeals().listUsers()).resolves.toEqual([
      { id: '377', name: 'Ada Lovelace', email: 'ada@example.com', active: true },
      { id: '451', name: 'Grace Hopper', email: 'grace@example.com', active: false },
    ]);
    scope.done();
  });

  it('reads the account currency once per cache period', async () => {
    const scope = api().get('/api/v3/account.json').query(withKey()).once().reply(200, fixture('account'));
    const client = pipelinedeals();

    expect(await client.defaultCurrency()).toBe('USD');
    expect(await client.defaultCurrency()).toBe('USD');
    scope.done();
  });

  it('falls back to the selected currency an older account answer names by id', async () => {
    const { currency: _currency, ...older } = fixture('account');
    const scope = api()
      .get('/api/v3/account.json')
      .query(withKey())
      .reply(200, {
        ...older,
        currency_id: 2,
        selected_currencies: [
          { id: 1, code: 'USD' },
          { id: 2, code: 'GBP' },
        ],
      });

    expect(await pipelinedeals().defaultCurrency()).toBe('GBP');
    scope.done();
  });

  it('has no deal history to read, and says so by its capabilities and a typed error', async () => {
    const client = pipelinedeals();

    expect(client.capabilities).toEqual({ dealHistory: false, search: true, lostReason: true, notes: true });
    expect(client.provider).toBe('pipelinedeals');
    expect(client.displayName).toBe('PipelineDeals');
    await expect(client.getDealHistory('3')).rejects.toBeInstanceOf(CrmUnsupportedError);
  });

  it('attaches a note to a deal', async () => {
    const scope = api()
      .post('/api/v3/notes.json', { 'note[deal_id]': '2', 'note[content]': 'note test22' })
      .query(withKey())
      .reply(200, fixture('note'));

    await expect(pipelinedeals().addNote('2', 'note test22')).resolves.toEqual({ id: '2' });
    scope.done();
  });
});

describe('the API key', () => {
  it('is redacted from a rejected request: message, JSON, inspect and the stored request', async () => {
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(401, { error: `Invalid api_key ${KEY}` });

    const error = await failure(pipelinedeals().getDeal('3'));

    expect(error).toBeInstanceOf(CrmUnauthorizedError);
    expect(error.request?.url).toContain('api_key=[redacted]');
    expect(everything(error)).not.toContain(KEY);
    scope.done();
  });

  it('is redacted from a network failure that quotes the URL', async () => {
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .replyWithError(`connect ECONNRESET ${API}/api/v3/deals/3.json?api_key=${KEY}`);

    const error = await failure(pipelinedeals({ maxRetries: 0 }).getDeal('3'));

    expect(error).toBeInstanceOf(CrmUnavailableError);
    expect(everything(error)).not.toContain(KEY);
    scope.done();
  });

  it('never reaches a log line, even when a request is retried', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const scope = api()
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(503, `upstream ${KEY} down`)
      .get('/api/v3/deals/3.json')
      .query(withKey())
      .reply(200, fixture('deal'));

    await pipelinedeals({ logger: createLogger('debug', sink) }).getDeal('3');

    const logged = lines.join('');
    expect(logged).toContain('api_key=[redacted]');
    expect(logged).not.toContain(KEY);
    scope.done();
  });
});
