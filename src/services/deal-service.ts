// The deal use cases behind `/deal` and the card buttons: find a deal from what a person
// typed, create, move, win, lose and reopen. Speaks only the CRM port's domain types; the
// listeners turn outcomes into Block Kit through `ui/`.
//
// Budget: stages, pipelines and users come from the cached CRM decorator, so a command
// costs the CRM only the deal reads and writes it needs (see README "CRM budget").

import type { CrmClient, Deal, DealHit, NewDeal, Pipeline, Stage, User, WriteOptions } from '../crm/port.js';
import { matchByName, normalizeName } from '../parse/match-name.js';
import type { DealRef } from '../parse/deal-command.js';
import { parseQuickCreate } from '../parse/quick-create.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CrmUnavailableError, DealStateConflictError, InvalidInputError } from '../errors.js';
import type { Store } from '../store/store.js';
import { LEASE_MS, runOnce, type Lease } from './idempotency.js';
import { closingStageNamed, movableStages } from './movable-stages.js';

export type DealResolution =
  { kind: 'one'; deal: Deal } | { kind: 'many'; hits: DealHit[]; more: boolean } | { kind: 'none'; words: string };

export type MoveOutcome =
  | { kind: 'moved'; deal: Deal; from: Stage | null; to: Stage }
  | { kind: 'unchanged'; deal: Deal; stage: Stage }
  | { kind: 'pick-stage'; deal: Deal; candidates: Stage[]; reason: 'unknown' | 'ambiguous'; pipelineName: string | null }
  /** The person named a stage that closes the deal ("won", "Lost"): that is marking it won or lost, not a move. */
  | { kind: 'closing-stage'; deal: Deal; stage: Stage; closes: 'won' | 'lost' };

export type StatusOutcome = { kind: 'changed'; deal: Deal; previous: Deal } | { kind: 'unchanged'; deal: Deal };

/** What a card needs besides the deal, all from cached reference data. */
export interface DealContext {
  stage: Stage | null;
  pipeline: Pipeline | null;
  pipelineStages: Stage[];
  owner: User | null;
}

/**
 * How far the CRM's add time may sit outside our request's window: its clock against ours,
 * and add times kept to the whole second (Pipedrive's `add_time`).
 */
const LOST_CREATE_CLOCK_TOLERANCE = { seconds: 2 };

/** How many search hits a list shows; one search request fetches a few more to count the rest. */
export const LIST_SIZE = 10;
const SEARCH_LIMIT = 50;

export interface DealService {
  readonly crmName: string;
  resolveDeal(ref: DealRef): Promise<DealResolution>;
  findDeals(words: string): Promise<{ hits: DealHit[]; more: boolean }>;
  getDeal(id: string): Promise<Deal>;
  contextFor(deal: Deal): Promise<DealContext>;
  stageNames(): Promise<Map<string, string>>;
  /**
   * Creates from a `/deal new` line. `onceKey` identifies the request (its trigger_id): a
   * retried delivery returns the deal the first one created, with `duplicate` set.
   */
  quickCreate(line: string, onceKey: string, options?: WriteOptions): Promise<{ deal: Deal; duplicate: boolean }>;
  /** Creates from the modal; `onceKey` is the submitted view's id and hash. */
  create(input: NewDeal, onceKey: string, options?: WriteOptions): Promise<{ deal: Deal; duplicate: boolean }>;
  moveByName(deal: Deal, stageQuery: string, options?: WriteOptions): Promise<MoveOutcome>;
  /** Pass the `Deal` when it was just read (a card checked its state) to save reading it again. */
  moveToStage(deal: Deal | string, stageId: string, options?: WriteOptions): Promise<MoveOutcome>;
  /**
   * Status changes check the deal's current state first. Pass the `Deal` when it was just
   * read (a command resolved it) to save reading it again; an id reads it.
   */
  markWon(deal: Deal | string, options?: WriteOptions): Promise<StatusOutcome>;
  markLost(deal: Deal | string, reason: string | null, options?: WriteOptions): Promise<StatusOutcome>;
  reopen(deal: Deal | string, options?: WriteOptions): Promise<StatusOutcome>;
}

/**
 * What a create records before it writes to the CRM, so that whoever takes over from a
 * process that died in the middle can look for the deal by the same evidence.
 */
const createIntent = z.object({ title: z.string(), ownerId: z.string(), sentAt: z.iso.datetime({ offset: true }) });

export interface DealServiceOptions {
  /** How long a create's claim lives unless renewed (tests shorten it; a crash frees the key this soon). */
  createLeaseMs?: number;
}

