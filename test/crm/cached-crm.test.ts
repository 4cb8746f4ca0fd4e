import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { createCachedCrm } from '../../src/crm/cached-crm.js';
import type { CrmClient, Deal, Pipeline, Stage, User } from '../../src/crm/port.js';
import type { Store } from '../../src/store/store.js';

/** A Map-backed Store with a hand-moved clock; only what the cache uses is real. */
function memoryStore() {
  let now = 0;
  const entries = new Map<string, { value: unknown; expiresAt: number | null }>();
  const sets: Array<{ key: string; ttlMs: number | undefined }> = [];
  const store: Store = {
    kind: 'memory',
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry || (entry.expiresAt !== null && entry.expiresAt <= now)) return undefined;
      return structuredClone(entry.value) as T;
    },
    async getMany<T>(keys: string[]) {
      return Promise.all(keys.map((key) => store.get<T>(key)));
    },
    async set(key, value, ttlMs) {
      sets.push({ key, ttlMs });
      entries.set(key, { value: structuredClone(value), expiresAt: ttlMs === undefined ? null : now + ttlMs });
    },
    async delete(key) {
      return entries.delete(key);
    },
    async claim() {
      throw new Error('not used by the cache');
    },
    async release() {
      throw new Error('not used by the cache');
    },
    async withLock() {
      throw new Error('not used by the cache');
    },
    async close() {},
  };
  return { store, sets, entries, advance: (ms: number) => (now += ms) };
}

const pipelines: Pipeline[] = [
  { id: '1', name: 'Sales', order: 1, isDefault: true },
  { id: '2', name: 'Renewals', order: 2, isDefault: false },
];
const stages: Stage[] = [
  { id: '10', pipelineId: '1', name: 'Lead In', order: 1, probability: 10 },
  { id: '11', pipelineId: '1', name: 'Demo', order: 2, probability: 50 },
  { id: '20', pipelineId: '2', name: 'Renewal due', order: 1, probability: null },
];
const users: User[] = [{ id: '7', name: 'Ada Lovelace', email: 'ada@example.com', active: true }];
const deal = { id: '42', title: 'Acme', stageId: '20' } as Deal;

/** A recording CrmClient: every method is a spy answering fixed data. */
function fakeCrm() {
  return {
    provider: 'pipedrive',
    displayName: 'Pipedrive',
    capabilities: { dealHistory: true, search: true, lostReason: true, notes: true },
    defaultCurrency: vi.fn(async () => 'EUR'),
    listPipelines: vi.fn(async () => pipelines),
    listStages: vi.fn(async (_pipelineId?: string) => stages),
    listUsers: vi.fn(async () => users),
    getDeal: vi.fn(async () => deal),
    searchDeals: vi.fn(async () => ({ hits: [], more: false })),
    listDeals: vi.fn(async () => ({ items: [deal], nextCursor: null })),
    createDeal: vi.fn(async () => deal),
    updateDeal: vi.fn(async () => deal),
    moveDeal: vi.fn(async () => deal),
    markWon: vi.fn(async () => deal),
    markLost: vi.fn(async () => deal),
    reopenDeal: vi.fn(async () => deal),
    getDealHistory: vi.fn(async () => ({
      items: [{ kind: 'created' as const, at: DateTime.utc(2026, 1, 1), actor: null }],
      nextCursor: null,
    })),
  } satisfies CrmClient;
}

