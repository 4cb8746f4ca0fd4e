import { readFileSync } from 'node:fs';
import { inspect, isDeepStrictEqual } from 'node:util';
import { DateTime } from 'luxon';
import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProductiveClient, type ProductiveClientOptions } from '../../../src/crm/productive/productive-client.js';
import {
  CrmBadResponseError,
  CrmConflictError,
  CrmNotFoundError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmUnsupportedError,
  CrmValidationError,
} from '../../../src/errors.js';
import { failure } from '../../helpers/crm-failure.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';

const API = 'https://api.productive.io';
const TOKEN = 'pk-9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0';
const ORG = '48213';
const JSON_API = 'application/vnd.api+json';
const INCLUDE = 'deal_status,company,contact,responsible,lost_reason';
const TODAY = '2026-03-18';

/** Fixtures are edited freely in tests; their shape is checked by the adapter under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../fixtures/productive/${name}.json`, import.meta.url), 'utf8'));
}

let waits: number[];

function productive(options: Partial<ProductiveClientOptions> = {}) {
  return createProductiveClient({
    apiToken: TOKEN,
    organizationId: ORG,
    now: () => DateTime.fromISO(`${TODAY}T09:00:00Z`, { zone: 'utc' }),
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}

/** Every Productive request carries the token, the organization and asks for JSON:API. */
const api = () => nock(API, { reqheaders: { 'x-auth-token': TOKEN, 'x-organization-id': ORG, accept: JSON_API } });

const page = (number: number, extra: Record<string, string> = {}) => ({
  ...extra,
  'page[number]': String(number),
  'page[size]': '200',
});
const stageQuery = (number = 1) => page(number, { include: 'pipeline', 'filter[pipeline_type_id]': '1' });
const meta = (current: number, total: number, count: number) => ({
  current_page: current,
  total_pages: total,
  total_count: count,
  page_size: 200,
  max_page_size: 200,
});

// ------------------------------------------------------------------ fixtures built on the seed

function pipelineRef(id: string) {
  return { data: { type: 'pipelines', id } };
}

/** The seed's stages (1733-1738) as Productive answers them when asked to include the pipeline. */
function seedStagesIn(pipelineId: string): Json[] {
  return fixture('deal-statuses').data.map((stage: Json) => ({
    ...stage,
    relationships: { ...stage.relationships, pipeline: pipelineRef(pipelineId) },
  }));
}

function stage(id: string, name: string, position: number | null, statusId: number, pipelineId: string, extra: Json = {}): Json {
  const base = fixture('deal-statuses').data[0];
  return {
    ...base,
    id,
    attributes: { ...base.attributes, name, position, status_id: statusId, ...extra },
    relationships: { ...base.relationships, pipeline: pipelineRef(pipelineId) },
  };
}

/** A second sales pipeline: its Lost stage does not ask for a lost reason. */
const partnershipStages = (): Json[] => [
  stage('1801', 'Prospective', 1, 1, '431'),
  stage('1849', 'Signed', 2, 2, '431', { probability_enabled: true, probability: 30 }),
  stage('1843', 'Dropped', 3, 3, '431'),
];

function pipelineResources(): Json[] {
  return fixture('pipelines').data;
}

function stagesDocument(stages: Json[] = [...seedStagesIn('410'), ...partnershipStages()]): Json {
  return { data: stages, included: pipelineResources(), meta: meta(1, 1, stages.length) };
}

/** A scope that first serves deal 182 (as `deal`), then the stage list its status is read from. */
const readsDealAndStages = (deal: Json) =>
  api()
    .get('/api/v2/deals/182')
    .query({ include: INCLUDE })
    .reply(200, deal)
    .get('/api/v2/deal_statuses')
    .query(stageQuery())
    .reply(200, stagesDocument());

function dealDoc(attributes: Json = {}, relationships: Json = {}, included?: Json[]): Json {
  const doc = fixture('deal');
  doc.data.attributes = { ...doc.data.attributes, ...attributes };
  doc.data.relationships = { ...doc.data.relationships, ...relationships };
  if (included) doc.included = included;
  return doc;
}

