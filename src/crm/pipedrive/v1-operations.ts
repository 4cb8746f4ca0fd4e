// The deal, stage and pipeline operations of the Pipedrive adapter in the v1 dialect
// (`apiVersion: 'v1'`), for Pipedrive-compatible servers that have no `/api/v2`:
// `GET/POST /v1/deals`, `GET/PUT /v1/deals/{id}`, `GET /v1/deals/search`, `GET /v1/stages`,
// `GET /v1/pipelines`. Users, the current user and a deal's history are v1 in both
// dialects and stay in `pipedrive-client.ts`.
//
// Lists page with `start`/`limit` (500) until `more_items_in_collection` is false; the port's
// cursor is `next_start`. v1 deals name their person and organization, so unlike v2 no
// answer costs a look-up per party. Writes are one `PUT /v1/deals/{id}` each; a move sends
// only `stage_id`, since v1 assigns the stage's pipeline itself (and ignores `pipeline_id`
// sent with a `stage_id`), so it needs no stage list either.

import type { DateTime } from 'luxon';
import type { ZodType } from 'zod';
import { CrmNotFoundError, type CrmEntity } from '../../errors.js';
import type { HttpClient } from '../http/http-client.js';
import type { CrmClient, Deal, DealQuery, DealStatus, Page, SearchOptions, SearchResult } from '../port.js';
import {
  MAX_PAGES,
  PAGE_SIZE,
  PIPEDRIVE,
  SEARCH_MIN_TERM,
  dealPatchBody,
  dealStatusFilter,
  isDeletedDeal,
  newDealBody,
  nextStartOf,
  pageLimit,
  pipedriveDealId,
  pipedriveId,
  startFromCursor,
  toDealHit,
  toDealStatus,
  toPipelines,
  toStages,
} from './pipedrive-mapping.js';
import type { PipedriveDeal, RelatedNames, V1Page } from './schemas.js';
import { toDealFromV1, toV1DealBody } from './v1-mapping.js';
import {
  v1DealListResponseSchema,
  v1DealResponseSchema,
  v1DealSearchResponseSchema,
  v1PipelineListResponseSchema,
  v1StageListResponseSchema,
  type V1Deal,
} from './v1-schemas.js';

/** What differs between the dialects; the rest of `CrmClient` is shared. */
export type PipedriveDealOperations = Pick<
  CrmClient,
  | 'listPipelines'
  | 'listStages'
  | 'getDeal'
  | 'searchDeals'
  | 'listDeals'
  | 'createDeal'
  | 'updateDeal'
  | 'moveDeal'
  | 'markWon'
  | 'markLost'
  | 'reopenDeal'
>;

export interface PipedriveV1Deps {
  /** Bound to the v1 root (`{base}/v1`). */
  http: HttpClient;
  /** For deal links; null when unknown. */
  companyDomain: () => Promise<string | null>;
}

/** When the deal last changed; a deal without an update time has not changed since creation. */
const changedAt = (deal: PipedriveDeal): DateTime => deal.update_time ?? deal.add_time;

/**
 * Whether a page sorted newest first has reached deals changed before `since`, so later pages
 * hold none worth reading. A page that is not in that order (a server that ignored `sort`)
 * proves nothing, and paging goes on.
 */
function reachedOlderThan(deals: PipedriveDeal[], since: DateTime): boolean {
  const times = deals.map((deal) => changedAt(deal).toMillis());
  const newestFirst = times.every((time, index) => index === 0 || time <= times[index - 1]!);
  const oldest = times[times.length - 1];
  return newestFirst && oldest !== undefined && oldest < since.toMillis();
}

