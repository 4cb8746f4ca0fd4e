// A decorator over any CrmClient that keeps the slow-changing account data (pipelines,
// stages, users, default currency) in the shared store for a TTL, so a busy channel costs
// the CRM one request per TTL instead of one per command, and every replica sharing the
// store benefits. Concurrent cold reads share one in-flight request. Deal reads and writes
// pass straight through; no deal write changes stages, so nothing is invalidated.

import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { CrmClient, Pipeline, Stage, User } from './port.js';

export interface CachedCrmOptions {
  /** Tells accounts apart, e.g. `pipedrive:<hash of token and base URL>`; never the raw token. */
  namespace: string;
  /** Default 10 minutes. */
  ttlMs?: number;
  logger?: Logger;
}

const DEFAULT_TTL_MS = 10 * 60_000;

export function createCachedCrm(inner: CrmClient, store: Store, options: CachedCrmOptions): CrmClient {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const inFlight = new Map<string, Promise<unknown>>();

  /** The cached value, or one shared load of it; the store failing only costs a CRM request. */
  function cached<T>(name: string, load: () => Promise<T>): Promise<T> {
    const key = `crm-cache:${options.namespace}:${name}`;
    const pending = inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const promise = (async () => {
      try {
        const hit = await store.get<T>(key);
        if (hit !== undefined) return hit;
      } catch (error) {
        options.logger?.warn({ err: error, key }, 'crm cache read failed; asking the CRM');
      }
      const value = await load();
      try {
        await store.set(key, value, ttlMs);
      } catch (error) {
        options.logger?.warn({ err: error, key }, 'crm cache write failed');
      }
      return value;
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, promise);
    return promise;
  }

  return {
    provider: inner.provider,
    displayName: inner.displayName,
    capabilities: inner.capabilities,

    defaultCurrency: () => cached<string>('default-currency', () => inner.defaultCurrency()),
    listPipelines: () => cached<Pipeline[]>('pipelines', () => inner.listPipelines()),
    // All stages are cached once; one pipeline's are a filter away, not another request.
    listStages: async (pipelineId?: string) => {
      const stages = await cached<Stage[]>('stages', () => inner.listStages());
      return pipelineId === undefined ? stages : stages.filter((stage) => stage.pipelineId === pipelineId);
    },
    listUsers: () => cached<User[]>('users', () => inner.listUsers()),

    getDeal: (id) => inner.getDeal(id),
    searchDeals: (term, searchOptions) => inner.searchDeals(term, searchOptions),
    listDeals: (query) => inner.listDeals(query),
    createDeal: (input, writeOptions) => inner.createDeal(input, writeOptions),
    updateDeal: (id, patch, writeOptions) => inner.updateDeal(id, patch, writeOptions),
    moveDeal: (id, stageId, writeOptions) => inner.moveDeal(id, stageId, writeOptions),
    markWon: (id, writeOptions) => inner.markWon(id, writeOptions),
    markLost: (id, reason, writeOptions) => inner.markLost(id, reason, writeOptions),
    reopenDeal: (id, writeOptions) => inner.reopenDeal(id, writeOptions),
    getDealHistory: (id, cursor) => inner.getDealHistory(id, cursor),
    // Optional operations pass through when the adapter has them (searches are cached by
    // their callers for a short time, per term; see `services/picker-search.ts`).
    ...(inner.addNote ? { addNote: inner.addNote.bind(inner) } : {}),
    ...(inner.searchOrganizations ? { searchOrganizations: inner.searchOrganizations.bind(inner) } : {}),
    ...(inner.searchPersons ? { searchPersons: inner.searchPersons.bind(inner) } : {}),
  };
}
