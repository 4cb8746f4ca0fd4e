// The port suite's harness for Productive: a fake of the JSON:API endpoints the adapter calls
// (/api/v2/deals[/{id}], /api/v2/deal_statuses, /api/v2/lost_reasons,
// /api/v2/organizations/{id}), served through nock in the shapes of
// test/fixtures/productive/ (deal.json, deal-statuses.json, pipelines.json, lost-reasons.json,
// organization.json, error-name-blank.json, error-not-found.json, error-lost-reason-blank.json).
//
// The pipeline holds the open stages a scenario gives, two Won stages and one Lost stage
// (status_id 2 and 3, seed 000). A won deal sits in the *second* Won stage, so an adapter
// that "wins" it again by moving it to the first one is caught. The Lost stage demands a
// reason (`lost_reason_enabled`, as recorded in deal-statuses.json) only after
// `givenLostReasonRequired`.
//
// What the fake assumes where Productive's docs are silent: entering a Won or Lost stage
// from another category stamps won_at / lost_at / sales_closed_at and sets the probability
// to 100 / 0; entering an open stage clears them and the lost reason; moving within a
// category stamps nothing.

import { readFileSync } from 'node:fs';
import type { DateTime } from 'luxon';
import type { DealStatus, Stage } from '../../../src/crm/port.js';
import { createProductiveClient } from '../../../src/crm/productive/productive-client.js';
import { createFakeClock, createNockCrm, type FakeReply, type FakeRequest, type NockCrm } from './nock-crm.js';
import type { GivenDeal, PortHarness } from './port-behaviour.js';

