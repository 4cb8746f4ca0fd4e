// The Pipedrive adapter of the CRM port. By default it speaks API v2 (`/api/v2/deals`,
// `/deals/{id}`, `/deals/search`, `/stages`, `/pipelines`, `/persons`, `/organizations`) and
// v1 only where v2 has nothing (`/v1/users`, `/v1/users/me`, `/v1/deals/{id}/flow`). With
// `apiVersion: 'v1'` the deal, stage and pipeline operations speak v1 too (`v1-operations.ts`),
// for Pipedrive-compatible servers without v2. The token travels in the `x-api-token`
// header and is redacted from everything an error or a log line keeps.
//
// Pipedrive charges every request tokens from a daily budget, so: lists ask for the largest
// page (500), the current user (currency, company domain) is read once per cache period,
// and organization and person names are read (1 token each) only for a single deal's
// answer, never for the deals of a list.

import { CrmBadResponseError, CrmError, CrmNotFoundError, CrmValidationError } from '../../errors.js';
import { createAccountMemo } from '../account-memo.js';
import { createHttpClient, transportOptionsOf, type HttpClient, type HttpTransportOptions } from '../http/http-client.js';
import type {
  CrmCapabilities,
  CrmClient,
  Deal,
  DealChange,
  DealQuery,
  Page,
  PartyRef,
  PartySearchOptions,
  Pipeline,
  SearchOptions,
  SearchResult,
  Stage,
  User,
} from '../port.js';
import { mapPipedriveError } from './pipedrive-errors.js';
import { createPipedriveV1Operations, type PipedriveDealOperations } from './v1-operations.js';
import {
  MAX_PAGES,
  PAGE_SIZE,
  PIPEDRIVE,
  SEARCH_MIN_TERM,
  dealPatchBody,
  dealStatusFilter,
  isDeletedDeal,
  newDealBody,
  noteHtml,
  nextStartOf,
  pageLimit,
  pipedriveDealId,
  pipedriveId,
  startFromCursor,
  toDeal,
  toDealChanges,
  toDealHit,
  toDealStatus,
  toPipelines,
  toStages,
  toUser,
  type PartyNames,
} from './pipedrive-mapping.js';
import {
  currentUserResponseSchema,
  dealFlowResponseSchema,
  dealListResponseSchema,
  dealResponseSchema,
  dealSearchResponseSchema,
  noteResponseSchema,
  partyResponseSchema,
  partySearchResponseSchema,
  pipelineListResponseSchema,
  stageListResponseSchema,
  userListResponseSchema,
  type PipedriveCurrentUser,
  type PipedriveDeal,
} from './schemas.js';

export const DEFAULT_PIPEDRIVE_BASE_URL = 'https://api.pipedrive.com';

export interface PipedriveClientOptions extends HttpTransportOptions {
  apiToken: string;
  /** Without `/api/v2` or `/v1`. Default `https://api.pipedrive.com`. */
  baseUrl?: string;
  /** Where v2 is served, when not at `{baseUrl}/api/v2` (mock servers serve each spec at its own root). */
  v2BaseUrl?: string;
  /**
   * Where v1 is served, when not at `{baseUrl}/v1` (Pipedrive's own spec serves it there; a
   * compatible server may serve it at `/api/v1`).
   */
  v1BaseUrl?: string;
  /**
   * `v2` (default) speaks Pipedrive API v2 and v1 only where v2 has nothing; `v1` speaks only
   * v1, for Pipedrive-compatible servers without `/api/v2` (`PIPEDRIVE_API_VERSION=v1`).
   */
  apiVersion?: 'v1' | 'v2';
  /** The account's subdomain for deal links; fetched from `/v1/users/me` when absent. */
  companyDomain?: string;
  /**
   * How long the adapter trusts account facts it read for its own needs: the current user
   * (currency, company domain) and the stage list `moveDeal` looks stages up in. Default 10 min.
   */
  accountCacheMs?: number;
}

const CAPABILITIES: CrmCapabilities = { dealHistory: true, search: true, lostReason: true, notes: true };

