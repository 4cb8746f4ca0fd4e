// The Pipedrive adapter in the v1 dialect (`apiVersion: 'v1'`), against both variants of it:
// - Fintesk (seed 003): fixtures in test/fixtures/fintesk/ are its Redoc response samples,
//   verbatim (placeholders "string" and 0 included); tests fill the placeholders where a
//   realistic deal is wanted.
// - Pipedrive v1: test/fixtures/pipedrive/v1-deals.json is the example of `GET /v1/deals/archived`
//   and v1-deal.json of `POST /v1/deals/{id}/duplicate` in Pipedrive's openapi-v1.yaml (the 2026
//   spec no longer has `GET /v1/deals` itself); v1-stages.json and v1-pipelines.json wrap the
//   stage and pipeline of that example's related_objects in a list answer.

import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PipedriveClientOptions } from '../../../src/crm/pipedrive/pipedrive-client.js';
import { CrmBadResponseError, CrmNotFoundError, CrmUnavailableError, CrmValidationError } from '../../../src/errors.js';
import { failure } from '../../helpers/crm-failure.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';
import { PIPEDRIVE_TOKEN as TOKEN, createPipedriveUnderTest, pipedriveApi as api } from '../../helpers/pipedrive-under-test.js';

/** Fixtures are edited freely in tests; their shape is checked by the adapter under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const read = (folder: string, name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${folder}/${name}.json`, import.meta.url), 'utf8'));
const fintesk = (name: string) => read('fintesk', name);
const pipedriveV1 = (name: string) => read('pipedrive', name);

/** Fintesk's "Get details of a deal" sample with its placeholders filled in. */
function finteskDeal(overrides: Json = {}): Json {
  const sample = fintesk('deal').data;
  return {
    ...sample,
    id: '42',
    name: 'Acme rollout',
    user_id: { ...sample.user_id, id: '7', name: 'Ada Lovelace', value: 7 },
    person_id: { ...sample.person_id, name: 'Grace Hopper', value: 11 },
    org_id: { ...sample.org_id, name: 'Acme Ltd', value: 5 },
    pipeline_id: 1,
    stage_id: 2,
    status: 'open',
    currency: 'EUR',
    value: 1500,
    update_time: '2024-03-05 16:00:00',
    stage_change_time: '2024-03-02 08:00:00',
    close_time: null,
    won_time: '',
    lost_time: '',
    expected_close_date: '2024-04-30',
    probability: 40,
    lost_reason: null,
    ...overrides,
  };
}
const finteskAnswer = (overrides: Json = {}) => ({ ...fintesk('deal'), data: finteskDeal(overrides) });

/** Pipedrive's v1 deal (plain ids, names beside them). */
const pipedriveDeal = (overrides: Json = {}): Json => ({ ...pipedriveV1('v1-deal').data, ...overrides });
/** A first page after which the server has more. */
const MORE = { start: 0, limit: 500, more_items_in_collection: true, next_start: 500 };
const page = (data: Json[], pagination: Json = { start: 0, limit: 500, more_items_in_collection: false }) => ({
  success: true,
  data,
  additional_data: { pagination },
});

let waits: number[];

const client = (options: Partial<PipedriveClientOptions> = {}) => createPipedriveUnderTest(waits, { apiVersion: 'v1', ...options });

beforeEach(() => {
  waits = [];
});

// Any request nobody expected (a v2 path, a party look-up) cost the account tokens.
useNockBoundary();

