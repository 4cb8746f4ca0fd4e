import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../../src/crm/local/local-crm.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';

let store: Store;
let crm: LocalCrm;

beforeEach(async () => {
  store = await createStore('memory://');
  crm = createLocalCrm({ store });
  for (const name of ['Northwind Traders', 'Contoso Ltd', 'Acme', 'Acme Holdings', 'Über Acme GmbH'])
    await crm.createOrganization({ name });
  await crm.createPerson({ name: 'Maria Anders', organizationId: '1' });
  await crm.createPerson({ name: 'Marian Andersen' });
});

afterEach(async () => {
  await store.close();
});

describe('the local CRM searching organizations and persons', () => {
  it('finds names by word prefix, the exact name first, ignoring case and accents', async () => {
    expect((await crm.searchOrganizations('acme')).map((o) => o.name)).toEqual(['Acme', 'Acme Holdings', 'Über Acme GmbH']);
    expect(await crm.searchOrganizations('uber')).toEqual([{ id: '5', name: 'Über Acme GmbH' }]);
    expect(await crm.searchOrganizations('north trad')).toEqual([{ id: '1', name: 'Northwind Traders' }]);
    expect(await crm.searchOrganizations('zzz')).toEqual([]);
  });

  it('finds persons, and honours the limit', async () => {
    expect((await crm.searchPersons('mari')).map((p) => p.name)).toEqual(['Maria Anders', 'Marian Andersen']);
    expect(await crm.searchPersons('mari', { limit: 1 })).toHaveLength(1);
    expect(await crm.searchPersons('maria anders')).toEqual([
      { id: '1', name: 'Maria Anders' },
      { id: '2', name: 'Marian Andersen' },
    ]);
  });
});