export function createPipedriveClient(options: PipedriveClientOptions): CrmClient {
  const root = (options.baseUrl ?? DEFAULT_PIPEDRIVE_BASE_URL).replace(/\/+$/, '');
  const { logger, accountCacheMs = 10 * 60_000 } = options;
  const http = (baseUrl: string): HttpClient =>
    createHttpClient({
      crm: PIPEDRIVE,
      baseUrl,
      headers: { 'x-api-token': options.apiToken },
      secretValues: [options.apiToken],
      mapError: mapPipedriveError,
      ...transportOptionsOf(options),
    });
  const v2 = http(options.v2BaseUrl ?? `${root}/api/v2`);
  const v1 = http(options.v1BaseUrl ?? `${root}/v1`);

  // ------------------------------------------------------------------ account facts

  // A failed look-up is tried again next time, not remembered.
  const me = createAccountMemo(
    () =>
      v1
        .request({ method: 'GET', path: '/users/me', schema: currentUserResponseSchema, notFound: { entity: 'user', id: 'me' } })
        .then((body): PipedriveCurrentUser => body.data),
    accountCacheMs,
  );
  const currentUser = (): Promise<PipedriveCurrentUser> => me.get();

  /** Deal links are a nicety: without the domain a deal still reads, just without a link. */
  async function companyDomain(): Promise<string | null> {
    if (options.companyDomain) return options.companyDomain;
    try {
      return (await currentUser()).company_domain;
    } catch (error) {
      if (!(error instanceof CrmError)) throw error;
      logger?.warn({ crm: PIPEDRIVE, err: error.message }, 'could not read the company domain; deals have no link');
      return null;
    }
  }

  // ------------------------------------------------------------------ party names

  /**
   * Names read lately, so a write answered right after a read of the same deal (a move
   * from its card) does not pay for its organization and person again. Names change
   * rarely; ten minutes of staleness is the same bargain as the cached stage list.
   */
  const knownNames = new Map<string, { name: string; until: number }>();
  const NAME_TTL_MS = 10 * 60 * 1000;
  const NAMES_KEPT = 2000;

  /** One person's or organization's name: 1 token, and only for a single deal's answer. */
  async function partyName(kind: 'persons' | 'organizations', id: string | null): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (id === null) return names;
    const known = knownNames.get(`${kind}:${id}`);
    if (known && known.until > Date.now()) return names.set(id, known.name);
    try {
      const body = await v2.request({
        method: 'GET',
        path: `/${kind}/${pipedriveId(id, null)}`,
        schema: partyResponseSchema,
        notFound: { entity: kind === 'persons' ? 'person' : 'organization', id },
      });
      if (body.data.name) {
        names.set(body.data.id, body.data.name);
        if (knownNames.size >= NAMES_KEPT) knownNames.clear();
        knownNames.set(`${kind}:${id}`, { name: body.data.name, until: Date.now() + NAME_TTL_MS });
      }
    } catch (error) {
      // Names decorate a deal; a deleted person or a hiccup must not hide the deal itself.
      if (!(error instanceof CrmError)) throw error;
      logger?.warn({ crm: PIPEDRIVE, kind, err: error.message }, 'could not read a party name');
    }
    return names;
  }

  /**
   * Deals of a list keep their organization and person as ids (named `#id`): no view of a
   * list shows them, and naming them would cost 10 tokens per kind and page.
   */
  async function toDeals(raws: PipedriveDeal[]): Promise<Deal[]> {
    const domain = await companyDomain();
    const parties: PartyNames = { organizations: new Map(), persons: new Map() };
    return raws.map((raw) => toDeal(raw, parties, domain));
  }

  /** A single deal's answer (a card) names its organization and person. */
  async function toOneDeal(raw: PipedriveDeal): Promise<Deal> {
    const [organizations, persons, domain] = await Promise.all([
      partyName('organizations', raw.org_id),
      partyName('persons', raw.person_id),
      companyDomain(),
    ]);
    return toDeal(raw, { organizations, persons }, domain);
  }

  // ------------------------------------------------------------------ deals

  async function patchDeal(id: string, body: Record<string, unknown>): Promise<Deal> {
    const response = await v2.request({
      method: 'PATCH',
      path: `/deals/${pipedriveDealId(id)}`,
      body,
      schema: dealResponseSchema,
      notFound: { entity: 'deal', id },
    });
    return toOneDeal(response.data);
  }

  async function getDeal(id: string): Promise<Deal> {
    const response = await v2.request({
      method: 'GET',
      path: `/deals/${pipedriveDealId(id)}`,
      schema: dealResponseSchema,
      notFound: { entity: 'deal', id },
    });
    if (isDeletedDeal(response.data)) throw new CrmNotFoundError('deal', id, { crm: PIPEDRIVE });
    return toOneDeal(response.data);
  }

  /**
   * Several statuses are filtered here (Pipedrive takes one), and deleted deals always are, so
   * a page can come back with nothing left and a cursor. The port promises no cursor after an
   * empty page, so the next pages are read until one has a deal or the list ends, at most
   * `MAX_PAGES` pages (each costs tokens) and never a cursor seen before (a looping server).
   */
  async function listDeals(query: DealQuery): Promise<Page<Deal>> {
    const status = dealStatusFilter(query.status);
    const seen = new Set<string>();
    let cursor = query.cursor ?? undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await v2.request({
        method: 'GET',
        path: '/deals',
        query: {
          pipeline_id: query.pipelineId === undefined ? undefined : pipedriveId(query.pipelineId, 'pipelineId', 'pipeline id'),
          stage_id: query.stageId === undefined ? undefined : pipedriveId(query.stageId, 'stageId', 'stage id'),
          owner_id: query.ownerId === undefined ? undefined : pipedriveId(query.ownerId, 'ownerId', 'user id'),
          status: status.param,
          updated_since: query.updatedSince?.toUTC().toISO({ suppressMilliseconds: true }) ?? undefined,
          // Oldest change first: a deal changed while the pages are read moves to the end and is
          // read again there, rather than slipping behind the cursor (the alerts' poll).
          sort_by: query.updatedSince ? 'update_time' : undefined,
          sort_direction: query.updatedSince ? 'asc' : undefined,
          cursor,
          limit: pageLimit(query.limit),
        },
        schema: dealListResponseSchema,
      });
      const raws = response.data.filter((raw) => !isDeletedDeal(raw) && status.keep(toDealStatus(raw.status)));
      const next = response.additional_data.nextCursor;
      if (raws.length > 0) return { items: await toDeals(raws), nextCursor: next };
      if (next === null || seen.has(next)) return { items: [], nextCursor: null };
      seen.add(next);
      cursor = next;
    }
    logger?.warn({ crm: PIPEDRIVE, pages: MAX_PAGES }, 'every deal of many pages was filtered out; ending the list there');
    return { items: [], nextCursor: null };
  }

  async function searchDeals(term: string, searchOptions: SearchOptions = {}): Promise<SearchResult> {
    const trimmed = term.trim();
    if (trimmed.length < SEARCH_MIN_TERM) return { hits: [], more: false };
    const status = dealStatusFilter(searchOptions.status);
    const response = await v2.request({
      method: 'GET',
      path: '/deals/search',
      query: {
        term: trimmed,
        fields: 'title',
        status: status.param,
        limit: pageLimit(searchOptions.limit),
      },
      schema: dealSearchResponseSchema,
    });
    const hits = response.data.map((entry) => toDealHit(entry.item)).filter((hit) => status.keep(hit.status));
    return { hits, more: response.additional_data.nextCursor !== null };
  }

  // ------------------------------------------------------------------ pipelines and stages

  /** Follows v2 cursors to the end. */
  async function collect<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next: string | null }>) {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await fetchPage(cursor);
      items.push(...result.items);
      // A cursor seen before means the server is looping (mock servers answer the same page).
      if (result.next === null || seen.has(result.next)) break;
      seen.add(result.next);
      cursor = result.next;
    }
    return items;
  }

  let stageMemo: { at: number; stages: Stage[] } | null = null;

  async function fetchStages(pipelineId?: string): Promise<Stage[]> {
    const pipeline = pipelineId === undefined ? undefined : pipedriveId(pipelineId, 'pipelineId', 'pipeline id');
    const raws = await collect(async (cursor) => {
      const response = await v2.request({
        method: 'GET',
        path: '/stages',
        query: { pipeline_id: pipeline, limit: PAGE_SIZE, cursor },
        schema: stageListResponseSchema,
      });
      return { items: response.data, next: response.additional_data.nextCursor };
    });
    const stages = toStages(raws);
    if (pipelineId === undefined) stageMemo = { at: Date.now(), stages };
    return stages;
  }

  /** The stage a deal moves to, from the stage list (remembered briefly: stages rarely change). */
  async function findStage(stageId: string): Promise<Stage> {
    const fresh = stageMemo !== null && Date.now() - stageMemo.at < accountCacheMs;
    const known = fresh ? stageMemo!.stages.find((s) => s.id === stageId) : undefined;
    if (known) return known;
    const stage = (await fetchStages()).find((s) => s.id === stageId);
    // The port's contract: an unknown target stage is a bad value of the move, not a missing deal.
    if (!stage) throw new CrmValidationError(`There is no stage with id ${stageId}.`, 'stageId', { crm: PIPEDRIVE });
    return stage;
  }

  async function listPipelines(): Promise<Pipeline[]> {
    const raws = await collect(async (cursor) => {
      const response = await v2.request({
        method: 'GET',
        path: '/pipelines',
        query: { limit: PAGE_SIZE, cursor },
        schema: pipelineListResponseSchema,
      });
      return { items: response.data, next: response.additional_data.nextCursor };
    });
    return toPipelines(raws);
  }

  // ------------------------------------------------------------------ history

  async function getDealHistory(id: string, cursor?: string | null): Promise<Page<DealChange>> {
    const start = startFromCursor(cursor);
    const response = await v1.request({
      method: 'GET',
      path: `/deals/${pipedriveDealId(id)}/flow`,
      query: { start, limit: PAGE_SIZE },
      schema: dealFlowResponseSchema,
      notFound: { entity: 'deal', id },
    });
    const next = nextStartOf(start, response.data.length, response.additional_data);
    return {
      items: toDealChanges(response.data, response.related_objects),
      nextCursor: next === null ? null : String(next),
    };
  }

  // ------------------------------------------------------------------ notes and parties

  /** `POST /v1/notes` (10 tokens): the note on the deal, as HTML. A POST: never retried. */
  async function addNote(dealId: string, text: string): Promise<{ id: string }> {
    const response = await v1.request({
      method: 'POST',
      path: '/notes',
      body: { content: noteHtml(text), deal_id: pipedriveDealId(dealId) },
      schema: noteResponseSchema,
      notFound: { entity: 'deal', id: dealId },
    });
    return { id: response.data.id };
  }

  /**
   * `GET /api/v2/{organizations|persons}/search` on names only (20 tokens a request): what
   * a picker offers while someone types. Terms under Pipedrive's 2 characters cost nothing.
   */
  async function searchParties(
    kind: 'organizations' | 'persons',
    term: string,
    searchOptions: PartySearchOptions = {},
  ): Promise<PartyRef[]> {
    const trimmed = term.trim();
    if (trimmed.length < SEARCH_MIN_TERM) return [];
    const response = await v2.request({
      method: 'GET',
      path: `/${kind}/search`,
      query: { term: trimmed, fields: 'name', limit: pageLimit(searchOptions.limit) },
      schema: partySearchResponseSchema,
    });
    return response.data.flatMap(({ item }) => (item.name ? [{ id: item.id, name: item.name }] : []));
  }

  const v2Operations: PipedriveDealOperations = {
    listPipelines,
    listStages: (pipelineId) => fetchStages(pipelineId),
    getDeal,
    searchDeals,
    listDeals,

    async createDeal(input) {
      const response = await v2.request({ method: 'POST', path: '/deals', body: newDealBody(input), schema: dealResponseSchema });
      return toOneDeal(response.data);
    },

    async updateDeal(id, patch) {
      const body = dealPatchBody(patch);
      // Nothing to change: answer with the deal as it is rather than send an empty PATCH.
      if (Object.keys(body).length === 0) return getDeal(id);
      return patchDeal(id, body);
    },

    async moveDeal(id, stageId) {
      pipedriveDealId(id);
      const stage = await findStage(stageId);
      // The pipeline goes along every time: moving across pipelines needs it, and within
      // one it is a no-op, which saves reading the deal first.
      return patchDeal(id, {
        stage_id: pipedriveId(stage.id, 'stageId', 'stage id'),
        pipeline_id: pipedriveId(stage.pipelineId, 'pipelineId', 'pipeline id'),
      });
    },

    markWon: (id) => patchDeal(id, { status: 'won' }),

    markLost: (id, reason) => patchDeal(id, reason ? { status: 'lost', lost_reason: reason } : { status: 'lost' }),

    reopenDeal: (id) => patchDeal(id, { status: 'open' }),
  };

  const dealOperations = options.apiVersion === 'v1' ? createPipedriveV1Operations({ http: v1, companyDomain }) : v2Operations;

  return {
    provider: 'pipedrive',
    displayName: PIPEDRIVE,
    capabilities: CAPABILITIES,

    async defaultCurrency() {
      const user = await currentUser();
      if (!user.default_currency) {
        throw new CrmBadResponseError('users/me has no default_currency', { crm: PIPEDRIVE, response: user });
      }
      return user.default_currency;
    },

    async listUsers(): Promise<User[]> {
      const response = await v1.request({ method: 'GET', path: '/users', schema: userListResponseSchema });
      return response.data.map(toUser);
    },

    getDealHistory,
    addNote,

    // Asked afresh, not through the memo: a token checked once must still be good now.
    async whoAmI(): Promise<User> {
      const body = await v1.request({
        method: 'GET',
        path: '/users/me',
        schema: currentUserResponseSchema,
        notFound: { entity: 'user', id: 'me' },
      });
      return toUser(body.data);
    },
    // The searches are v2 endpoints; a v1-only server has none, so its pickers are not offered.
    ...(options.apiVersion === 'v1'
      ? {}
      : {
          searchOrganizations: (term: string, searchOptions?: PartySearchOptions) => searchParties('organizations', term, searchOptions),
          searchPersons: (term: string, searchOptions?: PartySearchOptions) => searchParties('persons', term, searchOptions),
        }),

    ...dealOperations,
  };
}
