import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import type { CrmClient } from '../../src/crm/port.js';
import { PICKER_MAX_OPTIONS, canSearchParties, createPickerSearch } from '../../src/services/picker-search.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { PICKER_MIN_QUERY } from '../../src/ui/ids.js';

let store: Store;
let local: LocalCrm;
let asked: string[];
let crm: CrmClient;

beforeEach(async () => {
  store = await createStore('memory://');
  local = createLocalCrm({ store });
  await local.createOrganization({ name: 'Acme Corp' });
  await local.createPerson({ name: 'Ada Acme' });
  asked = [];
  crm = {
    ...local,
    searchOrganizations: (term, options) => {
      asked.push(`organizations:${term}:${options?.limit}`);
      return local.searchOrganizations(term, options);
    },
    searchPersons: (term, options) => {
      asked.push(`persons:${term}`);
      return local.searchPersons(term, options);
    },
  };
});

afterEach(async () => {
  await store.close();
});

describe('picker search', () => {
  it('asks nothing below two characters', async () => {
    const search = createPickerSearch({ crm, store, namespace: 'T1:local', minQuery: PICKER_MIN_QUERY });
    expect(await search.parties('organization', ' a ')).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('asks the CRM once per term and account, for up to 100, whatever the case and spacing', async () => {
    const search = createPickerSearch({ crm, store, namespace: 'T1:local', minQuery: PICKER_MIN_QUERY });
    expect(await search.parties('organization', 'acme')).toEqual([{ id: '1', name: 'Acme Corp' }]);
    expect(await search.parties('organization', ' ACME ')).toEqual([{ id: '1', name: 'Acme Corp' }]);
    expect(await search.parties('person', 'acme')).toEqual([{ id: '1', name: 'Ada Acme' }]);
    await createPickerSearch({ crm, store, namespace: 'T2:local', minQuery: PICKER_MIN_QUERY }).parties('organization', 'acme');
    expect(asked).toEqual([`organizations:acme:${PICKER_MAX_OPTIONS}`, 'persons:acme', `organizations:acme:${PICKER_MAX_OPTIONS}`]);
  });

  it('offers nothing from a CRM that cannot search parties', async () => {
    const { searchOrganizations: _o, searchPersons: _p, ...plain } = local;
    expect(canSearchParties(plain)).toBe(false);
    expect(canSearchParties(local)).toBe(true);
    expect(
      await createPickerSearch({ crm: plain, store, namespace: 'x', minQuery: PICKER_MIN_QUERY }).parties('organization', 'acme'),
    ).toEqual([]);
  });
});