const inStage = (stageId: string) => ({ deal_status: { data: { type: 'deal_statuses', id: stageId } } });

/** The deal fixture sitting in another stage, with that stage (from `stagesDocument`) included. */
function dealInStage(stageId: string, attributes: Json = {}, relationships: Json = {}): Json {
  const stages = stagesDocument().data as Json[];
  const found = stages.find((s) => s.id === stageId)!;
  const doc = dealDoc(attributes, { ...inStage(stageId), ...relationships });
  doc.included = [found, ...doc.included.filter((r: Json) => r.type !== 'deal_statuses')];
  if (found.relationships.pipeline.data.id === '431') {
    doc.data.relationships.pipeline = pipelineRef('431');
  }
  return doc;
}

function listOf(deals: Json[], current = 1, total = 1): Json {
  const included = new Map<string, Json>();
  for (const d of deals) for (const r of d.included ?? []) included.set(`${r.type}:${r.id}`, r);
  return { data: deals.map((d) => d.data), included: [...included.values()], meta: meta(current, total, deals.length) };
}

/** Matches a request whose JSON:API body is exactly `expected`; anything else is left unmatched (and reported). */
const jsonApiBody = (expected: Json) => (body: Json) => isDeepStrictEqual(body, expected);

beforeEach(() => {
  waits = [];
});

// A request nobody expected is a request the bot should not have made.
useNockBoundary();

// ================================================================================= stages

describe('listStages', () => {
  it('lists the seed’s stages in position order, unpositioned last, won and lost marked as closing', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument(seedStagesIn('410')));

    const stages = await productive().listStages();

    expect(stages).toEqual([
      { id: '1733', pipelineId: '410', name: 'Qualified Lead', order: 1, probability: null, closes: null },
      { id: '1734', pipelineId: '410', name: 'Needs Defined', order: 2, probability: null, closes: null },
      { id: '1735', pipelineId: '410', name: 'Proposal Sent', order: 3, probability: null, closes: null },
      { id: '1736', pipelineId: '410', name: 'Won Deals', order: 4, probability: null, closes: 'won' },
      { id: '1737', pipelineId: '410', name: 'Lost Deals', order: 5, probability: null, closes: 'lost' },
      { id: '1738', pipelineId: '410', name: 'test deal status', order: 6, probability: null, closes: null },
    ]);
    scope.done();
  });

  it('puts stages whose pipeline was not included (the seed as printed) in the default pipeline', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, fixture('deal-statuses'))
      .get('/api/v2/pipelines')
      .query(page(1, { 'filter[pipeline_type_id]': '1' }))
      .reply(200, fixture('pipelines'));

    const stages = await productive().listStages();

    expect(stages.map((s) => [s.id, s.pipelineId])).toEqual([
      ['1733', '410'],
      ['1734', '410'],
      ['1735', '410'],
      ['1736', '410'],
      ['1737', '410'],
      ['1738', '410'],
    ]);
    scope.done();
  });

  it('reads every page of 200, drops archived stages and filters by pipeline', async () => {
    const archived = fixture('deal-status-archived').data;
    archived.relationships.pipeline = pipelineRef('431');
    const [first, second, third] = [seedStagesIn('410').slice(0, 3), seedStagesIn('410').slice(3), [...partnershipStages(), archived]];
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery(1))
      .reply(200, { data: first, included: pipelineResources(), meta: meta(1, 3, 10) })
      .get('/api/v2/deal_statuses')
      .query(stageQuery(2))
      .reply(200, { data: second, included: pipelineResources(), meta: meta(2, 3, 10) })
      .get('/api/v2/deal_statuses')
      .query(stageQuery(3))
      .reply(200, { data: third, included: pipelineResources(), meta: meta(3, 3, 10) });
    const crm = productive();

    const all = await crm.listStages();
    const partnerships = await crm.listStages('431');

    expect(all.filter((s) => !s.closes).map((s) => s.id)).toEqual(['1733', '1734', '1735', '1738', '1801']);
    expect(all.filter((s) => s.closes).map((s) => [s.id, s.closes])).toEqual([
      ['1736', 'won'],
      ['1737', 'lost'],
      ...partnerships.filter((s) => s.closes).map((s) => [s.id, s.closes]),
    ]);
    expect(partnerships.filter((s) => !s.closes)).toEqual([
      { id: '1801', pipelineId: '431', name: 'Prospective', order: 1, probability: null, closes: null },
    ]);
    expect(partnerships.every((s) => s.pipelineId === '431')).toBe(true);
    expect(all.some((s) => s.id === '1873')).toBe(false);
    scope.done();
  });

  it('orders pipelines by their position and shows a stage probability only where it is enabled', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(
        200,
        stagesDocument([
          stage('1801', 'Prospective', 1, 1, '431', { probability_enabled: true, probability: 20 }),
          stage('1733', 'Qualified Lead', 1, 1, '410', { probability_enabled: false, probability: 90 }),
        ]),
      );

    const stages = await productive().listStages();

    expect(stages).toEqual([
      { id: '1733', pipelineId: '410', name: 'Qualified Lead', order: 1, probability: null, closes: null },
      { id: '1801', pipelineId: '431', name: 'Prospective', order: 1, probability: 20, closes: null },
    ]);
    scope.done();
  });

  it('refuses an answer that is not the documented shape', async () => {
    const broken = fixture('deal-statuses');
    delete broken.data[0].attributes.status_id;
    const scope = api().get('/api/v2/deal_statuses').query(stageQuery()).reply(200, broken);

    const error = await failure(productive().listStages());

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toContain('status_id');
    scope.done();
  });
});

