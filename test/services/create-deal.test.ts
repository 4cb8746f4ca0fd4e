// The create-deal use case without Bolt: a fake modal records what it is asked to show, a
// stub CRM answers only what creating a deal may ask, and the outcomes are asserted — the
// form a person sees, a CRM refusal beside the field it concerns, an outage that keeps
// everything typed, a double submission that makes one deal, and a message's note.

import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmClient, Deal, NewDeal, Pipeline, Stage, User, WriteOptions } from '../../src/crm/port.js';
import { CrmUnavailableError, CrmValidationError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import {
  createDealFromForm,
  openDealForm,
  type CreateDealDeps,
  type CreateDealModal,
  type CreateDealProblem,
  type DealCreated,
  type DealForm,
  type DealFormDraft,
} from '../../src/services/create-deal.js';
import { checkDealForm, type DealFormValues } from '../../src/services/deal-form.js';
import { createDealService } from '../../src/services/deal-service.js';
import type { MessageSource } from '../../src/services/message-note.js';
import type { SlackDirectory } from '../../src/services/slack-directory.js';
import type { SlackPerson } from '../../src/services/slack-people.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const PIPELINES: Pipeline[] = [
  { id: '1', name: 'Sales', order: 1, isDefault: true },
  { id: '2', name: 'Renewals', order: 2, isDefault: false },
];
const STAGES: Stage[] = [
  { id: '11', pipelineId: '1', name: 'Qualified', order: 1, probability: 10 },
  { id: '12', pipelineId: '1', name: 'Proposal', order: 2, probability: 50 },
  { id: '19', pipelineId: '1', name: 'Won', order: 9, probability: 100, closes: 'won' },
  { id: '21', pipelineId: '2', name: 'Due', order: 1, probability: 80 },
];
const USERS: User[] = [{ id: '900', name: 'Ada Lovelace', email: 'ada@example.com', active: true }];
const PEOPLE: Record<string, SlackPerson> = {
  UADA: { id: 'UADA', name: 'Ada Lovelace', email: 'ADA@example.com', tz: 'Europe/Berlin' },
  UBOB: { id: 'UBOB', name: 'Bob', email: 'bob@elsewhere.test', tz: 'UTC' },
};
const NOW = DateTime.fromISO('2026-03-02T10:00:00Z');

/** Records every call the use case makes on the modal, in order. */
function fakeModal(opens = true) {
  const calls: Array<
    | { kind: 'open'; draft: DealFormDraft }
    | { kind: 'form'; form: DealForm; problem: CreateDealProblem | undefined }
    | { kind: 'outcome'; outcome: DealCreated }
  > = [];
  const modal: CreateDealModal = {
    open: async (draft) => (calls.push({ kind: 'open', draft }), opens),
    showForm: async (form, problem) => void calls.push({ kind: 'form', form, problem }),
    showOutcome: async (outcome) => void calls.push({ kind: 'outcome', outcome }),
  };
  return { modal, calls };
}

const slack: SlackDirectory = {
  person: async (id) => PEOPLE[id] ?? { id, name: id, email: null, tz: 'UTC' },
  permalink: async (m) => `https://example.slack.com/archives/${m.channelId}/p${m.ts.replace('.', '')}`,
};

let store: Store;
let created: Array<{ input: NewDeal; options: WriteOptions | undefined }>;
let notes: Array<{ dealId: string; note: string }>;

beforeEach(async () => {
  store = await createStore('memory://');
  created = [];
  notes = [];
});

function deps(operations: Partial<CrmClient>): CreateDealDeps {
  const crm = stubCrm('create-deal', {
    listPipelines: async () => PIPELINES,
    listStages: async () => STAGES,
    listUsers: async () => USERS,
    ...operations,
  });
  return { crm, deals: createDealService(crm, store), slack, logger: createLogger('silent') };
}

const acceptingCreate = async (input: NewDeal, options?: WriteOptions): Promise<Deal> => {
  created.push({ input, options });
  return buildDeal({
    id: '501',
    title: input.title,
    stageId: input.stageId ?? '11',
    ownerId: input.ownerId,
    createdAt: NOW,
    updatedAt: NOW,
  });
};

/** What the person typed, as the listener reads it from the modal. */
function typed(fields: Partial<DealFormValues & DealFormDraft>): DealFormValues & DealFormDraft {
  return {
    title: '',
    value: '',
    currency: null,
    pipelineId: '1',
    stageId: '12',
    expectedCloseDate: null,
    probability: '',
    ownerSlackUserId: null,
    organization: null,
    person: null,
    note: null,
    ...fields,
  };
}

