import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../../src/crm/local/local-crm.js';
import { localKeys } from '../../../src/crm/local/local-records.js';
import type { DealChange, DealField, NewDeal, Stage, User } from '../../../src/crm/port.js';
import { CrmNotFoundError, CrmValidationError } from '../../../src/errors.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-local-crm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const backends = [
  { name: 'memory', url: () => 'memory://' },
  { name: 'sqlite', url: () => `sqlite://${path.join(dir, `${Math.random().toString(36).slice(2)}.sqlite`)}` },
];

const ada = { actor: { crmUserId: '1', name: 'Ada Lovelace' } };
const grace = { actor: { crmUserId: '2', name: 'Grace Hopper' } };

describe.each(backends)('local CRM on the $name store', (backend) => {
  let store: Store;
  let crm: LocalCrm;
  let clock: DateTime;
  const tick = (minutes = 1) => {
    clock = clock.plus({ minutes });
  };
  let sales: { id: string; stages: Stage[] };
  let partnerships: { id: string; stages: Stage[] };
  let users: User[];
  let org: { id: string; name: string };
  let person: { id: string; name: string };

  beforeEach(async () => {
    store = await createStore(backend.url());
    clock = DateTime.fromISO('2025-03-12T09:00:00Z', { zone: 'utc' });
    crm = createLocalCrm({ store, now: () => clock });
    const salesPipeline = await crm.createPipeline({ name: 'Sales' });
    const stages: Stage[] = [];
    for (const [name, probability] of [
      ['Qualified', 10],
      ['Proposal', 50],
      ['Negotiation', 75],
    ] as const) {
      stages.push(await crm.createStage({ pipelineId: salesPipeline.id, name, probability }));
    }
    sales = { id: salesPipeline.id, stages };
    const partnerPipeline = await crm.createPipeline({ name: 'Partnerships' });
    partnerships = {
      id: partnerPipeline.id,
      stages: [
        await crm.createStage({ pipelineId: partnerPipeline.id, name: 'Intro call' }),
        await crm.createStage({ pipelineId: partnerPipeline.id, name: 'Pilot' }),
      ],
    };
    users = [await crm.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' }), await crm.createUser({ name: 'Grace Hopper' })];
    org = await crm.createOrganization({ name: 'Northwind Traders' });
    person = await crm.createPerson({ name: 'Maria Anders', organizationId: org.id });
  });
  afterEach(async () => {
    await store.close();
  });

  const stage = (i: number) => sales.stages[i]!.id;
  const history = async (id: string) => (await crm.getDealHistory(id)).items;

  describe('setup and reference data', () => {
    it('introduces itself as the Dealbot CRM with every capability', async () => {
      expect(crm.provider).toBe('local');
      expect(crm.displayName).toBe('Dealbot CRM');
      expect(crm.capabilities).toEqual({ dealHistory: true, search: true, lostReason: true, notes: true });
    });

    it('uses EUR until a default currency is set', async () => {
      expect(await crm.defaultCurrency()).toBe('EUR');
      await crm.setDefaultCurrency('GBP');
      expect(await crm.defaultCurrency()).toBe('GBP');
      await expect(crm.setDefaultCurrency('pounds')).rejects.toBeInstanceOf(CrmValidationError);
    });

    it('lists pipelines in order with exactly one default', async () => {
      const pipelines = await crm.listPipelines();
      expect(pipelines.map((p) => [p.name, p.isDefault])).toEqual([
        ['Sales', true],
        ['Partnerships', false],
      ]);
      await crm.createPipeline({ name: 'Renewals', isDefault: true });
      expect((await crm.listPipelines()).filter((p) => p.isDefault).map((p) => p.name)).toEqual(['Renewals']);
    });

    it('lists stages of a pipeline in order, or of every pipeline', async () => {
      expect((await crm.listStages(sales.id)).map((s) => [s.name, s.probability, s.pipelineId])).toEqual([
        ['Qualified', 10, sales.id],
        ['Proposal', 50, sales.id],
        ['Negotiation', 75, sales.id],
      ]);
      expect((await crm.listStages()).map((s) => s.name)).toEqual(['Qualified', 'Proposal', 'Negotiation', 'Intro call', 'Pilot']);
    });

    it('answers an unknown pipeline with CrmNotFoundError', async () => {
      const error = await crm.listStages('999').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CrmNotFoundError);
      expect(error).toMatchObject({ entity: 'pipeline', id: '999', crm: 'Dealbot CRM' });
    });

    it('lists its users', async () => {
      expect(await crm.listUsers()).toEqual([
        { id: users[0]!.id, name: 'Ada Lovelace', email: 'ada@example.com', active: true },
        { id: users[1]!.id, name: 'Grace Hopper', email: null, active: true },
      ]);
    });
  });

  describe('creating and reading deals', () => {
    it('puts a quick-created deal in the first stage of the default pipeline', async () => {
      const deal = await crm.createDeal({ title: '  Acme rollout  ' });
      expect(deal).toMatchObject({
        title: 'Acme rollout',
        status: 'open',
        pipelineId: sales.id,
        stageId: stage(0),
        value: null,
        ownerId: null,
        organization: null,
        person: null,
        expectedCloseDate: null,
        probability: null,
        lostReason: null,
        closedAt: null,
        url: null,
      });
      expect(deal.createdAt.toISO()).toBe('2025-03-12T09:00:00.000Z');
      expect(deal.stageChangedAt?.equals(deal.createdAt)).toBe(true);
      expect(await history(deal.id)).toEqual([{ kind: 'created', at: deal.createdAt, actor: 'Dealbot' }]);
    });

    it('keeps every field it was given and returns the same deal on read', async () => {
      const created = await crm.createDeal(
        {
          title: 'Northwind CRM rollout',
          value: { amount: 24_000.5, currency: 'USD' },
          stageId: partnerships.stages[1]!.id,
          ownerId: users[1]!.id,
          organizationId: org.id,
          personId: person.id,
          expectedCloseDate: '2025-03-20',
          probability: 60,
        },
        grace,
      );
      expect(created).toMatchObject({
        pipelineId: partnerships.id,
        stageId: partnerships.stages[1]!.id,
        value: { amount: 24_000.5, currency: 'USD' },
        ownerId: users[1]!.id,
        organization: { id: org.id, name: 'Northwind Traders' },
        person: { id: person.id, name: 'Maria Anders' },
        expectedCloseDate: '2025-03-20',
        probability: 60,
      });
      expect(await crm.getDeal(created.id)).toEqual(created);
      expect((await history(created.id))[0]).toMatchObject({ kind: 'created', actor: 'Grace Hopper' });
    });

    it('gives deals increasing ids', async () => {
      const first = await crm.createDeal({ title: 'One' });
      const second = await crm.createDeal({ title: 'Two' });
      expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    });

    const invalidInputs: Array<[string, NewDeal, DealField]> = [
      ['an empty title', { title: '   ' }, 'title'],
      ['a title over 255 characters', { title: 'x'.repeat(256) }, 'title'],
      ['a negative value', { title: 'T', value: { amount: -1, currency: 'EUR' } }, 'value'],
      ['a value that is not a number', { title: 'T', value: { amount: Number.NaN, currency: 'EUR' } }, 'value'],
      ['an infinite value', { title: 'T', value: { amount: Number.POSITIVE_INFINITY, currency: 'EUR' } }, 'value'],
      ['a lowercase currency', { title: 'T', value: { amount: 1, currency: 'eur' } }, 'currency'],
      ['a currency that does not exist', { title: 'T', value: { amount: 1, currency: 'XYQ' } }, 'currency'],
      ['an unknown stage', { title: 'T', stageId: '999' }, 'stageId'],
      ['an unknown pipeline', { title: 'T', pipelineId: '999' }, 'pipelineId'],
      ['an unknown owner', { title: 'T', ownerId: '999' }, 'ownerId'],
      ['an unknown organization', { title: 'T', organizationId: '999' }, 'organizationId'],
      ['an unknown person', { title: 'T', personId: '999' }, 'personId'],
      ['a probability over 100', { title: 'T', probability: 101 }, 'probability'],
      ['a negative probability', { title: 'T', probability: -5 }, 'probability'],
      ['a date that does not exist', { title: 'T', expectedCloseDate: '2025-02-30' }, 'expectedCloseDate'],
      ['a date in another format', { title: 'T', expectedCloseDate: '12/03/2025' }, 'expectedCloseDate'],
    ];

    it.each(invalidInputs)('refuses %s, naming the field, and creates nothing', async (_label, input, field) => {
      expect.assertions(3);
      const error = await crm.createDeal(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CrmValidationError);
      expect(error).toMatchObject({ field, crm: 'Dealbot CRM' });
      expect((await crm.listDeals({})).items).toEqual([]);
    });

    it('refuses a stage from another pipeline than the one chosen', async () => {
      const error = await crm
        .createDeal({ title: 'T', pipelineId: sales.id, stageId: partnerships.stages[0]!.id })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ field: 'stageId' });
    });

    it('answers an unknown deal id with CrmNotFoundError', async () => {
      const error = await crm.getDeal('4242').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CrmNotFoundError);
      expect(error).toMatchObject({ entity: 'deal', id: '4242', crm: 'Dealbot CRM' });
      for (const call of [
        () => crm.updateDeal('4242', { title: 'x' }),
        () => crm.moveDeal('4242', stage(1)),
        () => crm.markWon('4242'),
        () => crm.markLost('4242', null),
        () => crm.reopenDeal('4242'),
        () => crm.getDealHistory('4242'),
        () => crm.addNote('4242', 'hello'),
      ]) {
        await expect(call()).rejects.toMatchObject({ entity: 'deal', id: '4242' });
      }
    });
  });

  describe('changing deals', () => {
    it('updates fields and logs one entry per changed field, newest first', async () => {
      const deal = await crm.createDeal({ title: 'Acme', value: { amount: 1000, currency: 'EUR' }, ownerId: users[0]!.id });
      tick();
      const updated = await crm.updateDeal(
        deal.id,
        {
          title: 'Acme rollout',
          value: { amount: 1500, currency: 'USD' },
          ownerId: users[1]!.id,
          organizationId: org.id,
          personId: person.id,
          expectedCloseDate: '2025-04-01',
          probability: 40,
        },
        ada,
      );
      expect(updated).toMatchObject({
        title: 'Acme rollout',
        value: { amount: 1500, currency: 'USD' },
        ownerId: users[1]!.id,
        organization: { id: org.id, name: 'Northwind Traders' },
        person: { id: person.id, name: 'Maria Anders' },
        expectedCloseDate: '2025-04-01',
        probability: 40,
      });
      expect(updated.updatedAt!.toISO()).toBe('2025-03-12T09:01:00.000Z');
      expect(await crm.getDeal(deal.id)).toEqual(updated);
      const fieldChanges = (await history(deal.id)).filter((c) => c.kind === 'field');
      expect(fieldChanges.map((c) => [c.field, c.from, c.to])).toEqual(
        [
          ['title', 'Acme', 'Acme rollout'],
          ['value', '1000', '1500'],
          ['currency', 'EUR', 'USD'],
          ['ownerId', users[0]!.id, users[1]!.id],
          ['organizationId', null, 'Northwind Traders'],
          ['personId', null, 'Maria Anders'],
          ['expectedCloseDate', null, '2025-04-01'],
          ['probability', null, '40'],
        ].reverse(),
      );
      expect(fieldChanges.every((c) => c.actor === 'Ada Lovelace' && c.at.equals(updated.updatedAt!))).toBe(true);
    });

    it('clears fields set to null and leaves absent ones alone', async () => {
      const deal = await crm.createDeal({
        title: 'Acme',
        value: { amount: 10, currency: 'EUR' },
        expectedCloseDate: '2025-04-01',
        organizationId: org.id,
      });
      const updated = await crm.updateDeal(deal.id, { expectedCloseDate: null, organizationId: null });
      expect(updated).toMatchObject({ expectedCloseDate: null, organization: null, value: { amount: 10, currency: 'EUR' }, title: 'Acme' });
      expect((await history(deal.id)).slice(0, 2)).toMatchObject([
        { kind: 'field', field: 'expectedCloseDate', from: '2025-04-01', to: null },
        { kind: 'field', field: 'organizationId', from: 'Northwind Traders', to: null },
      ]);
    });

    it('writes nothing when nothing changes', async () => {
      const deal = await crm.createDeal({ title: 'Acme', probability: 30 });
      tick();
      const same = await crm.updateDeal(deal.id, { title: 'Acme', probability: 30 });
      expect(same.updatedAt!.equals(deal.updatedAt!)).toBe(true);
      expect(await history(deal.id)).toHaveLength(1);
    });

    it('refuses invalid changes, naming the field, and keeps the deal as it was', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await expect(crm.updateDeal(deal.id, { title: '' })).rejects.toMatchObject({ field: 'title' });
      await expect(crm.updateDeal(deal.id, { probability: 150 })).rejects.toMatchObject({ field: 'probability' });
      await expect(crm.updateDeal(deal.id, { ownerId: '999' })).rejects.toMatchObject({ field: 'ownerId' });
      expect(await crm.getDeal(deal.id)).toEqual(deal);
    });

    it('moves a deal, logging the stage change and when it entered the stage', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      tick(30);
      const moved = await crm.moveDeal(deal.id, stage(2), ada);
      expect(moved).toMatchObject({ stageId: stage(2), pipelineId: sales.id });
      expect(moved.stageChangedAt?.toISO()).toBe('2025-03-12T09:30:00.000Z');
      expect((await history(deal.id))[0]).toEqual({
        kind: 'stage',
        at: moved.stageChangedAt,
        actor: 'Ada Lovelace',
        fromStageId: stage(0),
        toStageId: stage(2),
      });
    });

    it('moves a deal into another pipeline', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      const moved = await crm.moveDeal(deal.id, partnerships.stages[1]!.id);
      expect(moved).toMatchObject({ pipelineId: partnerships.id, stageId: partnerships.stages[1]!.id });
      expect((await crm.listDeals({ pipelineId: sales.id })).items).toEqual([]);
      expect((await crm.listDeals({ pipelineId: partnerships.id })).items.map((d) => d.id)).toEqual([deal.id]);
    });

    it('treats a move to the current stage as done, and an unknown stage as a stageId error', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await crm.moveDeal(deal.id, stage(0));
      expect(await history(deal.id)).toHaveLength(1);
      const error = await crm.moveDeal(deal.id, '999').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CrmValidationError);
      expect(error).toMatchObject({ field: 'stageId' });
    });

    it('marks a deal won, records when, and accepts a second click without a second entry', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      tick(5);
      const won = await crm.markWon(deal.id, ada);
      expect(won.status).toBe('won');
      expect(won.closedAt?.toISO()).toBe('2025-03-12T09:05:00.000Z');
      tick(5);
      const again = await crm.markWon(deal.id, ada);
      expect(again).toEqual(won);
      expect(await history(deal.id)).toEqual([
        { kind: 'status', at: won.closedAt, actor: 'Ada Lovelace', from: 'open', to: 'won', lostReason: null },
        { kind: 'created', at: deal.createdAt, actor: 'Dealbot' },
      ]);
    });

    it('marks a deal lost with a reason, without one, and changes the reason of a lost deal', async () => {
      const withReason = await crm.createDeal({ title: 'A' });
      const lost = await crm.markLost(withReason.id, '  Chose a competitor  ', grace);
      expect(lost).toMatchObject({ status: 'lost', lostReason: 'Chose a competitor' });
      expect(lost.closedAt).not.toBeNull();
      expect((await history(withReason.id))[0]).toMatchObject({
        kind: 'status',
        from: 'open',
        to: 'lost',
        lostReason: 'Chose a competitor',
        actor: 'Grace Hopper',
      });

      const relabelled = await crm.markLost(withReason.id, 'Budget cut');
      expect(relabelled.lostReason).toBe('Budget cut');
      expect((await history(withReason.id))[0]).toMatchObject({
        kind: 'field',
        field: 'lostReason',
        from: 'Chose a competitor',
        to: 'Budget cut',
      });

      const noReason = await crm.createDeal({ title: 'B' });
      expect(await crm.markLost(noReason.id, null)).toMatchObject({ status: 'lost', lostReason: null });
      await expect(crm.markLost(noReason.id, 'x'.repeat(256))).rejects.toMatchObject({ field: 'lostReason' });
    });

    it('reopens a closed deal, clearing the close time and reason', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await crm.markLost(deal.id, 'Timing');
      const reopened = await crm.reopenDeal(deal.id, ada);
      expect(reopened).toMatchObject({ status: 'open', lostReason: null, closedAt: null });
      expect((await history(deal.id))[0]).toMatchObject({ kind: 'status', from: 'lost', to: 'open' });
      await crm.reopenDeal(deal.id);
      expect(await history(deal.id)).toHaveLength(3);
    });

    it('marks a lost deal won directly, as Pipedrive does', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await crm.markLost(deal.id, 'Timing');
      const won = await crm.markWon(deal.id);
      expect(won).toMatchObject({ status: 'won', lostReason: null });
      expect((await history(deal.id))[0]).toMatchObject({ kind: 'status', from: 'lost', to: 'won' });
    });

    it('adds notes to the history', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await crm.addNote(deal.id, 'Call went well', ada);
      expect((await history(deal.id))[0]).toMatchObject({ kind: 'note', text: 'Call went well', actor: 'Ada Lovelace' });
      await expect(crm.addNote(deal.id, '  ')).rejects.toBeInstanceOf(CrmValidationError);
    });

    it('loses no change when many writes to one deal run at once', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          crm.updateDeal(deal.id, { value: { amount: i + 1, currency: 'EUR' } }, { actor: { name: `writer ${i}` } }),
        ),
      );
      const changes = await collectHistory(crm, deal.id);
      expect(changes.filter((c) => c.kind === 'field' && c.field === 'value')).toHaveLength(20);
      const newest = changes[0];
      expect(newest?.kind === 'field' ? newest.to : null).toBe(String((await crm.getDeal(deal.id)).value?.amount));
    });
  });

  describe('history paging', () => {
    it('pages 25 entries at a time, newest first, unaffected by entries added meanwhile', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      for (let i = 1; i <= 60; i += 1) {
        tick();
        await crm.updateDeal(deal.id, { probability: i });
      }
      const first = await crm.getDealHistory(deal.id);
      expect(first.items).toHaveLength(25);
      expect(first.items[0]).toMatchObject({ kind: 'field', from: '59', to: '60' });
      expect(first.items[24]).toMatchObject({ kind: 'field', from: '35', to: '36' });

      await crm.updateDeal(deal.id, { probability: 0 });
      const second = await crm.getDealHistory(deal.id, first.nextCursor);
      expect(second.items[0]).toMatchObject({ kind: 'field', from: '34', to: '35' });
      const third = await crm.getDealHistory(deal.id, second.nextCursor);
      expect(third.items).toHaveLength(11);
      expect(third.items.at(-1)).toMatchObject({ kind: 'created' });
      expect(third.nextCursor).toBeNull();

      const everything = [...first.items, ...second.items, ...third.items];
      const times = everything.map((c) => c.at.toMillis());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('ignores a history entry left by a write that died before saving the deal', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      // What a process killed between writing the history and the deal leaves behind.
      const chunkKey = localKeys('crm:local').historyChunk(deal.id, 0);
      const chunk = (await store.get<unknown[]>(chunkKey)) ?? [];
      await store.set(chunkKey, [...chunk, { kind: 'note', at: clock.toISO(), actor: 'ghost', text: 'never happened' }]);
      expect(await history(deal.id)).toHaveLength(1);

      await crm.addNote(deal.id, 'real note');
      expect((await history(deal.id)).map((c) => (c.kind === 'note' ? c.text : c.kind))).toEqual(['real note', 'created']);
    });

    it('refuses a cursor it did not give out', async () => {
      const deal = await crm.createDeal({ title: 'Acme' });
      await expect(crm.getDealHistory(deal.id, 'abc')).rejects.toBeInstanceOf(CrmValidationError);
      await expect(crm.getDealHistory(deal.id, '50')).rejects.toBeInstanceOf(CrmValidationError);
    });
  });

  describe('listing', () => {
    let ids: Record<string, string>;
    beforeEach(async () => {
      ids = {};
      const make = async (key: string, input: NewDeal) => {
        tick();
        ids[key] = (await crm.createDeal(input)).id;
      };
      await make('qualifiedAda', { title: 'Qualified Ada', ownerId: users[0]!.id });
      await make('proposalGrace', { title: 'Proposal Grace', stageId: stage(1), ownerId: users[1]!.id });
      await make('proposalWon', { title: 'Proposal won', stageId: stage(1) });
      await make('partner', { title: 'Partner pilot', stageId: partnerships.stages[1]!.id });
      await make('negotiationLost', { title: 'Negotiation lost', stageId: stage(2), ownerId: users[0]!.id });
      tick();
      await crm.markWon(ids.proposalWon!);
      await crm.markLost(ids.negotiationLost!, null);
    });
    const titles = async (query: Parameters<LocalCrm['listDeals']>[0]) => (await crm.listDeals(query)).items.map((d) => d.title);

    it('lists a stage, a pipeline or everything', async () => {
      expect(await titles({ stageId: stage(1) })).toEqual(['Proposal Grace', 'Proposal won']);
      expect(await titles({ pipelineId: sales.id })).toEqual(['Qualified Ada', 'Proposal Grace', 'Proposal won', 'Negotiation lost']);
      expect(await titles({})).toHaveLength(5);
      expect(await titles({ pipelineId: partnerships.id, stageId: stage(1) })).toEqual([]);
    });

    it('filters by status, owner and last change', async () => {
      expect(await titles({ pipelineId: sales.id, status: ['open'] })).toEqual(['Qualified Ada', 'Proposal Grace']);
      expect(await titles({ status: ['won', 'lost'] })).toEqual(['Proposal won', 'Negotiation lost']);
      expect(await titles({ ownerId: users[0]!.id })).toEqual(['Qualified Ada', 'Negotiation lost']);
      expect(await titles({ updatedSince: clock })).toEqual(['Proposal won', 'Negotiation lost']);
    });

    it('follows a deal to its new stage', async () => {
      await crm.moveDeal(ids.qualifiedAda!, stage(2));
      expect(await titles({ stageId: stage(0) })).toEqual([]);
      expect(await titles({ stageId: stage(2) })).toEqual(['Qualified Ada', 'Negotiation lost']);
    });

    it('pages with a cursor, returning each deal exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await crm.listDeals({ cursor, limit: 2 });
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual(Object.values(ids).sort((a, b) => Number(a) - Number(b)));
    });

    it('answers an unknown stage or pipeline with CrmNotFoundError', async () => {
      await expect(crm.listDeals({ stageId: '999' })).rejects.toMatchObject({ entity: 'stage', id: '999', crm: 'Dealbot CRM' });
      await expect(crm.listDeals({ pipelineId: '999' })).rejects.toMatchObject({ entity: 'pipeline', id: '999' });
    });
  });

  describe('search', () => {
    beforeEach(async () => {
      for (const title of ['Acme rollout', 'Acme', 'Rollout for Acmeco', 'Globex renewal', 'Big acme expansion', 'Café Müller refit']) {
        tick();
        await crm.createDeal({
          title,
          value: { amount: 100, currency: 'EUR' },
          organizationId: title === 'Globex renewal' ? org.id : null,
        });
      }
    });
    const search = async (term: string, options?: Parameters<LocalCrm['searchDeals']>[1]) =>
      (await crm.searchDeals(term, options)).hits.map((h) => h.title);

    it('ranks the exact title first, then whole words, then prefixes', async () => {
      expect(await search('acme')).toEqual(['Acme', 'Acme rollout', 'Big acme expansion', 'Rollout for Acmeco']);
    });

    it('needs every word to match, in any order', async () => {
      expect(await search('rollout acme')).toEqual(['Acme rollout', 'Rollout for Acmeco']);
      expect(await search('acme globex')).toEqual([]);
    });

    it('ignores case and accents and finds deals by organization', async () => {
      expect(await search('CAFE muller')).toEqual(['Café Müller refit']);
      expect(await search('northwind')).toEqual(['Globex renewal']);
    });

    it('returns compact hits with their stage, filtered by status and cut at the limit', async () => {
      const result = await crm.searchDeals('acme', { limit: 2 });
      expect(result.more).toBe(true);
      expect(result.hits[0]).toEqual({
        id: expect.any(String),
        title: 'Acme',
        value: { amount: 100, currency: 'EUR' },
        status: 'open',
        stageId: stage(0),
        ownerId: null,
        organizationName: null,
        personName: null,
      });
      const acme = result.hits[0]!.id;
      await crm.markWon(acme);
      expect(await search('acme', { status: ['open'] })).not.toContain('Acme');
      expect(await search('acme', { status: ['won'] })).toEqual(['Acme']);
    });

    it('finds nothing for a blank term', async () => {
      expect(await search('  ')).toEqual([]);
    });
  });
});