export function createPipedriveV1Operations({ http, companyDomain }: PipedriveV1Deps): PipedriveDealOperations {
  const dealNotFound = (id: string): { entity: CrmEntity; id: string } => ({ entity: 'deal', id });

  async function toOneDeal(response: { data: V1Deal; related_objects: RelatedNames }): Promise<Deal> {
    return toDealFromV1(response.data, response.related_objects, await companyDomain());
  }

  async function getDeal(id: string): Promise<Deal> {
    const response = await http.request({
      method: 'GET',
      path: `/deals/${pipedriveDealId(id)}`,
      schema: v1DealResponseSchema,
      notFound: dealNotFound(id),
    });
    if (isDeletedDeal(response.data.deal)) throw new CrmNotFoundError('deal', id, { crm: PIPEDRIVE });
    return toOneDeal(response);
  }

  async function putDeal(id: string, v2Body: Record<string, unknown>): Promise<Deal> {
    const response = await http.request({
      method: 'PUT',
      path: `/deals/${pipedriveDealId(id)}`,
      body: toV1DealBody(v2Body),
      schema: v1DealResponseSchema,
      notFound: dealNotFound(id),
    });
    return toOneDeal(response);
  }

  async function listDeals(query: DealQuery): Promise<Page<Deal>> {
    const status = dealStatusFilter(query.status);
    const start = startFromCursor(query.cursor);
    const since = query.updatedSince;
    const response = await http.request({
      method: 'GET',
      path: '/deals',
      query: {
        // Fintesk documents no pipeline_id here (Pipedrive's v1 lists do); deals are also
        // filtered below, so a server that ignores a filter still answers right.
        pipeline_id: query.pipelineId === undefined ? undefined : pipedriveId(query.pipelineId, 'pipelineId', 'pipeline id'),
        stage_id: query.stageId === undefined ? undefined : pipedriveId(query.stageId, 'stageId', 'stage id'),
        user_id: query.ownerId === undefined ? undefined : pipedriveId(query.ownerId, 'ownerId', 'user id'),
        status: status.param ?? 'all_not_deleted',
        // v1 has no updated_since: newest first lets paging stop at the first older deal.
        sort: since ? 'update_time DESC' : undefined,
        start,
        limit: pageLimit(query.limit),
      },
      schema: v1DealListResponseSchema,
    });
    const sinceMs = since?.toMillis();
    const wanted = ({ deal }: V1Deal): boolean =>
      !isDeletedDeal(deal) &&
      status.keep(toDealStatus(deal.status)) &&
      (query.pipelineId === undefined || deal.pipeline_id === query.pipelineId) &&
      (query.stageId === undefined || deal.stage_id === query.stageId) &&
      (query.ownerId === undefined || deal.owner_id === query.ownerId) &&
      (sinceMs === undefined || changedAt(deal).toMillis() >= sinceMs);
    let next = nextStartOf(start, response.data.length, response.additional_data);
    if (
      since &&
      next !== null &&
      reachedOlderThan(
        response.data.map((raw) => raw.deal),
        since,
      )
    )
      next = null;
    const domain = await companyDomain();
    return {
      items: response.data.filter(wanted).map((raw) => toDealFromV1(raw, response.related_objects, domain)),
      nextCursor: next === null ? null : String(next),
    };
  }

  async function searchDeals(term: string, options: SearchOptions = {}): Promise<SearchResult> {
    const trimmed = term.trim();
    if (trimmed.length < SEARCH_MIN_TERM) return { hits: [], more: false };
    const status = dealStatusFilter(options.status);
    const response = await http.request({
      method: 'GET',
      path: '/deals/search',
      query: { term: trimmed, fields: 'title', status: status.param, start: 0, limit: pageLimit(options.limit) },
      schema: v1DealSearchResponseSchema,
    });
    const hits = response.data.map(toDealHit).filter((hit) => status.keep(hit.status));
    return { hits, more: response.additional_data.more };
  }

  /** Every page of a v1 list, `start` moving on until the server says there is no more. */
  async function collect<T>(
    path: string,
    query: Record<string, number | undefined>,
    schema: ZodType<{ data: T[]; additional_data: V1Page }>,
  ): Promise<T[]> {
    const items: T[] = [];
    let start = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await http.request({ method: 'GET', path, query: { ...query, start, limit: PAGE_SIZE }, schema });
      items.push(...response.data);
      const next = nextStartOf(start, response.data.length, response.additional_data);
      if (next === null) break;
      start = next;
    }
    return items;
  }

  const wonLostOrOpen = (id: string, status: DealStatus, lostReason: string | null = null) =>
    putDeal(id, lostReason ? { status, lost_reason: lostReason } : { status });

  return {
    async listPipelines() {
      return toPipelines(await collect('/pipelines', {}, v1PipelineListResponseSchema));
    },

    async listStages(pipelineId) {
      const pipeline = pipelineId === undefined ? undefined : pipedriveId(pipelineId, 'pipelineId', 'pipeline id');
      return toStages(await collect('/stages', { pipeline_id: pipeline }, v1StageListResponseSchema));
    },

    getDeal,
    searchDeals,
    listDeals,

    async createDeal(input) {
      const response = await http.request({
        method: 'POST',
        path: '/deals',
        body: toV1DealBody(newDealBody(input)),
        schema: v1DealResponseSchema,
      });
      return toOneDeal(response);
    },

    async updateDeal(id, patch) {
      const body = dealPatchBody(patch);
      // Nothing to change: answer with the deal as it is rather than send an empty PUT.
      if (Object.keys(body).length === 0) return getDeal(id);
      return putDeal(id, body);
    },

    async moveDeal(id, stageId) {
      pipedriveDealId(id);
      return putDeal(id, { stage_id: pipedriveId(stageId, 'stageId', 'stage id') });
    },

    markWon: (id) => wonLostOrOpen(id, 'won'),
    markLost: (id, reason) => wonLostOrOpen(id, 'lost', reason),
    reopenDeal: (id) => wonLostOrOpen(id, 'open'),
  };
}
