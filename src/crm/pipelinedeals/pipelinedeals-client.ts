// The PipelineDeals (now Pipeline CRM) adapter of the CRM port (`CRM_PROVIDER=pipelinedeals`),
// over API v3 at `{baseUrl}/api/v3`, `https://api.pipelinecrm.com` unless
// `PIPELINEDEALS_BASE_URL` says otherwise: PipelineDeals' own Ruby client
// (github.com/PipelineDeals/pipeline_api, lib/pipeline.rb) and Nango's integration
// (NangoHQ/integration-templates, integrations/pipelinecrm) call that host. The key travels as the `api_key` query parameter on every request and
// is redacted from every URL, message, body and log line the HTTP client keeps; writes are
// form-encoded Rails-style (`deal[name]=…`); lists page with `page`/`per_page`.
//
// Sources, beyond the brief's seed 002 (a copy of the deals page of
// https://app.pipelinedeals.com/api/docs/resources/deals):
// - https://app.pipelinedeals.com/api/docs/request_response — `POST /api/v3/notes.json` with
//   `note[content]`, `note[deal_id]`; https://app.pipelinedeals.com/api/docs/resources/notes
// - https://app.pipelinedeals.com/api/docs — changelog: deals carry `currency` since Oct 2017;
//   users come from `/users`
// - http://www.pipelinedeals.com/api/docs/pagination — `{entries, pagination{page, per_page,
//   total}}`; it states a default of 100 and a hard limit of 100 per request, while the seed
//   says the default is 200 and recorded answers echo `per_page: 200`. We ask for 200 and
//   page by the `page`/`pages`/`total` the server reports, so a server that clamps to 100
//   costs more pages, never missing deals.
// - PipelineDeals' own Ruby client, github.com/PipelineDeals/pipeline_api (lib/pipeline.rb,
//   lib/pipeline/collection.rb and its recorded answers spec/cassettes/deal_stages_index.yml,
//   deal_loss_reasons_index.yml, get_account.yml, Pipeline_Deal_per_page.yml):
//   `GET /api/v3/admin/deal_stages.json` (`{id, name, percent}`),
//   `GET /api/v3/admin/deal_loss_reasons.json` (`{id, name, position}`), `GET /api/v3/users.json`,
//   `GET /api/v3/account.json` (`currency: {code}`), `pagination.pages`, and `closed_time`
//   recorded as a datetime although documented as a date.
// - Nango's recorded answers (NangoHQ/integration-templates, integrations/pipelinecrm/tests,
//   2026): `GET /api/v3/admin/deal_pipelines` (several pipelines, each with its `won_stage`
//   and `lost_stage`), stages carrying `deal_pipeline_id`, users at `GET /api/v3/admin/users`.
// Readings the docs leave open are decided, and explained, in `pipelinedeals-mapping.ts`.
//
// Cost in requests (the cached-CRM decorator adds its TTL on pipelines, stages, users and
// currency): listPipelines 1 (remembered `accountCacheMs`); listStages 1 per 200 + the
// pipelines; listUsers 1 per 200 (+1 when `/admin/users` refuses a non-admin key and
// `/users` is read instead);
// defaultCurrency 1 (account.json, remembered `accountCacheMs`); getDeal 1; listDeals and
// searchDeals 1 per page (+1 account.json per cache period when a deal names no currency,
// +1 pipelines per cache period when deals are answered or one pipeline is asked for);
// createDeal, updateDeal, moveDeal, markWon 1 (+ account.json as above); markLost 1, +1 per
// cache period for the loss reasons when a reason is given; reopenDeal 2 (read the deal's
// stage, then write; 1 when it is open already); getDealHistory 0 (unsupported: PipelineDeals
// keeps no change log).

