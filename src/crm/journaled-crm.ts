// A decorator for CRMs that keep no deal history Dealbot can read (Productive, PipelineDeals):
// every change made through Dealbot is written to a per-deal journal in the shared store, and
// `getDealHistory` pages that journal. The timeline can then show "the changes Dealbot saw"
// instead of nothing, and says that this is what it shows (`historySource: 'dealbot'`).
//
// The "from" side of a change comes from a small snapshot of the deal as Dealbot last saw it
// (stage, status, value, owner, parties, close date, probability, title), refreshed by every
// `getDeal`, by `listDeals` for deals already snapshotted, and by every write's answer. The
// services read a deal right before changing it, so the snapshot is normally seconds old;
// without one (a deal Dealbot never read) only the "to" side is recorded. Only what the write
// asked for is recorded, so a change someone made in the CRM's own UI in between is never
// attributed to the person in Slack.
//
// Cost per CRM write: no CRM request; one store lock (a claim and a release), one `getMany`
// (journal + snapshot) and up to two `set`s. Per `getDeal`: one `get` and, when the deal
// changed, one `set`. Per `listDeals` page: one `getMany`, plus a `set` per changed deal that
// Dealbot had snapshotted. The journal never fails a write: the CRM has already changed, so a
// store failure is logged and the person still gets their answer.

import { DateTime } from 'luxon';
import { z } from 'zod';
import { CrmValidationError, StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { dealFieldSchema } from './deal-field-schema.js';
import type { CrmClient, Deal, DealChange, DealField, DealPatch, Page, WriteOptions } from './port.js';

export interface JournaledCrmOptions {
  /** Tells accounts apart, e.g. `pipelinedeals:<hash of key and base URL>`; never the raw credential. */
  namespace: string;
  /** The clock of the journal's entries; tests pass their own. */
  now?: () => DateTime;
  logger?: Logger;
}

/** Entries per `getDealHistory` page. */
export const JOURNAL_PAGE_SIZE = 25;
/** Entries kept per deal; older ones are dropped so one busy deal cannot grow its key forever. */
export const JOURNAL_MAX_ENTRIES = 250;
/** A snapshot only serves the next write's "from" side; one unread for this long is dropped. */
const SNAPSHOT_TTL_MS = 30 * 24 * 3_600_000;
/** The timeline shows 600 characters of a note; the journal keeps a little more. */
const NOTE_MAX = 1_000;

const dealStatus = z.enum(['open', 'won', 'lost']);
const base = { at: z.string(), actor: z.string().nullable() };

const entrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), ...base }),
  z.object({ kind: z.literal('stage'), ...base, fromStageId: z.string().nullable(), toStageId: z.string() }),
  z.object({ kind: z.literal('status'), ...base, from: dealStatus.nullable(), to: dealStatus, lostReason: z.string().nullable() }),
  z.object({ kind: z.literal('field'), ...base, field: dealFieldSchema, from: z.string().nullable(), to: z.string().nullable() }),
  z.object({ kind: z.literal('note'), ...base, text: z.string() }),
]);
type JournalEntry = z.infer<typeof entrySchema>;

/** `entries` are the newest `entries.length` of `count` ever written, oldest first. */
const journalSchema = z.object({ count: z.number().int().nonnegative(), entries: z.array(entrySchema) });
type Journal = z.infer<typeof journalSchema>;

