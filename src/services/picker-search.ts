// Search as you type for the external selects (organization, person, deal): Slack asks for
// options on every keystroke past the minimum length, so answers are kept in the store for
// a minute per term and account, and a burst of typing, or a second person typing the same
// thing, costs the CRM one search per distinct term. Pipedrive charges 20 tokens a search.

import type { CrmClient, DealHit, PartyRef } from '../crm/port.js';
import { normalizeName } from '../parse/match-name.js';
import type { Store } from '../store/store.js';

/** How long one term's results are reused. */
export const PICKER_CACHE_MS = 60_000;
/** Slack shows at most 100 options. */
export const PICKER_MAX_OPTIONS = 100;

export type PartyKind = 'organization' | 'person';

export interface PickerSearch {
  /** Organizations or persons named like `term`; none when the CRM cannot search them. */
  parties(kind: PartyKind, term: string): Promise<PartyRef[]>;
  deals(term: string): Promise<DealHit[]>;
}

export interface PickerSearchDeps {
  crm: CrmClient;
  store: Store;
  /** Tells accounts apart in the cache, e.g. the workspace and CRM provider. */
  namespace: string;
  /** The shortest term worth a search (the pickers' `min_query_length`); shorter ones are refused without a request. */
  minQuery: number;
}

/** Whether a CRM offers the organization and person searches the create modal's pickers need. */
export const canSearchParties = (crm: CrmClient): boolean => Boolean(crm.searchOrganizations && crm.searchPersons);

export function createPickerSearch({ crm, store, namespace, minQuery }: PickerSearchDeps): PickerSearch {
  /** The cached answer for this term, or one search; a failing store only costs a request. */
  async function cached<T>(kind: string, term: string, search: (term: string) => Promise<T[]>): Promise<T[]> {
    const trimmed = term.trim();
    if (trimmed.length < minQuery) return [];
    const key = `picker:${namespace}:${kind}:${normalizeName(trimmed) || trimmed.toLowerCase()}`;
    const hit = await store.get<T[]>(key).catch(() => undefined);
    if (hit !== undefined) return hit;
    const found = (await search(trimmed)).slice(0, PICKER_MAX_OPTIONS);
    await store.set(key, found, PICKER_CACHE_MS).catch(() => undefined);
    return found;
  }

  return {
    parties(kind, term) {
      const search = kind === 'organization' ? crm.searchOrganizations : crm.searchPersons;
      if (!search) return Promise.resolve([]);
      return cached(kind, term, (t) => search.call(crm, t, { limit: PICKER_MAX_OPTIONS }));
    },

    deals(term) {
      return cached('deal', term, async (t) => (await crm.searchDeals(t, { limit: PICKER_MAX_OPTIONS })).hits);
    },
  };
}
