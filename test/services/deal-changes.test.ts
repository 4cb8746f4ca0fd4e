// The deal change use cases over the embedded CRM (a real adapter on the memory store), with
// a recording undo port: which change gets an undo and under whose name, when a win or a
// loss is to be announced, a card's Move refusing a deal closed since, and a change that
// stands when the store cannot keep its undo.

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import type { Deal } from '../../src/crm/port.js';
import { DealStateConflictError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { createDealChanges, type ChangeRequest, type DealChanges } from '../../src/services/deal-changes.js';
import { createDealService } from '../../src/services/deal-service.js';
import { findDealNamed, findDealToMarkLost } from '../../src/services/resolve-deal.js';
import type { UndoRecord, UndoService } from '../../src/services/undo.js';
import { createStore } from '../../src/store/create-store.js';

let crm: LocalCrm;
let remembered: UndoRecord[];
let undoFails: boolean;
let warnings: unknown[];
let changes: DealChanges;
let deal: Deal;

const actor = { name: 'Ada', crmUserId: null };
const fromCommand: ChangeRequest = { options: { actor }, actorUserId: 'U1', sharedCard: null };
const fromChannelCard: ChangeRequest = { ...fromCommand, sharedCard: { channel: 'C1', ts: '1.2' } };

beforeEach(async () => {
  const store = await createStore('memory://');
  crm = createLocalCrm({ store });
  const pipeline = await crm.createPipeline({ name: 'Sales' });
  await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
  await crm.createStage({ pipelineId: pipeline.id, name: 'Proposal' });
  deal = await crm.createDeal({ title: 'Acme renewal' });
  remembered = [];
  undoFails = false;
  warnings = [];
  const undo: UndoService = {
    remember: async (record) => {
      if (undoFails) throw new Error('store down');
      remembered.push(record);
      return `undo-${remembered.length}`;
    },
    undo: () => {
      throw new Error('not used by deal changes');
    },
  };
  const logger = { warn: vi.fn((...args: unknown[]) => warnings.push(args)) } as unknown as Logger;
  changes = createDealChanges({ deals: createDealService(crm, store), undo, logger });
});

describe('moving a deal', () => {
  it('moves by name and keeps an undo back to the stage it came from, for the person who moved it', async () => {
    const moved = await changes.moveByName(deal, 'propsal', fromCommand);
    expect(moved).toMatchObject({ kind: 'moved', from: { name: 'Qualified' }, to: { name: 'Proposal' }, undoId: 'undo-1' });
    expect(remembered).toEqual([
      { change: { kind: 'stage', dealId: deal.id, fromStageId: '1', toStageId: '2' }, actorUserId: 'U1', card: null, announced: false },
    ]);
  });

  it('keeps no undo when nothing moved', async () => {
    expect(await changes.moveToStage(deal.id, '1', fromCommand)).toMatchObject({ kind: 'unchanged', stage: { name: 'Qualified' } });
    expect(remembered).toEqual([]);
  });

  it("refuses a card's Move on a deal closed since the card was drawn, and writes nothing", async () => {
    await crm.markWon(deal.id);
    const outcome = await changes.moveOpenDeal(deal.id, '2', fromChannelCard);
    expect(outcome).toMatchObject({ kind: 'not-open', deal: { status: 'won', stageId: '1' } });
    expect((await crm.getDeal(deal.id)).stageId).toBe('1');
    expect(remembered).toEqual([]);
  });

  it('the move stands without an undo when the store cannot keep one, and the failure is logged', async () => {
    undoFails = true;
    expect(await changes.moveOpenDeal(deal.id, '2', fromCommand)).toMatchObject({ kind: 'moved', undoId: null });
    expect((await crm.getDeal(deal.id)).stageId).toBe('2');
    expect(warnings).toHaveLength(1);
  });
});

describe('winning, losing and reopening', () => {
  it('announces a win made from a command, and remembers that it did', async () => {
    const won = await changes.setStatus('won', deal.id, fromCommand);
    expect(won).toMatchObject({ kind: 'changed', op: 'won', deal: { status: 'won' }, undoId: 'undo-1', announce: true });
    expect(remembered[0]).toMatchObject({ change: { kind: 'status', to: 'won' }, announced: true, card: null });
  });

  it('does not announce a loss made on a card everyone sees: the card is the news, and its undo redraws it', async () => {
    const lost = await changes.markLost(deal, 'No budget', fromChannelCard);
    expect(lost).toMatchObject({ kind: 'changed', op: 'lost', deal: { status: 'lost', lostReason: 'No budget' }, announce: false });
    expect(remembered[0]).toMatchObject({ announced: false, card: { channel: 'C1', ts: '1.2' } });
  });

  it('reopens with neither undo nor announcement, and asking for what already is changes nothing', async () => {
    await crm.markLost(deal.id, 'Price');
    expect(await changes.setStatus('reopen', deal.id, fromCommand)).toMatchObject({ kind: 'changed', undoId: null, announce: false });
    expect(await changes.setStatus('reopen', deal.id, fromCommand)).toMatchObject({ kind: 'unchanged', op: 'reopen' });
    expect(remembered).toEqual([]);
  });

  it('refuses to win a deal lost elsewhere', async () => {
    await crm.markLost(deal.id, 'Price');
    await expect(changes.setStatus('won', deal.id, fromCommand)).rejects.toBeInstanceOf(DealStateConflictError);
    expect(remembered).toEqual([]);
  });
});

describe('finding the deal a person named', () => {
  it('gives the stage names a list needs when words match several deals, or none', async () => {
    const store = await createStore('memory://');
    const service = createDealService(crm, store);
    await crm.createDeal({ title: 'Acme expansion' });
    expect(await findDealNamed(service, { kind: 'words', words: 'acme' })).toMatchObject({
      kind: 'many',
      stageNames: new Map([
        ['1', 'Qualified'],
        ['2', 'Proposal'],
      ]),
    });
    expect(await findDealNamed(service, { kind: 'words', words: 'zebra' })).toMatchObject({ kind: 'none', words: 'zebra' });
  });

  it('asks for a loss reason only for an open deal, and keeps the words that matched nothing', async () => {
    const service = createDealService(crm, await createStore('memory://'));
    expect(await findDealToMarkLost(service, { dealId: deal.id })).toMatchObject({ kind: 'ask', deal: { id: deal.id } });
    expect(await findDealToMarkLost(service, { ref: { kind: 'words', words: 'zebra' } })).toMatchObject({
      kind: 'unresolved',
      found: { kind: 'none' },
      words: 'zebra',
    });
    await crm.markWon(deal.id);
    expect(await findDealToMarkLost(service, { ref: { kind: 'id', id: deal.id } })).toMatchObject({
      kind: 'closed',
      deal: { status: 'won' },
    });
  });
});
