// The adapter the configuration names is the one the app gets, wrapped as it should be:
// the cache for remote CRMs, the journal for those that keep no history.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createCrm } from '../../src/crm/create-crm.js';
import { createLogger } from '../../src/logger.js';
import { createStore } from '../../src/store/create-store.js';

const logger = createLogger('silent');

async function crmFor(env: NodeJS.ProcessEnv) {
  const store = await createStore('memory://');
  return { crm: await createCrm(loadConfig(env), store, logger), store };
}

describe('createCrm', () => {
  it('gives the embedded CRM by default, seeded with the demo pipeline', async () => {
    const { crm, store } = await crmFor({});
    expect(crm.provider).toBe('local');
    expect((await crm.listPipelines()).map((p) => p.name)).toContain('Sales');
    await store.close();
  });

  it('gives Pipedrive with its own history, making no request to be built', async () => {
    const { crm, store } = await crmFor({ CRM_PROVIDER: 'pipedrive', PIPEDRIVE_API_TOKEN: 't' });
    expect(crm).toMatchObject({ provider: 'pipedrive', displayName: 'Pipedrive' });
    expect(crm.capabilities.dealHistory).toBe(true);
    expect(crm.capabilities.historySource ?? 'crm').toBe('crm');
    await store.close();
  });

  it.each([
    [{ CRM_PROVIDER: 'productive', PRODUCTIVE_API_TOKEN: 't', PRODUCTIVE_ORG_ID: '1' }, 'productive', 'Productive'],
    [{ CRM_PROVIDER: 'pipelinedeals', PIPELINEDEALS_API_KEY: 'k' }, 'pipelinedeals', 'PipelineDeals'],
  ])('wraps %s in the journal of the changes Dealbot saw', async (env, provider, name) => {
    const { crm, store } = await crmFor(env);
    expect(crm).toMatchObject({ provider, displayName: name });
    expect(crm.capabilities).toMatchObject({ dealHistory: true, historySource: 'dealbot' });
    await store.close();
  });
});