describe('local CRM with more than a thousand deals', () => {
  it('lists, pages, moves and finds deals across index buckets', async () => {
    const store = await createStore('memory://');
    const crm = createLocalCrm({ store });
    const pipeline = await crm.createPipeline({ name: 'Sales' });
    const first = await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
    const second = await crm.createStage({ pipelineId: pipeline.id, name: 'Proposal' });
    const total = 1_050;
    for (let i = 1; i <= total; i += 1) {
      await crm.createDeal({ title: `Deal number ${i}`, stageId: i % 2 === 0 ? second.id : first.id });
    }
    await crm.moveDeal('1010', first.id);
    await crm.markWon('3');

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await crm.listDeals({ stageId: first.id, cursor, limit: 200 });
      ids.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(ids).toHaveLength(total / 2 + 1);
    expect(ids).toContain('1010');
    expect(new Set(ids).size).toBe(ids.length);
    expect((await crm.listDeals({ stageId: second.id })).items.map((d) => d.id)).not.toContain('1010');
    expect((await crm.listDeals({ status: ['won'] })).items.map((d) => d.id)).toEqual(['3']);

    expect((await crm.searchDeals('number 1042')).hits[0]).toMatchObject({ id: '1042', stageId: second.id });
    expect((await crm.searchDeals('number 1010')).hits[0]).toMatchObject({ id: '1010', stageId: first.id });
    await store.close();
  }, 60_000);
});

