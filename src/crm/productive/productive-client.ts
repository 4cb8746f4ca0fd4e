// The Productive.io adapter of the CRM port (`CRM_PROVIDER=productive`). It speaks the
// JSON:API at `{baseUrl}/api/v2`: `/deals`, `/deal_statuses` (stages), `/pipelines`,
// `/people`, `/lost_reasons`, `/organizations/{id}`. The token travels in `X-Auth-Token`, the
// organization in `X-Organization-Id`; both are redacted from everything an error keeps.
//
// Sources. Seed 000_25f1d7ce5a3847ea documents deal_statuses only (status_id 1 open / 2 won
// / 3 lost, archive, merge, delete, every error). The rest comes from Productive's public docs:
// - auth headers: https://developer.productive.io/guides/authorization
// - deals (deals and budgets share the endpoint; filters type, pipeline_id, responsible_id,
//   stage_status_id 1/2/3, query; page[number]/page[size]): https://developer.productive.io/deals.html
//   and https://developer.productive.io/reference/resources/deals (attributes deal_value "in
//   cents", currency, probability, end_date, lost_comment, sales_closed_at, won_at, lost_at;
//   relationships deal_status, pipeline, company, contact, responsible, lost_reason)
// - stages: https://developer.productive.io/reference/resources/deal-statuses
//   ("lost_reason_enabled: a lost reason must be provided"; filter pipeline_type_id)
// - pipelines (pipeline_type_id 1 sales / 2 production, position, default):
//   https://developer.productive.io/reference/resources/pipelines
// - lost reasons (name, archived_at): https://developer.productive.io/reference/resources/lost-reasons
// - won sets probability to 100, lost to 0:
//   https://help.productive.io/en/articles/10490896-tracking-previous-deal-probability-and-stage
// - deal value from services or set manually: https://help.productive.io/en/articles/14287868-how-to-set-the-deal-value-beta
// - attribute and relationship names as in Productive's OpenAPI spec of deals (writable
//   deal_value, currency, end_date, probability, lost_comment, lost_reason_id, deal_status_id,
//   deal_type_id; required on create: name, date, deal_type_id, responsible):
//   https://developer.productive.io/reference/download_spec?group=deals
//
// Decisions where the docs are silent (the field-level ones live in productive-mapping.ts):
// - won and lost are stage categories: markWon moves the deal to the first active Won stage
//   of its pipeline, markLost to the first Lost stage; reopen moves it back to the open stage
//   it left through this adapter, else the pipeline's first open stage. That open stage is
//   kept in the store (`reopenStore`), not in this process, so Undo and reopen work from any
//   replica sharing the store and after a restart. A deal whose stage or pipeline cannot be
//   resolved is closed and reopened in the account's default pipeline.
//   A won deal is not won again, nor an open one reopened: that would move it to the first
//   Won or open stage, where the port's contract is that nothing changes.
// - lost reasons: where the lost stage has `lost_reason_enabled`, the text must name one of
//   the organization's lost reasons (case and spacing aside) and is sent as the `lost_reason`
//   relationship; a text that names none is refused before any write, listing the reasons.
//   Elsewhere the text goes to `lost_comment`.
// - history: `/activities` carries changesets, but their shape is undocumented, so
//   dealHistory is false and getDealHistory throws CrmUnsupportedError.
// - notes: Productive has comments on deals (POST /comments with a `deal` relationship), but
//   the shape is not verified against a real account yet, so `notes` is false and the bot
//   says attaching a message is not available rather than guess.
// - the stage filter of listDeals and `updatedSince` are applied to each page here.
// - a 404 answers "no such deal" only for `/deals/{id}`; a 404 on a list or on the
//   organization means the base URL or the organization id is wrong (productive-errors.ts).
//
// Requests per operation (a cold adapter; stages, lost reasons and the currency are then
// remembered for `accountCacheMs`, a deal's pipeline and stage for `dealMemoMs`):
// listPipelines, listUsers, listStages 1 per 200 items; defaultCurrency 1; getDeal 1;
// searchDeals 1; listDeals 1 per page; createDeal 1 (+1 stages, +1 currency when no value is
// given); updateDeal 1; moveDeal 1 (+1 stages); markWon and reopenDeal 1 (+1 deal, +1 stages;
// a deal already won or open costs the deal read and no write);
// markLost 1 (+1 deal, +1 stages, +1 lost reasons when the stage asks for one).

