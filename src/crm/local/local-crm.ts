// The embedded CRM (`CRM_PROVIDER=local`, the default): pipelines, stages, users and deals
// with a full change history, kept in the Dealbot store so it works with no account
// anywhere, and shared safely by every process that shares the store.
//
// Layout in the store (see `local-records.ts`): one `catalog` key (pipelines, stages, users,
// organizations, persons, settings, id counters), one key per deal, index keys per stage
// (one per 1000 deal ids) holding a compact row per deal, and each deal's history in chunks
// of 25 entries. Listing reads only the index keys of the stages it needs plus the deals of
// the page; search reads only index keys; a deal write rewrites one or two index keys.
//
// Every write is a read-modify-write under the store lock named after the namespace, so two
// processes never lose each other's changes and ids come from one counter. Within a process,
// writes wait their turn in a queue (`write-queue.ts`) that takes that lock once per batch,
// so a burst is served in order instead of being refused when a lock wait runs out.
//
// Behaviour a user would expect of a real CRM, decided here:
// - Marking a won deal won (or reopening an open deal) succeeds and changes nothing: a
//   double click is not an error, and no history entry is written. Marking a lost deal
//   won goes straight to won, as in Pipedrive; services that want to refuse that check
//   the status first (`DealStateConflictError`).
// - Marking a lost deal lost again with another reason updates the reason (a `lostReason`
//   field change); the reason is optional.
// - A write that changes nothing (same title, same stage) writes nothing and logs nothing.
// - History `field` entries hold, for `value`, the bare amount ("24000", currency in its own
//   `currency` entry); for `ownerId`, user ids (names come from `listUsers`); for
//   `organizationId`/`personId`, the names (the port has no way to look those ids up).

import { DateTime } from 'luxon';
import type { z } from 'zod';
import { CrmBadResponseError, CrmNotFoundError, type CrmEntity } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type {
  CrmClient,
  Deal,
  DealChange,
  DealField,
  DealHit,
  DealPatch,
  DealQuery,
  DealStatus,
  NewDeal,
  Page,
  PartyRef,
  PartySearchOptions,
  Pipeline,
  SearchOptions,
  SearchResult,
  Stage,
  User,
  WriteOptions,
} from '../port.js';
import {
  checkDealFields,
  checkLostReason,
  checkMoney,
  invalid,
  LOCAL_CRM_NAME,
  MAX_NOTE_LENGTH,
  type CheckedDealFields,
} from './deal-fields.js';
import { rankNames, rankRows } from './deal-search.js';
import { writeQueueFor, type BatchStore } from './write-queue.js';
import {
  catalogSchema,
  emptyCatalog,
  HISTORY_CHUNK_SIZE,
  historyChunkSchema,
  indexBucketOf,
  localKeys,
  stageIndexSchema,
  storedDealSchema,
  type Catalog,
  type HistoryEntry,
  type IndexRow,
  type StoredDeal,
} from './local-records.js';

export interface LocalCrmOptions {
  store: Store;
  /** The clock; tests and the demo seed pass their own. */
  now?: () => DateTime;
  /** Prefix of every key, and the name of the write lock. Default `crm:local`. */
  namespace?: string;
}

/** The port, plus what only the embedded CRM can do: set itself up (used by the seed). */
export interface LocalCrm extends CrmClient {
  readonly provider: 'local';
  readonly namespace: string;
  setDefaultCurrency(currency: string): Promise<void>;
  createPipeline(input: { name: string; isDefault?: boolean }): Promise<Pipeline>;
  /** Appends a stage at the end of the pipeline. */
  createStage(input: { pipelineId: string; name: string; probability?: number | null }): Promise<Stage>;
  createUser(input: { name: string; email?: string | null }): Promise<User>;
  createOrganization(input: { name: string }): Promise<PartyRef>;
  createPerson(input: { name: string; organizationId?: string | null }): Promise<PartyRef>;
  /** Adds a note to the deal's history (shown in its timeline). */
  addNote(dealId: string, text: string, options?: WriteOptions): Promise<void>;
  searchOrganizations(term: string, options?: PartySearchOptions): Promise<PartyRef[]>;
  searchPersons(term: string, options?: PartySearchOptions): Promise<PartyRef[]>;
}

