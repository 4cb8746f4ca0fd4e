// The port suite's harness for PipelineDeals: a fake of the API v3 endpoints the adapter calls
// (/api/v3/deals[/{id}].json, /api/v3/admin/deal_pipelines.json, /api/v3/admin/deal_stages.json,
// /api/v3/admin/deal_loss_reasons.json, /api/v3/account.json) on api.pipelinecrm.com, served
// through nock in the shapes of test/fixtures/pipelinedeals/ (deal.json, deal-stages.json,
// real/nango-deal-pipelines.json, deal-loss-reasons.json, account.json, error-name-blank.json,
// error-stage-invalid.json). The API key must come as the `api_key` query parameter of every
// request. The suite speaks of "the open stages of the board", so the fake's one pipeline
// names no won or lost stage (the recorded shape allows null); the Won and Lost stages of a
// real account are tested on recorded answers in test/e2e/pipelinedeals-real-answers.test.ts.
//
// Behaviour as the seed documents it: probability 100 closes a deal won, 0 closes it lost,
// 1–99 reopens it; reading an unknown deal is a 422 with an empty body, updating one a 404.
// Assumed where the docs are silent: `closed_time` is stamped only when the outcome changes,
// and a deal that stops being lost drops its loss reason.

import { readFileSync } from 'node:fs';
import type { DateTime } from 'luxon';
import { createPipelineDealsClient } from '../../../src/crm/pipelinedeals/pipelinedeals-client.js';
import type { DealStatus, Stage } from '../../../src/crm/port.js';
import { createFakeClock, createNockCrm, type FakeReply, type FakeRequest, type NockCrm } from './nock-crm.js';
import type { GivenDeal, PortHarness } from './port-behaviour.js';