export function createDealService(crm: CrmClient, store: Store, { createLeaseMs = LEASE_MS }: DealServiceOptions = {}): DealService {
  async function stagesById(): Promise<Map<string, Stage>> {
    return new Map((await crm.listStages()).map((s) => [s.id, s]));
  }

  /**
   * A create whose answer was lost (a timeout, a connection reset after sending) may
   * have been applied. Before the person is told to try again, look for it, and take it
   * only on evidence that it is this request's deal (see `findOurLostCreate`). What is about
   * to be created is recorded first, so a takeover after this process dies can do the same.
   */
  async function createRecovering(lease: Lease, input: NewDeal, options?: WriteOptions): Promise<Deal> {
    const sentAt = DateTime.utc();
    // Without an owner no evidence could ever name the deal ours, so there is nothing to record.
    if (input.ownerId) await lease.recordIntent({ title: input.title, ownerId: input.ownerId, sentAt: sentAt.toISO() });
    try {
      return await crm.createDeal(input, options);
    } catch (error) {
      // A 5xx is the CRM's own answer; only a lost answer leaves the outcome unknown.
      if (!(error instanceof CrmUnavailableError) || error.reason === 'server_error') throw error;
      const found = await findOurLostCreate(input, { from: sentAt, to: DateTime.utc() }).catch(() => null);
      if (found) return found;
      throw error;
    }
  }

  /**
   * The deal a lost create made, found only by evidence that it is ours: the exact title, the
   * owner the request named (the person creating it), and the CRM's own add time inside the
   * request's window. A colleague's deal of the same title made the same second, or ours from
   * a minute earlier, is never taken for it; with no owner to check, nothing is, and the
   * person hears the outcome is unknown. (No CRM we speak has a field for our request key.)
   */
  async function findOurLostCreate(
    input: { title: string; ownerId?: string | null },
    window: { from: DateTime; to: DateTime },
  ): Promise<Deal | null> {
    const owner = input.ownerId;
    if (!owner) return null;
    const title = input.title.trim();
    const { hits } = await crm.searchDeals(title, { limit: 10 });
    const candidates = hits.filter((h) => h.title.trim() === title && h.ownerId === owner).slice(0, 3);
    const from = window.from.minus(LOST_CREATE_CLOCK_TOLERANCE);
    const to = window.to.plus(LOST_CREATE_CLOCK_TOLERANCE);
    const deals = await Promise.all(candidates.map((h) => crm.getDeal(h.id)));
    const ours = deals.filter((d) => d.ownerId === owner && d.title.trim() === title && d.createdAt >= from && d.createdAt <= to);
    // Two would mean two such creates at once: neither is known to be this one.
    return ours.length === 1 ? ours[0]! : null;
  }

  /** Only the id is kept for duplicates (a Deal holds DateTimes); they read the deal again. */
  async function once(key: string, create: (lease: Lease) => Promise<Deal>): Promise<{ deal: Deal; duplicate: boolean }> {
    const { result, duplicate } = await runOnce(store, `create:${key}`, create, {
      encode: (deal) => deal.id,
      decode: (id) => crm.getDeal(String(id)),
      leaseMs: createLeaseMs,
      // The holder before us died mid-create: its deal, if the CRM made it, is found by the
      // same evidence as a lost answer, in the window from its request until now.
      recover: async (kept) => {
        const intent = createIntent.safeParse(kept);
        if (!intent.success) return null;
        const from = DateTime.fromISO(intent.data.sentAt, { zone: 'utc' });
        return findOurLostCreate(intent.data, { from, to: DateTime.utc() });
      },
    });
    return { deal: result, duplicate };
  }

  const current = (target: Deal | string): Promise<Deal> => (typeof target === 'string' ? crm.getDeal(target) : Promise.resolve(target));

  async function applyMove(deal: Deal, to: Stage, options?: WriteOptions): Promise<MoveOutcome> {
    const stages = await stagesById();
    if (deal.stageId === to.id) return { kind: 'unchanged', deal, stage: to };
    const moved = await crm.moveDeal(deal.id, to.id, options);
    return { kind: 'moved', deal: moved, from: stages.get(deal.stageId) ?? null, to };
  }

  return {
    crmName: crm.displayName,

    async resolveDeal(ref) {
      if (ref.kind === 'id') return { kind: 'one', deal: await crm.getDeal(ref.id) };
      const { hits, more } = await crm.searchDeals(ref.words, { limit: SEARCH_LIMIT });
      if (hits.length === 0) return { kind: 'none', words: ref.words };
      const wanted = normalizeName(ref.words);
      const exact = hits.filter((h) => normalizeName(h.title) === wanted);
      const only = hits.length === 1 ? hits[0] : exact.length === 1 ? exact[0] : undefined;
      if (only) return { kind: 'one', deal: await crm.getDeal(only.id) };
      return { kind: 'many', hits, more };
    },

    async findDeals(words) {
      return crm.searchDeals(words, { limit: SEARCH_LIMIT });
    },

    getDeal: (id) => crm.getDeal(id),

    async contextFor(deal) {
      const [stages, pipelines, users] = await Promise.all([crm.listStages(), crm.listPipelines(), crm.listUsers()]);
      return {
        stage: stages.find((s) => s.id === deal.stageId) ?? null,
        pipeline: pipelines.find((p) => p.id === deal.pipelineId) ?? null,
        pipelineStages: movableStages(stages.filter((s) => s.pipelineId === deal.pipelineId)),
        owner: users.find((u) => u.id === deal.ownerId) ?? null,
      };
    },

    async stageNames() {
      return new Map((await crm.listStages()).map((s) => [s.id, s.name]));
    },

    async quickCreate(line, onceKey, options) {
      const { title, value } = parseQuickCreate(line);
      // Nothing to send: the person typed no title. Not a CRM refusal, so not a CRM error.
      if (!title) throw new InvalidInputError('title', 'missing');
      const currency = value?.currency ?? (value ? await crm.defaultCurrency() : null);
      // The person creating the deal owns it, when they have a CRM user.
      const ownerId = options?.actor?.crmUserId ?? null;
      return once(onceKey, (lease) =>
        createRecovering(lease, { title, value: value && currency ? { amount: value.amount, currency } : null, ownerId }, options),
      );
    },

    // A form left without an owner is the creating person's, when they have a CRM user (the
    // modal offers them first); naming the owner also lets a lost answer be recognised as ours.
    create: (input, onceKey, options) =>
      once(onceKey, (lease) =>
        createRecovering(lease, input.ownerId ? input : { ...input, ownerId: options?.actor?.crmUserId ?? null }, options),
      ),

    async moveByName(deal, stageQuery, options) {
      const [stages, pipelines] = await Promise.all([crm.listStages(), crm.listPipelines()]);
      const pipeline = pipelines.find((p) => p.id === deal.pipelineId) ?? null;
      const ownAll = stages.filter((s) => s.pipelineId === deal.pipelineId);
      // "/deal move X to won" means marking it won: said exactly, checked before any
      // forgiving match could turn "lost" into a stage one letter away ("Post").
      const closing = closingStageNamed(stageQuery, ownAll);
      if (closing) return { kind: 'closing-stage', deal, stage: closing, closes: closing.closes };
      const own = movableStages(ownAll);
      const inOwn = matchByName(stageQuery, own, (s) => s.name);
      if (inOwn.kind === 'match') return applyMove(deal, inOwn.item, options);
      if (inOwn.kind === 'ambiguous') {
        return { kind: 'pick-stage', deal, candidates: inOwn.candidates, reason: 'ambiguous', pipelineName: pipeline?.name ?? null };
      }
      // Not in the deal's pipeline: a stage of another pipeline moves the deal across, but
      // only on an exact name; a fuzzy cross-pipeline hit would be a guess.
      const elsewhere = movableStages(stages).filter(
        (s) => s.pipelineId !== deal.pipelineId && normalizeName(s.name) === normalizeName(stageQuery),
      );
      // A slip on a closing stage's name ("wonn") still means won or lost, once nothing movable matched.
      const closingTypo = matchByName(
        stageQuery,
        ownAll.filter((s) => s.closes),
        (s) => s.name,
      );
      if (elsewhere.length === 0 && closingTypo.kind === 'match' && closingTypo.item.closes) {
        return { kind: 'closing-stage', deal, stage: closingTypo.item, closes: closingTypo.item.closes };
      }
      if (elsewhere.length === 1 && elsewhere[0]) return applyMove(deal, elsewhere[0], options);
      return {
        kind: 'pick-stage',
        deal,
        candidates: elsewhere.length > 1 ? elsewhere : own,
        reason: elsewhere.length > 1 ? 'ambiguous' : 'unknown',
        pipelineName: pipeline?.name ?? null,
      };
    },

    async moveToStage(target, stageId, options) {
      const [deal, stages] = await Promise.all([current(target), stagesById()]);
      const to = stages.get(stageId);
      if (!to) {
        throw new InvalidInputError('stageId', 'unknown', stageId);
      }
      // A stale menu or a hand-made button value: a closing stage is still not a move.
      if (to.closes) return { kind: 'closing-stage', deal, stage: to, closes: to.closes };
      return applyMove(deal, to, options);
    },

    async markWon(target, options) {
      const deal = await current(target);
      const dealId = deal.id;
      if (deal.status === 'won') return { kind: 'unchanged', deal };
      if (deal.status === 'lost') throw new DealStateConflictError(deal, 'won');
      return { kind: 'changed', deal: await crm.markWon(dealId, options), previous: deal };
    },

    async markLost(target, reason, options) {
      const deal = await current(target);
      const dealId = deal.id;
      if (deal.status === 'lost') return { kind: 'unchanged', deal };
      if (deal.status === 'won') throw new DealStateConflictError(deal, 'lost');
      return { kind: 'changed', deal: await crm.markLost(dealId, reason, options), previous: deal };
    },

    async reopen(target, options) {
      const deal = await current(target);
      const dealId = deal.id;
      if (deal.status === 'open') return { kind: 'unchanged', deal };
      return { kind: 'changed', deal: await crm.reopenDeal(dealId, options), previous: deal };
    },
  };
}
