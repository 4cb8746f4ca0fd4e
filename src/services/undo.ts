// "Undo" after a move, a win or a loss: what was changed is remembered in the store for ten
// minutes under a random id the Undo button carries. Undoing checks the deal is still as
// the change left it (someone may have moved it since) and restores the previous stage, or
// reopens the deal. Each undo works once, across replicas: the first click claims it.

import { randomBytes, randomUUID } from 'node:crypto';
import type { CrmClient, Deal, Stage, WriteOptions } from '../crm/port.js';
import type { Store } from '../store/store.js';
import { AccessRefusedError } from '../errors.js';

export const UNDO_TTL_MS = 10 * 60_000;

export type UndoableChange =
  { kind: 'stage'; dealId: string; fromStageId: string; toStageId: string } | { kind: 'status'; dealId: string; to: 'won' | 'lost' };

/** Where the change was shown for everyone, so undoing it can update that too. */
export interface SharedCard {
  channel: string;
  ts: string;
}

export interface UndoRecord {
  change: UndoableChange;
  /** Who made the change (and may undo it). */
  actorUserId: string;
  /** A card in a channel that shows the change, updated in place when it is undone. */
  card: SharedCard | null;
  /** The change was announced in the channel, so its undo is announced there too. */
  announced: boolean;
}

export type UndoOutcome =
  | { kind: 'undone'; deal: Deal; record: UndoRecord; stage: Stage | null }
  /** The deal is no longer as the change left it; nothing was done. `stage` is where it is now. */
  | { kind: 'changed-since'; deal: Deal; record: UndoRecord; stage: Stage | null }
  | { kind: 'expired' }
  | { kind: 'already-undone' };

export interface UndoService {
  /** Keeps the change for `UNDO_TTL_MS`; returns the id the Undo button carries. */
  remember(record: UndoRecord): Promise<string>;
  /**
   * Reverts the change. `by`, the Slack person asking: only who made the change may undo it
   * (anyone else gets `AccessRefusedError('not-your-undo')` and the undo stays usable by them).
   */
  undo(id: string, options?: WriteOptions, by?: string): Promise<UndoOutcome>;
}

const recordKey = (id: string) => `undo:${id}`;
const usedKey = (id: string) => `undo:${id}:used`;

export function createUndo(deps: { crm: CrmClient; store: Store; ttlMs?: number }): UndoService {
  const { crm, store } = deps;
  const ttlMs = deps.ttlMs ?? UNDO_TTL_MS;

  async function restore(record: UndoRecord, options?: WriteOptions): Promise<UndoOutcome> {
    const { change } = record;
    const deal = await crm.getDeal(change.dealId);
    const changedSince = async (): Promise<UndoOutcome> => {
      const stage = (await crm.listStages()).find((s) => s.id === deal.stageId) ?? null;
      return { kind: 'changed-since', deal, record, stage };
    };
    if (change.kind === 'stage') {
      if (deal.stageId !== change.toStageId) return changedSince();
      const [moved, stages] = await Promise.all([crm.moveDeal(deal.id, change.fromStageId, options), crm.listStages()]);
      return { kind: 'undone', deal: moved, record, stage: stages.find((s) => s.id === change.fromStageId) ?? null };
    }
    if (deal.status !== change.to) return changedSince();
    return { kind: 'undone', deal: await crm.reopenDeal(deal.id, options), record, stage: null };
  }

  return {
    async remember(record) {
      // Short and unguessable: it travels in a button value and names a write.
      const id = randomBytes(12).toString('base64url');
      await store.set(recordKey(id), record, ttlMs);
      return id;
    },

    async undo(id, options, by) {
      if (by !== undefined) {
        const kept = await store.get<UndoRecord>(recordKey(id));
        if (kept && kept.actorUserId !== by) throw new AccessRefusedError('not-your-undo');
      }
      const owner = randomUUID();
      if (!(await store.claim(usedKey(id), ttlMs, owner))) return { kind: 'already-undone' };
      const record = await store.get<UndoRecord>(recordKey(id));
      if (!record) return { kind: 'expired' };
      try {
        const outcome = await restore(record, options);
        if (outcome.kind === 'undone') await store.delete(recordKey(id));
        else await store.release(usedKey(id), owner);
        return outcome;
      } catch (error) {
        // The CRM failed: the person may try again while the undo is still valid.
        await store.release(usedKey(id), owner);
        throw error;
      }
    },
  };
}