import { DateTime } from 'luxon';
import type { ZodType } from 'zod';
import { CrmBadResponseError, CrmNotFoundError, CrmUnsupportedError, CrmValidationError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { createAccountMemo } from '../account-memo.js';
import { createHttpClient, transportOptionsOf, type HttpClient, type HttpTransportOptions } from '../http/http-client.js';
import { lastChangedAt } from '../port.js';
import type {
  CrmCapabilities,
  CrmClient,
  Deal,
  DealQuery,
  DealStatus,
  NewDeal,
  Page,
  Pipeline,
  SearchOptions,
  SearchResult,
  Stage,
  User,
} from '../port.js';
import { mapProductiveError } from './productive-errors.js';
import {
  DEAL_INCLUDES,
  DEAL_TYPE_FILTER,
  PRODUCTIVE,
  SALES_PIPELINE_TYPE,
  activeLostReasonNames,
  dealNeedsStage,
  dealPatchDocument,
  dealStatusOf,
  firstStageWithStatus,
  isDealDocumentEmpty,
  isProductiveId,
  matchLostReason,
  newDealDocument,
  productiveId,
  stageChangeDocument,
  stageStatusIdOf,
  toDeal,
  toDealHit,
  toStages,
  toPipelines,
  toStageRecords,
  toUser,
  type DealDocument,
  type StageRecord,
} from './productive-mapping.js';
import {
  dealDocument,
  dealListDocument,
  dealStatusListDocument,
  emptyIncluded,
  lostReasonListDocument,
  organizationDocument,
  personListDocument,
  membershipListDocument,
  pipelineListDocument,
  type IncludedIndex,
  type ProductiveDeal,
  type ProductiveLostReason,
} from './schemas.js';

export const DEFAULT_PRODUCTIVE_BASE_URL = 'https://api.productive.io';
const DEFAULT_APP_URL = 'https://app.productive.io';

export interface ProductiveClientOptions extends HttpTransportOptions {
  apiToken: string;
  organizationId: string;
  /** Without `/api/v2`. Default `https://api.productive.io`. */
  baseUrl?: string;
  /** Where deal links point: `<appUrl>/deals/<id>`. Default `https://app.productive.io/<organizationId>`. */
  appUrl?: string;
  /** How long stages, lost reasons and the currency read for the adapter's own needs are trusted. Default 10 min. */
  accountCacheMs?: number;
  /** How long a deal's pipeline and stage, as last read or written, are trusted for won/lost/reopen. Default 60 s. */
  dealMemoMs?: number;
  /** The clock: today's date is a new deal's start date. */
  now?: () => DateTime;
  /**
   * Where per-deal state lives (the open stage a won or lost deal came from, for reopen),
   * shared by every replica. Without it the state lives in this process only (tests).
   */
  reopenStore?: { store: Store; namespace: string };
}

/** Productive's largest page (`meta.max_page_size`). */
const PAGE_SIZE = 200;
/** A server that keeps reporting more pages is not followed forever. */
const MAX_PAGES = 100;
const DEAL_MEMO_LIMIT = 1000;
/** How long the open stage a closed deal left is kept for reopen. */
const REOPEN_STAGE_TTL_MS = 180 * 24 * 60 * 60_000;
const JSON_API = 'application/vnd.api+json';

const CAPABILITIES: CrmCapabilities = { dealHistory: false, search: true, lostReason: true, notes: false };
const ALL_STATUSES: readonly DealStatus[] = ['open', 'won', 'lost'];

interface StageBook {
  records: StageRecord[];
  byId: Map<string, StageRecord>;
  /** Pipelines known to be archived: their stages are not offered. */
  archivedPipelines: Set<string>;
  defaultPipelineId: string | null;
}

interface DealFacts {
  pipelineId: string;
  stageId: string;
  at: number;
}

/** The open stage each deal left when this adapter won or lost it: where reopen takes it back. */
interface OpenStageBefore {
  get(dealId: string): Promise<string | undefined>;
  set(dealId: string, stageId: string): Promise<void>;
  delete(dealId: string): Promise<void>;
}

/**
 * The change is already made in Productive when this state is written, so a store failure is
 * logged, not thrown: the person hears their deal was won, and a later reopen falls back to
 * the pipeline's first open stage.
 */
function openStageBeforeIn(where: ProductiveClientOptions['reopenStore'], logger: ProductiveClientOptions['logger']): OpenStageBefore {
  if (!where) {
    const inProcess = new Map<string, string>();
    return {
      get: async (id) => inProcess.get(id),
      set: async (id, stageId) => void inProcess.set(id, stageId),
      delete: async (id) => void inProcess.delete(id),
    };
  }
  const key = (id: string): string => `crm-productive:${where.namespace}:reopen-stage:${id}`;
  return {
    async get(id) {
      const value = await where.store.get<unknown>(key(id));
      return typeof value === 'string' && isProductiveId(value) ? value : undefined;
    },
    async set(id, stageId) {
      await where.store.set(key(id), stageId, REOPEN_STAGE_TTL_MS).catch((error: unknown) => {
        logger?.warn({ crm: PRODUCTIVE, id, err: error }, 'could not keep the stage to reopen into');
      });
    },
    async delete(id) {
      await where.store.delete(key(id)).catch((error: unknown) => {
        logger?.warn({ crm: PRODUCTIVE, id, err: error }, 'could not forget the stage to reopen into');
      });
    },
  };
}

/** The API root: the base URL with `/api/v2` added unless it is already there. */
function apiRootOf(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/api\/v2$/.test(trimmed) ? trimmed : `${trimmed}/api/v2`;
}

function mergeIncluded(into: IncludedIndex, from: IncludedIndex): void {
  for (const key of Object.keys(from) as Array<keyof IncludedIndex>) {
    for (const [id, value] of from[key]) (into[key] as Map<string, unknown>).set(id, value);
  }
}

function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(limit ?? PAGE_SIZE)), PAGE_SIZE);
}

