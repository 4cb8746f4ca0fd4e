// Won and Lost stages are never offered as moves: the one filter (`movableStages`) and the
// deal service's answers on PipelineDeals' recorded stage list (Nango, 2026: Lost 0 %,
// Qualified 10 %, Request for Info 25 %, Presentation 50 %, Negotiation 75 %, Won 100 %),
// served through nock at the adapter's HTTP boundary. A move that would close the deal is
// answered with the command that does it, and nothing is written.

import { readFileSync } from 'node:fs';
import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPipelineDealsClient } from '../../src/crm/pipelinedeals/pipelinedeals-client.js';
import type { Stage } from '../../src/crm/port.js';
import { createDealService, type DealService } from '../../src/services/deal-service.js';
import { movableStages } from '../../src/services/movable-stages.js';
import { createStore } from '../../src/store/create-store.js';
import { useNockBoundary } from '../helpers/nock-boundary.js';

const HOST = 'https://api.pipelinecrm.com';
const KEY = 'pld-services-key-0123456789';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const real = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/pipelinedeals/real/${name}.json`, import.meta.url), 'utf8'));

useNockBoundary();

let deals: DealService;

beforeEach(async () => {
  nock(HOST)
    .get('/api/v3/admin/deal_pipelines.json')
    .query(true)
    .reply(200, real('nango-deal-pipelines'))
    .persist()
    .get('/api/v3/admin/deal_stages.json')
    .query(true)
    .reply(200, real('nango-deal-stages'))
    .persist()
    .get('/api/v3/admin/users.json')
    .query(true)
    .optionally()
    .reply(200, real('nango-admin-users'))
    .persist();
  deals = createDealService(createPipelineDealsClient({ apiKey: KEY, maxRetries: 0 }), await createStore('memory://'));
});

const recorded = () => real('nango-deal-55383582');
const deal = async () => {
  nock(HOST).get('/api/v3/deals/55383582.json').query(true).reply(200, recorded());
  return deals.getDeal('55383582');
};

describe('movableStages', () => {
  it('keeps the stages that do not close the deal, in order', () => {
    const stage = (id: string, closes?: 'won' | 'lost' | null): Stage => ({
      id,
      pipelineId: 'p',
      name: id,
      order: 0,
      probability: null,
      closes,
    });
    expect(movableStages([stage('a'), stage('won', 'won'), stage('b', null), stage('lost', 'lost')]).map((s) => s.id)).toEqual(['a', 'b']);
  });
});

describe('on the recorded pipeline', () => {
  it('marks the recorded Won and Lost stages as closing, and the card offers neither', async () => {
    const context = await deals.contextFor(await deal());
    expect(context.pipeline?.name).toBe('Sales Pipeline');
    expect(context.pipelineStages.map((s) => s.name)).toEqual(['Qualified', 'Request for Info', 'Presentation', 'Negotiation']);
  });

  it.each([
    ['won', 'won'],
    ['Lost', 'lost'],
    ['wonn', 'won'],
  ] as const)('answers "move to %s" with marking it %s, writing nothing', async (query, closes) => {
    const outcome = await deals.moveByName(await deal(), query);
    expect(outcome).toMatchObject({ kind: 'closing-stage', closes, stage: { closes } });
  });

  it('answers a menu value naming the Won stage (stale or hand-made) the same way, writing nothing', async () => {
    const outcome = await deals.moveToStage(await deal(), '2599200');
    expect(outcome).toMatchObject({ kind: 'closing-stage', closes: 'won' });
  });

  it('still moves by a forgiving name to an open stage', async () => {
    const moved = { ...recorded(), deal_stage_id: 2599199, deal_stage: { id: 2599199, name: 'Negotiation', percent: 75 } };
    const put = nock(HOST)
      .put('/api/v3/deals/55383582.json', { deal: { deal_stage_id: '2599199' } })
      .query(true)
      .reply(200, moved);
    const outcome = await deals.moveByName(await deal(), 'negotiaton');
    expect(outcome).toMatchObject({ kind: 'moved', to: { name: 'Negotiation' } });
    put.done();
  });

  it('offers only open stages when the name matches none', async () => {
    const outcome = await deals.moveByName(await deal(), 'signed');
    expect(outcome.kind).toBe('pick-stage');
    if (outcome.kind === 'pick-stage') {
      expect(outcome.candidates.map((s) => s.name)).toEqual(['Qualified', 'Request for Info', 'Presentation', 'Negotiation']);
    }
  });
});