describe('getDeal (v1)', () => {
  it('reads a Fintesk deal: name for title, user_id object for owner, names from the deal, one request', async () => {
    const scope = api().get('/v1/deals/42').reply(200, finteskAnswer());

    const deal = await client().getDeal('42');

    expect(deal).toMatchObject({
      id: '42',
      title: 'Acme rollout',
      value: { amount: 1500, currency: 'EUR' },
      status: 'open',
      pipelineId: '1',
      stageId: '2',
      ownerId: '7',
      person: { id: '11', name: 'Grace Hopper' },
      organization: { id: '5', name: 'Acme Ltd' },
      expectedCloseDate: '2024-04-30',
      probability: 40,
      closedAt: null,
      url: 'https://acme.pipedrive.com/deal/42',
    });
    // RFC 3339 (the sample's add_time) and v1's `YYYY-MM-DD HH:MM:SS`, both UTC.
    expect(deal.createdAt.toISO()).toBe('2019-08-24T14:15:22.000Z');
    expect(deal.updatedAt?.toISO()).toBe('2024-03-05T16:00:00.000Z');
    expect(deal.stageChangedAt?.toISO()).toBe('2024-03-02T08:00:00.000Z');
    scope.done();
  });

  it("parses Fintesk's sample verbatim, reading its placeholders as nothing rather than failing", async () => {
    const scope = api().get('/v1/deals/7').reply(200, fintesk('deal'));

    const deal = await client().getDeal('7');

    expect(deal).toMatchObject({
      id: 'string',
      title: 'string',
      value: null, // currency "string" is no currency
      ownerId: null, // user_id.value 0 is no user
      person: null,
      organization: null,
      stageChangedAt: null, // "string" is no time
      closedAt: null,
    });
    scope.done();
  });

  it("reads Pipedrive's v1 deal with plain ids, its names beside them and v1 times in UTC", async () => {
    const scope = api().get('/v1/deals/1').reply(200, pipedriveV1('v1-deal'));

    const deal = await client().getDeal('1');

    expect(deal).toMatchObject({
      id: '1',
      title: 'Deal One',
      value: { amount: 5000, currency: 'EUR' },
      ownerId: '456',
      person: { id: '1', name: 'Person' },
      organization: { id: '2', name: 'Organization' },
      expectedCloseDate: '2019-06-29',
    });
    expect(deal.createdAt.toISO()).toBe('2019-05-29T04:21:51.000Z');
    expect(deal.createdAt.zoneName).toBe('UTC');
    scope.done();
  });

  it('names parties from related_objects when the deal itself carries only ids', async () => {
    const { person_name: _p, org_name: _o, ...bare } = pipedriveDeal({ person_id: 1101, org_id: 5 });
    const related = pipedriveV1('v1-deals').related_objects;
    const scope = api().get('/v1/deals/1').reply(200, { success: true, data: bare, related_objects: related });

    const deal = await client().getDeal('1');

    expect(deal.person).toEqual({ id: '1101', name: 'Person' });
    expect(deal.organization).toEqual({ id: '5', name: 'Organization' });
    scope.done();
  });

  it('maps a lost deal with its reason and lost time', async () => {
    const scope = api()
      .get('/v1/deals/42')
      .reply(200, finteskAnswer({ status: 'lost', lost_reason: 'Budget cut', lost_time: '2024-05-01 10:00:00' }));

    const deal = await client().getDeal('42');

    expect(deal).toMatchObject({ status: 'lost', lostReason: 'Budget cut' });
    expect(deal.closedAt?.toISO()).toBe('2024-05-01T10:00:00.000Z');
    scope.done();
  });

  it('treats a deleted deal, a 404 and an impossible id as an unknown deal', async () => {
    const scope = api()
      .get('/v1/deals/8')
      .reply(200, { success: true, data: pipedriveDeal({ id: 8, deleted: true }) })
      .get('/v1/deals/9')
      .reply(404, pipedriveV1('error-not-found'));
    const crm = client();

    await expect(crm.getDeal('8')).rejects.toBeInstanceOf(CrmNotFoundError);
    await expect(crm.getDeal('9')).rejects.toBeInstanceOf(CrmNotFoundError);
    await expect(crm.getDeal('abc')).rejects.toBeInstanceOf(CrmNotFoundError);
    scope.done();
  });

  it('reports a deal with neither title nor name as a bad response', async () => {
    const { title: _t, ...untitled } = pipedriveDeal();
    const scope = api().get('/v1/deals/1').reply(200, { success: true, data: untitled });

    const error = await failure(client().getDeal('1'));

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toContain('data.title');
    scope.done();
  });
});