// ========================================================================= account facts

describe('listPipelines', () => {
  it('lists active sales pipelines by position with the default flagged', async () => {
    const body = fixture('pipelines');
    body.data.push({
      ...body.data[0],
      id: '499',
      attributes: { ...body.data[0].attributes, name: 'Old', position: 0, archived_at: '2026-01-01T00:00:00.000+01:00' },
    });
    const scope = api()
      .get('/api/v2/pipelines')
      .query(page(1, { 'filter[pipeline_type_id]': '1' }))
      .reply(200, body);

    const pipelines = await productive().listPipelines();

    expect(pipelines).toEqual([
      { id: '410', name: 'Sales', order: 1, isDefault: true },
      { id: '431', name: 'Partnerships', order: 2, isDefault: false },
    ]);
    scope.done();
  });
});

describe('listUsers', () => {
  it('lists the organization users through every page, deactivated ones inactive', async () => {
    const people = fixture('people');
    const scope = api()
      .get('/api/v2/people')
      .query(page(1, { 'filter[person_type]': '1' }))
      .reply(200, { data: people.data.slice(0, 2), meta: meta(1, 2, 3) })
      .get('/api/v2/people')
      .query(page(2, { 'filter[person_type]': '1' }))
      .reply(200, { data: people.data.slice(2), meta: meta(2, 2, 3) });

    const users = await productive().listUsers();

    expect(users).toEqual([
      { id: '701', name: 'Ana Horvat', email: 'ana@example.com', active: true },
      { id: '703', name: 'Ivo Babić', email: 'ivo@example.com', active: false },
      { id: '704', name: 'ops@example.com', email: 'ops@example.com', active: true },
    ]);
    scope.done();
  });
});

describe('defaultCurrency', () => {
  it("reads the organization's currency once", async () => {
    const scope = api().get(`/api/v2/organizations/${ORG}`).reply(200, fixture('organization'));
    const crm = productive();

    expect(await crm.defaultCurrency()).toBe('EUR');
    expect(await crm.defaultCurrency()).toBe('EUR');
    scope.done();
  });
});

// ================================================================================= deals

