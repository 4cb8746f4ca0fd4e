// The changes a person makes to a deal from Slack — move, win, lose, reopen — and what
// follows each: an undo kept for ten minutes (`undo.ts`), and whether the channel is to be
// told. The rules live here; listeners only say who asks and where the change was made
// from, and render the outcome through `ui/`.
//
// - A move or a close gets an undo; a reopen does not (reopening is its own undo).
// - A win or a loss is news: when it was made from a card everyone sees, that card redrawn
//   in place is the news; anywhere else the channel is told (`announce`).
// - A card's Move select meeting a deal someone closed since the card was drawn does not
//   move it (`not-open`): a closed deal is reopened first.

import type { Deal, WriteOptions } from '../crm/port.js';
import type { Logger } from '../logger.js';
import type { DealService, MoveOutcome } from './deal-service.js';
import type { SharedCard, UndoableChange, UndoService } from './undo.js';
import type { Requester } from '../domain/requester.js';
import { AccessRefusedError } from '../errors.js';
import { mayCloseDeal, type AccessSettings } from './access-policy.js';

/** Who makes a change, and where from. */
export interface ChangeRequest {
  /** The CRM actor the write is recorded under. */
  options: WriteOptions;
  /** The Slack person who made the change, and who may undo it. */
  actorUserId: string;
  /** The card everyone sees that the change was made from, if any: it is redrawn in place. */
  sharedCard: SharedCard | null;
  /**
   * Who is closing (the access guard's requester): with `CLOSE_DEALS=owner` only the deal's
   * owner and admins may win, lose or reopen it. Absent: nobody is known to be either.
   */
  closer?: Pick<Requester, 'isAdmin' | 'crmUserId'> | null;
}

type Moved = Extract<MoveOutcome, { kind: 'moved' }>;

export type MoveChange =
  /** `undoId` is null when the deal had no stage to go back to, or the store could not keep the undo. */
  | (Moved & { undoId: string | null })
  | Exclude<MoveOutcome, { kind: 'moved' }>
  /** Moving a deal that is won or lost: nothing was done. */
  | { kind: 'not-open'; deal: Deal };

export type StatusOp = 'won' | 'lost' | 'reopen';

export type StatusChange =
  | { kind: 'unchanged'; op: StatusOp; deal: Deal }
  | {
      kind: 'changed';
      op: StatusOp;
      deal: Deal;
      previous: Deal;
      /** Null for a reopen, or when the store could not keep the undo (the change stands). */
      undoId: string | null;
      /** The channel is to be told (a win or a loss not made from a card everyone sees). */
      announce: boolean;
    };

export interface DealChanges {
  moveByName(deal: Deal, stageQuery: string, request: ChangeRequest): Promise<MoveChange>;
  /** A stage chosen from a picker: the deal is moved whatever its status (the service checks the stage). */
  moveToStage(deal: Deal | string, stageId: string, request: ChangeRequest): Promise<MoveChange>;
  /** A card's Move select: the deal is read first, and a closed one is not moved. */
  moveOpenDeal(dealId: string, stageId: string, request: ChangeRequest): Promise<MoveChange>;
  /** Throws `DealStateConflictError` for a deal closed the other way (lost when asked for won, …). */
  setStatus(op: 'won' | 'reopen', deal: Deal | string, request: ChangeRequest): Promise<StatusChange>;
  markLost(deal: Deal | string, reason: string, request: ChangeRequest): Promise<StatusChange>;
}

export function createDealChanges(deps: {
  deals: DealService;
  undo: UndoService;
  logger: Logger;
  /** `CLOSE_DEALS`: who may win, lose or reopen a deal (default `anyone`). */
  closeDeals?: AccessSettings['closeDeals'];
}): DealChanges {
  const { deals, undo, logger } = deps;
  const closeDeals = deps.closeDeals ?? 'anyone';

  /**
   * `CLOSE_DEALS=owner`: the deal is read (when only its id is known) and a closer who is
   * neither its owner nor an admin is refused before anything changes.
   */
  async function mayClose(deal: Deal | string, request: ChangeRequest): Promise<Deal | string> {
    if (closeDeals === 'anyone') return deal;
    const known = typeof deal === 'string' ? await deals.getDeal(deal) : deal;
    const closer = request.closer ?? { isAdmin: false, crmUserId: null };
    if (!mayCloseDeal(closer, known, { closeDeals })) throw new AccessRefusedError('not-owner');
    return known;
  }

  /** Keeps an undo for the change; null when the store cannot (the change itself stands). */
  function rememberUndo(change: UndoableChange, request: ChangeRequest, announced: boolean): Promise<string | null> {
    return undo.remember({ change, actorUserId: request.actorUserId, card: request.sharedCard, announced }).catch((error: unknown) => {
      logger.warn({ err: error, dealId: change.dealId }, 'could not keep an undo; the change stands without one');
      return null;
    });
  }

  async function withUndo(outcome: MoveOutcome, request: ChangeRequest): Promise<MoveChange> {
    if (outcome.kind !== 'moved') return outcome;
    const { deal, from, to } = outcome;
    const undoId = from
      ? await rememberUndo({ kind: 'stage', dealId: deal.id, fromStageId: from.id, toStageId: to.id }, request, false)
      : null;
    return { ...outcome, undoId };
  }

  async function closed(
    op: StatusOp,
    change: () => Promise<{ kind: 'changed'; deal: Deal; previous: Deal } | { kind: 'unchanged'; deal: Deal }>,
    request: ChangeRequest,
  ): Promise<StatusChange> {
    const outcome = await change();
    if (outcome.kind === 'unchanged') return { kind: 'unchanged', op, deal: outcome.deal };
    if (op === 'reopen') return { ...outcome, op, undoId: null, announce: false };
    const announce = request.sharedCard === null;
    const undoId = await rememberUndo({ kind: 'status', dealId: outcome.deal.id, to: op }, request, announce);
    return { ...outcome, op, undoId, announce };
  }

  return {
    async moveByName(deal, stageQuery, request) {
      return withUndo(await deals.moveByName(deal, stageQuery, request.options), request);
    },

    async moveToStage(deal, stageId, request) {
      return withUndo(await deals.moveToStage(deal, stageId, request.options), request);
    },

    async moveOpenDeal(dealId, stageId, request) {
      const deal = await deals.getDeal(dealId);
      if (deal.status !== 'open') return { kind: 'not-open', deal };
      return withUndo(await deals.moveToStage(deal, stageId, request.options), request);
    },

    async setStatus(op, deal, request) {
      const checked = await mayClose(deal, request);
      return closed(op, () => (op === 'won' ? deals.markWon(checked, request.options) : deals.reopen(checked, request.options)), request);
    },

    async markLost(deal, reason, request) {
      const checked = await mayClose(deal, request);
      return closed('lost', () => deals.markLost(checked, reason, request.options), request);
    },
  };
}
