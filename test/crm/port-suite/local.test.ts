// The port suite on the embedded CRM, the reference the remote adapters are held to: the
// scenario's records are made through the local CRM itself, in a memory store.

import { createLocalCrm, type LocalCrm } from '../../../src/crm/local/local-crm.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { createFakeClock } from './nock-crm.js';
import { describePortBehaviour, type PortHarness } from './port-behaviour.js';

let store: Store | null = null;
let setup: LocalCrm;
let stageIds: string[] = [];
let now = createFakeClock();

const harness: PortHarness = {
  async reset() {
    store = await createStore('memory://');
    now = createFakeClock();
    setup = createLocalCrm({ store, now });
    stageIds = [];
  },

  async verify() {
    await store?.close();
    store = null;
  },

  client() {
    if (!store) throw new Error('reset() first');
    return createLocalCrm({ store, now });
  },

  async givenStages(names) {
    const pipeline = await setup.createPipeline({ name: 'Sales', isDefault: true });
    const stages = [];
    for (const name of names) stages.push(await setup.createStage({ pipelineId: pipeline.id, name }));
    stageIds = stages.map((s) => s.id);
    return stages;
  },

  async givenDeal(deal = {}) {
    const created = await setup.createDeal({
      title: deal.title ?? 'Deal',
      value: deal.value ?? null,
      stageId: deal.stageId ?? stageIds[0] ?? null,
      probability: deal.probability ?? null,
    });
    if (deal.status === 'won') await setup.markWon(created.id);
    if (deal.status === 'lost') await setup.markLost(created.id, deal.lostReason ?? null);
    return created.id;
  },

  requestCount: () => 0,
};

describePortBehaviour('the local CRM', harness);