describe('createCachedCrm', () => {
  it('asks the CRM for pipelines once and answers later calls from the store with the TTL', async () => {
    const inner = fakeCrm();
    const { store, sets } = memoryStore();
    const crm = createCachedCrm(inner, store, { namespace: 'pipedrive:abc123' });

    expect(await crm.listPipelines()).toEqual(pipelines);
    expect(await crm.listPipelines()).toEqual(pipelines);

    expect(inner.listPipelines).toHaveBeenCalledTimes(1);
    expect(sets).toEqual([{ key: 'crm-cache:pipedrive:abc123:pipelines', ttlMs: 600_000 }]);
  });

  it('caches all stages once and filters one pipeline in memory', async () => {
    const inner = fakeCrm();
    const crm = createCachedCrm(inner, memoryStore().store, { namespace: 'ns' });

    expect((await crm.listStages('2')).map((s) => s.id)).toEqual(['20']);
    expect((await crm.listStages('1')).map((s) => s.id)).toEqual(['10', '11']);
    expect(await crm.listStages()).toEqual(stages);
    expect(await crm.listStages('9')).toEqual([]);

    expect(inner.listStages).toHaveBeenCalledTimes(1);
    expect(inner.listStages).toHaveBeenCalledWith();
  });

  it('lets concurrent cold calls share one request', async () => {
    const inner = fakeCrm();
    let answer!: (value: User[]) => void;
    inner.listUsers.mockImplementationOnce(() => new Promise<User[]>((resolve) => (answer = resolve)));
    const crm = createCachedCrm(inner, memoryStore().store, { namespace: 'ns' });

    const calls = [crm.listUsers(), crm.listUsers(), crm.listUsers()];
    await vi.waitFor(() => expect(inner.listUsers).toHaveBeenCalled());
    answer(users);

    expect(await Promise.all(calls)).toEqual([users, users, users]);
    expect(inner.listUsers).toHaveBeenCalledTimes(1);
  });

  it('asks again once the TTL has passed', async () => {
    const inner = fakeCrm();
    const { store, advance } = memoryStore();
    const crm = createCachedCrm(inner, store, { namespace: 'ns', ttlMs: 60_000 });

    await crm.defaultCurrency();
    advance(59_999);
    await crm.defaultCurrency();
    expect(inner.defaultCurrency).toHaveBeenCalledTimes(1);

    advance(1);
    expect(await crm.defaultCurrency()).toBe('EUR');
    expect(inner.defaultCurrency).toHaveBeenCalledTimes(2);
  });

  it('does not remember a failure', async () => {
    const inner = fakeCrm();
    inner.listPipelines.mockRejectedValueOnce(new Error('CRM down'));
    const crm = createCachedCrm(inner, memoryStore().store, { namespace: 'ns' });

    await expect(crm.listPipelines()).rejects.toThrow('CRM down');
    await expect(crm.listPipelines()).resolves.toEqual(pipelines);
    expect(inner.listPipelines).toHaveBeenCalledTimes(2);
  });

  it('keeps accounts apart by namespace', async () => {
    const { store } = memoryStore();
    const a = fakeCrm();
    const b = fakeCrm();
    b.defaultCurrency.mockResolvedValue('USD');

    expect(await createCachedCrm(a, store, { namespace: 'pipedrive:a' }).defaultCurrency()).toBe('EUR');
    expect(await createCachedCrm(b, store, { namespace: 'pipedrive:b' }).defaultCurrency()).toBe('USD');
  });

  it('passes deal reads and writes through, and a write does not drop the cached stages', async () => {
    const inner = fakeCrm();
    const crm = createCachedCrm(inner, memoryStore().store, { namespace: 'ns' });
    const options = { actor: { name: 'Ada' } };

    await crm.listStages();
    expect(await crm.moveDeal('42', '20', options)).toBe(deal);
    await crm.markLost('42', 'Budget', options);
    await crm.updateDeal('42', { title: 'New' }, options);
    await crm.getDeal('42');
    await crm.searchDeals('acme', { limit: 5 });
    await crm.getDealHistory('42', '5');
    await crm.listStages('2');

    expect(inner.moveDeal).toHaveBeenCalledWith('42', '20', options);
    expect(inner.markLost).toHaveBeenCalledWith('42', 'Budget', options);
    expect(inner.updateDeal).toHaveBeenCalledWith('42', { title: 'New' }, options);
    expect(inner.getDeal).toHaveBeenCalledWith('42');
    expect(inner.searchDeals).toHaveBeenCalledWith('acme', { limit: 5 });
    expect(inner.getDealHistory).toHaveBeenCalledWith('42', '5');
    expect(inner.listStages).toHaveBeenCalledTimes(1);
    expect([crm.provider, crm.displayName, crm.capabilities]).toEqual([inner.provider, inner.displayName, inner.capabilities]);
  });

  it('still answers when the store fails', async () => {
    const inner = fakeCrm();
    const { store } = memoryStore();
    store.get = async () => {
      throw new Error('redis down');
    };
    store.set = async () => {
      throw new Error('redis down');
    };
    const crm = createCachedCrm(inner, store, { namespace: 'ns' });

    await expect(crm.listUsers()).resolves.toEqual(users);
  });
});
