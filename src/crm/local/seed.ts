// The demo data the embedded CRM starts with, so a first `npm start` has a pipeline worth
// looking at: two pipelines, three users, a dozen deals across stages, owners and
// currencies, some closing this week, some overdue, two won and one lost, each with a
// history. Written once per store: a flag key records that seeding happened, and a lock
// makes two processes starting together seed once. Existing data is never overwritten.
//
// Deals are written through the CRM itself with a clock the seed moves through the past
// month, so their history reads like real work (created, moved, revalued, closed).

import { DateTime } from 'luxon';
import type { Store } from '../../store/store.js';
import type { WriteOptions } from '../port.js';
import { createLocalCrm, type LocalCrm } from './local-crm.js';
import { localKeys } from './local-records.js';

export interface SeedOptions {
  /** The moment the demo is relative to ("closes in 3 days"). Default: now. */
  now?: DateTime;
}

/** Seeding five dozen writes takes well under a second; a peer waits that long, not forever. */
const SEED_LOCK = { ttlMs: 60_000, waitMs: 60_000 };

/**
 * Seeds the demo data into the CRM's namespace of `store` unless that was done before or the
 * CRM already holds data. True when this call seeded. Safe to call on every start.
 */
export async function ensureSeeded(crm: LocalCrm, store: Store, options: SeedOptions = {}): Promise<boolean> {
  return seedDemoData(crm, store, options.now ?? DateTime.utc());
}

/** `ensureSeeded` with an explicit `now`. */
export async function seedDemoData(crm: LocalCrm, store: Store, now: DateTime): Promise<boolean> {
  const keys = localKeys(crm.namespace);
  if (await store.get(keys.seeded)) return false;
  return store.withLock(
    `${crm.namespace}:seed`,
    async () => {
      if (await store.get(keys.seeded)) return false;
      const hasData = (await crm.listPipelines()).length > 0;
      if (!hasData) await writeDemoData(store, crm.namespace, now);
      await store.set(keys.seeded, { at: now.toUTC().toISO(), demo: !hasData });
      return !hasData;
    },
    SEED_LOCK,
  );
}

interface DemoDeal {
  title: string;
  pipeline: 'sales' | 'partnerships';
  /** The stages it went through, in order; it ends in the last one. */
  path: number[];
  value: [number, string] | null;
  /** An earlier value, changed to `value` during the deal's life. */
  revaluedFrom?: number;
  owner: 'ada' | 'grace' | 'alan';
  organization: string | null;
  person: string | null;
  /** Days from `now`; negative = overdue. */
  closesInDays: number | null;
  probability?: number;
  createdDaysAgo: number;
  outcome?: { status: 'won' } | { status: 'lost'; reason: string };
  /** Days ago the outcome happened. */
  closedDaysAgo?: number;
  note?: string;
}

const ORGANIZATIONS = {
  northwind: { name: 'Northwind Traders', person: 'Maria Anders' },
  contoso: { name: 'Contoso Ltd', person: 'Jordan Blake' },
  fabrikam: { name: 'Fabrikam', person: 'Priya Natarajan' },
  tailspin: { name: 'Tailspin Toys', person: 'Tom Okafor' },
  adventure: { name: 'Adventure Works', person: 'Lena Fischer' },
  wideworld: { name: 'Wide World Importers', person: 'Hugo Martin' },
  litware: { name: 'Litware', person: 'Sofia Rossi' },
  proseware: { name: 'Proseware', person: 'James Whitfield' },
} as const;
type OrganizationKey = keyof typeof ORGANIZATIONS;

