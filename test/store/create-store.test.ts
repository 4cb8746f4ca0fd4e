import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, StoreError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const runId = randomUUID().slice(0, 8);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-store-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  // Every Redis key this run wrote starts with its namespace.
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `dealbot-test-${runId}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
  await client.close();
});

interface Backend {
  name: string;
  /** Two stores on the same data, as two processes would open them. */
  open(): Promise<[Store, Store]>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const store = await createStore('memory://');
      return [store, store];
    },
  },
  {
    name: 'sqlite',
    async open() {
      const url = `sqlite://${path.join(dir, `${randomUUID()}.sqlite`)}`;
      return [await createStore(url), await createStore(url)];
    },
  },
  {
    name: 'redis',
    async open() {
      const namespace = `dealbot-test-${runId}-${randomUUID().slice(0, 8)}`;
      return [await createStore(REDIS_URL, { namespace }), await createStore(REDIS_URL, { namespace })];
    },
  },
];

describe.each(backends)('$name store', (backend) => {
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    [a, b] = await backend.open();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('reports its kind', () => {
    expect(a.kind).toBe(backend.name);
  });

  it('keeps values for every process and deletes them', async () => {
    await a.set('deal:1', { title: 'Acme rollout', value: { amount: 1200, currency: 'EUR' } });
    expect(await b.get('deal:1')).toEqual({ title: 'Acme rollout', value: { amount: 1200, currency: 'EUR' } });
    expect(await b.getMany(['deal:1', 'deal:missing'])).toEqual([
      { title: 'Acme rollout', value: { amount: 1200, currency: 'EUR' } },
      undefined,
    ]);
    expect(await b.getMany([])).toEqual([]);
    expect(await a.delete('deal:1')).toBe(true);
    expect(await a.delete('deal:1')).toBe(false);
    expect(await b.get('deal:1')).toBeUndefined();
  });

  it('returns a copy, not the stored object', async () => {
    const settings = { currency: 'EUR' };
    await a.set('settings', settings);
    settings.currency = 'USD';
    const read = await a.get<{ currency: string }>('settings');
    expect(read).toEqual({ currency: 'EUR' });
  });

  it('forgets a value after its ttl', async () => {
    await a.set('cache:users', ['ada'], 40);
    expect(await a.get('cache:users')).toEqual(['ada']);
    await sleep(80);
    expect(await b.get('cache:users')).toBeUndefined();
  });

  it('lets exactly one of two concurrent claimers take a key', async () => {
    const key = `digest:${randomUUID()}`;
    const results = await Promise.all([a.claim(key, 5_000, 'replica-1'), b.claim(key, 5_000, 'replica-2')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim(key, 5_000, 'replica-3')).toBe(false);
  });

  it('hands an expired claim to the next claimer', async () => {
    const key = `idem:${randomUUID()}`;
    expect(await a.claim(key, 40, 'first')).toBe(true);
    expect(await b.claim(key, 40, 'second')).toBe(false);
    await sleep(80);
    expect(await b.claim(key, 5_000, 'second')).toBe(true);
  });

  it('releases a claim only for its owner', async () => {
    const key = `idem:${randomUUID()}`;
    expect(await a.claim(key, 5_000, 'owner')).toBe(true);
    await b.release(key, 'someone-else');
    expect(await b.claim(key, 5_000, 'someone-else')).toBe(false);
    await a.release(key, 'owner');
    expect(await b.claim(key, 5_000, 'someone-else')).toBe(true);
  });

  it('never loses an increment made under the lock by two processes', async () => {
    const key = `counter:${randomUUID()}`;
    await a.set(key, 0);
    const increment = (store: Store) =>
      store.withLock(key, async () => {
        const current = (await store.get<number>(key)) ?? 0;
        await sleep(1);
        await store.set(key, current + 1);
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(await a.get(key)).toBe(20);
  });

  it('returns what the locked function returns and frees the lock when it throws', async () => {
    const name = `lock-${randomUUID()}`;
    await expect(a.withLock(name, async () => 'done')).resolves.toBe('done');
    await expect(
      a.withLock(name, async () => {
        throw new Error('deal write failed');
      }),
    ).rejects.toThrow('deal write failed');
    await expect(b.withLock(name, async () => 'next', { waitMs: 200 })).resolves.toBe('next');
  });

  it('gives up with LockTimeoutError while another process holds the lock', async () => {
    const name = `lock-${randomUUID()}`;
    let releaseHolder!: () => void;
    const holding = a.withLock(name, () => new Promise<void>((resolve) => (releaseHolder = resolve)));
    await sleep(20);
    const waiting = b.withLock(name, async () => 'never', { waitMs: 100 });
    await expect(waiting).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(waiting).rejects.toMatchObject({ key: name, waitedMs: 100 });
    releaseHolder();
    await holding;
  });

  it('lets a waiter in once the holder dies and its lock expires', async () => {
    const name = `lock-${randomUUID()}`;
    // A holder that never releases: the claim behind the lock, taken and abandoned.
    expect(await a.claim(`lock:${name}`, 60, 'crashed-process')).toBe(true);
    await expect(b.withLock(name, async () => 'recovered', { waitMs: 2_000 })).resolves.toBe('recovered');
  });
});

describe('createStore', () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('creates a relative SQLite path and its folders under the working directory', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'dealbot.sqlite');
    const store = await createStore(`sqlite://./${path.relative(process.cwd(), file)}`);
    opened.push(store);
    await store.set('k', 'v');
    expect(existsSync(file)).toBe(true);
  });

  it('keeps SQLite data across a restart', async () => {
    const url = `sqlite://${path.join(dir, 'restart.sqlite')}`;
    const first = await createStore(url);
    await first.set('settings', { currency: 'GBP' });
    await first.close();
    const second = await createStore(url);
    opened.push(second);
    expect(await second.get('settings')).toEqual({ currency: 'GBP' });
  });

  it('separates namespaces sharing one backend', async () => {
    const url = `sqlite://${path.join(dir, 'namespaces.sqlite')}`;
    const dealbot = await createStore(url);
    const other = await createStore(url, { namespace: 'other' });
    opened.push(dealbot, other);
    await dealbot.set('k', 'dealbot');
    expect(await other.get('k')).toBeUndefined();
    expect(await other.claim('c', 5_000)).toBe(true);
    expect(await dealbot.claim('c', 5_000)).toBe(true);
  });

  it('rejects an unknown URL scheme with StoreError', async () => {
    await expect(createStore('postgres://db/dealbot')).rejects.toBeInstanceOf(StoreError);
  });

  it('reports an unreachable Redis as StoreError without the password', async () => {
    const error = await createStore('redis://:s3cret@127.0.0.1:1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).not.toContain('s3cret');
    expect((error as StoreError).cause).toBeDefined();
  });

  it('reports an unusable SQLite path as StoreError with the cause', async () => {
    const error = await createStore(`sqlite://${dir}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
  });

  it('refuses to work after close', async () => {
    const store = await createStore('memory://');
    await store.close();
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreError);
  });
});
