import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/crm/port.js';
import { resolveAlertFilters } from '../../src/services/alert-filters.js';
import { stubCrm } from '../helpers/stub-crm.js';

const stage = (id: string, pipelineId: string, name: string): Stage => ({ id, pipelineId, name, order: Number(id), probability: null });
const STAGES = [
  stage('1', 'p1', 'Proposal'),
  stage('2', 'p1', 'Negotiation'),
  stage('3', 'p2', 'Proposal'),
  stage('4', 'p2', 'Proposal sent'),
];

const crm = stubCrm('resolveAlertFilters', {
  listPipelines: async () => [
    { id: 'p1', name: 'Sales', order: 1, isDefault: true },
    { id: 'p2', name: 'Partnerships', order: 2, isDefault: false },
  ],
  listStages: async (pipelineId) => STAGES.filter((s) => !pipelineId || s.pipelineId === pipelineId),
  listUsers: async () => [
    { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com', active: true },
    { id: 'u2', name: 'Adam Smith', email: 'adam@example.com', active: true },
    { id: 'u3', name: 'Grace Hopper', email: 'grace@example.com', active: false },
  ],
});

const none = { pipeline: null, toStages: [], owner: null };

describe('resolveAlertFilters', () => {
  it('asks the CRM nothing when no name was typed', async () => {
    expect(await resolveAlertFilters(stubCrm('nothing', {}), none, { email: null })).toEqual({
      kind: 'ok',
      filters: { pipeline: null, toStages: [], owner: null },
    });
  });

  it('finds names forgivingly; a stage named alone means that stage in every pipeline', async () => {
    const all = await resolveAlertFilters(crm, { ...none, toStages: ['proposal'] }, { email: null });
    expect(all.kind === 'ok' && all.filters.toStages.map((s) => s.id)).toEqual(['1', '3']);
    const inSales = await resolveAlertFilters(crm, { ...none, pipeline: 'sales', toStages: ['negot'] }, { email: null });
    expect(inSales.kind === 'ok' && [inSales.filters.pipeline?.id, inSales.filters.toStages.map((s) => s.id)]).toEqual(['p1', ['2']]);
  });

  it('never guesses: an ambiguous or unknown name lists what there is', async () => {
    expect(await resolveAlertFilters(crm, { ...none, pipeline: 'Support' }, { email: null })).toMatchObject({
      kind: 'no-single-pipeline',
      name: 'Support',
    });
    expect(await resolveAlertFilters(crm, { ...none, pipeline: 'Partnerships', toStages: ['prop'] }, { email: null })).toMatchObject({
      kind: 'no-single-stage',
      candidates: [{ id: '3' }, { id: '4' }],
    });
    expect(await resolveAlertFilters(crm, { ...none, owner: { kind: 'named', name: 'ad' } }, { email: null })).toMatchObject({
      kind: 'no-single-owner',
      candidates: [{ id: 'u1' }, { id: 'u2' }],
    });
    // A deactivated user is no owner to alert about.
    expect(await resolveAlertFilters(crm, { ...none, owner: { kind: 'named', name: 'Grace' } }, { email: null })).toMatchObject({
      kind: 'no-single-owner',
      candidates: [],
    });
  });

  it('reads `me` as the CRM user with the person’s email', async () => {
    const me = await resolveAlertFilters(crm, { ...none, owner: { kind: 'me' } }, { email: ' ADA@example.com ' });
    expect(me.kind === 'ok' && me.filters.owner?.id).toBe('u1');
    expect(await resolveAlertFilters(crm, { ...none, owner: { kind: 'me' } }, { email: 'nobody@example.com' })).toEqual({
      kind: 'not-linked',
    });
  });
});
