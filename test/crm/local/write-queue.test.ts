import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../../src/crm/local/local-crm.js';
import { createWriteQueue } from '../../../src/crm/local/write-queue.js';
import { LockTimeoutError } from '../../../src/errors.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-write-queue-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The store, with a lock that gives up at once when someone holds it (a lock wait that ran
 * out), and counts how often it was taken. Writes that race for the lock get refused here;
 * writes that queue for it do not.
 */
function impatientLock(store: Store) {
  let held = false;
  const stats = { taken: 0, refused: 0 };
  const wrapped: Store = {
    ...store,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    set: (key, value, ttl) => store.set(key, value, ttl),
    delete: (key) => store.delete(key),
    claim: (key, ttl, owner) => store.claim(key, ttl, owner),
    release: (key, owner) => store.release(key, owner),
    close: () => store.close(),
    async withLock(name, fn) {
      if (held) {
        stats.refused += 1;
        throw new LockTimeoutError(name, 0);
      }
      held = true;
      stats.taken += 1;
      try {
        return await fn();
      } finally {
        held = false;
      }
    },
  };
  return { store: wrapped, stats };
}

describe('the embedded CRM under a burst of writes', () => {
  it.each([
    { name: 'memory', url: () => 'memory://' },
    { name: 'sqlite', url: () => `sqlite://${path.join(dir, 'burst.sqlite')}` },
  ])('creates every deal of 300 sent at once, with distinct ids, on the $name store', async ({ url }) => {
    const base = await createStore(url());
    const { store, stats } = impatientLock(base);
    const crm = createLocalCrm({ store });
    const pipeline = await crm.createPipeline({ name: 'Sales' });
    const stage = await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });

    const created = await Promise.all(
      Array.from({ length: 300 }, (_, i) => crm.createDeal({ title: `Burst deal ${i}`, stageId: stage.id })),
    );

    expect(stats.refused).toBe(0);
    expect(new Set(created.map((d) => d.id)).size).toBe(300);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await crm.listDeals({ pipelineId: pipeline.id, cursor });
      listed.push(...page.items.map((d) => d.title));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(listed.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `Burst deal ${i}`).sort());
    // The lock is taken per batch of queued writes, not per write.
    expect(stats.taken).toBeLessThan(300);
    await base.close();
  });
});

/** The store, recording every key written, in order, and how often the lock was taken. */
function recordingStore(store: Store) {
  const written: string[] = [];
  const stats = { locks: 0 };
  const wrapped: Store = {
    ...store,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    set: (key, value, ttl) => {
      written.push(key);
      return store.set(key, value, ttl);
    },
    delete: (key) => store.delete(key),
    claim: (key, ttl, owner) => store.claim(key, ttl, owner),
    release: (key, owner) => store.release(key, owner),
    close: () => store.close(),
    withLock: (name, fn, options) => {
      stats.locks += 1;
      return store.withLock(name, fn, options);
    },
  };
  return { store: wrapped, written, stats };
}

describe('the embedded CRM writes a batch of creates once per key', () => {
  it.each([
    { name: 'memory', url: () => 'memory://' },
    { name: 'sqlite', url: () => `sqlite://${path.join(dir, 'batched.sqlite')}` },
  ])('40 creates queued together write the catalog and their stage-index shard once, on the $name store', async ({ url }) => {
    const base = await createStore(url(), { namespace: 'batched' });
    const { store, written, stats } = recordingStore(base);
    const crm = createLocalCrm({ store });
    const pipeline = await crm.createPipeline({ name: 'Sales' });
    const stage = await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
    written.length = 0;
    stats.locks = 0;

    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => crm.createDeal({ title: `Batched deal ${i}`, stageId: stage.id })),
    );

    expect(stats.locks).toBe(1);
    const count = (pattern: RegExp) => written.filter((key) => pattern.test(key)).length;
    // One read-modify-write of the shared keys per batch; before batching it was one per deal
    // (40 catalogs, 40 rewrites of a shard that grows to 40 rows).
    expect(count(/:catalog$/)).toBe(1);
    expect(count(/:stage-deals:/)).toBe(1);
    expect(count(/:deal:/)).toBe(40);
    expect(count(/:history:/)).toBe(40);
    expect(written).toHaveLength(82);
    // Written in an order that survives dying midway: the id counter first, the deals last.
    expect(written[0]).toMatch(/:catalog$/);
    expect(written.slice(-40).every((key) => key.includes(':deal:'))).toBe(true);

    // Every deal is really there, each with its own id, its history and its index row.
    expect(new Set(created.map((d) => d.id)).size).toBe(40);
    const page = await crm.listDeals({ stageId: stage.id });
    expect(page.items.map((d) => d.title).sort()).toEqual(created.map((d) => d.title).sort());
    const history = await crm.getDealHistory(created[39]!.id);
    expect(history.items.map((c) => c.kind)).toEqual(['created']);
    await base.close();
  });
});