const partySchema = z.object({ id: z.string(), name: z.string() }).nullable();
const snapshotSchema = z.object({
  title: z.string(),
  status: dealStatus,
  stageId: z.string(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  ownerId: z.string().nullable(),
  organization: partySchema,
  person: partySchema,
  expectedCloseDate: z.string().nullable(),
  probability: z.number().nullable(),
  lostReason: z.string().nullable(),
  /** The CRM's `updatedAt` in epoch ms: a read older than the snapshot must not overwrite it. */
  updatedAt: z.number().nullable(),
});
type Snapshot = z.infer<typeof snapshotSchema>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An entry before the lock gives it its time and actor. */
type Draft = DistributiveOmit<JournalEntry, 'at' | 'actor'>;

function snapshotOf(deal: Deal): Snapshot {
  return {
    title: deal.title,
    status: deal.status,
    stageId: deal.stageId,
    amount: deal.value?.amount ?? null,
    currency: deal.value?.currency ?? null,
    ownerId: deal.ownerId,
    organization: deal.organization && { id: deal.organization.id, name: deal.organization.name },
    person: deal.person && { id: deal.person.id, name: deal.person.name },
    expectedCloseDate: deal.expectedCloseDate,
    probability: deal.probability,
    lostReason: deal.lostReason,
    updatedAt: deal.updatedAt?.toMillis() ?? null,
  };
}

const sameSnapshot = (a: Snapshot, b: Snapshot): boolean => JSON.stringify(a) === JSON.stringify(b);
const numberText = (value: number | null): string | null => (value === null ? null : String(value));

/** The field entries of an update: only the fields the patch set, as the CRM answered them. */
function fieldChanges(patch: DealPatch, before: Snapshot | null, after: Snapshot): Draft[] {
  const drafts: Draft[] = [];
  // Without a snapshot the old value is unknown: the entry says what the field was set to.
  const record = (field: DealField, from: string | null, to: string | null) => {
    if (before === null) drafts.push({ kind: 'field', field, from: null, to });
    else if (from !== to) drafts.push({ kind: 'field', field, from, to });
  };
  if (patch.title !== undefined) record('title', before?.title ?? null, after.title);
  if (patch.value !== undefined) {
    // As the local CRM does: the bare amount, with the currency in its own entry.
    record('value', numberText(before?.amount ?? null), numberText(after.amount));
    if (before === null ? after.currency !== null : before.currency !== after.currency) {
      record('currency', before?.currency ?? null, after.currency);
    }
  }
  if (patch.ownerId !== undefined) record('ownerId', before?.ownerId ?? null, after.ownerId);
  // Parties by name: the port has no way to look their ids up later.
  if (patch.organizationId !== undefined && before?.organization?.id !== after.organization?.id) {
    record('organizationId', before?.organization?.name ?? null, after.organization?.name ?? null);
  }
  if (patch.personId !== undefined && before?.person?.id !== after.person?.id) {
    record('personId', before?.person?.name ?? null, after.person?.name ?? null);
  }
  if (patch.expectedCloseDate !== undefined) record('expectedCloseDate', before?.expectedCloseDate ?? null, after.expectedCloseDate);
  if (patch.probability !== undefined) record('probability', numberText(before?.probability ?? null), numberText(after.probability));
  return drafts;
}

/** A won/lost/open write: a status entry, or a new lost reason on a deal that stays lost. */
function statusChange(before: Snapshot | null, after: Snapshot): Draft[] {
  if (before !== null && before.status === after.status) {
    return after.status === 'lost' && before.lostReason !== after.lostReason
      ? [{ kind: 'field', field: 'lostReason', from: before.lostReason, to: after.lostReason }]
      : [];
  }
  return [
    { kind: 'status', from: before?.status ?? null, to: after.status, lostReason: after.status === 'lost' ? after.lostReason : null },
  ];
}

function parseCursor(cursor: string, count: number, crm: string): number {
  if (!/^\d{1,9}$/.test(cursor) || Number(cursor) >= count) {
    throw new CrmValidationError('The history cursor is not one Dealbot gave out.', null, { crm });
  }
  return Number(cursor);
}

const toChange = (entry: JournalEntry): DealChange => ({ ...entry, at: DateTime.fromISO(entry.at, { zone: 'utc' }) });

export function createJournaledCrm(inner: CrmClient, store: Store, options: JournaledCrmOptions): CrmClient {
  // A CRM with its own history needs no journal, and its history is the complete one.
  if (inner.capabilities.dealHistory) return inner;

  const now = options.now ?? (() => DateTime.utc());
  const prefix = `crm-journal:${options.namespace}`;
  const journalKey = (dealId: string) => `${prefix}:deal:${dealId}`;
  const seenKey = (dealId: string) => `${prefix}:seen:${dealId}`;

  const parseSnapshot = (value: unknown): Snapshot | null => {
    if (value === undefined) return null;
    const parsed = snapshotSchema.safeParse(value);
    // A malformed snapshot only costs the next entry its "from" side.
    return parsed.success ? parsed.data : null;
  };

  function parseJournal(value: unknown, dealId: string): Journal {
    if (value === undefined) return { count: 0, entries: [] };
    const parsed = journalSchema.safeParse(value);
    if (!parsed.success) throw new StoreError(`The journal of deal ${dealId} is malformed`, { cause: parsed.error });
    return parsed.data;
  }

  /**
   * Refreshes the snapshots of deals just read. `onlyKnown` leaves deals without a snapshot
   * alone, so a board or digest listing thousands of deals writes nothing for deals nobody
   * changes through Dealbot. A read that started before a write and answered after it carries
   * an older `updatedAt` and is ignored.
   */
  async function remember(deals: Deal[], onlyKnown: boolean): Promise<void> {
    if (deals.length === 0) return;
    try {
      const stored = await store.getMany(deals.map((deal) => seenKey(deal.id)));
      const writes = deals.flatMap((deal, i) => {
        const known = parseSnapshot(stored[i]);
        const seen = snapshotOf(deal);
        if (
          (known === null && onlyKnown) ||
          (known !== null && ((known.updatedAt ?? 0) > (seen.updatedAt ?? 0) || sameSnapshot(known, seen)))
        ) {
          return [];
        }
        return [store.set(seenKey(deal.id), seen, SNAPSHOT_TTL_MS)];
      });
      await Promise.all(writes);
    } catch (error) {
      options.logger?.warn({ err: error, crm: inner.displayName }, 'deal journal: snapshot refresh failed');
    }
  }

  function timestamp(): string {
    const iso = now().toUTC().toISO();
    if (iso === null) throw new RangeError('The deal journal clock returned an invalid DateTime');
    return iso;
  }

  /**
   * Under the deal's lock: reads the journal and the snapshot in one round trip, appends what
   * `decide` makes of the snapshot, and keeps `after` (when given) as the new snapshot. Never
   * throws: the CRM has already changed, and the person must hear that it did.
   */
  async function append(
    dealId: string,
    writeOptions: WriteOptions | undefined,
    decide: (before: Snapshot | null) => Draft[],
    after: Snapshot | null,
  ): Promise<void> {
    const actor = writeOptions?.actor?.name?.trim() || null;
    try {
      await store.withLock(journalKey(dealId), async () => {
        const [journalValue, seenValue] = await store.getMany([journalKey(dealId), seenKey(dealId)]);
        const before = parseSnapshot(seenValue);
        const drafts = decide(before);
        if (drafts.length > 0) {
          let journal: Journal;
          try {
            journal = parseJournal(journalValue, dealId);
          } catch (error) {
            // Unreadable anyway; starting over keeps this change rather than losing it too.
            options.logger?.warn({ err: error, dealId }, 'deal journal: malformed journal replaced');
            journal = { count: 0, entries: [] };
          }
          const at = timestamp();
          const entries = [...journal.entries, ...drafts.map((draft): JournalEntry => ({ ...draft, at, actor }))];
          const next: Journal = { count: journal.count + drafts.length, entries: entries.slice(-JOURNAL_MAX_ENTRIES) };
          await store.set(journalKey(dealId), next);
        }
        if (after !== null && (before === null || !sameSnapshot(before, after))) {
          await store.set(seenKey(dealId), after, SNAPSHOT_TTL_MS);
        }
      });
    } catch (error) {
      options.logger?.warn({ err: error, dealId, crm: inner.displayName }, 'deal journal: change not recorded');
    }
  }

  /** Runs the CRM write, then journals what it changed; the CRM's answer is returned as is. */
  async function journaled(
    write: Promise<Deal>,
    writeOptions: WriteOptions | undefined,
    decide: (before: Snapshot | null, after: Snapshot) => Draft[],
  ): Promise<Deal> {
    const deal = await write;
    const after = snapshotOf(deal);
    await append(deal.id, writeOptions, (before) => decide(before, after), after);
    return deal;
  }

  const addNote = inner.addNote?.bind(inner);

  return {
    provider: inner.provider,
    displayName: inner.displayName,
    capabilities: { ...inner.capabilities, dealHistory: true, historySource: 'dealbot' },

    defaultCurrency: () => inner.defaultCurrency(),
    listPipelines: () => inner.listPipelines(),
    listStages: (pipelineId) => inner.listStages(pipelineId),
    listUsers: () => inner.listUsers(),

    async getDeal(id) {
      const deal = await inner.getDeal(id);
      await remember([deal], false);
      return deal;
    },
    async listDeals(query) {
      const page = await inner.listDeals(query);
      await remember(page.items, true);
      return page;
    },
    // Hits carry too little of a deal to snapshot; the services read the deal before a write.
    searchDeals: (term, searchOptions) => inner.searchDeals(term, searchOptions),

    createDeal: (input, writeOptions) => journaled(inner.createDeal(input, writeOptions), writeOptions, () => [{ kind: 'created' }]),
    updateDeal: (id, patch, writeOptions) =>
      journaled(inner.updateDeal(id, patch, writeOptions), writeOptions, (before, after) => fieldChanges(patch, before, after)),
    moveDeal: (id, stageId, writeOptions) =>
      journaled(inner.moveDeal(id, stageId, writeOptions), writeOptions, (before, after) =>
        before?.stageId === after.stageId ? [] : [{ kind: 'stage', fromStageId: before?.stageId ?? null, toStageId: after.stageId }],
      ),
    markWon: (id, writeOptions) => journaled(inner.markWon(id, writeOptions), writeOptions, statusChange),
    markLost: (id, reason, writeOptions) => journaled(inner.markLost(id, reason, writeOptions), writeOptions, statusChange),
    reopenDeal: (id, writeOptions) => journaled(inner.reopenDeal(id, writeOptions), writeOptions, statusChange),

    async getDealHistory(id, cursor) {
      const journal = parseJournal(await store.get(journalKey(id)), id);
      if (journal.count === 0) return { items: [], nextCursor: null };
      // The cursor is the absolute position (0 = the first entry ever written) of the next
      // entry to return, so entries appended while someone pages do not shift the pages.
      const newest = cursor === undefined || cursor === null ? journal.count - 1 : parseCursor(cursor, journal.count, inner.displayName);
      const oldestKept = journal.count - journal.entries.length;
      if (newest < oldestKept) return { items: [], nextCursor: null };
      const oldest = Math.max(oldestKept, newest - JOURNAL_PAGE_SIZE + 1);
      const items = journal.entries
        .slice(oldest - oldestKept, newest - oldestKept + 1)
        .reverse()
        .map(toChange);
      return { items, nextCursor: oldest > oldestKept ? String(oldest - 1) : null } satisfies Page<DealChange>;
    },

    ...(addNote
      ? {
          async addNote(dealId: string, text: string, writeOptions?: WriteOptions): Promise<unknown> {
            const answer = await addNote(dealId, text, writeOptions);
            // A note changes no field of the deal: its snapshot stays as it was.
            await append(dealId, writeOptions, () => [{ kind: 'note', text: text.trim().slice(0, NOTE_MAX) }], null);
            return answer;
          },
        }
      : {}),
    ...(inner.searchOrganizations ? { searchOrganizations: inner.searchOrganizations.bind(inner) } : {}),
    ...(inner.searchPersons ? { searchPersons: inner.searchPersons.bind(inner) } : {}),
  };
}