import type { ZodType } from 'zod';
import { CrmBadResponseError, CrmError, CrmForbiddenError, CrmNotFoundError, CrmUnsupportedError, type CrmEntity } from '../../errors.js';
import { createAccountMemo } from '../account-memo.js';
import { createHttpClient, transportOptionsOf, type HttpRequest, type HttpTransportOptions } from '../http/http-client.js';
import type {
  CrmCapabilities,
  CrmClient,
  Deal,
  DealHit,
  DealQuery,
  DealStatus,
  Page,
  SearchOptions,
  SearchResult,
  Stage,
  User,
} from '../port.js';
import { mapPipelineDealsError } from './pipelinedeals-errors.js';
import {
  DEFAULT_APP_URL,
  PIPELINEDEALS,
  SINGLE_PIPELINE,
  dealPatchForm,
  lostForm,
  needsAccountCurrency,
  newDealForm,
  pipelineIdOf,
  pipelinedealsId,
  reopenProbability,
  toDeal,
  toDealHit,
  toDealStatus,
  toPipelineCatalog,
  toStages,
  type DealForm,
  type PipelineCatalog,
} from './pipelinedeals-mapping.js';
import {
  accountSchema,
  dealPageSchema,
  dealSchema,
  lossReasonPageSchema,
  noteSchema,
  pipelinePageSchema,
  profileSchema,
  stagePageSchema,
  userPageSchema,
  type PipelineDealsDeal,
  type PipelineDealsLossReason,
  type PipelineDealsPagination,
} from './schemas.js';

export const DEFAULT_PIPELINEDEALS_BASE_URL = 'https://api.pipelinecrm.com';

export interface PipelineDealsClientOptions extends HttpTransportOptions {
  apiKey: string;
  /** Without `/api/v3`. Default `https://api.pipelinecrm.com`. */
  baseUrl?: string;
  /** Where people open deals in the web app. Default `https://app.pipelinecrm.com`. */
  appUrl?: string;
  /** How long the account currency, pipelines and loss reasons the adapter reads for itself are trusted. Default 10 min. */
  accountCacheMs?: number;
}

/** PipelineDeals' adapter: the port, plus notes, which the port has no operation for yet. */
export interface PipelineDealsClient extends CrmClient {
  /** Attaches a note ("activity" in PipelineDeals' UI) to a deal. One request. */
  addNote(dealId: string, text: string): Promise<{ id: string }>;
}

/** The seed's default and the largest page PipelineDeals is known to honour (see the module comment). */
const PAGE_SIZE = 200;
/** A server that keeps reporting more pages is not followed forever. */
const MAX_PAGES = 100;

/** The filter of a pipeline the account does not have: no deal is read for it. */
const NONE = (): boolean => false;

const CAPABILITIES: CrmCapabilities = { dealHistory: false, search: true, lostReason: true, notes: true };
const ALL_STATUSES: readonly DealStatus[] = ['open', 'won', 'lost'];