describe('listDeals (v1)', () => {
  it("asks for the largest page of every not-deleted deal and maps Pipedrive's example with its names", async () => {
    const answer = pipedriveV1('v1-deals');
    answer.additional_data.pagination = MORE;
    const scope = api().get('/v1/deals').query({ status: 'all_not_deleted', start: '0', limit: '500' }).reply(200, answer);

    const result = await client().listDeals({});

    expect(result.items.map((d) => [d.id, d.title, d.ownerId, d.person?.name, d.organization?.name])).toEqual([
      ['1', 'Deal One', '8877', 'Person', 'Organization'],
    ]);
    expect(result.nextCursor).toBe('500');
    scope.done();
  });

  it('lists a Fintesk page verbatim', async () => {
    const scope = api().get('/v1/deals').query(true).reply(200, fintesk('deals'));

    const result = await client().listDeals({});

    // The sample says more_items_in_collection but next_start 0: a start that does not move on ends paging.
    expect(result).toMatchObject({ items: [{ id: 'string', title: 'string' }], nextCursor: null });
    scope.done();
  });

  it('sends the filters and keeps only matching deals, for servers that ignore one (Fintesk has no pipeline_id)', async () => {
    const scope = api()
      .get('/v1/deals')
      .query({ pipeline_id: '1', stage_id: '2', user_id: '7', status: 'open', start: '500', limit: '100' })
      .reply(200, page([finteskDeal({ id: '1' }), finteskDeal({ id: '2', pipeline_id: 3 }), finteskDeal({ id: '3', status: 'won' })]));

    const result = await client().listDeals({
      pipelineId: '1',
      stageId: '2',
      ownerId: '7',
      status: ['open'],
      cursor: '500',
      limit: 100,
    });

    expect(result.items.map((d) => d.id)).toEqual(['1']);
    expect(result.nextCursor).toBeNull();
    scope.done();
  });

  it('filters several statuses itself and drops deleted deals', async () => {
    const scope = api()
      .get('/v1/deals')
      .query({ status: 'all_not_deleted', start: '0', limit: '500' })
      .reply(
        200,
        page([
          pipedriveDeal({ id: 1, status: 'open' }),
          pipedriveDeal({ id: 2, status: 'won' }),
          pipedriveDeal({ id: 3, status: 'lost' }),
          pipedriveDeal({ id: 4, status: 'open', deleted: true }),
        ]),
      );

    const result = await client().listDeals({ status: ['open', 'won'] });

    expect(result.items.map((d) => `${d.id}:${d.status}`)).toEqual(['1:open', '2:won']);
    scope.done();
  });

  it('pages past the last page: an empty answer ends the list', async () => {
    const scope = api()
      .get('/v1/deals')
      .query({ status: 'all_not_deleted', start: '1000', limit: '500' })
      .reply(200, { ...page([], { start: 1000, limit: 500, more_items_in_collection: false }), data: null });

    await expect(client().listDeals({ cursor: '1000' })).resolves.toEqual({ items: [], nextCursor: null });
    scope.done();
  });

  it('takes next_start from the top of additional_data too, and counts on when it is absent', async () => {
    const scope = api()
      .get('/v1/deals')
      .query({ status: 'all_not_deleted', start: '0', limit: '2' })
      .reply(200, {
        success: true,
        data: [pipedriveDeal({ id: 1 }), pipedriveDeal({ id: 2 })],
        additional_data: { start: 0, limit: 2, more_items_in_collection: true },
      });

    await expect(client().listDeals({ limit: 2 })).resolves.toMatchObject({ nextCursor: '2' });
    scope.done();
  });

  it('asks newest first for changes since an instant, keeps the recent ones and stops at the first older deal', async () => {
    const since = DateTime.fromISO('2024-03-01T12:00:00', { zone: 'Europe/Paris' });
    const scope = api()
      .get('/v1/deals')
      .query({ status: 'all_not_deleted', sort: 'update_time DESC', start: '0', limit: '500' })
      .reply(
        200,
        page(
          [pipedriveDeal({ id: 1, update_time: '2024-03-02 09:00:00' }), pipedriveDeal({ id: 2, update_time: '2024-02-27 09:00:00' })],
          MORE,
        ),
      );

    const result = await client().listDeals({ updatedSince: since });

    expect(result.items.map((d) => d.id)).toEqual(['1']);
    expect(result.nextCursor).toBeNull();
    scope.done();
  });

  it('keeps paging for changes when the server did not sort newest first', async () => {
    const scope = api()
      .get('/v1/deals')
      .query(true)
      .reply(
        200,
        page(
          [pipedriveDeal({ id: 1, update_time: '2024-01-01 09:00:00' }), pipedriveDeal({ id: 2, update_time: '2024-03-09 09:00:00' })],
          MORE,
        ),
      );

    const result = await client().listDeals({ updatedSince: DateTime.utc(2024, 3, 1) });

    expect(result.items.map((d) => d.id)).toEqual(['2']);
    expect(result.nextCursor).toBe('500');
    scope.done();
  });
});