describe('createWriteQueue', () => {
  it('runs writes one at a time in the order they came, each under the lock', async () => {
    const base = await createStore('memory://');
    const { store } = impatientLock(base);
    const queue = createWriteQueue(store, 'orders');
    const log: string[] = [];
    let inside = 0;
    const write = (name: string) =>
      queue.run(async () => {
        inside += 1;
        expect(inside).toBe(1);
        await Promise.resolve();
        log.push(name);
        inside -= 1;
        return name;
      });
    expect(await Promise.all(['a', 'b', 'c', 'd'].map(write))).toEqual(['a', 'b', 'c', 'd']);
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.size).toBe(0);
  });

  it('fails only the write that failed; the next ones still run', async () => {
    const store = await createStore('memory://');
    const queue = createWriteQueue(store, 'failures');
    const results = await Promise.allSettled([
      queue.run(async () => 1),
      queue.run(async () => {
        throw new RangeError('bad write');
      }),
      queue.run(async () => 3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
  });

  it('tells the write at the head why the lock could not be taken, and carries on with the rest', async () => {
    const store = await createStore('memory://');
    let refuseOnce = true;
    const flaky: Store = {
      ...store,
      withLock: (name, fn, options) => {
        if (refuseOnce) {
          refuseOnce = false;
          return Promise.reject(new LockTimeoutError(name, 10));
        }
        return store.withLock(name, fn, options);
      },
    };
    const queue = createWriteQueue(flaky, 'stuck');
    const results = await Promise.allSettled([queue.run(async () => 'first'), queue.run(async () => 'second')]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(LockTimeoutError) });
    expect(results[1]).toEqual({ status: 'fulfilled', value: 'second' });
  });

  it('lets a batch read its own writes, and settles a write only once its writes are in the store', async () => {
    const store = await createStore('memory://');
    const queue = createWriteQueue(store, 'staged');
    const seenInside: unknown[] = [];
    const seenAfter: unknown[] = [];
    await Promise.all([
      queue
        .run(async (batch) => {
          batch.set('counter', 1);
          seenInside.push(await store.get('counter'));
        })
        .then(async () => seenAfter.push(await store.get('counter'))),
      queue.run(async (batch) => {
        const current = (await batch.get<number>('counter')) ?? 0;
        seenInside.push(current);
        batch.set('counter', current + 1);
      }),
    ]);
    // Inside the batch the store has nothing yet; the second write saw the first's value.
    expect(seenInside).toEqual([undefined, 1]);
    expect(seenAfter).toEqual([2]);
    expect(await store.get('counter')).toBe(2);
  });

  it('fails every write of a batch whose writes the store refused', async () => {
    const store = await createStore('memory://');
    const broken: Store = {
      ...store,
      set: () => Promise.reject(new RangeError('disk full')),
    };
    const queue = createWriteQueue(broken, 'refused');
    const results = await Promise.allSettled([
      queue.run(async (batch) => batch.set('a', 1)),
      queue.run(async (batch) => batch.set('b', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
    expect(queue.size).toBe(0);
  });
});