describe('getDeal', () => {
  it('reads the deal with its stage, pipeline, company, contact and owner in one request', async () => {
    const scope = api().get('/api/v2/deals/182').query({ include: INCLUDE }).reply(200, fixture('deal'));

    const deal = await productive().getDeal('182');

    expect(deal).toMatchObject({
      id: '182',
      title: 'Website relaunch',
      value: { amount: 12500, currency: 'EUR' },
      status: 'open',
      pipelineId: '410',
      stageId: '1734',
      ownerId: '701',
      organization: { id: '501', name: 'Acme d.o.o.' },
      person: { id: '702', name: 'Marko Kovač' },
      expectedCloseDate: '2026-04-30',
      probability: 50,
      lostReason: null,
      closedAt: null,
      url: `https://app.productive.io/${ORG}/deals/182`,
    });
    // `sales_status_updated_at`: "when the deal last moved between pipeline stages".
    expect(deal.stageChangedAt?.toISO()).toBe('2026-03-14T04:04:00.000Z');
    expect(deal.createdAt.toISO()).toBe('2026-03-14T04:04:00.000Z');
    expect(deal.updatedAt?.zoneName).toBe('UTC');
    scope.done();
  });

  it('falls back to the services total when no deal value is set, and to no value without a currency', async () => {
    const scope = api()
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, dealDoc({ deal_value: null, budget_total: '980000.0' }))
      .get('/api/v2/deals/183')
      .query({ include: INCLUDE })
      .reply(200, dealDoc({ deal_value: 5000, currency: null }));
    const crm = productive();

    expect((await crm.getDeal('182')).value).toEqual({ amount: 9800, currency: 'EUR' });
    expect((await crm.getDeal('183')).value).toBeNull();
    scope.done();
  });

  it('reads a won deal from its stage outcome and a lost one with its reason and comment', async () => {
    const lostReason = { id: '11', type: 'lost_reasons', attributes: { name: 'Price', position: 1, archived_at: null } };
    const lost = dealInStage(
      '1737',
      {
        lost_comment: 'Went for a cheaper offer',
        lost_at: '2026-03-17T11:00:00.000+01:00',
        sales_closed_at: '2026-03-17T11:00:00.000+01:00',
      },
      { lost_reason: { data: { type: 'lost_reasons', id: '11' } } },
    );
    lost.included.push(lostReason);
    const scope = api()
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1736', { won_at: '2026-03-16T10:00:00.000+01:00', sales_closed_at: '2026-03-16T10:00:00.000+01:00' }))
      .get('/api/v2/deals/184')
      .query({ include: INCLUDE })
      .reply(200, lost);
    const crm = productive();

    const won = await crm.getDeal('182');
    const lostDeal = await crm.getDeal('184');

    expect(won).toMatchObject({ status: 'won', stageId: '1736', lostReason: null });
    expect(won.closedAt?.toISO()).toBe('2026-03-16T09:00:00.000Z');
    expect(lostDeal).toMatchObject({ status: 'lost', lostReason: 'Price: Went for a cheaper offer' });
    scope.done();
  });

  it('reads the stage list when the answer did not include the stage', async () => {
    const doc = dealDoc({}, { pipeline: { meta: { included: false } } }, []);
    const scope = readsDealAndStages(doc);

    const deal = await productive().getDeal('182');

    expect(deal).toMatchObject({ stageId: '1734', pipelineId: '410', status: 'open', organization: { id: '501', name: '#501' } });
    scope.done();
  });

  it('treats a budget, a missing deal and an impossible id as an unknown deal', async () => {
    const scope = api()
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, dealDoc({ budget: true }))
      .get('/api/v2/deals/999')
      .query({ include: INCLUDE })
      .reply(404, { errors: [{ status: '404', code: 'not_found', title: 'Not found' }] });
    const crm = productive();

    for (const id of ['182', '999', '../people']) {
      const error = await failure(crm.getDeal(id));
      expect(error).toBeInstanceOf(CrmNotFoundError);
      expect(error).toMatchObject({ entity: 'deal', id });
    }
    scope.done();
  });
});