async function submit(
  d: CreateDealDeps,
  modal: CreateDealModal,
  draft: DealFormValues & DealFormDraft,
  source: MessageSource | null = null,
) {
  const checked = checkDealForm(draft, 'EUR');
  if (!checked.ok) throw new Error(`the form should pass its checks: ${JSON.stringify(checked.errors)}`);
  return createDealFromForm(d, modal, { draft, checked, requesterId: 'UADA', onceKey: 'view:V1:h1', knownCurrency: 'EUR', source });
}

describe('opening the create form', () => {
  it('opens at once with what is known, then shows the default pipeline’s open stages with the requester as owner', async () => {
    const { modal, calls } = fakeModal();
    await openDealForm(deps({ defaultCurrency: async () => 'CHF' }), modal, { draft: { title: 'Acme renewal' }, requesterId: 'UADA' });

    expect(calls.map((c) => c.kind)).toEqual(['open', 'form']);
    expect(calls[0]).toEqual({ kind: 'open', draft: { title: 'Acme renewal' } });
    const shown = calls[1];
    if (shown?.kind !== 'form') throw new Error('expected the form');
    expect(shown.problem).toBeUndefined();
    expect(shown.form.selectedPipelineId).toBe('1');
    // A deal never starts in Won: only the open stages of the pipeline are offered.
    expect(shown.form.stages.map((s) => s.name)).toEqual(['Qualified', 'Proposal']);
    expect(shown.form.defaultCurrency).toBe('CHF');
    expect(shown.form.draft).toMatchObject({ title: 'Acme renewal', stageId: '11', ownerSlackUserId: 'UADA' });
    expect(shown.form.note).toBeNull();
  });

  it('asks the CRM nothing when Slack opened no modal', async () => {
    const { modal, calls } = fakeModal(false);
    // listUsers and listPipelines throw here: a call to them would fail the test.
    const d = deps({ listUsers: () => Promise.reject(new Error('called')), listPipelines: () => Promise.reject(new Error('called')) });
    await openDealForm(d, modal, { draft: {}, requesterId: 'UADA' });
    expect(calls.map((c) => c.kind)).toEqual(['open']);
  });

  it('leaves the owner empty for a person with no CRM user, and adds the message’s note field', async () => {
    const { modal, calls } = fakeModal();
    const source: MessageSource = { channelId: 'C1', ts: '1767000000.000100', threadTs: null, authorId: 'UBOB', authorName: null };
    await openDealForm(deps({ addNote: async () => undefined }), modal, {
      draft: { title: 'Initech' },
      requesterId: 'UBOB',
      fromMessage: { source, noteText: async () => 'Initech wants 20 seats' },
    });
    const shown = calls[1];
    if (shown?.kind !== 'form') throw new Error('expected the form');
    expect(shown.form.draft.ownerSlackUserId).toBeUndefined();
    expect(shown.form.note).toEqual({ text: 'Initech wants 20 seats', source });
  });
});