const DEALS: Array<Omit<DemoDeal, 'organization' | 'person'> & { org: OrganizationKey | null; withPerson?: boolean }> = [
  {
    title: 'Northwind CRM rollout',
    pipeline: 'sales',
    path: [0, 1, 2, 3],
    value: [24_000, 'EUR'],
    revaluedFrom: 20_000,
    owner: 'ada',
    org: 'northwind',
    withPerson: true,
    closesInDays: 3,
    probability: 80,
    createdDaysAgo: 34,
    note: 'Legal is reviewing the data processing agreement.',
  },
  {
    title: 'Contoso annual licences',
    pipeline: 'sales',
    path: [0, 1, 2],
    value: [58_000, 'USD'],
    owner: 'grace',
    org: 'contoso',
    withPerson: true,
    closesInDays: 12,
    createdDaysAgo: 26,
  },
  {
    title: 'Fabrikam support renewal',
    pipeline: 'sales',
    path: [0, 2, 3],
    value: [9_500, 'GBP'],
    owner: 'alan',
    org: 'fabrikam',
    withPerson: true,
    closesInDays: -5,
    createdDaysAgo: 40,
  },
  {
    title: 'Tailspin Toys webshop',
    pipeline: 'sales',
    path: [0],
    value: [15_000, 'EUR'],
    owner: 'ada',
    org: 'tailspin',
    closesInDays: 40,
    createdDaysAgo: 3,
  },
  {
    title: 'Adventure Works onboarding',
    pipeline: 'sales',
    path: [0, 1],
    value: [7_200, 'EUR'],
    owner: 'grace',
    org: 'adventure',
    withPerson: true,
    closesInDays: -2,
    createdDaysAgo: 21,
  },
  {
    title: 'Wide World Importers EU expansion',
    pipeline: 'sales',
    path: [0, 1, 2],
    value: [120_000, 'EUR'],
    revaluedFrom: 95_000,
    owner: 'alan',
    org: 'wideworld',
    withPerson: true,
    closesInDays: 1,
    probability: 60,
    createdDaysAgo: 30,
  },
  {
    title: 'Litware pilot',
    pipeline: 'sales',
    path: [0],
    value: null,
    owner: 'grace',
    org: 'litware',
    closesInDays: null,
    createdDaysAgo: 1,
  },
  {
    title: 'Proseware data migration',
    pipeline: 'sales',
    path: [0, 1],
    value: [31_000, 'GBP'],
    owner: 'ada',
    org: 'proseware',
    withPerson: true,
    closesInDays: 20,
    createdDaysAgo: 14,
  },
  {
    title: 'Northwind training package',
    pipeline: 'sales',
    path: [0, 2, 3],
    value: [6_000, 'EUR'],
    owner: 'ada',
    org: 'northwind',
    closesInDays: -6,
    createdDaysAgo: 28,
    outcome: { status: 'won' },
    closedDaysAgo: 6,
  },
  {
    title: 'Contoso premium support',
    pipeline: 'sales',
    path: [0, 1, 2, 3],
    value: [18_000, 'USD'],
    owner: 'grace',
    org: 'contoso',
    closesInDays: -15,
    createdDaysAgo: 45,
    outcome: { status: 'won' },
    closedDaysAgo: 15,
  },
  {
    title: 'Fabrikam analytics add-on',
    pipeline: 'sales',
    path: [0, 1, 2],
    value: [12_000, 'GBP'],
    owner: 'alan',
    org: 'fabrikam',
    closesInDays: -9,
    createdDaysAgo: 33,
    outcome: { status: 'lost', reason: 'Chose a competitor on price' },
    closedDaysAgo: 9,
  },
  {
    title: 'Tailspin reseller agreement',
    pipeline: 'partnerships',
    path: [0, 1],
    value: [25_000, 'EUR'],
    owner: 'alan',
    org: 'tailspin',
    withPerson: true,
    closesInDays: 30,
    createdDaysAgo: 18,
  },
  {
    title: 'Litware integration partnership',
    pipeline: 'partnerships',
    path: [0],
    value: null,
    owner: 'grace',
    org: 'litware',
    withPerson: true,
    closesInDays: 45,
    createdDaysAgo: 5,
  },
];