describe('searchDeals (v1)', () => {
  it('searches titles on /v1/deals/search and reads Fintesk hits by name', async () => {
    const answer = fintesk('deals-search');
    const item = answer.data.items[0].item;
    answer.data.items[0].item = {
      ...item,
      id: 42,
      type: 'deal',
      name: 'Acme rollout',
      owner: { id: 7 },
      status: 'won',
      currency: 'EUR',
      value: 1500,
      stage: { id: 2, name: 'Demo' },
      person: { id: 11, name: 'Grace Hopper' },
      organization: { id: 5, name: 'Acme Ltd' },
    };
    const scope = api()
      .get('/v1/deals/search')
      .query({ term: 'Acme', fields: 'title', status: 'won', start: '0', limit: '10' })
      .reply(200, answer);

    const result = await client().searchDeals(' Acme ', { status: ['won'], limit: 10 });

    expect(result).toEqual({
      hits: [
        {
          id: '42',
          title: 'Acme rollout',
          value: { amount: 1500, currency: 'EUR' },
          status: 'won',
          stageId: '2',
          ownerId: '7',
          organizationName: 'Acme Ltd',
          personName: 'Grace Hopper',
        },
      ],
      more: true,
    });
    scope.done();
  });

  it('reads Pipedrive hits by title, and no more on the last page', async () => {
    const answer = { ...pipedriveV1('deals-search'), additional_data: page([]).additional_data };
    const scope = api().get('/v1/deals/search').query({ term: 'Jane', fields: 'title', start: '0', limit: '500' }).reply(200, answer);

    const result = await client().searchDeals('Jane');

    expect(result.hits.map((h) => [h.id, h.title, h.personName])).toEqual([['1', 'Jane Doe deal', 'Jane Doe']]);
    expect(result.more).toBe(false);
    scope.done();
  });

  it('answers a one-letter term without spending a request', async () => {
    await expect(client().searchDeals('a')).resolves.toEqual({ hits: [], more: false });
  });
});