function hasNextPage(meta: { totalPages: number | null }, page: number, count: number, size: number): boolean {
  return meta.totalPages !== null ? page < meta.totalPages : count >= size;
}

export function createProductiveClient(options: ProductiveClientOptions): CrmClient {
  const { logger, accountCacheMs = 10 * 60_000, dealMemoMs = 60_000 } = options;
  const clock = options.now ?? (() => DateTime.utc());
  const nowMs = (): number => clock().toMillis();
  const appUrl = options.appUrl ?? `${DEFAULT_APP_URL}/${encodeURIComponent(options.organizationId)}`;

  const http: HttpClient = createHttpClient({
    crm: PRODUCTIVE,
    baseUrl: apiRootOf(options.baseUrl ?? DEFAULT_PRODUCTIVE_BASE_URL),
    headers: {
      accept: JSON_API,
      'x-auth-token': options.apiToken,
      'x-organization-id': options.organizationId,
    },
    secretValues: [options.apiToken, options.organizationId],
    mapError: mapProductiveError,
    ...transportOptionsOf(options),
  });

  /** Every page of a list, `page[size]=200`, with the `included` resources of all of them. */
  async function collectPages<T>(
    path: string,
    query: Record<string, string | number | undefined>,
    schema: ZodType<{ data: T[]; included: IncludedIndex; meta: { totalPages: number | null } }>,
  ): Promise<{ items: T[]; included: IncludedIndex }> {
    const items: T[] = [];
    const included = emptyIncluded();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const doc = await http.request({
        method: 'GET',
        path,
        query: { ...query, 'page[number]': page, 'page[size]': PAGE_SIZE },
        schema,
      });
      items.push(...doc.data);
      mergeIncluded(included, doc.included);
      if (!hasNextPage(doc.meta, page, doc.data.length, PAGE_SIZE) || doc.data.length === 0) break;
    }
    return { items, included };
  }

  // ------------------------------------------------------------------ account facts

  async function listPipelines(): Promise<Pipeline[]> {
    const { items } = await collectPages('/pipelines', { 'filter[pipeline_type_id]': SALES_PIPELINE_TYPE }, pipelineListDocument);
    return toPipelines(items);
  }

  const stageBook = createAccountMemo<StageBook>(
    async () => {
      const { items, included } = await collectPages(
        '/deal_statuses',
        { include: 'pipeline', 'filter[pipeline_type_id]': SALES_PIPELINE_TYPE },
        dealStatusListDocument,
      );
      let pipelines = toPipelines([...included.pipelines.values()]);
      let fallbackPipelineId: string | null = null;
      if (items.some((s) => !s.pipelineId)) {
        // A stage whose pipeline was not included belongs to the account's default pipeline.
        pipelines = await listPipelines();
        fallbackPipelineId = (pipelines.find((p) => p.isDefault) ?? pipelines[0])?.id ?? null;
        if (fallbackPipelineId === null) {
          throw new CrmBadResponseError('deal statuses name no pipeline and the account has none', { crm: PRODUCTIVE });
        }
      }
      const order = new Map(pipelines.map((p) => [p.id, p.order]));
      const records = toStageRecords(items, (s) => s.pipelineId ?? fallbackPipelineId!, order);
      const archivedPipelines = new Set([...included.pipelines.values()].filter((p) => p.archived).map((p) => p.id));
      const defaultPipelineId = (pipelines.find((p) => p.isDefault) ?? pipelines[0])?.id ?? records[0]?.pipelineId ?? null;
      return { records, byId: new Map(records.map((s) => [s.id, s])), archivedPipelines, defaultPipelineId };
    },
    accountCacheMs,
    nowMs,
  );

  /** A stage by id; an id missing from a remembered list is looked up once more before giving up. */
  async function findStage(stageId: string): Promise<StageRecord> {
    const remembered = await stageBook.peek();
    const known = remembered?.byId.get(stageId);
    if (known) return known;
    if (remembered) stageBook.clear();
    const stage = (await stageBook.get()).byId.get(stageId);
    // The port's contract: an unknown stage is a bad value of the move, not a missing deal.
    if (!stage) throw new CrmValidationError(`There is no stage with id ${stageId}.`, 'stageId', { crm: PRODUCTIVE });
    return stage;
  }

  const lostReasons = createAccountMemo<ProductiveLostReason[]>(
    async () => (await collectPages('/lost_reasons', {}, lostReasonListDocument)).items,
    accountCacheMs,
    nowMs,
  );

  const currency = createAccountMemo<string>(
    async () => {
      const doc = await http.request({
        method: 'GET',
        path: `/organizations/${encodeURIComponent(options.organizationId)}`,
        schema: organizationDocument,
        notFound: { entity: 'organization', id: options.organizationId },
      });
      const code = doc.data.attributes.currency ?? doc.data.attributes.currency_default;
      if (!code) throw new CrmBadResponseError('the organization has no currency', { crm: PRODUCTIVE });
      return code;
    },
    accountCacheMs,
    nowMs,
  );

  // ------------------------------------------------------------------ deals

  /** Where each deal was when last seen, so won/lost/reopen need not read it again. */
  const dealFacts = new Map<string, DealFacts>();
  const openStageBefore = openStageBeforeIn(options.reopenStore, logger);

  function remember(deal: Deal): void {
    dealFacts.delete(deal.id);
    if (deal.pipelineId && deal.stageId) dealFacts.set(deal.id, { pipelineId: deal.pipelineId, stageId: deal.stageId, at: nowMs() });
    if (dealFacts.size > DEAL_MEMO_LIMIT) dealFacts.delete(dealFacts.keys().next().value!);
  }

  function dealIdOf(id: string): string {
    // An id Productive could never have issued is simply an unknown deal.
    if (!isProductiveId(id)) throw new CrmNotFoundError('deal', id, { crm: PRODUCTIVE });
    return id;
  }

  /** Maps deals, reading the stage list only when an answer left a deal's stage or pipeline unknown. */
  async function toDeals(raws: ProductiveDeal[], included: IncludedIndex): Promise<Deal[]> {
    let book = await stageBook.peek();
    const knownStage = (id: string): StageRecord | undefined => book?.byId.get(id);
    if (raws.some((raw) => dealNeedsStage(raw, { included, knownStage }))) book = await stageBook.get();
    return raws.map((raw) => {
      // A deal whose stage is unknown still maps: its status comes from its close stamps.
      const deal = toDeal(raw, { included, knownStage, appUrl });
      remember(deal);
      return deal;
    });
  }

  async function getDeal(id: string): Promise<Deal> {
    const doc = await http.request({
      method: 'GET',
      path: `/deals/${dealIdOf(id)}`,
      query: { include: DEAL_INCLUDES },
      schema: dealDocument,
      notFound: { entity: 'deal', id },
    });
    // Budgets share the endpoint; for Dealbot they are not deals.
    if (doc.data.isBudget) throw new CrmNotFoundError('deal', id, { crm: PRODUCTIVE });
    return (await toDeals([doc.data], doc.included))[0]!;
  }

  /** POST or PATCH a deal document; an answer without its stage is completed by a read. */
  async function writeDeal(method: 'POST' | 'PATCH', path: string, body: DealDocument, id?: string): Promise<Deal> {
    const doc = await http.request({
      method,
      path,
      query: { include: DEAL_INCLUDES },
      body,
      contentType: JSON_API,
      schema: dealDocument,
      ...(id === undefined ? {} : { notFound: { entity: 'deal' as const, id } }),
    });
    if (doc.data.stageId === undefined) {
      logger?.debug({ crm: PRODUCTIVE, id: doc.data.id }, 'write answer without relationships; reading the deal');
      return getDeal(doc.data.id);
    }
    return (await toDeals([doc.data], doc.included))[0]!;
  }

  /** Where a deal is: remembered briefly after any read or write, else read (1 request). */
  async function whereIs(id: string): Promise<DealFacts & { deal?: Deal }> {
    const known = dealFacts.get(id);
    if (known && nowMs() - known.at < dealMemoMs) return known;
    const deal = await getDeal(id);
    return { pipelineId: deal.pipelineId, stageId: deal.stageId, at: nowMs(), deal };
  }

  /**
   * The deal when it already has `status` (a remembered stage is confirmed by a read; a deal
   * in a stage that is not one of the sales stages is judged by its own status), else null.
   */
  async function alreadyWith(id: string, where: DealFacts & { deal?: Deal }, status: DealStatus): Promise<Deal | null> {
    const stage = (await stageBook.get()).byId.get(where.stageId);
    if (stage && dealStatusOf(stage.statusId) !== status) return null;
    const deal = where.deal ?? (await getDeal(id));
    return deal.status === status ? deal : null;
  }

  async function stageFor(pipelineId: string, status: DealStatus): Promise<StageRecord> {
    const book = await stageBook.get();
    const stage = firstStageWithStatus(book.records, pipelineId || book.defaultPipelineId || '', status);
    if (!stage) {
      const label = status === 'open' ? 'open' : status === 'won' ? 'Won' : 'Lost';
      throw new CrmValidationError(`the deal's pipeline has no active ${label} stage`, 'stageId', { crm: PRODUCTIVE });
    }
    return stage;
  }

  /** Moves a deal to a won or lost stage, remembering the open stage it leaves. */
  async function closeDeal(
    id: string,
    where: DealFacts,
    target: StageRecord,
    lost?: { reasonId?: string; comment?: string },
  ): Promise<Deal> {
    const from = (await stageBook.get()).byId.get(where.stageId);
    const deal = await writeDeal('PATCH', `/deals/${id}`, stageChangeDocument(id, target.id, lost), id);
    if (from && from.statusId === stageStatusIdOf('open')) await openStageBefore.set(id, from.id);
    return deal;
  }

  /** How a lost reason is sent: a named lost reason where the stage asks for one, else a comment. */
  async function lostFields(stage: StageRecord, reason: string | null): Promise<{ reasonId?: string; comment?: string }> {
    const text = reason?.trim() || null;
    if (!stage.lostReasonEnabled) return text ? { comment: text } : {};
    const reasons = await lostReasons.get();
    const names = activeLostReasonNames(reasons);
    // An organization without lost reasons cannot be asked for one; Productive has the last word.
    if (names.length === 0) return text ? { comment: text } : {};
    const match = text ? matchLostReason(reasons, text) : undefined;
    if (match) return { reasonId: match.id };
    const message = text
      ? `"${text}" is not one of ${PRODUCTIVE}'s lost reasons: ${names.join(', ')}`
      : `${PRODUCTIVE} asks for a lost reason: ${names.join(', ')}`;
    throw new CrmValidationError(message, 'lostReason', { crm: PRODUCTIVE });
  }

  /**
   * The single-status filter goes to Productive (`stage_status_id`); several statuses are
   * filtered here (all three is no filter at all).
   */
  function statusFilter(statuses: DealStatus[] | undefined): { param?: number; keep: (s: DealStatus) => boolean } {
    const wanted = new Set(statuses?.length ? statuses : ALL_STATUSES);
    if (wanted.size === 1) return { param: stageStatusIdOf([...wanted][0]!), keep: () => true };
    return { keep: (s) => wanted.has(s) };
  }

  async function listDeals(query: DealQuery): Promise<Page<Deal>> {
    const status = statusFilter(query.status);
    const page = query.cursor && /^[1-9]\d{0,5}$/.test(query.cursor) ? Number(query.cursor) : 1;
    const size = pageSize(query.limit);
    const stageId = query.stageId === undefined ? undefined : productiveId(query.stageId, 'stageId', 'stage id');
    const doc = await http.request({
      method: 'GET',
      path: '/deals',
      query: {
        'filter[type]': DEAL_TYPE_FILTER,
        'filter[pipeline_id]': query.pipelineId === undefined ? undefined : productiveId(query.pipelineId, 'pipelineId', 'pipeline id'),
        'filter[responsible_id]': query.ownerId === undefined ? undefined : productiveId(query.ownerId, 'ownerId', 'person id'),
        'filter[stage_status_id]': status.param,
        include: DEAL_INCLUDES,
        'page[number]': page,
        'page[size]': size,
      },
      schema: dealListDocument,
    });
    const since = query.updatedSince?.toMillis();
    // Productive filtered by pipeline: a deal whose stage could not be resolved is still in it.
    const inPipeline = (deal: Deal): Deal => (query.pipelineId && !deal.pipelineId ? { ...deal, pipelineId: query.pipelineId } : deal);
    const deals = (
      await toDeals(
        doc.data.filter((raw) => !raw.isBudget),
        doc.included,
      )
    )
      .map(inPipeline)
      .filter(
        (deal) =>
          status.keep(deal.status) &&
          (stageId === undefined || deal.stageId === stageId) &&
          (since === undefined || lastChangedAt(deal).toMillis() >= since),
      );
    return { items: deals, nextCursor: hasNextPage(doc.meta, page, doc.data.length, size) ? String(page + 1) : null };
  }

  async function searchDeals(term: string, searchOptions: SearchOptions = {}): Promise<SearchResult> {
    const trimmed = term.trim();
    if (!trimmed) return { hits: [], more: false };
    const status = statusFilter(searchOptions.status);
    const size = pageSize(searchOptions.limit);
    const doc = await http.request({
      method: 'GET',
      path: '/deals',
      query: {
        'filter[type]': DEAL_TYPE_FILTER,
        'filter[query]': trimmed,
        'filter[stage_status_id]': status.param,
        include: DEAL_INCLUDES,
        'page[number]': 1,
        'page[size]': size,
      },
      schema: dealListDocument,
    });
    const deals = await toDeals(
      doc.data.filter((raw) => !raw.isBudget),
      doc.included,
    );
    return {
      hits: deals.filter((deal) => status.keep(deal.status)).map(toDealHit),
      more: hasNextPage(doc.meta, 1, doc.data.length, size),
    };
  }

  /** The stage a new deal starts in: the one asked for, else the first open stage of the pipeline asked for or the default one. */
  async function startStage(input: NewDeal): Promise<StageRecord> {
    if (input.stageId) return findStage(productiveId(input.stageId, 'stageId', 'stage id'));
    const book = await stageBook.get();
    const pipelineId = input.pipelineId ? productiveId(input.pipelineId, 'pipelineId', 'pipeline id') : book.defaultPipelineId;
    const stage = pipelineId ? firstStageWithStatus(book.records, pipelineId, 'open') : undefined;
    if (!stage) {
      throw new CrmValidationError('the pipeline has no open stage to start a deal in', input.pipelineId ? 'pipelineId' : 'stageId', {
        crm: PRODUCTIVE,
      });
    }
    return stage;
  }

  return {
    provider: 'productive',
    displayName: PRODUCTIVE,
    capabilities: CAPABILITIES,

    defaultCurrency: () => currency.get(),

    listPipelines,

    async listStages(pipelineId?: string): Promise<Stage[]> {
      const book = await stageBook.get();
      return toStages(book.records).filter(
        (stage) => !book.archivedPipelines.has(stage.pipelineId) && (pipelineId === undefined || stage.pipelineId === pipelineId),
      );
    },

    async whoAmI(): Promise<User> {
      const doc = await http.request({
        method: 'GET',
        path: '/organization_memberships',
        query: { include: 'person', 'filter[organization_id]': options.organizationId },
        schema: membershipListDocument,
      });
      const mine = doc.data.find((m) => m.relationships?.organization?.data?.id === options.organizationId) ?? doc.data[0];
      const personId = mine?.relationships?.person?.data?.id ?? null;
      const person = (personId !== null ? doc.included.people.get(personId) : undefined) ?? [...doc.included.people.values()][0];
      if (!person) throw new CrmBadResponseError('organization_memberships names no person for this token', { crm: PRODUCTIVE });
      return toUser(person);
    },

    async listUsers(): Promise<User[]> {
      // person_type 1: users of the organization, not client contacts or placeholders.
      const { items } = await collectPages('/people', { 'filter[person_type]': 1 }, personListDocument);
      return items.map(toUser);
    },

    getDeal,
    searchDeals,
    listDeals,

    async createDeal(input) {
      const [stage, code] = await Promise.all([startStage(input), input.value ? input.value.currency : currency.get()]);
      const body = newDealDocument(input, { stageId: stage.id, currency: code, today: clock().toUTC().toISODate()! });
      return writeDeal('POST', '/deals', body);
    },

    async updateDeal(id, patch) {
      const body = dealPatchDocument(dealIdOf(id), patch);
      // Nothing to change: answer with the deal as it is rather than send an empty PATCH.
      if (isDealDocumentEmpty(body)) return getDeal(id);
      return writeDeal('PATCH', `/deals/${id}`, body, id);
    },

    async moveDeal(id, stageId) {
      dealIdOf(id);
      const stage = await findStage(productiveId(stageId, 'stageId', 'stage id'));
      return writeDeal('PATCH', `/deals/${id}`, stageChangeDocument(id, stage.id), id);
    },

    async markWon(id) {
      const where = await whereIs(dealIdOf(id));
      const unchanged = await alreadyWith(id, where, 'won');
      if (unchanged) return unchanged;
      return closeDeal(id, where, await stageFor(where.pipelineId, 'won'));
    },

    async markLost(id, reason) {
      const where = await whereIs(dealIdOf(id));
      const target = await stageFor(where.pipelineId, 'lost');
      return closeDeal(id, where, target, await lostFields(target, reason));
    },

    async reopenDeal(id) {
      const where = await whereIs(dealIdOf(id));
      const unchanged = await alreadyWith(id, where, 'open');
      if (unchanged) return unchanged;
      const [book, beforeId] = await Promise.all([stageBook.get(), openStageBefore.get(id)]);
      const before = beforeId === undefined ? undefined : book.byId.get(beforeId);
      const samePipeline = before !== undefined && (before.pipelineId === where.pipelineId || where.pipelineId === '');
      const target =
        before && samePipeline && !before.archived && before.statusId === stageStatusIdOf('open')
          ? before
          : await stageFor(where.pipelineId, 'open');
      const deal = await writeDeal('PATCH', `/deals/${id}`, stageChangeDocument(id, target.id), id);
      await openStageBefore.delete(id);
      return deal;
    },

    async getDealHistory() {
      throw new CrmUnsupportedError('deal history', { crm: PRODUCTIVE });
    },
  };
}