export function createPipelineDealsClient(options: PipelineDealsClientOptions): PipelineDealsClient {
  const root = (options.baseUrl ?? DEFAULT_PIPELINEDEALS_BASE_URL).replace(/\/+$/, '');
  const appUrl = options.appUrl ?? DEFAULT_APP_URL;
  const { logger, accountCacheMs = 10 * 60_000 } = options;
  const http = createHttpClient({
    crm: PIPELINEDEALS,
    baseUrl: `${root}/api/v3`,
    query: { api_key: options.apiKey },
    secretValues: [options.apiKey],
    mapError: mapPipelineDealsError,
    ...transportOptionsOf(options),
  });

  async function call<T>(req: HttpRequest<T>): Promise<T> {
    try {
      return await http.request(req);
    } catch (error) {
      throw withoutOtherKeys(error);
    }
  }

  // ------------------------------------------------------------------ account facts

  /** One shared, briefly remembered load; a failed one is tried again next time. */
  function remembered<T>(load: () => Promise<T>): () => Promise<T> {
    const memo = createAccountMemo(load, accountCacheMs);
    return () => memo.get();
  }

  const accountCurrency = remembered(async () => {
    const account = await call({
      method: 'GET',
      path: '/account.json',
      schema: accountSchema,
      notFound: { entity: 'user', id: 'account' },
    });
    if (!account.currency) throw new CrmBadResponseError('account.json names no currency', { crm: PIPELINEDEALS });
    return account.currency;
  });

  /** A server without `/admin/deal_pipelines` (a 404) has one pipeline, `SINGLE_PIPELINE`. */
  const pipelineCatalog = remembered(async (): Promise<PipelineCatalog> => {
    try {
      return toPipelineCatalog(await collect('/admin/deal_pipelines.json', pipelinePageSchema, (page) => page.entries, 'pipeline'));
    } catch (error) {
      if (error instanceof CrmNotFoundError) return SINGLE_PIPELINE;
      throw error;
    }
  });

  const lossReasons = remembered(() => collect('/admin/deal_loss_reasons.json', lossReasonPageSchema, (page) => page.entries));

  /** Loss reasons name a lost deal's reason when they can; without them the reason goes in as notes. */
  async function lossReasonsOrNone(): Promise<PipelineDealsLossReason[]> {
    try {
      return await lossReasons();
    } catch (error) {
      if (!(error instanceof CrmError)) throw error;
      logger?.warn({ crm: PIPELINEDEALS, err: error.message }, 'could not read the loss reasons; the reason is kept as notes');
      return [];
    }
  }

  // ------------------------------------------------------------------ paging

  /** Follows `page` to the last page the server reports. */
  async function collect<P extends { entries: unknown[]; pagination: PipelineDealsPagination }, T>(
    path: string,
    schema: ZodType<P>,
    items: (page: P) => T[],
    entity: CrmEntity = 'stage',
  ): Promise<T[]> {
    const all: T[] = [];
    let page: number | null = 1;
    for (let fetched = 0; page !== null && fetched < MAX_PAGES; fetched++) {
      const notFound = { entity, id: path };
      const body: P = await call({ method: 'GET', path, query: { page, per_page: PAGE_SIZE }, schema, notFound });
      all.push(...items(body));
      page = nextPage(body.pagination, page, PAGE_SIZE, body.entries.length);
    }
    return all;
  }

  // ------------------------------------------------------------------ deals

  function dealIdOf(id: string): string {
    // An id PipelineDeals could never have issued is simply an unknown deal.
    if (!/^[1-9]\d{0,15}$/.test(id)) throw new CrmNotFoundError('deal', id, { crm: PIPELINEDEALS });
    return id;
  }

  async function currencyFor(raws: PipelineDealsDeal[]): Promise<string | null> {
    return raws.some(needsAccountCurrency) ? accountCurrency() : null;
  }

  async function toDeals(raws: PipelineDealsDeal[]): Promise<Deal[]> {
    if (raws.length === 0) return [];
    // Which pipeline a deal is in depends on the account's pipelines (remembered, see above).
    const [currency, catalog] = await Promise.all([currencyFor(raws), pipelineCatalog()]);
    return raws.map((raw) => toDeal(raw, currency, appUrl, catalog));
  }

  async function readDeal(id: string): Promise<PipelineDealsDeal> {
    return call({ method: 'GET', path: `/deals/${dealIdOf(id)}.json`, schema: dealSchema, notFound: { entity: 'deal', id } });
  }

  async function getDeal(id: string): Promise<Deal> {
    const [deal] = await toDeals([await readDeal(id)]);
    return deal!;
  }

  async function putDeal(id: string, form: DealForm): Promise<Deal> {
    const raw = await call({
      method: 'PUT',
      path: `/deals/${dealIdOf(id)}.json`,
      form,
      schema: dealSchema,
      notFound: { entity: 'deal', id },
    });
    const [deal] = await toDeals([raw]);
    return deal!;
  }

  /**
   * Which statuses to keep, and the one condition that asks the server for them when a
   * single closed status is wanted (`deal_percentage` 100 or 0); open deals are filtered here.
   */
  function statusFilter(statuses: DealStatus[] | undefined): { percentage?: number; keep: (raw: PipelineDealsDeal) => boolean } {
    const wanted = new Set(statuses?.length ? statuses : ALL_STATUSES);
    const keep = (raw: PipelineDealsDeal) => wanted.has(toDealStatus(raw)) && raw.is_archived !== true;
    if (wanted.size !== 1) return { keep };
    const only = [...wanted][0];
    return only === 'won' ? { percentage: 100, keep } : only === 'lost' ? { percentage: 0, keep } : { keep };
  }

  /**
   * Which pipeline's deals to keep, when one is asked for: the condition that filters by
   * pipeline is not documented, so deals are filtered here. Null keeps every deal.
   */
  async function pipelineFilter(pipelineId: string | undefined): Promise<((raw: PipelineDealsDeal) => boolean) | null> {
    if (pipelineId === undefined) return null;
    const catalog = await pipelineCatalog();
    if (!catalog.pipelines.some((p) => p.id === pipelineId)) return NONE;
    if (catalog.pipelines.length === 1) return null;
    return (raw) => pipelineIdOf(raw, catalog) === pipelineId;
  }

  async function listDeals(query: DealQuery): Promise<Page<Deal>> {
    const inPipeline = await pipelineFilter(query.pipelineId);
    if (inPipeline === NONE) return { items: [], nextCursor: null };
    let page = query.cursor && /^[1-9]\d{0,8}$/.test(query.cursor) ? Number(query.cursor) : 1;
    // A page the filters here empty entirely is not handed back with a cursor (the port
    // promises that never happens): the next one is read, up to the paging limit.
    for (let fetched = 1; ; fetched++) {
      const { raws, next } = await listDealsPage(query, page);
      const kept = inPipeline ? raws.filter(inPipeline) : raws;
      if (kept.length > 0 || next === null || fetched >= MAX_PAGES) {
        return { items: await toDeals(kept), nextCursor: next === null ? null : String(next) };
      }
      page = next;
    }
  }

  async function listDealsPage(query: DealQuery, page: number): Promise<{ raws: PipelineDealsDeal[]; next: number | null }> {
    const status = statusFilter(query.status);
    const perPage = pageSize(query.limit);
    const since = query.updatedSince;
    const body = await call({
      method: 'GET',
      path: '/deals.json',
      query: {
        page,
        per_page: perPage,
        'conditions[deal_owner]': query.ownerId === undefined ? 'all' : pipelinedealsId(query.ownerId, 'ownerId', 'user id'),
        'conditions[deal_stage]': query.stageId === undefined ? undefined : pipelinedealsId(query.stageId, 'stageId', 'stage id'),
        'conditions[deal_percentage]': status.percentage,
        // The "datetime range" format of conditions[deal_modified] is not documented: newest
        // first instead, filtered here, and paging stops at the first older deal.
        sort: since ? '-deals.updated_at' : undefined,
      },
      schema: dealPageSchema,
    });
    let next = nextPage(body.pagination, page, perPage, body.entries.length);
    const last = body.entries[body.entries.length - 1];
    if (since && last && last.updated_at < since) next = null;
    const raws = body.entries.filter((raw) => status.keep(raw) && (!since || raw.updated_at >= since));
    return { raws, next };
  }

  async function searchDeals(term: string, searchOptions: SearchOptions = {}): Promise<SearchResult> {
    const trimmed = term.trim();
    if (!trimmed) return { hits: [], more: false };
    const status = statusFilter(searchOptions.status);
    const perPage = pageSize(searchOptions.limit);
    const body = await call({
      method: 'GET',
      path: '/deals.json',
      query: {
        page: 1,
        per_page: perPage,
        'conditions[deal_name]': trimmed,
        'conditions[deal_owner]': 'all',
        'conditions[deal_percentage]': status.percentage,
      },
      schema: dealPageSchema,
    });
    const raws = body.entries.filter(status.keep);
    const currency = await currencyFor(raws);
    const hits: DealHit[] = raws.map((raw) => toDealHit(raw, currency));
    return { hits, more: nextPage(body.pagination, 1, perPage, body.entries.length) !== null };
  }

  // ------------------------------------------------------------------ the client

  return {
    provider: 'pipelinedeals',
    displayName: PIPELINEDEALS,
    capabilities: CAPABILITIES,

    defaultCurrency: () => accountCurrency(),

    listPipelines: async () => (await pipelineCatalog()).pipelines,

    async listStages(pipelineId?: string): Promise<Stage[]> {
      const catalog = await pipelineCatalog();
      if (pipelineId !== undefined && !catalog.pipelines.some((p) => p.id === pipelineId)) return [];
      const stages = toStages(await collect('/admin/deal_stages.json', stagePageSchema, (page) => page.entries), catalog);
      return pipelineId === undefined ? stages : stages.filter((s) => s.pipelineId === pipelineId);
    },

    async whoAmI(): Promise<User> {
      return call({ method: 'GET', path: '/profile.json', schema: profileSchema });
    },

    async listUsers(): Promise<User[]> {
      // Where Nango's integration reads them (2026); a key without admin rights, or an older
      // server, is refused there and reads `/users`, as PipelineDeals' own client does.
      try {
        return await collect('/admin/users.json', userPageSchema, (page) => page.entries, 'user');
      } catch (error) {
        if (!(error instanceof CrmForbiddenError || error instanceof CrmNotFoundError)) throw error;
        return collect('/users.json', userPageSchema, (page) => page.entries, 'user');
      }
    },

    getDeal,
    searchDeals,
    listDeals,

    async createDeal(input) {
      const form = newDealForm(input, input.value ? await accountCurrency() : null);
      const raw = await call({ method: 'POST', path: '/deals.json', form, schema: dealSchema });
      const [deal] = await toDeals([raw]);
      return deal!;
    },

    async updateDeal(id, patch) {
      dealIdOf(id);
      const form = dealPatchForm(patch, patch.value ? await accountCurrency() : null);
      // Nothing to change: answer with the deal as it is rather than send an empty PUT.
      if (Object.keys(form).length === 0) return getDeal(id);
      return putDeal(id, form);
    },

    async moveDeal(id, stageId) {
      dealIdOf(id);
      return putDeal(id, { 'deal[deal_stage_id]': pipelinedealsId(stageId, 'stageId', 'stage id') });
    },

    markWon: (id) => putDeal(id, { 'deal[probability]': '100' }),

    async markLost(id, reason) {
      dealIdOf(id);
      const reasons = reason?.trim() ? await lossReasonsOrNone() : [];
      return putDeal(id, lostForm(reason, reasons));
    },

    async reopenDeal(id) {
      const raw = await readDeal(id);
      // Reopening an open deal changes nothing (the port's contract); writing the stage's
      // percent would overwrite the deal's own probability.
      if (toDealStatus(raw) === 'open') return (await toDeals([raw]))[0]!;
      return putDeal(id, { 'deal[probability]': String(reopenProbability(raw)) });
    },

    async getDealHistory() {
      throw new CrmUnsupportedError('reading a deal history', { crm: PIPELINEDEALS });
    },

    async addNote(dealId, text) {
      const note = await call({
        method: 'POST',
        path: '/notes.json',
        form: { 'note[deal_id]': dealIdOf(dealId), 'note[content]': text },
        schema: noteSchema,
        notFound: { entity: 'deal', id: dealId },
      });
      return { id: note.id };
    },
  };
}