describe('listDeals', () => {
  it('asks for one page of deals with the filters Productive has and hands out the next page as the cursor', async () => {
    const scope = api()
      .get('/api/v2/deals')
      .query({
        'filter[type]': '1',
        'filter[pipeline_id]': '410',
        'filter[responsible_id]': '701',
        'filter[stage_status_id]': '1',
        include: INCLUDE,
        'page[number]': '2',
        'page[size]': '200',
      })
      .reply(200, listOf([fixture('deal')], 2, 3));

    const page2 = await productive().listDeals({ pipelineId: '410', ownerId: '701', status: ['open'], cursor: '2' });

    expect(page2.items.map((d) => d.id)).toEqual(['182']);
    expect(page2.nextCursor).toBe('3');
    scope.done();
  });

  it('filters statuses, the stage and the update time on each page and skips budgets', async () => {
    const open = fixture('deal');
    const otherStage = dealInStage('1735');
    otherStage.data.id = '185';
    const won = dealInStage('1736', { won_at: '2026-03-16T10:00:00.000+01:00' });
    won.data.id = '186';
    const stale = dealDoc({ updated_at: '2026-01-02T10:00:00.000+01:00' });
    stale.data.id = '187';
    const budget = dealDoc({ budget: true });
    budget.data.id = '188';
    const lost = dealInStage('1737');
    lost.data.id = '189';
    const scope = api()
      .get('/api/v2/deals')
      .query({ 'filter[type]': '1', include: INCLUDE, 'page[number]': '1', 'page[size]': '50' })
      .reply(200, listOf([open, otherStage, won, stale, budget, lost]));

    const result = await productive().listDeals({
      status: ['open', 'lost'],
      stageId: '1734',
      updatedSince: DateTime.fromISO('2026-03-01T00:00:00Z', { zone: 'utc' }),
      limit: 50,
    });

    expect(result.items.map((d) => d.id)).toEqual(['182']);
    expect(result.nextCursor).toBeNull();
    scope.done();
  });
});

describe('searchDeals', () => {
  it("uses Productive's free-text query filter and says when there are more matches", async () => {
    const won = dealInStage('1736');
    won.data.id = '186';
    const scope = api()
      .get('/api/v2/deals')
      .query({ 'filter[type]': '1', 'filter[query]': 'relaunch', include: INCLUDE, 'page[number]': '1', 'page[size]': '10' })
      .reply(200, listOf([fixture('deal'), won], 1, 4));

    const result = await productive().searchDeals('  relaunch ', { limit: 10, status: ['open', 'lost'] });

    expect(result).toEqual({
      hits: [
        {
          id: '182',
          title: 'Website relaunch',
          value: { amount: 12500, currency: 'EUR' },
          status: 'open',
          stageId: '1734',
          ownerId: '701',
          organizationName: 'Acme d.o.o.',
          personName: 'Marko Kovač',
        },
      ],
      more: true,
    });
    scope.done();
  });

  it('asks nothing for a blank term', async () => {
    expect(await productive().searchDeals('   ')).toEqual({ hits: [], more: false });
  });
});

// ================================================================================ writes

