import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import { createUndo, type UndoRecord } from '../../src/services/undo.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

let store: Store;
let crm: LocalCrm;
let dealId: string;

beforeEach(async () => {
  store = await createStore('memory://');
  crm = createLocalCrm({ store });
  const pipeline = await crm.createPipeline({ name: 'Sales' });
  await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
  await crm.createStage({ pipelineId: pipeline.id, name: 'Proposal' });
  dealId = (await crm.createDeal({ title: 'Acme' })).id;
});

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
});

const record = (change: UndoRecord['change']): UndoRecord => ({ change, actorUserId: 'U1', card: null, announced: false });

describe('undo', () => {
  it('moves the deal back to the stage it came from, once', async () => {
    await crm.moveDeal(dealId, '2');
    const undo = createUndo({ crm, store });
    const id = await undo.remember(record({ kind: 'stage', dealId, fromStageId: '1', toStageId: '2' }));
    const outcome = await undo.undo(id);
    expect(outcome).toMatchObject({ kind: 'undone', stage: { name: 'Qualified' } });
    expect((await crm.getDeal(dealId)).stageId).toBe('1');
    expect(await undo.undo(id)).toEqual({ kind: 'already-undone' });
  });

  it('reopens a deal marked won or lost', async () => {
    await crm.markLost(dealId, 'Price');
    const undo = createUndo({ crm, store });
    const outcome = await undo.undo(await undo.remember(record({ kind: 'status', dealId, to: 'lost' })));
    expect(outcome.kind).toBe('undone');
    expect(await crm.getDeal(dealId)).toMatchObject({ status: 'open', lostReason: null });
  });

  it('does nothing to a deal that changed since, and can still be tried once it is back', async () => {
    await crm.markWon(dealId);
    const undo = createUndo({ crm, store });
    const id = await undo.remember(record({ kind: 'status', dealId, to: 'won' }));
    await crm.reopenDeal(dealId);
    await crm.markLost(dealId, null);
    expect(await undo.undo(id)).toMatchObject({ kind: 'changed-since', deal: { status: 'lost' }, stage: { name: 'Qualified' } });
    expect((await crm.getDeal(dealId)).status).toBe('lost');
  });

  it('a move undone after the deal moved on says where the deal is now, and moves nothing', async () => {
    await crm.createStage({ pipelineId: '1', name: 'Signed' });
    await crm.moveDeal(dealId, '2');
    const undo = createUndo({ crm, store });
    const id = await undo.remember(record({ kind: 'stage', dealId, fromStageId: '1', toStageId: '2' }));
    await crm.moveDeal(dealId, '3');
    expect(await undo.undo(id)).toMatchObject({ kind: 'changed-since', deal: { stageId: '3' }, stage: { name: 'Signed' } });
    expect((await crm.getDeal(dealId)).stageId).toBe('3');
  });

  it('has expired after its time, and an unknown id is expired too', async () => {
    // Only `Date` is faked: the store's expiry reads it, and its I/O runs as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    const undo = createUndo({ crm, store, ttlMs: 60_000 });
    const id = await undo.remember(record({ kind: 'stage', dealId, fromStageId: '1', toStageId: '1' }));
    vi.setSystemTime(Date.now() + 60_001);
    expect(await createUndo({ crm, store }).undo(id)).toEqual({ kind: 'expired' });
    expect(await createUndo({ crm, store }).undo('never-issued')).toEqual({ kind: 'expired' });
  });

  it('lets the person try again when the CRM fails', async () => {
    await crm.moveDeal(dealId, '2');
    let failing = true;
    const flaky = { ...crm, getDeal: async (id: string) => (failing ? Promise.reject(new Error('down')) : crm.getDeal(id)) };
    const undo = createUndo({ crm: flaky, store });
    const id = await undo.remember(record({ kind: 'stage', dealId, fromStageId: '1', toStageId: '2' }));
    await expect(undo.undo(id)).rejects.toThrow('down');
    failing = false;
    expect((await undo.undo(id)).kind).toBe('undone');
  });
});
