import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../../src/crm/local/local-crm.js';
import { ensureSeeded, seedDemoData } from '../../../src/crm/local/seed.js';
import type { Deal, DealChange } from '../../../src/crm/port.js';
import { createStore } from '../../../src/store/create-store.js';

const now = DateTime.fromISO('2025-03-12T10:00:00', { zone: 'Europe/Berlin' });
const today = now.toISODate()!;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-seed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(crm: LocalCrm) {
  const deals = (await crm.listDeals({})).items;
  const histories: DealChange[][] = [];
  for (const deal of deals) histories.push((await crm.getDealHistory(deal.id)).items);
  return {
    pipelines: await crm.listPipelines(),
    stages: await crm.listStages(),
    users: await crm.listUsers(),
    deals: deals.map((d) => ({ ...d, createdAt: d.createdAt.toISO(), updatedAt: d.updatedAt?.toISO() })),
    histories: histories.map((h) => h.map((c) => ({ ...c, at: c.at.toISO() }))),
  };
}

describe('the demo seed', () => {
  it('creates two pipelines, three users and a dozen plausible deals with history', async () => {
    const store = await createStore('memory://');
    const crm = createLocalCrm({ store });
    expect(await ensureSeeded(crm, store, { now })).toBe(true);

    expect(await crm.defaultCurrency()).toBe('EUR');
    expect((await crm.listPipelines()).map((p) => [p.name, p.isDefault])).toEqual([
      ['Sales', true],
      ['Partnerships', false],
    ]);
    const [sales, partnerships] = await crm.listPipelines();
    expect((await crm.listStages(sales!.id)).map((s) => [s.name, s.probability])).toEqual([
      ['Qualified', 10],
      ['Needs defined', 25],
      ['Proposal', 50],
      ['Negotiation', 75],
    ]);
    expect(await crm.listStages(partnerships!.id)).toHaveLength(3);
    expect((await crm.listUsers()).map((u) => u.email)).toEqual(['ada@example.com', 'grace@example.com', 'alan@example.com']);

    const deals = (await crm.listDeals({})).items;
    expect(deals.length).toBeGreaterThanOrEqual(10);
    const open = deals.filter((d) => d.status === 'open');
    expect(deals.filter((d) => d.status === 'won')).toHaveLength(2);
    expect(deals.filter((d) => d.status === 'lost').map((d) => d.lostReason)).toEqual([expect.stringMatching(/\w/)]);
    expect(new Set(deals.flatMap((d) => (d.value ? [d.value.currency] : [])))).toEqual(new Set(['EUR', 'USD', 'GBP']));
    expect(new Set(deals.map((d) => d.ownerId)).size).toBe(3);
    expect(new Set(deals.map((d) => d.stageId)).size).toBeGreaterThanOrEqual(5);
    expect(deals.some((d) => d.organization !== null && d.person !== null)).toBe(true);

    const closeDates = open.flatMap((d: Deal) => (d.expectedCloseDate ? [d.expectedCloseDate] : []));
    expect(closeDates.some((date) => date < today)).toBe(true); // overdue
    const inAWeek = now.plus({ days: 7 }).toISODate()!;
    expect(closeDates.some((date) => date >= today && date <= inAWeek)).toBe(true); // closing soon

    for (const deal of deals) {
      const history = (await crm.getDealHistory(deal.id)).items;
      expect(history.at(-1)?.kind).toBe('created');
      expect(history.every((c) => c.at <= now)).toBe(true);
      expect(deal.updatedAt! <= now).toBe(true);
    }
    expect(deals.some((d) => d.closedAt !== null && d.closedAt < now)).toBe(true);
    const moved = await crm.getDealHistory(deals[0]!.id);
    expect(moved.items.some((c) => c.kind === 'stage')).toBe(true);
    await store.close();
  });

  it('seeds once: a second start changes nothing', async () => {
    const store = await createStore('memory://');
    const crm = createLocalCrm({ store });
    expect(await seedDemoData(crm, store, now)).toBe(true);
    const first = await snapshot(crm);
    expect(await seedDemoData(crm, store, now.plus({ days: 3 }))).toBe(false);
    expect(await ensureSeeded(crm, store)).toBe(false);
    expect(await snapshot(crm)).toEqual(first);
    await store.close();
  });

  it('never touches a CRM that already holds data', async () => {
    const store = await createStore('memory://');
    const crm = createLocalCrm({ store });
    await crm.createPipeline({ name: 'Our pipeline' });
    expect(await ensureSeeded(crm, store, { now })).toBe(false);
    expect((await crm.listPipelines()).map((p) => p.name)).toEqual(['Our pipeline']);
    expect((await crm.listDeals({})).items).toEqual([]);
    await store.close();
  });

  it('seeds once when two processes start together on one SQLite file', async () => {
    const url = `sqlite://${path.join(dir, 'seed.sqlite')}`;
    const [one, two] = [await createStore(url), await createStore(url)];
    const crms = [createLocalCrm({ store: one }), createLocalCrm({ store: two })];
    const results = await Promise.all([ensureSeeded(crms[0]!, one, { now }), ensureSeeded(crms[1]!, two, { now })]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await crms[1]!.listPipelines()).map((p) => p.name)).toEqual(['Sales', 'Partnerships']);
    expect((await snapshot(crms[0]!)).deals).toHaveLength((await snapshot(crms[1]!)).deals.length);
    await one.close();
    await two.close();
  });
});