describe('createDeal', () => {
  it('posts a JSON:API deal in the first open stage of the default pipeline', async () => {
    const expected = {
      data: {
        type: 'deals',
        attributes: {
          name: 'Website relaunch',
          budget: false,
          deal_type_id: 2,
          date: TODAY,
          currency: 'EUR',
          deal_value: 1250000,
          end_date: '2026-04-30',
          probability: 50,
        },
        relationships: {
          deal_status: { data: { type: 'deal_statuses', id: '1733' } },
          responsible: { data: { type: 'people', id: '701' } },
          company: { data: { type: 'companies', id: '501' } },
          contact: { data: { type: 'people', id: '702' } },
        },
      },
    };
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .post('/api/v2/deals', jsonApiBody(expected))
      .query({ include: INCLUDE })
      .matchHeader('content-type', JSON_API)
      .reply(201, dealInStage('1733'));

    const deal = await productive().createDeal({
      title: 'Website relaunch',
      value: { amount: 12500, currency: 'EUR' },
      ownerId: '701',
      organizationId: '501',
      personId: '702',
      expectedCloseDate: '2026-04-30',
      probability: 50,
    });

    expect(deal).toMatchObject({ id: '182', stageId: '1733', pipelineId: '410', status: 'open' });
    scope.done();
  });

  it("starts in the stage asked for and takes the organization's currency when no value is given", async () => {
    const expected = {
      data: {
        type: 'deals',
        attributes: { name: 'Bare', budget: false, deal_type_id: 2, date: TODAY, currency: 'EUR' },
        relationships: { deal_status: { data: { type: 'deal_statuses', id: '1801' } } },
      },
    };
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .get(`/api/v2/organizations/${ORG}`)
      .reply(200, fixture('organization'))
      .post('/api/v2/deals', jsonApiBody(expected))
      .query({ include: INCLUDE })
      .reply(201, dealInStage('1801', { name: 'Bare' }));

    const deal = await productive().createDeal({ title: 'Bare', stageId: '1801' });

    expect(deal).toMatchObject({ title: 'Bare', pipelineId: '431', stageId: '1801' });
    scope.done();
  });

  it('maps a blank name to the title field and never sends the create twice', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .post('/api/v2/deals')
      .query({ include: INCLUDE })
      .reply(422, fixture('error-name-blank'));

    const error = await failure(productive().createDeal({ title: '', value: { amount: 1, currency: 'EUR' } }));

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error).toMatchObject({ field: 'title', crmMessage: "Title: can't be blank", status: 422 });
    expect(waits).toEqual([]);
    scope.done();
  });

  it('names every field of a multi-error answer and points at the first one', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .post('/api/v2/deals')
      .query({ include: INCLUDE })
      .reply(422, fixture('error-name-and-pipeline-blank'));

    const error = (await failure(productive().createDeal({ title: '', value: { amount: 1, currency: 'EUR' } }))) as CrmValidationError;

    expect(error.field).toBe('title');
    expect(error.crmMessage).toBe("Title: can't be blank; Pipeline: can't be blank");
    scope.done();
  });

  it('reads the deal back when the answer carries no relationships', async () => {
    const bare = fixture('deal');
    bare.data.relationships = { organization: bare.data.relationships.organization };
    delete bare.included;
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .post('/api/v2/deals')
      .query({ include: INCLUDE })
      .reply(201, bare)
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, fixture('deal'));

    const deal = await productive().createDeal({ title: 'Website relaunch', value: { amount: 12500, currency: 'EUR' } });

    expect(deal.stageId).toBe('1734');
    scope.done();
  });
});

describe('updateDeal', () => {
  it('patches only what changed; null clears a relationship or an attribute', async () => {
    const expected = {
      data: {
        type: 'deals',
        id: '182',
        attributes: { name: 'Relaunch v2', deal_value: 990050, currency: 'USD', end_date: null, probability: 70 },
        relationships: {
          responsible: { data: { type: 'people', id: '703' } },
          contact: { data: null },
        },
      },
    };
    const scope = api()
      .patch('/api/v2/deals/182', jsonApiBody(expected))
      .query({ include: INCLUDE })
      .matchHeader('content-type', JSON_API)
      .reply(200, dealDoc({ name: 'Relaunch v2', deal_value: 990050, currency: 'USD', end_date: null, probability: 70 }));

    const deal = await productive().updateDeal('182', {
      title: 'Relaunch v2',
      value: { amount: 9900.5, currency: 'USD' },
      expectedCloseDate: null,
      probability: 70,
      ownerId: '703',
      personId: null,
    });

    expect(deal).toMatchObject({ title: 'Relaunch v2', value: { amount: 9900.5, currency: 'USD' }, expectedCloseDate: null });
    scope.done();
  });

  it('reads the deal instead of sending an empty patch', async () => {
    const scope = api().get('/api/v2/deals/182').query({ include: INCLUDE }).reply(200, fixture('deal'));

    expect((await productive().updateDeal('182', {})).id).toBe('182');
    scope.done();
  });

  it('explains that probabilities are not on the plan, next to the probability field', async () => {
    const scope = api().patch('/api/v2/deals/182').query({ include: INCLUDE }).reply(422, fixture('error-probability-unavailable'));

    const error = (await failure(productive().updateDeal('182', { probability: 20 }))) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('probability');
    expect(error.crmMessage).toContain('feature unavailable');
    expect(error.crmMessage).toContain('not enabled');
    scope.done();
  });

  it('refuses an id Productive could not have issued before any request', async () => {
    const error = await failure(productive().updateDeal('182', { organizationId: 'acme' }));

    expect(error).toMatchObject({ field: 'organizationId' });
  });
});