const ORIGIN = 'https://api.productive.io';
const TOKEN = 'pk_0123456789abcdef';
const ORGANIZATION_ID = '333';
const PIPELINE_ID = '410';
const OWNER_ID = '701';
const CATEGORY: Record<DealStatus, number> = { open: 1, won: 2, lost: 3 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../fixtures/productive/${name}.json`, import.meta.url), 'utf8'));

interface FakeStage {
  id: string;
  name: string;
  position: number;
  status: DealStatus;
  lostReasonEnabled: boolean;
}

interface FakeDeal {
  id: string;
  name: string;
  stageId: string;
  valueCents: number | null;
  currency: string;
  probability: number | null;
  probabilityBeforeClose: number | null;
  lostComment: string | null;
  lostReasonId: string | null;
  createdAt: DateTime;
  updatedAt: DateTime;
  wonAt: DateTime | null;
  lostAt: DateTime | null;
  closedAt: DateTime | null;
}

const time = (value: DateTime | null): string | null => value?.toUTC().toISO() ?? null;
const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';
const relationId = (relationships: Json, key: string): string | null | undefined => {
  const relation = relationships?.[key];
  return relation === undefined ? undefined : (relation.data?.id ?? null);
};

export function createProductiveHarness(): PortHarness {
  let http: NockCrm | null = null;
  let now = createFakeClock();
  let stages: FakeStage[] = [];
  let deals = new Map<string, FakeDeal>();
  let nextId = 5001;

  const stageById = (id: string | null | undefined): FakeStage | undefined => stages.find((s) => s.id === id);
  const statusOf = (deal: FakeDeal): DealStatus => stageById(deal.stageId)?.status ?? 'open';
  const lostReasons = (): Json[] => fixture('lost-reasons').data;

  // ---------------------------------------------------------------- the account's records

  function addDeal(input: {
    name: string;
    stageId: string;
    valueCents: number | null;
    currency: string;
    probability: number | null;
  }): FakeDeal {
    const at = now();
    const deal: FakeDeal = {
      id: String(nextId++),
      ...input,
      probabilityBeforeClose: null,
      lostComment: null,
      lostReasonId: null,
      createdAt: at,
      updatedAt: at,
      wonAt: null,
      lostAt: null,
      closedAt: null,
    };
    deals.set(deal.id, deal);
    return deal;
  }

  /** Moves a deal to a stage as Productive does, stamping a change of category. */
  function enterStage(deal: FakeDeal, stage: FakeStage, at: DateTime): void {
    const from = statusOf(deal);
    deal.stageId = stage.id;
    if (stage.status === from) return;
    if (from === 'open') deal.probabilityBeforeClose = deal.probability;
    deal.wonAt = stage.status === 'won' ? at : null;
    deal.lostAt = stage.status === 'lost' ? at : null;
    deal.closedAt = stage.status === 'open' ? null : at;
    deal.probability = stage.status === 'won' ? 100 : stage.status === 'lost' ? 0 : deal.probabilityBeforeClose;
    if (stage.status !== 'lost') {
      deal.lostReasonId = null;
      deal.lostComment = null;
    }
  }

  /** A PATCH document applied to a deal; an answer when Productive refuses it. */
  function writeDeal(deal: FakeDeal, document: Json): FakeReply | null {
    const attributes = document?.data?.attributes ?? {};
    const relationships = document?.data?.relationships ?? {};
    if ('name' in attributes && blank(attributes.name)) return [422, fixture('error-name-blank')];
    const stageId = relationId(relationships, 'deal_status');
    const stage = stageId === undefined ? undefined : stageById(stageId);
    if (stageId !== undefined && !stage) {
      return [
        422,
        {
          errors: [{ status: '422', code: 'invalid_attribute', detail: 'is invalid', source: { pointer: 'data/attributes/deal_status' } }],
        },
      ];
    }
    const reasonId = relationId(relationships, 'lost_reason');
    if (stage?.status === 'lost' && stage.lostReasonEnabled && !reasonId && !deal.lostReasonId) {
      return [422, fixture('error-lost-reason-blank')];
    }
    const at = now();
    if (typeof attributes.name === 'string') deal.name = attributes.name;
    if (stage) enterStage(deal, stage, at);
    if (reasonId !== undefined) deal.lostReasonId = reasonId;
    if ('lost_comment' in attributes) deal.lostComment = attributes.lost_comment ?? null;
    deal.updatedAt = at;
    return null;
  }

  // ---------------------------------------------------------------- answers

  function stageResource(stage: FakeStage): Json {
    const template = fixture('deal-statuses').data[0];
    return {
      ...template,
      id: stage.id,
      attributes: {
        ...template.attributes,
        name: stage.name,
        position: stage.position,
        status_id: CATEGORY[stage.status],
        lost_reason_enabled: stage.lostReasonEnabled,
      },
      relationships: { ...template.relationships, pipeline: { data: { type: 'pipelines', id: PIPELINE_ID } } },
    };
  }

  const pipelineResource = (): Json => fixture('pipelines').data.find((p: Json) => p.id === PIPELINE_ID);

  function dealResource(deal: FakeDeal): Json {
    const template = fixture('deal').data;
    return {
      ...template,
      id: deal.id,
      attributes: {
        ...template.attributes,
        name: deal.name,
        budget: false,
        currency: deal.currency,
        currency_default: deal.currency,
        currency_normalized: deal.currency,
        deal_value: deal.valueCents,
        budget_total: null,
        probability: deal.probability,
        end_date: null,
        lost_comment: deal.lostComment,
        won_at: time(deal.wonAt),
        lost_at: time(deal.lostAt),
        sales_closed_at: time(deal.closedAt),
        closed_at: null,
        created_at: time(deal.createdAt),
        updated_at: time(deal.updatedAt),
      },
      relationships: {
        ...template.relationships,
        deal_status: { data: { type: 'deal_statuses', id: deal.stageId } },
        pipeline: { data: { type: 'pipelines', id: PIPELINE_ID } },
        company: { data: null },
        contact: { data: null },
        responsible: { data: { type: 'people', id: OWNER_ID } },
        lost_reason: { data: deal.lostReasonId ? { type: 'lost_reasons', id: deal.lostReasonId } : null },
      },
    };
  }

  /** The resources a deal answer includes (`include=deal_status,pipeline,…,lost_reason`). */
  function includedOf(list: FakeDeal[]): Json[] {
    const stageIds = [...new Set(list.map((d) => d.stageId))];
    const reasonIds = new Set(list.flatMap((d) => (d.lostReasonId ? [d.lostReasonId] : [])));
    return [
      ...stageIds.flatMap((id) => {
        const stage = stageById(id);
        return stage ? [stageResource(stage)] : [];
      }),
      pipelineResource(),
      ...lostReasons().filter((r) => reasonIds.has(r.id)),
    ];
  }

  const dealDocument = (deal: FakeDeal): Json => ({ data: dealResource(deal), included: includedOf([deal]) });

  function listDocument<T>(items: T[], query: URLSearchParams, render: (items: T[]) => { data: Json[]; included?: Json[] }): Json {
    const number = Number(query.get('page[number]') ?? 1);
    const size = Number(query.get('page[size]') ?? 30);
    const page = items.slice((number - 1) * size, number * size);
    return {
      ...render(page),
      meta: {
        current_page: number,
        total_pages: Math.max(1, Math.ceil(items.length / size)),
        total_count: items.length,
        page_size: size,
        max_page_size: 200,
      },
    };
  }

  // ---------------------------------------------------------------- routes

  function serve(nock: NockCrm): void {
    const notFound: FakeReply = [404, fixture('error-not-found')];
    const known = (req: FakeRequest): FakeDeal | undefined => deals.get(req.params[0] ?? '');

    nock.route('GET', /^\/api\/v2\/deals\/(\d+)$/, (req) => {
      const deal = known(req);
      return deal ? [200, dealDocument(deal)] : notFound;
    });
    nock.route('PATCH', /^\/api\/v2\/deals\/(\d+)$/, (req) => {
      const deal = known(req);
      if (!deal) return notFound;
      return writeDeal(deal, req.body) ?? [200, dealDocument(deal)];
    });
    nock.route('POST', /^\/api\/v2\/deals$/, (req) => {
      const data: Json = (req.body as Json)?.data ?? {};
      if (blank(data.attributes?.name)) return [422, fixture('error-name-blank')];
      const stage = stageById(relationId(data.relationships, 'deal_status'));
      if (!stage) return [422, fixture('error-name-and-pipeline-blank')];
      const deal = addDeal({
        name: data.attributes.name,
        stageId: stage.id,
        valueCents: null,
        currency: data.attributes.currency,
        probability: null,
      });
      return [201, dealDocument(deal)];
    });
    nock.route('GET', /^\/api\/v2\/deals$/, (req) => {
      const { query } = req;
      const term = query.get('filter[query]')?.toLowerCase();
      const category = query.get('filter[stage_status_id]');
      const matching = [...deals.values()]
        .filter(
          (d) =>
            (term === undefined || d.name.toLowerCase().includes(term)) &&
            (category === null || CATEGORY[statusOf(d)] === Number(category)),
        )
        .sort((a, b) => Number(a.id) - Number(b.id));
      return [200, listDocument(matching, query, (page) => ({ data: page.map(dealResource), included: includedOf(page) }))];
    });
    nock.route('GET', /^\/api\/v2\/deal_statuses$/, (req) => [
      200,
      listDocument(stages, req.query, (page) => ({ data: page.map(stageResource), included: [pipelineResource()] })),
    ]);
    nock.route('GET', /^\/api\/v2\/lost_reasons$/, () => [200, fixture('lost-reasons')]);
    nock.route('GET', new RegExp(`^/api/v2/organizations/${ORGANIZATION_ID}$`), () => [200, fixture('organization')]);
  }

  // ---------------------------------------------------------------- the harness

  return {
    async reset() {
      now = createFakeClock();
      stages = [];
      deals = new Map();
      nextId = 5001;
      http = createNockCrm(ORIGIN, { 'x-auth-token': TOKEN, 'x-organization-id': ORGANIZATION_ID });
      serve(http);
    },

    async verify() {
      http?.verify();
      http = null;
    },

    client() {
      return createProductiveClient({ apiToken: TOKEN, organizationId: ORGANIZATION_ID, baseUrl: ORIGIN, maxRetries: 0 });
    },

    async givenStages(names): Promise<Stage[]> {
      const open: FakeStage[] = names.map((name, index) => ({
        id: String(1801 + index),
        name,
        position: index + 1,
        status: 'open',
        lostReasonEnabled: false,
      }));
      const closing: FakeStage[] = [
        { id: '1901', name: 'Won', position: names.length + 1, status: 'won', lostReasonEnabled: false },
        { id: '1902', name: 'Won, signed', position: names.length + 2, status: 'won', lostReasonEnabled: false },
        { id: '1903', name: 'Lost', position: names.length + 3, status: 'lost', lostReasonEnabled: false },
      ];
      stages = [...open, ...closing];
      return open.map((s, index) => ({ id: s.id, pipelineId: PIPELINE_ID, name: s.name, order: index + 1, probability: null }));
    },

    async givenDeal(given: GivenDeal = {}) {
      const deal = addDeal({
        name: given.title ?? `Deal ${nextId}`,
        stageId: given.stageId ?? stages[0]!.id,
        valueCents: given.value ? Math.round(given.value.amount * 100) : null,
        currency: given.value?.currency ?? 'EUR',
        probability: given.probability ?? null,
      });
      if (given.status === 'won') enterStage(deal, stageById('1902')!, now());
      if (given.status === 'lost') {
        enterStage(deal, stageById('1903')!, now());
        deal.lostComment = given.lostReason ?? null;
      }
      return deal.id;
    },

    async givenLostReasonRequired() {
      const lost = stages.find((s) => s.status === 'lost');
      if (lost) lost.lostReasonEnabled = true;
      return lostReasons()
        .filter((r) => r.attributes.archived_at === null)
        .map((r) => String(r.attributes.name));
    },

    requestCount: () => http?.requests.length ?? 0,
  };
}