describe('local CRM on a SQLite file', () => {
  it('keeps its deals and history across a restart', async () => {
    const url = `sqlite://${path.join(dir, 'restart.sqlite')}`;
    const first = await createStore(url);
    const before = createLocalCrm({ store: first });
    await before.createPipeline({ name: 'Sales' });
    const stage = await before.createStage({ pipelineId: '1', name: 'Qualified' });
    const deal = await before.createDeal({ title: 'Acme' });
    await before.markWon(deal.id);
    await first.close();

    const second = await createStore(url);
    const after = createLocalCrm({ store: second });
    expect(await after.getDeal(deal.id)).toMatchObject({ title: 'Acme', status: 'won', stageId: stage.id });
    expect((await after.getDealHistory(deal.id)).items.map((c) => c.kind)).toEqual(['status', 'created']);
    await second.close();
  });

  it('keeps two namespaces of one store apart', async () => {
    const store = await createStore('memory://');
    const one = createLocalCrm({ store, namespace: 'crm:one' });
    const two = createLocalCrm({ store, namespace: 'crm:two' });
    await one.createPipeline({ name: 'Sales' });
    expect(await two.listPipelines()).toEqual([]);
    await store.close();
  });
});

async function collectHistory(crm: LocalCrm, id: string): Promise<DealChange[]> {
  const all: DealChange[] = [];
  let cursor: string | null = null;
  do {
    const page = await crm.getDealHistory(id, cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}