describe('moveDeal', () => {
  it('patches the deal_status relationship after finding the stage', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .patch(
        '/api/v2/deals/182',
        jsonApiBody({
          data: { type: 'deals', id: '182', relationships: { deal_status: { data: { type: 'deal_statuses', id: '1801' } } } },
        }),
      )
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1801'));

    const deal = await productive().moveDeal('182', '1801');

    expect(deal).toMatchObject({ stageId: '1801', pipelineId: '431', status: 'open' });
    scope.done();
  });

  it("refuses an unknown stage on 'stageId', saying which, without patching", async () => {
    const scope = api().get('/api/v2/deal_statuses').query(stageQuery()).times(2).reply(200, stagesDocument());
    const crm = productive();
    await crm.listStages();

    const error = await failure(crm.moveDeal('182', '4242'));

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error).toMatchObject({ field: 'stageId', crmMessage: 'There is no stage with id 4242.' });
    scope.done();
  });

  it('reports a stage still in use as a conflict a person understands', async () => {
    const scope = api()
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument())
      .patch('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(409, fixture('error-stage-in-use'));

    const error = await failure(productive().moveDeal('182', '1735'));

    expect(error).toBeInstanceOf(CrmConflictError);
    expect(error.message).toBe('Productive reported a conflict: the stage still holds deals; move them to another stage first');
    scope.done();
  });
});

describe('markWon, markLost, reopenDeal', () => {
  const patchStage = (stageId: string, extra: { attributes?: Json; relationships?: Json } = {}) =>
    jsonApiBody({
      data: {
        type: 'deals',
        id: '182',
        ...(extra.attributes ? { attributes: extra.attributes } : {}),
        relationships: { deal_status: { data: { type: 'deal_statuses', id: stageId } }, ...extra.relationships },
      },
    });

  it("wins a deal by moving it to its pipeline's Won stage", async () => {
    const scope = readsDealAndStages(fixture('deal'))
      .patch('/api/v2/deals/182', patchStage('1736'))
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1736', { probability: 100, won_at: '2026-03-18T10:00:00.000+01:00' }));

    const deal = await productive().markWon('182');

    expect(deal).toMatchObject({ status: 'won', stageId: '1736', probability: 100 });
    scope.done();
  });

  it('does not read a deal again that it has just read', async () => {
    const scope = readsDealAndStages(dealInStage('1801'))
      .patch('/api/v2/deals/182', patchStage('1849'))
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1849'));
    const crm = productive();

    const before = await crm.getDeal('182');
    const won = await crm.markWon('182');

    expect(before.pipelineId).toBe('431');
    expect(won).toMatchObject({ status: 'won', stageId: '1849' });
    scope.done();
  });

  it('loses a deal with the lost reason its text names, and reopens it where it was', async () => {
    const lostReason = { id: '11', type: 'lost_reasons', attributes: { name: 'Price', position: 1, archived_at: null } };
    const lost = dealInStage('1737', {}, { lost_reason: { data: { type: 'lost_reasons', id: '11' } } });
    lost.included.push(lostReason);
    const scope = readsDealAndStages(fixture('deal'))
      .get('/api/v2/lost_reasons')
      .query(page(1))
      .reply(200, fixture('lost-reasons'))
      .patch('/api/v2/deals/182', patchStage('1737', { relationships: { lost_reason: { data: { type: 'lost_reasons', id: '11' } } } }))
      .query({ include: INCLUDE })
      .reply(200, lost)
      .patch('/api/v2/deals/182', patchStage('1734'))
      .query({ include: INCLUDE })
      .reply(200, fixture('deal'));
    const crm = productive();

    const lostDeal = await crm.markLost('182', '  price ');
    const reopened = await crm.reopenDeal('182');

    expect(lostDeal).toMatchObject({ status: 'lost', lostReason: 'Price' });
    expect(reopened).toMatchObject({ status: 'open', stageId: '1734' });
    scope.done();
  });

  it('refuses a reason that is none of the lost reasons the stage asks for, listing them, without writing', async () => {
    const scope = readsDealAndStages(fixture('deal')).get('/api/v2/lost_reasons').query(page(1)).reply(200, fixture('lost-reasons'));
    const crm = productive();

    const unknown = (await failure(crm.markLost('182', 'They vanished'))) as CrmValidationError;
    const missing = (await failure(crm.markLost('182', null))) as CrmValidationError;

    expect(unknown.field).toBe('lostReason');
    expect(unknown.crmMessage).toBe('"They vanished" is not one of Productive\'s lost reasons: Price, Timing, Went with a competitor');
    expect(missing.crmMessage).toBe('Productive asks for a lost reason: Price, Timing, Went with a competitor');
    scope.done();
  });

  it('keeps the text as a lost comment where the Lost stage asks for no lost reason', async () => {
    const scope = readsDealAndStages(dealInStage('1801'))
      .patch('/api/v2/deals/182', patchStage('1843', { attributes: { lost_comment: 'Budget frozen' } }))
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1843', { lost_comment: 'Budget frozen' }));

    const deal = await productive().markLost('182', 'Budget frozen');

    expect(deal).toMatchObject({ status: 'lost', lostReason: 'Budget frozen' });
    scope.done();
  });

  it("reopens a deal it did not close into its pipeline's first open stage", async () => {
    const scope = readsDealAndStages(dealInStage('1736'))
      .patch('/api/v2/deals/182', patchStage('1733'))
      .query({ include: INCLUDE })
      .reply(200, dealInStage('1733'));

    const deal = await productive().reopenDeal('182');

    expect(deal).toMatchObject({ status: 'open', stageId: '1733' });
    scope.done();
  });

  it('says so when the pipeline has no Won stage', async () => {
    const scope = api()
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, fixture('deal'))
      .get('/api/v2/deal_statuses')
      .query(stageQuery())
      .reply(200, stagesDocument(seedStagesIn('410').filter((s: Json) => s.attributes.status_id !== 2)));

    const error = (await failure(productive().markWon('182'))) as CrmValidationError;

    expect(error.field).toBe('stageId');
    expect(error.crmMessage).toBe("the deal's pipeline has no active Won stage");
    scope.done();
  });
});

