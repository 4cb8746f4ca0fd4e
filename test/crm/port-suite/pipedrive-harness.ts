// The port suite's harness for Pipedrive, in either dialect: a fake of the endpoints the
// adapter calls (v2: /api/v2/deals[/{id}|/search], /api/v2/stages, /api/v2/pipelines; v1:
// /v1/deals[/{id}|/search], /v1/stages, /v1/pipelines; both: /v1/deals/{id}/flow), served
// through nock and answering in the shapes of test/fixtures/pipedrive/ (deal.json,
// v1-deal.json, stages.json, deals-search.json, deal-flow.json and the error bodies).
//
// What the fake assumes of Pipedrive where its docs are silent:
// - a status write stamps won_time / lost_time / close_time only when the status changes
//   (winning a won deal leaves it as it was), and reopening clears them;
// - a write naming an unknown stage is a 404 "Stage not found" (error-stage-not-found.json),
//   a blank title a 400 "Title is required" (error-title-required.json);
// - the flow logs creation (`add_time`), stage, status and lost-reason changes, newest first.

import { readFileSync } from 'node:fs';
import type { DateTime } from 'luxon';
import { createPipedriveClient } from '../../../src/crm/pipedrive/pipedrive-client.js';
import type { DealStatus, Stage } from '../../../src/crm/port.js';
import { createFakeClock, createNockCrm, type FakeReply, type FakeRequest, type NockCrm } from './nock-crm.js';
import type { GivenDeal, PortHarness } from './port-behaviour.js';

const ORIGIN = 'https://api.pipedrive.com';
const TOKEN = 'pd_0123456789abcdef0123456789abcdef';
const PIPELINE_ID = 1;
const OWNER = { id: 1, name: 'Ada Lovelace' };