async function writeDemoData(store: Store, namespace: string, now: DateTime): Promise<void> {
  let clock = now;
  const crm = createLocalCrm({ store, namespace, now: () => clock });

  await crm.setDefaultCurrency('EUR');
  const sales = await crm.createPipeline({ name: 'Sales', isDefault: true });
  const salesStages = [];
  for (const [name, probability] of [
    ['Qualified', 10],
    ['Needs defined', 25],
    ['Proposal', 50],
    ['Negotiation', 75],
  ] as const) {
    salesStages.push(await crm.createStage({ pipelineId: sales.id, name, probability }));
  }
  const partnerships = await crm.createPipeline({ name: 'Partnerships' });
  const partnershipStages = [];
  for (const [name, probability] of [
    ['Intro call', 20],
    ['Pilot', 50],
    ['Contract', 80],
  ] as const) {
    partnershipStages.push(await crm.createStage({ pipelineId: partnerships.id, name, probability }));
  }
  const users = {
    ada: await crm.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' }),
    grace: await crm.createUser({ name: 'Grace Hopper', email: 'grace@example.com' }),
    alan: await crm.createUser({ name: 'Alan Turing', email: 'alan@example.com' }),
  };
  const parties = new Map<OrganizationKey, { organizationId: string; personId: string }>();
  for (const [key, { name, person }] of Object.entries(ORGANIZATIONS) as Array<
    [OrganizationKey, (typeof ORGANIZATIONS)[OrganizationKey]]
  >) {
    const organization = await crm.createOrganization({ name });
    const contact = await crm.createPerson({ name: person, organizationId: organization.id });
    parties.set(key, { organizationId: organization.id, personId: contact.id });
  }

  for (const demo of DEALS) {
    const stages = demo.pipeline === 'sales' ? salesStages : partnershipStages;
    const owner = users[demo.owner];
    const as: WriteOptions = { actor: { crmUserId: owner.id, name: owner.name } };
    const party = demo.org === null ? undefined : parties.get(demo.org);
    const created = DateTime.min(now.minus({ days: demo.createdDaysAgo }).set({ hour: 9, minute: 30 }), now);
    const lastDay = demo.closedDaysAgo ?? 0;
    // The deal's events, spread evenly from its creation to its close (or today).
    const steps = demo.path.length + (demo.revaluedFrom === undefined ? 0 : 1) + (demo.note ? 1 : 0) + (demo.outcome ? 1 : 0);
    const stepDays = (demo.createdDaysAgo - lastDay) / Math.max(steps, 1);
    let step = 0;
    const nextStep = () => {
      step += 1;
      // Whole days, a later hour each step: times stay in order and look like office hours.
      clock = DateTime.min(created.plus({ days: Math.round(stepDays * step) }).set({ hour: 10 + step }), now);
    };

    clock = created;
    const deal = await crm.createDeal(
      {
        title: demo.title,
        value: demo.value && { amount: demo.revaluedFrom ?? demo.value[0], currency: demo.value[1] },
        pipelineId: stages[0]?.pipelineId ?? null,
        stageId: stages[demo.path[0] ?? 0]?.id ?? null,
        ownerId: owner.id,
        organizationId: party?.organizationId ?? null,
        personId: demo.withPerson ? (party?.personId ?? null) : null,
        expectedCloseDate: demo.closesInDays === null ? null : now.plus({ days: demo.closesInDays }).toISODate(),
        probability: demo.probability ?? null,
      },
      as,
    );
    for (const stageIndex of demo.path.slice(1)) {
      nextStep();
      const stage = stages[stageIndex];
      if (stage) await crm.moveDeal(deal.id, stage.id, as);
    }
    if (demo.revaluedFrom !== undefined && demo.value) {
      nextStep();
      await crm.updateDeal(deal.id, { value: { amount: demo.value[0], currency: demo.value[1] } }, as);
    }
    if (demo.note) {
      nextStep();
      await crm.addNote(deal.id, demo.note, as);
    }
    if (demo.outcome) {
      clock = DateTime.min(now.minus({ days: lastDay }).set({ hour: 16, minute: 0 }), now);
      if (demo.outcome.status === 'won') await crm.markWon(deal.id, as);
      else await crm.markLost(deal.id, demo.outcome.reason, as);
    }
  }
}