describe('history and capabilities', () => {
  it('declares no readable history and refuses to fake one', async () => {
    const crm = productive();

    expect(crm.capabilities).toEqual({ dealHistory: false, search: true, lostReason: true, notes: false });
    expect(crm.provider).toBe('productive');
    expect(crm.displayName).toBe('Productive');
    const error = await failure(crm.getDealHistory('182'));
    expect(error).toBeInstanceOf(CrmUnsupportedError);
    expect(error.message).toBe('Productive does not support deal history');
  });
});

// ========================================================================= transport

describe('transport', () => {
  it('keeps the token and the organization id out of everything an error holds', async () => {
    const scope = api()
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(401, {
        errors: [{ status: '401', title: 'Unauthorized', detail: `token ${TOKEN} is not valid for organization ${ORG}` }],
      });

    const error = await failure(productive().getDeal('182'));

    expect(error).toBeInstanceOf(CrmUnauthorizedError);
    const everything = `${error.message}\n${JSON.stringify(error.request)}\n${JSON.stringify(error.response)}\n${inspect(error, { depth: 10 })}`;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(ORG);
    expect(everything).toContain('[redacted]');
    scope.done();
  });

  it('retries a read after a server error and uses a base URL given with or without /api/v2', async () => {
    const other = nock('http://productive.test', { reqheaders: { 'x-auth-token': TOKEN } })
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(503, 'busy')
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, fixture('deal'))
      .get('/api/v2/deals/182')
      .query({ include: INCLUDE })
      .reply(200, fixture('deal'));

    expect((await productive({ baseUrl: 'http://productive.test/' }).getDeal('182')).id).toBe('182');
    expect((await productive({ baseUrl: 'http://productive.test/api/v2' }).getDeal('182')).id).toBe('182');
    expect(waits).toHaveLength(1);
    other.done();
  });

  it('gives up with a typed error when Productive stays down', async () => {
    const scope = api().get('/api/v2/pipelines').query(true).times(2).reply(502, 'Bad gateway');

    const error = await failure(productive({ maxRetries: 1 }).listPipelines());

    expect(error).toBeInstanceOf(CrmUnavailableError);
    scope.done();
  });
});