/** Fixture bodies are reshaped freely; the adapter under test checks their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

interface FakeStage {
  id: number;
  name: string;
  order: number;
}

interface FakeDeal {
  id: number;
  title: string;
  status: DealStatus;
  stageId: number;
  value: number | null;
  currency: string | null;
  probability: number | null;
  lostReason: string | null;
  addTime: DateTime;
  updateTime: DateTime;
  stageChangeTime: DateTime | null;
  wonTime: DateTime | null;
  lostTime: DateTime | null;
}

interface FlowChange {
  at: DateTime;
  field: string;
  from: string | number | null;
  to: string | number | null;
}

const v2Time = (time: DateTime | null): string | null => time?.toUTC().toISO({ suppressMilliseconds: true }) ?? null;
const v1Time = (time: DateTime | null): string | null => time?.toUTC().toFormat('yyyy-MM-dd HH:mm:ss') ?? null;
const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';

export function createPipedriveHarness(dialect: 'v1' | 'v2'): PortHarness {
  let http: NockCrm | null = null;
  let now = createFakeClock();
  let stages: FakeStage[] = [];
  let deals = new Map<number, FakeDeal>();
  let flows = new Map<number, FlowChange[]>();
  let nextId = 101;

  const closeTime = (deal: FakeDeal): DateTime | null =>
    deal.status === 'won' ? deal.wonTime : deal.status === 'lost' ? deal.lostTime : null;

  // ---------------------------------------------------------------- the account's records

  function addDeal(input: {
    title: string;
    stageId: number;
    value: number | null;
    currency: string | null;
    probability: number | null;
  }): FakeDeal {
    const at = now();
    const deal: FakeDeal = {
      id: nextId++,
      ...input,
      status: 'open',
      lostReason: null,
      addTime: at,
      updateTime: at,
      stageChangeTime: null,
      wonTime: null,
      lostTime: null,
    };
    deals.set(deal.id, deal);
    flows.set(deal.id, [{ at, field: 'add_time', from: null, to: v1Time(at) }]);
    return deal;
  }

  /** A PATCH (v2) or PUT (v1) of a deal, as Pipedrive applies it. */
  function writeDeal(deal: FakeDeal, body: Record<string, unknown>): FakeReply | null {
    const title = body.title ?? body.name;
    if (title !== undefined && blank(title)) return [400, fixture('error-title-required')];
    const stageId = body.stage_id === undefined ? undefined : Number(body.stage_id);
    if (stageId !== undefined && !stages.some((s) => s.id === stageId)) return [404, fixture('error-stage-not-found')];

    const at = now();
    const log = flows.get(deal.id)!;
    let changed = false;
    const change = (field: string, from: string | number | null, to: string | number | null): void => {
      log.push({ at, field, from, to });
      changed = true;
    };
    if (typeof title === 'string' && title !== deal.title) {
      change('title', deal.title, title);
      deal.title = title;
    }
    if (stageId !== undefined && stageId !== deal.stageId) {
      change('stage_id', deal.stageId, stageId);
      deal.stageId = stageId;
      deal.stageChangeTime = at;
    }
    const status = body.status as DealStatus | undefined;
    const reason = typeof body.lost_reason === 'string' ? body.lost_reason : null;
    if (status !== undefined && status !== deal.status) {
      change('status', deal.status, status);
      deal.status = status;
      deal.wonTime = status === 'won' ? at : null;
      deal.lostTime = status === 'lost' ? at : null;
      if (status === 'lost' && reason !== null) change('lost_reason', deal.lostReason, reason);
      deal.lostReason = status === 'lost' ? reason : null;
    } else if (status === 'lost' && reason !== null && reason !== deal.lostReason) {
      change('lost_reason', deal.lostReason, reason);
      deal.lostReason = reason;
    }
    if (changed) deal.updateTime = at;
    return null;
  }

  // ---------------------------------------------------------------- answers, per dialect

  function v2Deal(deal: FakeDeal): Json {
    return {
      ...fixture('deal').data,
      id: deal.id,
      title: deal.title,
      owner_id: OWNER.id,
      person_id: null,
      org_id: null,
      stage_id: deal.stageId,
      pipeline_id: PIPELINE_ID,
      value: deal.value ?? 0,
      currency: deal.currency ?? 'EUR',
      status: deal.status,
      probability: deal.probability,
      lost_reason: deal.lostReason,
      archive_time: null,
      is_archived: false,
      add_time: v2Time(deal.addTime),
      update_time: v2Time(deal.updateTime),
      stage_change_time: v2Time(deal.stageChangeTime),
      won_time: v2Time(deal.wonTime),
      lost_time: v2Time(deal.lostTime),
      close_time: v2Time(closeTime(deal)),
      local_won_date: null,
      local_lost_date: null,
      local_close_date: null,
      expected_close_date: null,
      label_ids: [],
    };
  }

  function v1Deal(deal: FakeDeal): Json {
    return {
      ...fixture('v1-deal').data,
      id: deal.id,
      title: deal.title,
      user_id: OWNER.id,
      person_id: null,
      org_id: null,
      person_name: null,
      org_name: null,
      owner_name: OWNER.name,
      stage_id: deal.stageId,
      pipeline_id: PIPELINE_ID,
      value: deal.value ?? 0,
      currency: deal.currency ?? 'EUR',
      status: deal.status,
      probability: deal.probability,
      lost_reason: deal.lostReason,
      add_time: v1Time(deal.addTime),
      update_time: v1Time(deal.updateTime),
      stage_change_time: v1Time(deal.stageChangeTime),
      won_time: v1Time(deal.wonTime) ?? '',
      first_won_time: v1Time(deal.wonTime) ?? '',
      lost_time: v1Time(deal.lostTime) ?? '',
      close_time: v1Time(closeTime(deal)),
      expected_close_date: null,
    };
  }

  const dealBody = (deal: FakeDeal): Json =>
    dialect === 'v2' ? { success: true, data: v2Deal(deal) } : { success: true, data: v1Deal(deal), related_objects: {} };

  function hitOf(deal: FakeDeal): Json {
    const stage = stages.find((s) => s.id === deal.stageId);
    return {
      ...fixture('deals-search').data.items[0],
      result_score: 1,
      item: {
        ...fixture('deals-search').data.items[0].item,
        id: deal.id,
        title: deal.title,
        value: deal.value ?? 0,
        currency: deal.currency ?? 'EUR',
        status: deal.status,
        owner: { id: OWNER.id },
        stage: { id: deal.stageId, name: stage?.name ?? null },
        person: null,
        organization: null,
      },
    };
  }

  /** Deals a list or search asks for, by id; `status` is one status or every one not deleted. */
  function matching(query: URLSearchParams, term?: string): FakeDeal[] {
    const status = query.get('status');
    const stageId = query.get('stage_id');
    return [...deals.values()]
      .filter(
        (d) =>
          (status === null || status === 'all_not_deleted' || d.status === status) &&
          (stageId === null || d.stageId === Number(stageId)) &&
          (term === undefined || d.title.toLowerCase().includes(term.toLowerCase())),
      )
      .sort((a, b) => a.id - b.id);
  }

  /** v2 cursors are opaque: here, the offset of the next item in base64. */
  const cursorOf = (offset: number): string => Buffer.from(JSON.stringify({ offset })).toString('base64url');
  const offsetOf = (cursor: string | null): number =>
    cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset: number }).offset : 0;

  function v2Page(items: FakeDeal[], query: URLSearchParams, render: (d: FakeDeal) => Json): Json {
    const offset = offsetOf(query.get('cursor'));
    const limit = Number(query.get('limit') ?? 100);
    const page = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? cursorOf(offset + limit) : null;
    return { data: page.map(render), next };
  }

  function v1Pagination(total: number, query: URLSearchParams): { start: number; limit: number; more: boolean } {
    const start = Number(query.get('start') ?? 0);
    const limit = Number(query.get('limit') ?? 100);
    return { start, limit, more: start + limit < total };
  }

  const pagination = ({ start, limit, more }: { start: number; limit: number; more: boolean }): Json => ({
    pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
  });

  function stageList(): Json[] {
    if (dialect === 'v2') {
      const template = fixture('stages').data[0];
      return stages.map((s) => ({
        ...template,
        id: s.id,
        name: s.name,
        order_nr: s.order,
        pipeline_id: PIPELINE_ID,
        deal_probability: 100,
      }));
    }
    const template = fixture('v1-stages').data[0];
    return stages.map((s) => ({ ...template, id: s.id, name: s.name, order_nr: s.order, pipeline_id: PIPELINE_ID, active_flag: true }));
  }

  function flowOf(id: number, query: URLSearchParams): FakeReply {
    const log = flows.get(id);
    if (!log) return [404, fixture('error-not-found')];
    const newestFirst = [...log].reverse();
    const page = v1Pagination(newestFirst.length, query);
    return [
      200,
      {
        success: true,
        data: newestFirst.slice(page.start, page.start + page.limit).map((c, n) => ({
          object: 'dealChange',
          timestamp: v1Time(c.at),
          data: {
            id: 1000 + n,
            item_id: id,
            user_id: OWNER.id,
            field_key: c.field,
            old_value: c.from,
            new_value: c.to,
            is_bulk_update_flag: null,
            log_time: v1Time(c.at),
            change_source: 'api',
            additional_data: [],
          },
        })),
        additional_data: pagination(page),
        related_objects: { user: { [OWNER.id]: { id: OWNER.id, name: OWNER.name } } },
      },
    ];
  }

  // ---------------------------------------------------------------- routes

  function serve(nock: NockCrm): void {
    const known = (req: FakeRequest): FakeDeal | undefined => deals.get(Number(req.params[0]));
    const create = (req: FakeRequest): FakeReply => {
      const body = req.body ?? {};
      const title = body.title ?? body.name;
      if (blank(title)) return [400, fixture('error-title-required')];
      const deal = addDeal({
        title: String(title),
        stageId: Number(body.stage_id ?? stages[0]?.id),
        value: null,
        currency: null,
        probability: null,
      });
      return [201, dealBody(deal)];
    };
    const update = (req: FakeRequest): FakeReply => {
      const deal = known(req);
      if (!deal) return [404, fixture('error-not-found')];
      return writeDeal(deal, req.body ?? {}) ?? [200, dealBody(deal)];
    };
    const read = (req: FakeRequest): FakeReply => {
      const deal = known(req);
      return deal ? [200, dealBody(deal)] : [404, fixture('error-not-found')];
    };

    nock.route('GET', /^\/v1\/deals\/(\d+)\/flow$/, (req) => flowOf(Number(req.params[0]), req.query));

    if (dialect === 'v2') {
      nock.route('GET', /^\/api\/v2\/deals\/search$/, (req) => {
        const { data, next } = v2Page(matching(req.query, req.query.get('term') ?? ''), req.query, hitOf);
        return [200, { success: true, data: { items: data }, additional_data: { next_cursor: next } }];
      });
      nock.route('GET', /^\/api\/v2\/deals\/(\d+)$/, read);
      nock.route('PATCH', /^\/api\/v2\/deals\/(\d+)$/, update);
      nock.route('POST', /^\/api\/v2\/deals$/, create);
      nock.route('GET', /^\/api\/v2\/deals$/, (req) => {
        const { data, next } = v2Page(matching(req.query), req.query, v2Deal);
        return [200, { success: true, data, additional_data: { next_cursor: next } }];
      });
      nock.route('GET', /^\/api\/v2\/stages$/, () => [200, { success: true, data: stageList(), additional_data: { next_cursor: null } }]);
      nock.route('GET', /^\/api\/v2\/pipelines$/, () => [200, { ...fixture('pipelines'), additional_data: { next_cursor: null } }]);
      return;
    }

    nock.route('GET', /^\/v1\/deals\/search$/, (req) => {
      const found = matching(req.query, req.query.get('term') ?? '');
      const page = v1Pagination(found.length, req.query);
      const items = found.slice(page.start, page.start + page.limit).map(hitOf);
      return [200, { success: true, data: { items }, additional_data: pagination(page) }];
    });
    nock.route('GET', /^\/v1\/deals\/(\d+)$/, read);
    nock.route('PUT', /^\/v1\/deals\/(\d+)$/, update);
    nock.route('POST', /^\/v1\/deals$/, create);
    nock.route('GET', /^\/v1\/deals$/, (req) => {
      const found = matching(req.query);
      const page = v1Pagination(found.length, req.query);
      const data = found.slice(page.start, page.start + page.limit).map(v1Deal);
      return [200, { success: true, data, additional_data: pagination(page), related_objects: {} }];
    });
    nock.route('GET', /^\/v1\/stages$/, (req) => [
      200,
      { success: true, data: stageList(), additional_data: pagination(v1Pagination(stages.length, req.query)) },
    ]);
    nock.route('GET', /^\/v1\/pipelines$/, () => [200, fixture('v1-pipelines')]);
  }

  // ---------------------------------------------------------------- the harness

  return {
    async reset() {
      now = createFakeClock();
      stages = [];
      deals = new Map();
      flows = new Map();
      nextId = 101;
      http = createNockCrm(ORIGIN, { 'x-api-token': TOKEN });
      serve(http);
    },

    async verify() {
      http?.verify();
      http = null;
    },

    client() {
      return createPipedriveClient({
        apiToken: TOKEN,
        baseUrl: ORIGIN,
        apiVersion: dialect,
        // Known up front, so no scenario pays for /v1/users/me.
        companyDomain: 'acme',
        maxRetries: 0,
      });
    },

    async givenStages(names): Promise<Stage[]> {
      stages = names.map((name, index) => ({ id: index + 1, name, order: index + 1 }));
      return stages.map((s) => ({ id: String(s.id), pipelineId: String(PIPELINE_ID), name: s.name, order: s.order, probability: null }));
    },

    async givenDeal(given: GivenDeal = {}) {
      const deal = addDeal({
        title: given.title ?? `Deal ${nextId}`,
        stageId: Number(given.stageId ?? stages[0]?.id),
        value: given.value?.amount ?? null,
        currency: given.value?.currency ?? null,
        probability: given.probability ?? null,
      });
      if (given.status && given.status !== 'open') {
        writeDeal(deal, { status: given.status, ...(given.lostReason ? { lost_reason: given.lostReason } : {}) });
      }
      return String(deal.id);
    },

    requestCount: () => http?.requests.length ?? 0,
  };
}
