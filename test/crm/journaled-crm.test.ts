import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JOURNAL_MAX_ENTRIES, JOURNAL_PAGE_SIZE, createJournaledCrm } from '../../src/crm/journaled-crm.js';
import type { CrmClient, Deal, DealChange, DealPatch, NewDeal, Page, WriteOptions } from '../../src/crm/port.js';
import { CrmNotFoundError, CrmUnsupportedError, CrmValidationError, StoreError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

const ada: WriteOptions = { actor: { crmUserId: '1', name: 'Ada Lovelace' } };
const grace: WriteOptions = { actor: { crmUserId: '2', name: 'Grace Hopper' } };
const START = DateTime.fromISO('2026-03-02T09:00:00Z', { zone: 'utc' });

/**
 * A CRM without history, keeping deals in memory like PipelineDeals would: every write bumps
 * `updatedAt`; `outside` changes a deal the way someone in the CRM's own UI would.
 */
function fakeCrm(options: { notes?: boolean; failWrites?: boolean } = {}) {
  const deals = new Map<string, Deal>();
  const calls = { getDealHistory: 0, getDeal: 0, notes: [] as string[] };
  let clock = START;
  let nextId = 1;
  const tick = () => (clock = clock.plus({ minutes: 1 }));
  const unused = (): never => {
    throw new Error('not used by the journal');
  };

  function change(id: string, patch: Partial<Deal>): Deal {
    if (options.failWrites) throw new CrmValidationError('The CRM refused it.', null, { crm: 'PipelineDeals' });
    const deal = deals.get(id);
    if (!deal) throw new CrmNotFoundError('deal', id, { crm: 'PipelineDeals' });
    const updated = { ...deal, ...patch, updatedAt: tick() };
    deals.set(id, updated);
    return updated;
  }

  function seed(input: NewDeal): Deal {
    const id = String(nextId++);
    const at = tick();
    const deal: Deal = {
      id,
      title: input.title,
      value: input.value ?? null,
      status: 'open',
      pipelineId: '1',
      stageId: input.stageId ?? 's1',
      ownerId: input.ownerId ?? null,
      organization: null,
      person: null,
      expectedCloseDate: input.expectedCloseDate ?? null,
      probability: input.probability ?? null,
      lostReason: null,
      createdAt: at,
      updatedAt: at,
      stageChangedAt: null,
      closedAt: null,
      url: null,
    };
    deals.set(id, deal);
    return deal;
  }

  const crm: CrmClient = {
    provider: 'pipelinedeals',
    displayName: 'PipelineDeals',
    capabilities: { dealHistory: false, search: true, lostReason: true, notes: true },
    defaultCurrency: async () => 'EUR',
    listPipelines: unused,
    listStages: unused,
    listUsers: unused,
    async getDeal(id) {
      calls.getDeal += 1;
      const deal = deals.get(id);
      if (!deal) throw new CrmNotFoundError('deal', id, { crm: 'PipelineDeals' });
      return deal;
    },
    searchDeals: unused,
    async listDeals(): Promise<Page<Deal>> {
      return { items: [...deals.values()], nextCursor: null };
    },
    async createDeal(input) {
      if (options.failWrites) throw new CrmValidationError('The CRM refused it.', 'title', { crm: 'PipelineDeals' });
      return seed(input);
    },
    async updateDeal(id, patch: DealPatch) {
      const { value, ownerId, title, expectedCloseDate, probability } = patch;
      return change(id, {
        ...(title !== undefined ? { title } : {}),
        ...(value !== undefined ? { value } : {}),
        ...(ownerId !== undefined ? { ownerId } : {}),
        ...(expectedCloseDate !== undefined ? { expectedCloseDate } : {}),
        ...(probability !== undefined ? { probability } : {}),
      });
    },
    moveDeal: async (id, stageId) => change(id, { stageId }),
    markWon: async (id) => change(id, { status: 'won', lostReason: null, closedAt: clock }),
    markLost: async (id, reason) => change(id, { status: 'lost', lostReason: reason, closedAt: clock }),
    reopenDeal: async (id) => change(id, { status: 'open', lostReason: null, closedAt: null }),
    async getDealHistory() {
      calls.getDealHistory += 1;
      throw new CrmUnsupportedError('deal history', { crm: 'PipelineDeals' });
    },
    ...(options.notes === false
      ? {}
      : {
          async addNote(dealId: string, text: string) {
            if (!deals.has(dealId)) throw new CrmNotFoundError('deal', dealId, { crm: 'PipelineDeals' });
            calls.notes.push(text);
            return { id: `n${calls.notes.length}` };
          },
        }),
  };
  return { crm, calls, seed, outside: (id: string, patch: Partial<Deal>) => change(id, patch) };
}

/** Each entry as a short line, to compare whole histories at a glance; ∅ is null (unknown or empty). */
function line(change: DealChange): string {
  const by = change.actor ?? 'nobody';
  switch (change.kind) {
    case 'created':
      return `created by ${by}`;
    case 'stage':
      return `stage ${change.fromStageId ?? '∅'} → ${change.toStageId} by ${by}`;
    case 'status':
      return `status ${change.from ?? '∅'} → ${change.to}${change.lostReason ? ` (${change.lostReason})` : ''} by ${by}`;
    case 'field':
      return `${change.field} ${change.from ?? '∅'} → ${change.to ?? '∅'} by ${by}`;
    case 'note':
      return `note "${change.text}" by ${by}`;
    case 'activity':
      return `activity ${change.subject}`;
  }
}

/** Every entry of a deal's history, newest first, following the cursors. */
async function wholeHistory(crm: CrmClient, dealId: string): Promise<DealChange[]> {
  const all: DealChange[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<DealChange> = await crm.getDealHistory(dealId, cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-journal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stores: Store[] = [];
async function memoryStore(): Promise<Store> {
  const store = await createStore('memory://');
  stores.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function journaled(inner: CrmClient, store: Store, logger?: Logger) {
  let clock = DateTime.fromISO('2026-03-10T08:00:00Z', { zone: 'utc' });
  const crm = createJournaledCrm(inner, store, {
    namespace: 'pipelinedeals:test',
    now: () => (clock = clock.plus({ seconds: 1 })),
    ...(logger ? { logger } : {}),
  });
  return crm;
}

describe('createJournaledCrm', () => {
  it('says it keeps a history, kept by Dealbot, and leaves a CRM with its own history alone', async () => {
    const store = await memoryStore();
    const { crm: inner } = fakeCrm();
    expect(journaled(inner, store).capabilities).toEqual({
      dealHistory: true,
      historySource: 'dealbot',
      search: true,
      lostReason: true,
      notes: true,
    });
    const withHistory: CrmClient = { ...inner, capabilities: { ...inner.capabilities, dealHistory: true } };
    expect(journaled(withHistory, store)).toBe(withHistory);
  });

  it('journals every write through Dealbot, newest first, with who made it', async () => {
    const store = await memoryStore();
    const { crm: inner } = fakeCrm();
    const crm = journaled(inner, store);

    const deal = await crm.createDeal({ title: 'Acme renewal', value: { amount: 10000, currency: 'EUR' } }, ada);
    await crm.updateDeal(
      deal.id,
      {
        value: { amount: 12000, currency: 'EUR' },
        ownerId: '7',
        expectedCloseDate: '2026-04-30',
        probability: 60,
        title: 'Acme renewal 2026',
      },
      grace,
    );
    await crm.moveDeal(deal.id, 's2', ada);
    await crm.moveDeal(deal.id, 's2', ada); // already there: nothing happened
    await crm.markLost(deal.id, 'No budget', grace);
    await crm.markLost(deal.id, 'Chose a competitor', grace);
    await crm.reopenDeal(deal.id, ada);
    await crm.markWon(deal.id, ada);
    await crm.markWon(deal.id, ada); // a double click
    await crm.addNote?.(deal.id, '  Signed on the phone  ', grace);
    await crm.updateDeal(deal.id, { expectedCloseDate: null });

    const history = await wholeHistory(crm, deal.id);
    expect(history.map(line)).toEqual([
      'expectedCloseDate 2026-04-30 → ∅ by nobody',
      'note "Signed on the phone" by Grace Hopper',
      'status open → won by Ada Lovelace',
      'status lost → open by Ada Lovelace',
      'lostReason No budget → Chose a competitor by Grace Hopper',
      'status open → lost (No budget) by Grace Hopper',
      'stage s1 → s2 by Ada Lovelace',
      // One write's entries share its time; listed newest first, they read last-recorded first.
      'probability ∅ → 60 by Grace Hopper',
      'expectedCloseDate ∅ → 2026-04-30 by Grace Hopper',
      'ownerId ∅ → 7 by Grace Hopper',
      'value 10000 → 12000 by Grace Hopper',
      'title Acme renewal → Acme renewal 2026 by Grace Hopper',
      'created by Ada Lovelace',
    ]);
    // Newest first in time too, each entry at the journal's clock.
    const times = history.map((c) => c.at.toMillis());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('records only the new side for a deal Dealbot never read, and the CRM’s current state once it has', async () => {
    const store = await memoryStore();
    const { crm: inner, seed, outside } = fakeCrm();
    const crm = journaled(inner, store);
    const unseen = seed({ title: 'Globex', stageId: 's1' });
    await crm.moveDeal(unseen.id, 's3', ada);
    await crm.markWon(unseen.id, ada);
    // Unknown before the move; the move's answer is what the win starts from.
    expect((await wholeHistory(crm, unseen.id)).map(line)).toEqual(['status open → won by Ada Lovelace', 'stage ∅ → s3 by Ada Lovelace']);

    // Moved in the CRM's own UI, then read by Dealbot (a card, a command) before the move.
    const read = seed({ title: 'Initech', stageId: 's1' });
    await crm.getDeal(read.id);
    outside(read.id, { stageId: 's4', title: 'Initech (renamed in the CRM)' });
    await crm.getDeal(read.id);
    await crm.moveDeal(read.id, 's5', grace);
    await crm.updateDeal(read.id, { probability: 80 }, grace);
    // The move starts where the CRM had the deal; the rename made in the CRM is not
    // attributed to anyone in Slack.
    expect((await wholeHistory(crm, read.id)).map(line)).toEqual(['probability ∅ → 80 by Grace Hopper', 'stage s4 → s5 by Grace Hopper']);
  });

  it('refreshes what it saw from listings only for deals it already follows', async () => {
    const store = await memoryStore();
    const { crm: inner, seed, outside } = fakeCrm();
    const crm = journaled(inner, store);
    const followed = await crm.createDeal({ title: 'Followed', stageId: 's1' }, ada);
    const listedOnly = seed({ title: 'Listed only', stageId: 's1' });
    outside(followed.id, { stageId: 's2' });
    await crm.listDeals({});
    await crm.moveDeal(followed.id, 's3', ada);
    await crm.moveDeal(listedOnly.id, 's3', ada);
    expect((await wholeHistory(crm, followed.id)).map(line)).toEqual(['stage s2 → s3 by Ada Lovelace', 'created by Ada Lovelace']);
    expect((await wholeHistory(crm, listedOnly.id)).map(line)).toEqual(['stage ∅ → s3 by Ada Lovelace']);
  });

  it('pages the history 25 at a time, every entry once, unshifted by entries added meanwhile', async () => {
    const store = await memoryStore();
    const { crm: inner } = fakeCrm();
    const crm = journaled(inner, store);
    const deal = await crm.createDeal({ title: 'Busy deal' }, ada);
    for (let i = 1; i <= 59; i += 1) await crm.addNote?.(deal.id, `note ${i}`, ada);

    const first = await crm.getDealHistory(deal.id);
    expect(first.items).toHaveLength(JOURNAL_PAGE_SIZE);
    expect(first.items[0]).toMatchObject({ kind: 'note', text: 'note 59' });
    await crm.addNote?.(deal.id, 'written while someone pages', grace);
    const second = await crm.getDealHistory(deal.id, first.nextCursor);
    const third = await crm.getDealHistory(deal.id, second.nextCursor);
    expect(second.items[0]).toMatchObject({ kind: 'note', text: 'note 34' });
    expect(third.items.map(line).at(-1)).toBe('created by Ada Lovelace');
    expect([first.items.length, second.items.length, third.items.length]).toEqual([25, 25, 10]);
    expect(third.nextCursor).toBeNull();
    const texts = [...first.items, ...second.items, ...third.items].flatMap((c) => (c.kind === 'note' ? [c.text] : []));
    expect(new Set(texts).size).toBe(59);

    await expect(crm.getDealHistory(deal.id, 'not-a-cursor')).rejects.toBeInstanceOf(CrmValidationError);
    await expect(crm.getDealHistory(deal.id, '9999')).rejects.toBeInstanceOf(CrmValidationError);
  });

  it(`keeps the newest ${JOURNAL_MAX_ENTRIES} entries of a deal`, async () => {
    const store = await memoryStore();
    const { crm: inner } = fakeCrm();
    const crm = journaled(inner, store);
    const deal = await crm.createDeal({ title: 'Chatty deal' }, ada);
    for (let i = 1; i <= JOURNAL_MAX_ENTRIES + 10; i += 1) await crm.addNote?.(deal.id, `note ${i}`);
    const history = await wholeHistory(crm, deal.id);
    expect(history).toHaveLength(JOURNAL_MAX_ENTRIES);
    expect(history[0]).toMatchObject({ text: `note ${JOURNAL_MAX_ENTRIES + 10}` });
    expect(history.at(-1)).toMatchObject({ text: 'note 11' });
  });

  it('answers an empty page for a deal with no journal, never asking the CRM', async () => {
    const store = await memoryStore();
    const { crm: inner, seed, calls } = fakeCrm();
    const crm = journaled(inner, store);
    const deal = seed({ title: 'Quiet deal' });
    expect(await crm.getDealHistory(deal.id)).toEqual({ items: [], nextCursor: null });
    expect(await crm.getDealHistory('no-such-deal', null)).toEqual({ items: [], nextCursor: null });
    await crm.markWon(deal.id, ada);
    await wholeHistory(crm, deal.id);
    expect(calls).toMatchObject({ getDealHistory: 0, getDeal: 0 });
  });

  it('journals nothing when the CRM refuses the write, and lets the error through', async () => {
    const store = await memoryStore();
    const refusing = fakeCrm({ failWrites: true });
    const deal = refusing.seed({ title: 'Acme' });
    const crm = journaled(refusing.crm, store);
    await expect(crm.moveDeal(deal.id, 's2', ada)).rejects.toBeInstanceOf(CrmValidationError);
    await expect(crm.createDeal({ title: 'x' }, ada)).rejects.toBeInstanceOf(CrmValidationError);
    await expect(crm.addNote?.('404', 'lost note', ada)).rejects.toBeInstanceOf(CrmNotFoundError);
    expect(await crm.getDealHistory(deal.id)).toEqual({ items: [], nextCursor: null });
    expect(await crm.getDealHistory('404')).toEqual({ items: [], nextCursor: null });
  });

  it('still answers a write the CRM made when the store fails, and logs it', async () => {
    const store = await memoryStore();
    const broken: Store = {
      ...store,
      withLock: async () => {
        throw new StoreError('redis is down');
      },
    };
    const warn = vi.fn();
    const { crm: inner, seed } = fakeCrm();
    const crm = journaled(inner, broken, { warn } as unknown as Logger);
    const deal = seed({ title: 'Acme' });
    await expect(crm.moveDeal(deal.id, 's2', ada)).resolves.toMatchObject({ stageId: 's2' });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('has a note operation only when the CRM has one', async () => {
    const store = await memoryStore();
    expect(journaled(fakeCrm({ notes: false }).crm, store).addNote).toBeUndefined();
    const { crm: inner, calls, seed } = fakeCrm();
    const crm = journaled(inner, store);
    const deal = seed({ title: 'Acme' });
    await expect(crm.addNote?.(deal.id, 'Hello', ada)).resolves.toEqual({ id: 'n1' });
    expect(calls.notes).toEqual(['Hello']);
  });

  it('loses no entry when two Dealbot processes write to one deal at once', async () => {
    const file = path.join(dir, 'shared.sqlite');
    // Two processes: two store connections on one SQLite file, each with its own client.
    const [first, second] = await Promise.all([createStore(`sqlite://${file}`), createStore(`sqlite://${file}`)]);
    stores.push(first, second);
    const { crm: inner } = fakeCrm();
    const one = journaled(inner, first);
    const two = journaled(inner, second);
    const deal = await one.createDeal({ title: 'Contested deal' }, ada);
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => [
        one.addNote?.(deal.id, `from one ${i}`, ada),
        two.addNote?.(deal.id, `from two ${i}`, grace),
        (i % 2 === 0 ? one : two).updateDeal(deal.id, { probability: i }, i % 2 === 0 ? ada : grace),
      ]).flat(),
    );
    const history = await wholeHistory(two, deal.id);
    expect(history).toHaveLength(1 + 15 * 2 + 15);
    const notes = history.flatMap((c) => (c.kind === 'note' ? [c.text] : []));
    expect(new Set(notes).size).toBe(30);
    expect(history.filter((c) => c.kind === 'field' && c.field === 'probability')).toHaveLength(15);
  });
});