/** Deals per `listDeals` page when the caller gives no limit, and the most it may ask for. */
export const LOCAL_MAX_PAGE_SIZE = 500;
export const LOCAL_HISTORY_PAGE_SIZE = 25;
const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 100;
const DEFAULT_ACTOR = 'Dealbot';
const DEFAULT_CURRENCY = 'EUR';
const MAX_NAME_LENGTH = 255;

type HistoryDraft = DistributiveOmit<HistoryEntry, 'at' | 'actor'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a deal mutation decided: the deal after it, and what to log. No entries = no change. */
interface DealMutation {
  deal: StoredDeal;
  entries: HistoryDraft[];
}

const crmErrorOptions = { crm: LOCAL_CRM_NAME };

/** The order a batch's writes reach the store in: id counters first, the deals last. */
const WRITE_RANK = { catalog: 0, history: 1, index: 2, deal: 3 } as const;

export function createLocalCrm(options: LocalCrmOptions): LocalCrm {
  const { store } = options;
  const now = options.now ?? (() => DateTime.utc());
  const namespace = options.namespace ?? 'crm:local';
  const keys = localKeys(namespace);
  const lockName = namespace;

  // ---- reading -------------------------------------------------------------------------

  function parseStored<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new CrmBadResponseError(`the stored ${what} is malformed`, { ...crmErrorOptions, cause: parsed.error });
    }
    return parsed.data;
  }

  const parseCatalog = (value: unknown): Catalog => (value === undefined ? emptyCatalog() : parseStored(catalogSchema, value, 'catalog'));
  const readCatalog = async (): Promise<Catalog> => parseCatalog(await store.get(keys.catalog));
  const parseIndex = (value: unknown, stageId: string): IndexRow[] =>
    value === undefined ? [] : parseStored(stageIndexSchema, value, `index of stage ${stageId}`);

  /**
   * The index rows of `stages` (of deals with ids above `afterId`), in one read of every
   * bucket concerned. No deal is read.
   */
  async function readIndexRows(catalog: Catalog, stages: Stage[], afterId = 0): Promise<Array<IndexRow & { stageId: string }>> {
    const lastId = catalog.nextId.deal - 1;
    if (lastId <= afterId || stages.length === 0) return [];
    const buckets: number[] = [];
    for (let bucket = indexBucketOf(afterId + 1); bucket <= indexBucketOf(lastId); bucket += 1) buckets.push(bucket);
    const wanted = stages.flatMap((stage) => buckets.map((bucket) => ({ stageId: stage.id, bucket })));
    const values = await store.getMany(wanted.map(({ stageId, bucket }) => keys.stageIndex(stageId, bucket)));
    return wanted.flatMap(({ stageId }, i) => parseIndex(values[i], stageId).map((row) => ({ ...row, stageId })));
  }

  /** The index rows of `stages` in the given buckets, in one read. No deal is read. */
  async function readIndexBuckets(stages: Stage[], buckets: number[]): Promise<IndexRow[]> {
    const wanted = buckets.flatMap((bucket) => stages.map((stage) => ({ stageId: stage.id, bucket })));
    const values = await store.getMany(wanted.map(({ stageId, bucket }) => keys.stageIndex(stageId, bucket)));
    return wanted.flatMap(({ stageId }, i) => parseIndex(values[i], stageId));
  }

  async function readDeal(id: string): Promise<StoredDeal> {
    const value = await store.get(keys.deal(id));
    if (value === undefined) throw notFound('deal', id);
    return parseStored(storedDealSchema, value, `deal ${id}`);
  }

  function notFound(entity: CrmEntity, id: string): CrmNotFoundError {
    return new CrmNotFoundError(entity, id, crmErrorOptions);
  }

  function sortedPipelines(catalog: Catalog): Pipeline[] {
    return [...catalog.pipelines].sort((a, b) => a.order - b.order);
  }

  /** Stages of one pipeline (or all), in board order. */
  function sortedStages(catalog: Catalog, pipelineId?: string): Stage[] {
    const pipelineOrder = new Map(catalog.pipelines.map((p) => [p.id, p.order]));
    return catalog.stages
      .filter((stage) => pipelineId === undefined || stage.pipelineId === pipelineId)
      .sort((a, b) => (pipelineOrder.get(a.pipelineId) ?? 0) - (pipelineOrder.get(b.pipelineId) ?? 0) || a.order - b.order);
  }

  // ---- writing -------------------------------------------------------------------------

  function timestamp(): string {
    const iso = now().toUTC().toISO();
    if (iso === null) throw new RangeError('The local CRM clock returned an invalid DateTime');
    return iso;
  }

  const actorName = (writeOptions?: WriteOptions): string => writeOptions?.actor?.name?.trim() || DEFAULT_ACTOR;

  // Writes queue rather than race for the lock: a burst is served in turn, never refused.
  // Every read and write under the lock goes through the batch (see `write-queue.ts`): the
  // catalog and an index shard are read once and written once per batch of queued writes.
  const writes = writeQueueFor(store, lockName);
  const locked = <T>(fn: (batch: BatchStore) => Promise<T>): Promise<T> => writes.run(fn);

  /** Reads, changes and writes the catalog under the lock. */
  function updateCatalog<T>(change: (catalog: Catalog) => T): Promise<T> {
    return locked(async (batch) => {
      const catalog = parseCatalog(await batch.get(keys.catalog));
      const result = change(catalog);
      batch.set(keys.catalog, catalog, WRITE_RANK.catalog);
      return result;
    });
  }

  /**
   * The one path every deal change takes: under the lock, read the deal and catalog, decide,
   * then append the history, rewrite the stage index row(s) and the deal. Returns the deal.
   */
  function mutateDeal(
    id: string,
    writeOptions: WriteOptions | undefined,
    decide: (deal: StoredDeal, catalog: Catalog, at: string) => DealMutation,
  ): Promise<Deal> {
    return locked(async (batch) => {
      const [catalogValue, dealValue] = await batch.getMany([keys.catalog, keys.deal(id)]);
      if (dealValue === undefined) throw notFound('deal', id);
      const current = parseStored(storedDealSchema, dealValue, `deal ${id}`);
      const at = timestamp();
      const { deal, entries } = decide(current, parseCatalog(catalogValue), at);
      if (entries.length === 0) return toDeal(current);

      const actor = actorName(writeOptions);
      const updated: StoredDeal = { ...deal, updatedAt: at, historyCount: current.historyCount + entries.length };
      await writeDeal(
        batch,
        current,
        updated,
        entries.map((entry) => ({ ...entry, at, actor }) as HistoryEntry),
      );
      return toDeal(updated);
    });
  }

  /**
   * Writes a changed (or new: `before` null) deal with its new history entries. Reads the
   * history chunk(s) being appended to and the stage index(es) concerned in one round trip.
   */
  async function writeDeal(batch: BatchStore, before: StoredDeal | null, after: StoredDeal, entries: HistoryEntry[]): Promise<void> {
    const firstIndex = before?.historyCount ?? 0;
    const firstChunk = Math.floor(firstIndex / HISTORY_CHUNK_SIZE);
    const lastChunk = Math.floor((firstIndex + entries.length - 1) / HISTORY_CHUNK_SIZE);
    const chunkNumbers = Array.from({ length: lastChunk - firstChunk + 1 }, (_, i) => firstChunk + i);
    const stageIds = [...new Set([before?.stageId, after.stageId].filter((s): s is string => s !== undefined))];
    const bucket = indexBucketOf(after.id);

    const values = await batch.getMany([
      ...chunkNumbers.map((chunk) => keys.historyChunk(after.id, chunk)),
      ...stageIds.map((stageId) => keys.stageIndex(stageId, bucket)),
    ]);

    const chunks = chunkNumbers.map((chunk, i) =>
      values[i] === undefined
        ? []
        : // Entries past the deal's count were left by a write that died before the deal was
          // saved; they never happened, so they are overwritten.
          parseStored(historyChunkSchema, values[i], `history of deal ${after.id}`).slice(
            0,
            Math.max(0, firstIndex - chunk * HISTORY_CHUNK_SIZE),
          ),
    );
    entries.forEach((entry, i) => {
      chunks[Math.floor((firstIndex + i) / HISTORY_CHUNK_SIZE) - firstChunk]?.push(entry);
    });

    const indexes = new Map(
      stageIds.map((stageId, i) => [stageId, parseIndex(values[chunkNumbers.length + i], stageId).filter((row) => row.id !== after.id)]),
    );
    indexes.get(after.stageId)?.push(toRow(after));

    // The deal last: it is the record of truth, and its `historyCount` says which history
    // entries exist. A process dying midway leaves the deal unchanged, an invisible history
    // entry (overwritten by the next change) and at worst stale index rows, which the
    // deal's next change rewrites from the deal. The batch writes in this order too (every
    // history chunk of the batch, then its index shards, then its deals), so a death midway
    // through a batch's writes leaves at worst a batch's worth of such rows.
    for (const [i, chunk] of chunkNumbers.entries()) batch.set(keys.historyChunk(after.id, chunk), chunks[i], WRITE_RANK.history);
    for (const [stageId, rows] of indexes) batch.set(keys.stageIndex(stageId, bucket), rows, WRITE_RANK.index);
    batch.set(keys.deal(after.id), after, WRITE_RANK.deal);
  }

  // ---- checks against the catalog ------------------------------------------------------

  function checkReferences(fields: CheckedDealFields, catalog: Catalog): { organization?: PartyRef | null; person?: PartyRef | null } {
    if (fields.ownerId && !catalog.users.some((user) => user.id === fields.ownerId)) {
      throw invalid('ownerId', `There is no user with id ${fields.ownerId}.`);
    }
    const resolved: { organization?: PartyRef | null; person?: PartyRef | null } = {};
    if (fields.organizationId !== undefined) {
      const organization = fields.organizationId === null ? null : catalog.organizations.find((o) => o.id === fields.organizationId);
      if (organization === undefined) throw invalid('organizationId', `There is no organization with id ${fields.organizationId}.`);
      resolved.organization = organization && { id: organization.id, name: organization.name };
    }
    if (fields.personId !== undefined) {
      const person = fields.personId === null ? null : catalog.persons.find((p) => p.id === fields.personId);
      if (person === undefined) throw invalid('personId', `There is no person with id ${fields.personId}.`);
      resolved.person = person && { id: person.id, name: person.name };
    }
    return resolved;
  }

  function resolveStage(catalog: Catalog, input: NewDeal): Stage {
    if (input.stageId) {
      const stage = catalog.stages.find((s) => s.id === input.stageId);
      if (!stage) throw invalid('stageId', `There is no stage with id ${input.stageId}.`);
      if (input.pipelineId && stage.pipelineId !== input.pipelineId) {
        throw invalid('stageId', `Stage ${stage.name} is not in the chosen pipeline.`);
      }
      return stage;
    }
    const pipeline = input.pipelineId
      ? catalog.pipelines.find((p) => p.id === input.pipelineId)
      : (catalog.pipelines.find((p) => p.isDefault) ?? sortedPipelines(catalog)[0]);
    if (!pipeline) {
      throw invalid('pipelineId', input.pipelineId ? `There is no pipeline with id ${input.pipelineId}.` : 'There is no pipeline yet.');
    }
    const first = sortedStages(catalog, pipeline.id)[0];
    if (!first) throw invalid('stageId', `Pipeline ${pipeline.name} has no stages.`);
    return first;
  }

  function checkName(name: string, what: string): string {
    const trimmed = typeof name === 'string' ? name.trim() : '';
    if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) {
      throw invalid(null, `A ${what} needs a name of 1 to ${MAX_NAME_LENGTH} characters.`);
    }
    return trimmed;
  }

  // ---- the CRM -------------------------------------------------------------------------

  const crm: LocalCrm = {
    provider: 'local',
    displayName: LOCAL_CRM_NAME,
    capabilities: { dealHistory: true, search: true, lostReason: true, notes: true },
    namespace,

    async defaultCurrency() {
      return (await readCatalog()).defaultCurrency ?? DEFAULT_CURRENCY;
    },

    async listPipelines() {
      return sortedPipelines(await readCatalog());
    },

    async listStages(pipelineId) {
      const catalog = await readCatalog();
      if (pipelineId !== undefined && !catalog.pipelines.some((p) => p.id === pipelineId)) throw notFound('pipeline', pipelineId);
      return sortedStages(catalog, pipelineId);
    },

    async listUsers() {
      return [...(await readCatalog()).users];
    },

    async getDeal(id) {
      return toDeal(await readDeal(id));
    },

    async listDeals(query: DealQuery): Promise<Page<Deal>> {
      const catalog = await readCatalog();
      let stages: Stage[];
      if (query.stageId !== undefined) {
        const stage = catalog.stages.find((s) => s.id === query.stageId);
        if (!stage) throw notFound('stage', query.stageId);
        if (query.pipelineId !== undefined && !catalog.pipelines.some((p) => p.id === query.pipelineId)) {
          throw notFound('pipeline', query.pipelineId);
        }
        stages = query.pipelineId === undefined || stage.pipelineId === query.pipelineId ? [stage] : [];
      } else if (query.pipelineId !== undefined) {
        if (!catalog.pipelines.some((p) => p.id === query.pipelineId)) throw notFound('pipeline', query.pipelineId);
        stages = sortedStages(catalog, query.pipelineId);
      } else {
        stages = sortedStages(catalog);
      }

      const after = parseCursor(query.cursor);
      const limit = Math.min(Math.max(Math.floor(query.limit ?? LOCAL_MAX_PAGE_SIZE), 1), LOCAL_MAX_PAGE_SIZE);
      const statuses = query.status && query.status.length > 0 ? new Set<DealStatus>(query.status) : null;
      const updatedSince = query.updatedSince?.toMillis();

      const matches = (row: IndexRow): boolean =>
        Number(row.id) > after &&
        (!statuses || statuses.has(row.status)) &&
        (query.ownerId === undefined || row.ownerId === query.ownerId) &&
        (updatedSince === undefined || row.updatedAt >= updatedSince);

      // Buckets are id ranges, read in id order until the page (and one more, to know there
      // is a next page) is full: a page costs a few buckets, not every deal after the cursor.
      const matching: IndexRow[] = [];
      const lastBucket = indexBucketOf(catalog.nextId.deal - 1);
      let bucket = indexBucketOf(after + 1);
      let width = 1;
      while (matching.length <= limit && bucket <= lastBucket && stages.length > 0 && catalog.nextId.deal - 1 > after) {
        const span = Array.from({ length: Math.min(width, lastBucket - bucket + 1) }, (_, i) => bucket + i);
        const rows = await readIndexBuckets(stages, span);
        // Creation order: a deal changing while someone pages never appears twice or not at all.
        matching.push(...rows.filter(matches).sort((a, b) => Number(a.id) - Number(b.id)));
        bucket += span.length;
        // Sparse matches (closed deals of one month, one owner's deals) read wider next time.
        width = Math.min(width * 2, 16);
      }
      const pageRows = matching.slice(0, limit);
      const dealValues = await store.getMany(pageRows.map((row) => keys.deal(row.id)));
      const items = dealValues.flatMap((value, i) =>
        value === undefined ? [] : [toDeal(parseStored(storedDealSchema, value, `deal ${pageRows[i]?.id}`))],
      );
      const last = pageRows.at(-1);
      return { items, nextCursor: matching.length > limit && last ? last.id : null };
    },

    async searchDeals(term: string, searchOptions: SearchOptions = {}): Promise<SearchResult> {
      const limit = Math.min(Math.max(Math.floor(searchOptions.limit ?? DEFAULT_SEARCH_LIMIT), 1), MAX_SEARCH_LIMIT);
      const statuses = searchOptions.status && searchOptions.status.length > 0 ? new Set(searchOptions.status) : null;
      const catalog = await readCatalog();
      const rows = (await readIndexRows(catalog, sortedStages(catalog))).filter((row) => !statuses || statuses.has(row.status));
      const ranked = rankRows(rows, term);
      const hits = ranked.slice(0, limit).map(({ row }): DealHit => ({
        id: row.id,
        title: row.title,
        value: row.amount !== null && row.currency !== null ? { amount: row.amount, currency: row.currency } : null,
        status: row.status,
        stageId: row.stageId,
        ownerId: row.ownerId,
        organizationName: row.organizationName,
        personName: row.personName,
      }));
      return { hits, more: ranked.length > limit };
    },

    async createDeal(input: NewDeal, writeOptions?: WriteOptions): Promise<Deal> {
      const fields = checkDealFields(input);
      if (fields.title === undefined) throw invalid('title', 'A deal needs a title.');
      const title = fields.title;
      return locked(async (batch) => {
        const catalog = parseCatalog(await batch.get(keys.catalog));
        const stage = resolveStage(catalog, input);
        const parties = checkReferences(fields, catalog);
        const id = String(catalog.nextId.deal);
        catalog.nextId.deal += 1;
        const at = timestamp();
        const deal: StoredDeal = {
          id,
          title,
          value: fields.value ?? null,
          status: 'open',
          pipelineId: stage.pipelineId,
          stageId: stage.id,
          ownerId: fields.ownerId ?? null,
          organization: parties.organization ?? null,
          person: parties.person ?? null,
          expectedCloseDate: fields.expectedCloseDate ?? null,
          probability: fields.probability ?? null,
          lostReason: null,
          createdAt: at,
          updatedAt: at,
          // The deal entered its first stage when it was created; staleness counts from here.
          stageChangedAt: at,
          closedAt: null,
          historyCount: 1,
        };
        // The counter is written first: a crash after it wastes an id but never reuses one.
        batch.set(keys.catalog, catalog, WRITE_RANK.catalog);
        await writeDeal(batch, null, deal, [{ kind: 'created', at, actor: actorName(writeOptions) }]);
        return toDeal(deal);
      });
    },

    async updateDeal(id: string, patch: DealPatch, writeOptions?: WriteOptions): Promise<Deal> {
      const fields = checkDealFields(patch);
      return mutateDeal(id, writeOptions, (current, catalog) => {
        const parties = checkReferences(fields, catalog);
        const deal: StoredDeal = { ...current };
        const entries: HistoryDraft[] = [];
        const record = (field: DealField, from: string | null, to: string | null) => {
          if (from !== to) entries.push({ kind: 'field', field, from, to });
        };
        if (fields.title !== undefined) {
          record('title', current.title, fields.title);
          deal.title = fields.title;
        }
        if (fields.value !== undefined) {
          record('value', amountText(current.value), amountText(fields.value));
          record('currency', current.value?.currency ?? null, fields.value?.currency ?? null);
          deal.value = fields.value;
        }
        if (fields.ownerId !== undefined) {
          record('ownerId', current.ownerId, fields.ownerId);
          deal.ownerId = fields.ownerId;
        }
        if (parties.organization !== undefined) {
          if (current.organization?.id !== parties.organization?.id) {
            entries.push({
              kind: 'field',
              field: 'organizationId',
              from: current.organization?.name ?? null,
              to: parties.organization?.name ?? null,
            });
          }
          deal.organization = parties.organization;
        }
        if (parties.person !== undefined) {
          if (current.person?.id !== parties.person?.id) {
            entries.push({ kind: 'field', field: 'personId', from: current.person?.name ?? null, to: parties.person?.name ?? null });
          }
          deal.person = parties.person;
        }
        if (fields.expectedCloseDate !== undefined) {
          record('expectedCloseDate', current.expectedCloseDate, fields.expectedCloseDate);
          deal.expectedCloseDate = fields.expectedCloseDate;
        }
        if (fields.probability !== undefined) {
          record('probability', numberText(current.probability), numberText(fields.probability));
          deal.probability = fields.probability;
        }
        return { deal, entries };
      });
    },

    async moveDeal(id: string, stageId: string, writeOptions?: WriteOptions): Promise<Deal> {
      return mutateDeal(id, writeOptions, (current, catalog, at) => {
        const stage = catalog.stages.find((s) => s.id === stageId);
        if (!stage) throw invalid('stageId', `There is no stage with id ${stageId}.`);
        if (stage.id === current.stageId) return { deal: current, entries: [] };
        return {
          deal: { ...current, stageId: stage.id, pipelineId: stage.pipelineId, stageChangedAt: at },
          entries: [{ kind: 'stage', fromStageId: current.stageId, toStageId: stage.id }],
        };
      });
    },

    async markWon(id: string, writeOptions?: WriteOptions): Promise<Deal> {
      return mutateDeal(id, writeOptions, (current, _catalog, at) => {
        if (current.status === 'won') return { deal: current, entries: [] };
        return {
          deal: { ...current, status: 'won', lostReason: null, closedAt: at },
          entries: [{ kind: 'status', from: current.status, to: 'won', lostReason: null }],
        };
      });
    },

    async markLost(id: string, reason: string | null, writeOptions?: WriteOptions): Promise<Deal> {
      const lostReason = checkLostReason(reason);
      return mutateDeal(id, writeOptions, (current, _catalog, at) => {
        if (current.status === 'lost') {
          return current.lostReason === lostReason
            ? { deal: current, entries: [] }
            : {
                deal: { ...current, lostReason },
                entries: [{ kind: 'field', field: 'lostReason', from: current.lostReason, to: lostReason }],
              };
        }
        return {
          deal: { ...current, status: 'lost', lostReason, closedAt: at },
          entries: [{ kind: 'status', from: current.status, to: 'lost', lostReason }],
        };
      });
    },

    async reopenDeal(id: string, writeOptions?: WriteOptions): Promise<Deal> {
      return mutateDeal(id, writeOptions, (current) => {
        if (current.status === 'open') return { deal: current, entries: [] };
        return {
          deal: { ...current, status: 'open', lostReason: null, closedAt: null },
          entries: [{ kind: 'status', from: current.status, to: 'open', lostReason: null }],
        };
      });
    },

    async addNote(dealId: string, text: string, writeOptions?: WriteOptions): Promise<void> {
      const trimmed = typeof text === 'string' ? text.trim() : '';
      if (trimmed === '' || trimmed.length > MAX_NOTE_LENGTH) {
        throw invalid(null, `A note needs 1 to ${MAX_NOTE_LENGTH} characters of text.`);
      }
      await mutateDeal(dealId, writeOptions, (current) => ({ deal: current, entries: [{ kind: 'note', text: trimmed }] }));
    },

    async searchOrganizations(term: string, searchOptions: PartySearchOptions = {}): Promise<PartyRef[]> {
      const catalog = await readCatalog();
      return rankNames(catalog.organizations, term)
        .slice(0, searchLimit(searchOptions.limit))
        .map(({ id, name }) => ({ id, name }));
    },

    async searchPersons(term: string, searchOptions: PartySearchOptions = {}): Promise<PartyRef[]> {
      const catalog = await readCatalog();
      return rankNames(catalog.persons, term)
        .slice(0, searchLimit(searchOptions.limit))
        .map(({ id, name }) => ({ id, name }));
    },

    async getDealHistory(id: string, cursor?: string | null): Promise<Page<DealChange>> {
      const deal = await readDeal(id);
      // The cursor is the absolute position (0 = oldest) of the next entry to return, so
      // entries added while someone pages do not shift the pages.
      const newest = cursor === undefined || cursor === null ? deal.historyCount - 1 : parseHistoryCursor(cursor, deal.historyCount);
      if (newest < 0) return { items: [], nextCursor: null };
      const oldest = Math.max(0, newest - LOCAL_HISTORY_PAGE_SIZE + 1);
      const firstChunk = Math.floor(oldest / HISTORY_CHUNK_SIZE);
      const lastChunk = Math.floor(newest / HISTORY_CHUNK_SIZE);
      const chunkNumbers = Array.from({ length: lastChunk - firstChunk + 1 }, (_, i) => firstChunk + i);
      const values = await store.getMany(chunkNumbers.map((chunk) => keys.historyChunk(id, chunk)));
      const entries = values.flatMap((value) =>
        value === undefined ? [] : parseStored(historyChunkSchema, value, `history of deal ${id}`),
      );
      const fromPosition = firstChunk * HISTORY_CHUNK_SIZE;
      const items = entries
        .slice(oldest - fromPosition, newest - fromPosition + 1)
        .reverse()
        .map(toChange);
      return { items, nextCursor: oldest > 0 ? String(oldest - 1) : null };
    },

    // ---- setting up (the seed, and an admin one day) -------------------------------------

    async setDefaultCurrency(currency: string) {
      const checked = checkMoney({ amount: 0, currency });
      await updateCatalog((catalog) => {
        catalog.defaultCurrency = checked?.currency ?? null;
      });
    },

    async createPipeline(input) {
      const name = checkName(input.name, 'pipeline');
      return updateCatalog((catalog) => {
        const isDefault = input.isDefault === true || catalog.pipelines.length === 0;
        if (isDefault) for (const other of catalog.pipelines) other.isDefault = false;
        const pipeline: Pipeline = {
          id: String(catalog.nextId.pipeline++),
          name,
          order: Math.max(0, ...catalog.pipelines.map((p) => p.order)) + 1,
          isDefault,
        };
        catalog.pipelines.push(pipeline);
        return { ...pipeline };
      });
    },

    async createStage(input) {
      const name = checkName(input.name, 'stage');
      const probability = input.probability ?? null;
      if (probability !== null && (!Number.isFinite(probability) || probability < 0 || probability > 100)) {
        throw invalid('probability', 'The probability must be a percentage from 0 to 100.');
      }
      return updateCatalog((catalog) => {
        if (!catalog.pipelines.some((p) => p.id === input.pipelineId)) throw notFound('pipeline', input.pipelineId);
        const siblings = catalog.stages.filter((s) => s.pipelineId === input.pipelineId);
        const stage: Stage = {
          id: String(catalog.nextId.stage++),
          pipelineId: input.pipelineId,
          name,
          order: Math.max(0, ...siblings.map((s) => s.order)) + 1,
          probability,
        };
        catalog.stages.push(stage);
        return { ...stage };
      });
    },

    async createUser(input) {
      const name = checkName(input.name, 'user');
      return updateCatalog((catalog) => {
        const user: User = { id: String(catalog.nextId.user++), name, email: input.email?.trim() || null, active: true };
        catalog.users.push(user);
        return { ...user };
      });
    },

    async createOrganization(input) {
      const name = checkName(input.name, 'organization');
      return updateCatalog((catalog) => {
        const organization: PartyRef = { id: String(catalog.nextId.organization++), name };
        catalog.organizations.push(organization);
        return { ...organization };
      });
    },

    async createPerson(input) {
      const name = checkName(input.name, 'person');
      return updateCatalog((catalog) => {
        const organizationId = input.organizationId ?? null;
        if (organizationId !== null && !catalog.organizations.some((o) => o.id === organizationId)) {
          throw notFound('organization', organizationId);
        }
        const person = { id: String(catalog.nextId.person++), name, organizationId };
        catalog.persons.push(person);
        return { id: person.id, name };
      });
    },
  };
  return crm;
}