describe('createDeal (v1)', () => {
  it("posts the v1 body (title and name, value as a string, user_id) and reads Fintesk's 201", async () => {
    const scope = api()
      .post('/v1/deals', {
        title: 'Acme rollout',
        name: 'Acme rollout',
        value: '1500.5',
        currency: 'EUR',
        pipeline_id: 1,
        stage_id: 2,
        user_id: 7,
        org_id: 5,
        person_id: 11,
        expected_close_date: '2024-04-30',
        probability: 40,
      })
      .reply(201, finteskAnswer());

    const deal = await client().createDeal({
      title: 'Acme rollout',
      value: { amount: 1500.5, currency: 'EUR' },
      pipelineId: '1',
      stageId: '2',
      ownerId: '7',
      organizationId: '5',
      personId: '11',
      expectedCloseDate: '2024-04-30',
      probability: 40,
    });

    expect(deal).toMatchObject({ id: '42', title: 'Acme rollout', person: { id: '11', name: 'Grace Hopper' } });
    scope.done();
  });

  it("reads Pipedrive's 200 and Fintesk's verbatim 201 sample alike", async () => {
    const scope = api()
      .post('/v1/deals', { title: 'Bare', name: 'Bare' })
      .reply(200, pipedriveV1('v1-deal'))
      .post('/v1/deals', { title: 'Bare', name: 'Bare' })
      .reply(201, fintesk('deal-added'));
    const crm = client();

    await expect(crm.createDeal({ title: 'Bare' })).resolves.toMatchObject({ id: '1', title: 'Deal One' });
    await expect(crm.createDeal({ title: 'Bare' })).resolves.toMatchObject({ id: 'string', title: 'string' });
    scope.done();
  });

  it('is never retried: a 503 may have created the deal', async () => {
    const scope = api().post('/v1/deals').once().reply(503, { success: false, error: 'busy' });

    const error = await failure(client().createDeal({ title: 'Once' }));

    expect(error).toBeInstanceOf(CrmUnavailableError);
    expect(waits).toEqual([]);
    scope.done();
  });
});