describe('submitting the create form', () => {
  it('creates the deal with the owner found by email and the requester as the actor', async () => {
    const { modal, calls } = fakeModal();
    const outcome = await submit(
      deps({ createDeal: acceptingCreate }),
      modal,
      typed({ title: 'Acme', value: '12k', ownerSlackUserId: 'UADA' }),
    );

    expect(outcome).toMatchObject({ kind: 'created', duplicate: false, fromMessage: null, deal: { id: '501', title: 'Acme' } });
    expect(created).toHaveLength(1);
    expect(created[0]?.input).toMatchObject({ title: 'Acme', value: { amount: 12000, currency: 'EUR' }, stageId: '12', ownerId: '900' });
    expect(created[0]?.options?.actor).toEqual({ name: 'Ada Lovelace', crmUserId: '900' });
    expect(calls).toEqual([{ kind: 'outcome', outcome }]);
  });

  it('maps a CRM refusal to the field it concerns and keeps the form as typed', async () => {
    const refusal = new CrmValidationError('Value must be positive', 'value', { crm: 'Test CRM', status: 400 });
    const { modal, calls } = fakeModal();
    const draft = typed({ title: 'Acme', value: '12k', probability: '40' });
    const outcome = await submit(deps({ createDeal: () => Promise.reject(refusal) }), modal, draft);

    expect(outcome).toEqual({ kind: 'refused', field: 'value', crmMessage: 'Value must be positive', error: refusal });
    expect(calls).toHaveLength(1);
    const shown = calls[0];
    if (shown?.kind !== 'form') throw new Error('expected the form again');
    expect(shown.problem).toBe(outcome);
    expect(shown.form.draft).toMatchObject({ title: 'Acme', value: '12k', probability: '40', stageId: '12', pipelineId: '1' });
  });

  it('keeps everything typed when the CRM is down, and creates nothing', async () => {
    const outage = new CrmUnavailableError('server_error', { crm: 'Test CRM', status: 503 });
    const { modal, calls } = fakeModal();
    const draft = typed({
      title: 'Globex expansion',
      value: '1.5m',
      currency: 'USD',
      pipelineId: '2',
      stageId: '21',
      expectedCloseDate: '2026-06-30',
      probability: '70',
      organization: { id: '7', name: 'Globex' },
      person: { id: '8', name: 'Hank Scorpio' },
    });
    const outcome = await submit(deps({ createDeal: () => Promise.reject(outage) }), modal, draft);

    expect(outcome).toEqual({ kind: 'failed', error: outage });
    const shown = calls[0];
    if (shown?.kind !== 'form') throw new Error('expected the form again');
    expect(shown.problem).toEqual({ kind: 'failed', error: outage });
    expect(shown.form.selectedPipelineId).toBe('2');
    expect(shown.form.draft).toEqual({ ...draft, stageId: '21' });
    expect(calls.some((c) => c.kind === 'outcome')).toBe(false);
  });

  it('says the owner has no CRM user before creating anything', async () => {
    const { modal, calls } = fakeModal();
    const outcome = await submit(deps({ createDeal: acceptingCreate }), modal, typed({ title: 'Acme', ownerSlackUserId: 'UBOB' }));
    expect(outcome).toEqual({ kind: 'owner-unknown', owner: PEOPLE.UBOB });
    expect(calls[0]).toMatchObject({ kind: 'form', problem: { kind: 'owner-unknown' }, form: { draft: { ownerSlackUserId: 'UBOB' } } });
    expect(created).toHaveLength(0);
  });

  it('makes one deal and one note of a double-submitted form from a message', async () => {
    const source: MessageSource = { channelId: 'C1', ts: '1767000000.000100', threadTs: null, authorId: 'UBOB', authorName: null };
    const d = deps({
      createDeal: acceptingCreate,
      getDeal: async (id) => buildDeal({ id, title: 'Initech', createdAt: NOW, updatedAt: NOW }),
      addNote: async (dealId, note) => void notes.push({ dealId, note }),
    });
    const draft = typed({ title: 'Initech', note: 'Initech wants 20 seats' });
    const first = await submit(d, fakeModal().modal, draft, source);
    const second = await submit(d, fakeModal().modal, draft, source);

    expect(first).toMatchObject({ kind: 'created', duplicate: false, fromMessage: { source, note: { kind: 'on-deal' } } });
    expect(second).toMatchObject({ kind: 'created', duplicate: true, deal: { id: '501' }, fromMessage: { note: { kind: 'on-deal' } } });
    expect(created).toHaveLength(1);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.dealId).toBe('501');
    // Who wrote it and the way back to it, in the words of the person who made the deal.
    expect(notes[0]?.note).toContain('Initech wants 20 seats');
    expect(notes[0]?.note).toContain('— Bob in Slack');
    expect(notes[0]?.note).toContain('https://example.slack.com/archives/C1/p1767000000000100');
  });

  it('keeps the deal when its note fails, and says the note was not saved', async () => {
    const source: MessageSource = { channelId: 'C1', ts: '1767000000.000100', threadTs: null, authorId: null, authorName: 'Zapier' };
    const outage = new CrmUnavailableError('timeout', { crm: 'Test CRM' });
    const d = deps({ createDeal: acceptingCreate, addNote: () => Promise.reject(outage) });
    const { modal, calls } = fakeModal();
    const outcome = await submit(d, modal, typed({ title: 'Initech', note: 'hello' }), source);

    expect(outcome).toMatchObject({ kind: 'created', fromMessage: { note: { kind: 'not-saved', error: outage } } });
    expect(calls.map((c) => c.kind)).toEqual(['outcome']);
  });
});