const searchLimit = (wanted: number | undefined): number =>
  Math.min(Math.max(Math.floor(wanted ?? DEFAULT_SEARCH_LIMIT), 1), MAX_SEARCH_LIMIT);

function parseCursor(cursor: string | null | undefined): number {
  if (cursor === undefined || cursor === null || cursor === '') return 0;
  if (!/^\d+$/.test(cursor)) throw invalid(null, 'The page cursor is not one this CRM gave out.');
  return Number(cursor);
}

function parseHistoryCursor(cursor: string, count: number): number {
  if (!/^\d+$/.test(cursor) || Number(cursor) >= count) throw invalid(null, 'The history cursor is not one this CRM gave out.');
  return Number(cursor);
}

const amountText = (money: { amount: number } | null): string | null => (money === null ? null : String(money.amount));
const numberText = (value: number | null): string | null => (value === null ? null : String(value));

const instant = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'utc' });

function toDeal(stored: StoredDeal): Deal {
  return {
    id: stored.id,
    title: stored.title,
    value: stored.value,
    status: stored.status,
    pipelineId: stored.pipelineId,
    stageId: stored.stageId,
    ownerId: stored.ownerId,
    organization: stored.organization,
    person: stored.person,
    expectedCloseDate: stored.expectedCloseDate,
    probability: stored.probability,
    lostReason: stored.lostReason,
    createdAt: instant(stored.createdAt),
    updatedAt: instant(stored.updatedAt),
    stageChangedAt: stored.stageChangedAt === null ? null : instant(stored.stageChangedAt),
    closedAt: stored.closedAt === null ? null : instant(stored.closedAt),
    // The embedded CRM has no web UI of its own to link to.
    url: null,
  };
}

function toRow(deal: StoredDeal): IndexRow {
  return {
    id: deal.id,
    title: deal.title,
    status: deal.status,
    amount: deal.value?.amount ?? null,
    currency: deal.value?.currency ?? null,
    probability: deal.probability,
    expectedCloseDate: deal.expectedCloseDate,
    ownerId: deal.ownerId,
    organizationName: deal.organization?.name ?? null,
    personName: deal.person?.name ?? null,
    updatedAt: instant(deal.updatedAt).toMillis(),
  };
}

function toChange(entry: HistoryEntry): DealChange {
  return { ...entry, at: instant(entry.at) };
}