function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(limit ?? PAGE_SIZE)), PAGE_SIZE);
}

/**
 * The page after `requested`, or null on the last one: by `pages` when the server says it,
 * else by `total` and the page size it actually used, else by whether the page came back full.
 */
function nextPage(pagination: PipelineDealsPagination, requested: number, requestedPerPage: number, entries: number): number | null {
  const page = pagination.page ?? requested;
  const perPage = pagination.perPage ?? requestedPerPage;
  if (entries === 0) return null;
  if (pagination.pages !== null) return page < pagination.pages ? page + 1 : null;
  if (pagination.total !== null) return page * perPage < pagination.total ? page + 1 : null;
  return entries >= perPage ? page + 1 : null;
}

/**
 * A deal's answer lists its collaborators with their own API keys. The HTTP client keeps a
 * body it could not parse on the error (redacting only our key), so any `api_key` there is
 * removed before the error travels to handlers and logs.
 */
function withoutOtherKeys(error: unknown): unknown {
  if (!(error instanceof CrmError) || error.response === undefined) return error;
  let found = false;
  const scrub = (value: unknown, depth: number): unknown => {
    if (depth > 20 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (/^(api|app)_key$/i.test(key)) {
          found = true;
          return [key, '[redacted]'];
        }
        return [key, scrub(inner, depth + 1)];
      }),
    );
  };
  const scrubbed = scrub(error.response, 0);
  if (found) Object.defineProperty(error, 'response', { value: scrubbed, enumerable: true, writable: false });
  return error;
}