describe('updating deals (v1)', () => {
  const updated = () => finteskAnswer({ id: '42' });

  it('puts the changed fields; null clears and a cleared value is "0"', async () => {
    const scope = api()
      .put('/v1/deals/42', {
        title: 'Renamed',
        name: 'Renamed',
        value: '0',
        user_id: 3,
        org_id: null,
        person_id: 8,
        expected_close_date: null,
        probability: 75,
      })
      .reply(200, updated());

    const deal = await client().updateDeal('42', {
      title: 'Renamed',
      value: null,
      ownerId: '3',
      organizationId: null,
      personId: '8',
      expectedCloseDate: null,
      probability: 75,
    });

    expect(deal.id).toBe('42');
    scope.done();
  });

  it('reads the deal instead of sending an empty update', async () => {
    const scope = api().get('/v1/deals/42').reply(200, updated());

    await expect(client().updateDeal('42', {})).resolves.toMatchObject({ id: '42' });
    scope.done();
  });

  it('marks won, lost with a reason, lost without one, and reopens with PUT', async () => {
    const scope = api()
      .put('/v1/deals/42', { status: 'won' })
      .reply(200, updated())
      .put('/v1/deals/42', { status: 'lost', lost_reason: 'Went with a competitor' })
      .reply(200, updated())
      .put('/v1/deals/42', (body) => JSON.stringify(body) === '{"status":"lost"}')
      .reply(200, updated())
      .put('/v1/deals/42', { status: 'open' })
      .reply(200, updated());
    const crm = client();

    await crm.markWon('42');
    await crm.markLost('42', 'Went with a competitor');
    await crm.markLost('42', null);
    await crm.reopenDeal('42');
    scope.done();
  });

  it('moves with the stage alone, which v1 places in its pipeline: no stage list is read', async () => {
    const scope = api()
      .put('/v1/deals/42', (body) => JSON.stringify(body) === '{"stage_id":3}')
      .reply(200, finteskAnswer({ stage_id: 3, pipeline_id: 2 }));

    const deal = await client().moveDeal('42', '3');

    expect([deal.stageId, deal.pipelineId]).toEqual(['3', '2']);
    scope.done();
  });

  it("maps the server's refusal of a stage to a validation error on that field", async () => {
    const scope = api()
      .put('/v1/deals/42')
      .reply(400, { success: false, error: 'Stage with ID 99 not found', error_info: 'Please check developers.pipedrive.com' });

    const error = (await failure(client().moveDeal('42', '99'))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('stageId');
    scope.done();
  });

  it('refuses a stage id Pipedrive could not have issued before any request', async () => {
    const error = (await failure(client().moveDeal('42', 'demo'))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('stageId');
  });
});

describe('stages and pipelines (v1)', () => {
  it("lists stages through every page until there are no more, with Fintesk's order_nbr and without deleted ones", async () => {
    const stage = pipedriveV1('v1-stages').data[0];
    const scope = api()
      .get('/v1/stages')
      .query({ start: '0', limit: '500' })
      .reply(
        200,
        page(
          [
            { ...stage, id: 1, order_nr: 1, name: 'Lead In' },
            { ...stage, id: 9, name: 'Old', active_flag: false },
          ],
          MORE,
        ),
      )
      .get('/v1/stages')
      .query({ start: '500', limit: '500' })
      .reply(200, page([{ id: 2, pipeline_id: 1, name: 'Demo', order_nbr: 2, deal_probability: 50 }]));

    const stages = await client().listStages();

    expect(stages).toEqual([
      { id: '1', pipelineId: '1', name: 'Lead In', order: 1, probability: 100 },
      { id: '2', pipelineId: '1', name: 'Demo', order: 2, probability: 50 },
    ]);
    scope.done();
  });

  it("lists one pipeline's stages", async () => {
    const scope = api().get('/v1/stages').query({ pipeline_id: '1', start: '0', limit: '500' }).reply(200, pipedriveV1('v1-stages'));

    await expect(client().listStages('1')).resolves.toEqual([{ id: '2', pipelineId: '1', name: 'Stage Name', order: 1, probability: 100 }]);
    scope.done();
  });

  it('lists pipelines in order, the lowest first and default, without inactive ones; a server without paging is asked once', async () => {
    const pipeline = pipedriveV1('v1-pipelines').data[0];
    const scope = api()
      .get('/v1/pipelines')
      .query({ start: '0', limit: '500' })
      .reply(200, {
        success: true,
        data: [
          { ...pipeline, id: 4, name: 'Renewals', order_nr: 2 },
          { ...pipeline, id: 5, name: 'Old', active: false },
          { id: 6, name: 'Fintesk', order_nbr: 1, active_flag: true, deal_probability: 0 },
          pipeline,
        ],
      });

    const pipelines = await client().listPipelines();

    expect(pipelines).toEqual([
      { id: '1', name: 'Pipeline', order: 0, isDefault: true },
      { id: '6', name: 'Fintesk', order: 1, isDefault: false },
      { id: '4', name: 'Renewals', order: 2, isDefault: false },
    ]);
    scope.done();
  });
});

describe('where v1 is served', () => {
  it('sends every request, users and history included, to v1BaseUrl when the server serves v1 at /api/v1', async () => {
    const host = 'https://crm.fintesk.example';
    const scope = nock(host, { reqheaders: { 'x-api-token': TOKEN } })
      .get('/api/v1/deals/42')
      .reply(200, finteskAnswer())
      .get('/api/v1/users/me')
      .reply(200, pipedriveV1('users-me'))
      .get('/api/v1/deals/42/flow')
      .query(true)
      .reply(200, pipedriveV1('deal-flow'));
    const crm = client({ baseUrl: host, v1BaseUrl: `${host}/api/v1`, companyDomain: undefined });

    const deal = await crm.getDeal('42');
    const history = await crm.getDealHistory('42');

    expect(deal.url).toBe('https://pipedrive-12g53f.pipedrive.com/deal/42');
    expect(history.items.length).toBeGreaterThan(0);
    scope.done();
  });

  it('defaults to {baseUrl}/v1, as Pipedrive serves it', async () => {
    const scope = api().get('/v1/pipelines').query(true).reply(200, pipedriveV1('v1-pipelines'));

    await expect(client().listPipelines()).resolves.toHaveLength(1);
    scope.done();
  });
});
