// Realistic deals, stages and hits for the renderer tests, plus the hostile texts every
// renderer must show literally.

import { DateTime } from 'luxon';
import type { Deal, DealHit, Pipeline, Stage, User } from '../../src/crm/port.js';

/** A Tuesday morning in Berlin. */
export const NOW = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });

/** Tries every kind of markup Slack would act on. */
export const HOSTILE = '<!channel> *bold* <http://x|y> & _it_';

/** 500 characters, with astral emoji so a careless cut would split a surrogate pair. */
export const LONG_TITLE = Array.from({ length: 500 }, (_, i) => (i % 7 === 6 ? '🚀' : 'x'))
  .join('')
  .slice(0, 500);

export const pipeline: Pipeline = { id: '1', name: 'Sales', order: 1, isDefault: true };

const STAGE_NAMES = ['Lead in', 'Qualified', 'Demo scheduled', 'Proposal made', 'Negotiations started'];

export function makeStages(count = STAGE_NAMES.length, pipelineId = pipeline.id): Stage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(i + 1),
    pipelineId,
    name: STAGE_NAMES[i] ?? `Stage ${i + 1} of a very long pipeline with a descriptive name that goes on`,
    order: i + 1,
    probability: i < STAGE_NAMES.length ? (i + 1) * 20 : null,
  }));
}

export const owner: User = { id: '7', name: 'Ada Lovelace', email: 'ada@example.com', active: true };

export function makeDeal(overrides: Partial<Deal> = {}): Deal {
  return {
    id: '42',
    title: 'Acme renewal',
    value: { amount: 12000, currency: 'EUR' },
    status: 'open',
    pipelineId: pipeline.id,
    stageId: '4',
    ownerId: owner.id,
    organization: { id: '3', name: 'Acme GmbH' },
    person: { id: '9', name: 'Grace Hopper' },
    expectedCloseDate: '2026-03-13',
    probability: 60,
    lostReason: null,
    createdAt: NOW.minus({ days: 3 }),
    updatedAt: NOW.minus({ hours: 2 }),
    stageChangedAt: NOW.minus({ hours: 2 }),
    closedAt: null,
    url: 'https://acme.pipedrive.com/deal/42',
    ...overrides,
  };
}

/** A deal with nothing optional set. */
export function bareDeal(): Deal {
  return makeDeal({
    value: null,
    ownerId: null,
    organization: null,
    person: null,
    expectedCloseDate: null,
    probability: null,
    url: null,
  });
}

export function makeHits(count: number, title = (i: number) => `Acme deal ${i + 1}`): DealHit[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(100 + i),
    title: title(i),
    value: i % 3 === 0 ? null : { amount: 1000 * (i + 1), currency: i % 2 ? 'USD' : 'EUR' },
    status: i % 5 === 4 ? 'won' : 'open',
    stageId: String((i % 5) + 1),
    ownerId: null,
    organizationName: i % 2 ? 'Acme Inc' : null,
    personName: null,
  }));
}

export const stageNames = new Map(makeStages().map((s) => [s.id, s.name]));
