// The deal use cases over the embedded CRM (a real adapter on the memory store): finding
// the deal a person meant, forgiving stage names that never guess, refusing to overwrite a
// decision made elsewhere, and a create whose answer was lost.

import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient } from '../../src/crm/port.js';
import { CrmUnavailableError, DealStateConflictError } from '../../src/errors.js';
import { createDealService, type DealService } from '../../src/services/deal-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

let store: Store;
let crm: CrmClient;
let deals: DealService;

beforeEach(async () => {
  store = await createStore('memory://');
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store);
  crm = local;
  deals = createDealService(crm, store);
});

async function newDeal(title: string) {
  return (await deals.quickCreate(`${title} 5k EUR`, `t-${title}`)).deal;
}

describe('resolving the deal a person named', () => {
  it('takes an id at its word, and a unique title match as the deal', async () => {
    const deal = await newDeal('Zyxel unique');
    expect(await deals.resolveDeal({ kind: 'id', id: deal.id })).toMatchObject({ kind: 'one', deal: { id: deal.id } });
    expect(await deals.resolveDeal({ kind: 'words', words: 'zyxel' })).toMatchObject({ kind: 'one', deal: { id: deal.id } });
  });

  it('prefers the exact title among several matches, else asks', async () => {
    const exact = await newDeal('Omega');
    await newDeal('Omega expansion');
    expect(await deals.resolveDeal({ kind: 'words', words: 'omega' })).toMatchObject({ kind: 'one', deal: { id: exact.id } });
    await newDeal('Sigma one');
    await newDeal('Sigma two');
    const many = await deals.resolveDeal({ kind: 'words', words: 'sigma' });
    expect(many.kind).toBe('many');
    expect(await deals.resolveDeal({ kind: 'words', words: 'no such deal anywhere' })).toEqual({
      kind: 'none',
      words: 'no such deal anywhere',
    });
  });
});

describe('moving by stage name', () => {
  it('forgives case, prefixes and typos but never guesses', async () => {
    const deal = await newDeal('Move me');
    expect(await deals.moveByName(deal, 'PROPOSAL')).toMatchObject({ kind: 'moved', to: { name: 'Proposal' } });
    const again = await deals.getDeal(deal.id);
    expect(await deals.moveByName(again, 'negotation')).toMatchObject({ kind: 'moved', to: { name: 'Negotiation' } });
    const now = await deals.getDeal(deal.id);
    expect(await deals.moveByName(now, 'negotiation')).toMatchObject({ kind: 'unchanged' });
    const unknown = await deals.moveByName(now, 'contract signed');
    expect(unknown).toMatchObject({ kind: 'pick-stage', reason: 'unknown', pipelineName: 'Sales' });
    expect(unknown.kind === 'pick-stage' && unknown.candidates.map((s) => s.name)).toEqual([
      'Qualified',
      'Needs defined',
      'Proposal',
      'Negotiation',
    ]);
  });
});

describe('won, lost and reopen', () => {
  it('refuses to win a deal lost elsewhere, and reports what already is', async () => {
    const deal = await newDeal('Decided elsewhere');
    expect(await deals.markLost(deal.id, 'Price')).toMatchObject({ kind: 'changed', deal: { status: 'lost', lostReason: 'Price' } });
    await expect(deals.markWon(deal.id)).rejects.toBeInstanceOf(DealStateConflictError);
    expect(await deals.markLost(deal.id, 'Again')).toMatchObject({ kind: 'unchanged' });
    expect(await deals.reopen(deal.id)).toMatchObject({ kind: 'changed', deal: { status: 'open' } });
    expect(await deals.markWon(deal.id)).toMatchObject({ kind: 'changed', deal: { status: 'won' } });
  });
});

describe('a create whose answer was lost', () => {
  function losingAnswers(applied: boolean): CrmClient {
    return {
      ...crm,
      capabilities: crm.capabilities,
      async createDeal(input, options) {
        if (applied) await crm.createDeal(input, options);
        throw new CrmUnavailableError('network', { crm: 'Dealbot CRM', request: { method: 'POST', url: 'local://deals' } });
      },
    } as CrmClient;
  }

  const ada = { actor: { crmUserId: '1', name: 'Ada Lovelace' } };

  it('finds the deal the CRM did create instead of telling the person to create it again', async () => {
    const service = createDealService(losingAnswers(true), store);
    const { deal } = await service.quickCreate('Lost answer Ltd 9k EUR', 'trigger-1', ada);
    expect(deal).toMatchObject({ title: 'Lost answer Ltd', value: { amount: 9000, currency: 'EUR' }, ownerId: '1' });
    expect((await crm.searchDeals('Lost answer Ltd')).hits).toHaveLength(1);
  });

  it("never takes a colleague's deal of the same title, made the same moment, for the lost one", async () => {
    await crm.createDeal({ title: 'Shared title', value: null, ownerId: '2' });
    const service = createDealService(losingAnswers(false), store);

    await expect(service.quickCreate('Shared title', 'trigger-3', ada)).rejects.toBeInstanceOf(CrmUnavailableError);
  });

  it("picks ours out of a colleague's and ours of the same title", async () => {
    const colleagues = await crm.createDeal({ title: 'Both made it', value: null, ownerId: '2' });
    const service = createDealService(losingAnswers(true), store);

    const { deal } = await service.quickCreate('Both made it', 'trigger-4', ada);
    expect(deal.id).not.toBe(colleagues.id);
    expect(deal.ownerId).toBe('1');
  });

  it('never takes our own deal of the same title from before the request', async () => {
    const aMinuteAgo = createLocalCrm({ store, now: () => DateTime.utc().minus({ minutes: 1 }) });
    await aMinuteAgo.createDeal({ title: 'Made earlier', value: null, ownerId: '1' });
    const service = createDealService(losingAnswers(false), store);

    await expect(service.quickCreate('Made earlier', 'trigger-5', ada)).rejects.toBeInstanceOf(CrmUnavailableError);
  });

  it('takes nothing without an owner to check it against, and says the outcome is unknown', async () => {
    const service = createDealService(losingAnswers(true), store);
    await expect(service.quickCreate('Nobody owns this', 'trigger-6')).rejects.toBeInstanceOf(CrmUnavailableError);
  });

  it('still fails when nothing was created, and a second try is allowed', async () => {
    const service = createDealService(losingAnswers(false), store);
    await expect(service.quickCreate('Never made 1k EUR', 'trigger-2')).rejects.toBeInstanceOf(CrmUnavailableError);
    const { deal, duplicate } = await deals.quickCreate('Never made 1k EUR', 'trigger-2');
    expect(duplicate).toBe(false);
    expect(deal.title).toBe('Never made');
  });

  it('creates once for one request key, however often it is delivered', async () => {
    const [a, b] = await Promise.all([
      deals.quickCreate('Twice Inc 1k EUR', 'same-key'),
      deals.quickCreate('Twice Inc 1k EUR', 'same-key'),
    ]);
    expect(a.deal.id).toBe(b.deal.id);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect((await crm.searchDeals('Twice Inc')).hits).toHaveLength(1);
  });
});