const ORIGIN = 'https://api.pipelinecrm.com';
/** The recorded account's one pipeline (Nango, 2026). */
const PIPELINE_ID = 339554;
const API_KEY = 'pdk_0123456789abcdef';
const OWNER = { id: 1, full_name: 'Ada Lovelace' };
/** Stage percents in board order: PipelineDeals orders stages by them. */
const PERCENTS = [10, 25, 50, 75, 90];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../fixtures/pipelinedeals/${name}.json`, import.meta.url), 'utf8'));

interface FakeStage {
  id: number;
  name: string;
  percent: number;
}

interface FakeDeal {
  id: number;
  name: string;
  stageId: number;
  probability: number | null;
  value: number | null;
  currency: string | null;
  closedTime: DateTime | null;
  lossReasonId: number | null;
  lossReasonNotes: string | null;
  createdAt: DateTime;
  updatedAt: DateTime;
}

const time = (value: DateTime | null): string | null => value?.toUTC().toFormat('yyyy/MM/dd HH:mm:ss ZZZ') ?? null;
const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';
const outcome = (probability: number | null): DealStatus => (probability === 100 ? 'won' : probability === 0 ? 'lost' : 'open');

export function createPipelineDealsHarness(): PortHarness {
  let http: NockCrm | null = null;
  let now = createFakeClock();
  let stages: FakeStage[] = [];
  let deals = new Map<number, FakeDeal>();
  let nextId = 7001;

  const lossReasons = (): Array<{ id: number; name: string }> => fixture('deal-loss-reasons').entries;

  function addDeal(input: Pick<FakeDeal, 'name' | 'stageId' | 'probability' | 'value' | 'currency'>): FakeDeal {
    const at = now();
    const deal: FakeDeal = {
      id: nextId++,
      ...input,
      closedTime: null,
      lossReasonId: null,
      lossReasonNotes: null,
      createdAt: at,
      updatedAt: at,
    };
    deals.set(deal.id, deal);
    return deal;
  }

  /** A `PUT /deals/{id}.json` form applied to a deal; an answer when PipelineDeals refuses it. */
  function writeDeal(deal: FakeDeal, form: Record<string, unknown>): FakeReply | null {
    const field = (name: string): string | undefined => {
      const value = form[`deal[${name}]`];
      return value === undefined ? undefined : String(value);
    };
    const name = field('name');
    if (name !== undefined && blank(name)) return [422, fixture('error-name-blank')];
    const stageId = field('deal_stage_id');
    if (stageId !== undefined && !stages.some((s) => s.id === Number(stageId))) return [422, fixture('error-stage-invalid')];

    const at = now();
    if (name !== undefined) deal.name = name;
    if (stageId !== undefined) deal.stageId = Number(stageId);
    const probability = field('probability');
    if (probability !== undefined) {
      const next = probability === '' ? null : Number(probability);
      if (outcome(next) !== outcome(deal.probability)) deal.closedTime = outcome(next) === 'open' ? null : at;
      deal.probability = next;
    }
    const reasonId = field('deal_loss_reason_id');
    if (reasonId !== undefined) deal.lossReasonId = reasonId === '' ? null : Number(reasonId);
    const notes = field('deal_loss_reason_notes');
    if (notes !== undefined) deal.lossReasonNotes = notes === '' ? null : notes;
    if (outcome(deal.probability) !== 'lost') {
      deal.lossReasonId = null;
      deal.lossReasonNotes = null;
    }
    deal.updatedAt = at;
    return null;
  }

  function dealBody(deal: FakeDeal): Json {
    const stage = stages.find((s) => s.id === deal.stageId);
    const reason = lossReasons().find((r) => r.id === deal.lossReasonId);
    return {
      ...fixture('deal'),
      id: deal.id,
      name: deal.name,
      user_id: OWNER.id,
      user: OWNER,
      deal_pipeline_id: PIPELINE_ID,
      deal_pipeline: { id: PIPELINE_ID, name: 'Sales Pipeline', default: true },
      deal_stage_id: deal.stageId,
      deal_stage: stage ? { id: stage.id, percent: stage.percent, name: stage.name } : null,
      probability: deal.probability,
      closed_time: time(deal.closedTime),
      created_at: time(deal.createdAt),
      updated_at: time(deal.updatedAt),
      value: deal.value,
      value_in_cents: null,
      currency: deal.currency ? { code: deal.currency } : null,
      company_id: null,
      company: null,
      primary_contact_id: null,
      primary_contact: null,
      person_ids: [],
      people: [],
      deal_loss_reason_id: reason?.id ?? null,
      deal_loss_reason: reason ? { id: reason.id, name: reason.name } : null,
      deal_loss_reason_notes: deal.lossReasonNotes,
      is_archived: false,
      expected_close_date: null,
      collaborators: [],
    };
  }

  function page<T>(items: T[], query: URLSearchParams, render: (item: T) => Json): Json {
    const number = Number(query.get('page') ?? 1);
    const perPage = Number(query.get('per_page') ?? 200);
    return {
      entries: items.slice((number - 1) * perPage, number * perPage).map(render),
      pagination: { page: number, per_page: perPage, total: items.length, pages: Math.max(1, Math.ceil(items.length / perPage)) },
    };
  }

  function serve(nock: NockCrm): void {
    /** Every endpoint wants the key; without it PipelineDeals answers 401. */
    const keyed =
      (handle: (req: FakeRequest) => FakeReply) =>
      (req: FakeRequest): FakeReply =>
        req.query.get('api_key') === API_KEY ? handle(req) : [401, { error: 'Invalid api_key' }];
    const known = (req: FakeRequest): FakeDeal | undefined => deals.get(Number(req.params[0]));

    nock.route(
      'GET',
      /^\/api\/v3\/deals\/(\d+)\.json$/,
      keyed((req) => {
        const deal = known(req);
        return deal ? [200, dealBody(deal)] : [422, ''];
      }),
    );
    nock.route(
      'PUT',
      /^\/api\/v3\/deals\/(\d+)\.json$/,
      keyed((req) => {
        const deal = known(req);
        if (!deal) return [404, ''];
        return writeDeal(deal, req.body ?? {}) ?? [200, dealBody(deal)];
      }),
    );
    nock.route(
      'POST',
      /^\/api\/v3\/deals\.json$/,
      keyed((req) => {
        const form = req.body ?? {};
        if (blank(form['deal[name]'])) return [422, fixture('error-name-blank')];
        const stageId = Number(form['deal[deal_stage_id]'] ?? stages[0]?.id);
        const deal = addDeal({ name: String(form['deal[name]']), stageId, probability: null, value: null, currency: null });
        return [200, dealBody(deal)];
      }),
    );
    nock.route(
      'GET',
      /^\/api\/v3\/deals\.json$/,
      keyed(({ query }) => {
        const term = query.get('conditions[deal_name]')?.toLowerCase();
        const percentage = query.get('conditions[deal_percentage]');
        const stage = query.get('conditions[deal_stage]');
        const matching = [...deals.values()]
          .filter(
            (d) =>
              (term === undefined || d.name.toLowerCase().includes(term)) &&
              (percentage === null || d.probability === Number(percentage)) &&
              (stage === null || d.stageId === Number(stage)),
          )
          .sort((a, b) => a.id - b.id);
        return [200, page(matching, query, dealBody)];
      }),
    );
    nock.route(
      'GET',
      /^\/api\/v3\/admin\/deal_stages\.json$/,
      keyed(({ query }) => {
        const template = fixture('deal-stages').entries[0];
        return [
          200,
          page(stages, query, (s) => ({ ...template, id: s.id, name: s.name, percent: s.percent, deal_pipeline_id: PIPELINE_ID })),
        ];
      }),
    );
    nock.route(
      'GET',
      /^\/api\/v3\/admin\/deal_pipelines\.json$/,
      keyed(() => {
        const recorded = fixture('real/nango-deal-pipelines');
        return [200, { ...recorded, entries: recorded.entries.map((p: Json) => ({ ...p, won_stage: null, lost_stage: null })) }];
      }),
    );
    nock.route(
      'GET',
      /^\/api\/v3\/admin\/deal_loss_reasons\.json$/,
      keyed(() => [200, fixture('deal-loss-reasons')]),
    );
    nock.route(
      'GET',
      /^\/api\/v3\/account\.json$/,
      keyed(() => [200, fixture('account')]),
    );
  }

  return {
    async reset() {
      now = createFakeClock();
      stages = [];
      deals = new Map();
      nextId = 7001;
      http = createNockCrm(ORIGIN);
      serve(http);
    },

    async verify() {
      http?.verify();
      http = null;
    },

    client() {
      return createPipelineDealsClient({ apiKey: API_KEY, baseUrl: ORIGIN, maxRetries: 0 });
    },

    async givenStages(names): Promise<Stage[]> {
      stages = names.map((name, index) => ({ id: 301 + index, name, percent: PERCENTS[index] ?? 95 }));
      return stages.map((s, index) => ({
        id: String(s.id),
        pipelineId: String(PIPELINE_ID),
        name: s.name,
        order: index,
        probability: s.percent,
        closes: null,
      }));
    },

    async givenDeal(given: GivenDeal = {}) {
      const stageId = Number(given.stageId ?? stages[0]?.id);
      const deal = addDeal({
        name: given.title ?? `Deal ${nextId}`,
        stageId,
        // An open deal's probability is its stage's percent unless it has its own (1–99).
        probability: given.probability ?? stages.find((s) => s.id === stageId)?.percent ?? null,
        value: given.value?.amount ?? null,
        currency: given.value?.currency ?? null,
      });
      if (given.status === 'won') writeDeal(deal, { 'deal[probability]': '100' });
      if (given.status === 'lost') writeDeal(deal, { 'deal[probability]': '0', 'deal[deal_loss_reason_notes]': given.lostReason ?? '' });
      return String(deal.id);
    },

    requestCount: () => http?.requests.length ?? 0,
  };
}
