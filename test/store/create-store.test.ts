// The three backends behind one contract, two "processes" per backend (two stores on one
// file or one Redis). Expiry is tested without waiting: `Date` is faked (only `Date`, so
// SQLite and Redis I/O run as usual) and moved past the ttl; Redis keeps its own clock, so
// there "time passes" by setting the expiry of the keys whose ttl has run out to the past.
// The Redis tests need a real Redis and say so at once when there is none.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { LockTimeoutError, StoreError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import { createReadiness } from '../../src/runtime/readiness.js';
import { probeStore } from '../../src/store/probe-store.js';
import type { Store } from '../../src/store/store.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';

const runId = randomUUID().slice(0, 8);
let dir: string;
let redis: RedisAdmin | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-store-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (!redis) return;
  // Every Redis key this run wrote starts with its namespace.
  for await (const keys of redis.scanIterator({ MATCH: `dealbot-test-${runId}*`, COUNT: 500 })) {
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.close();
});

interface Backend {
  name: string;
  /** Two stores on the same data, as two processes would open them. */
  open(): Promise<[Store, Store]>;
  /** Lets `ms` pass for the stored data (the faked `Date` must be on). */
  passTime(ms: number): Promise<void>;
}

const moveDate = async (ms: number): Promise<void> => {
  vi.setSystemTime(Date.now() + ms);
};

let redisNamespace = '';

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const store = await createStore('memory://');
      return [store, store];
    },
    passTime: moveDate,
  },
  {
    name: 'sqlite',
    async open() {
      const url = `sqlite://${path.join(dir, `${randomUUID()}.sqlite`)}`;
      return [await createStore(url), await createStore(url)];
    },
    passTime: moveDate,
  },
  {
    name: 'redis',
    async open() {
      // Fails here, in a sentence, when there is no Redis: "Redis is not running on 127.0.0.1:6379 …".
      redis ??= await requireRedis();
      redisNamespace = `dealbot-test-${runId}-${randomUUID().slice(0, 8)}`;
      const namespace = redisNamespace;
      return [await createStore(REDIS_URL, { namespace }), await createStore(REDIS_URL, { namespace })];
    },
    async passTime(ms) {
      await moveDate(ms);
      // keyv checks a value's expiry against `Date`; claims are expired by Redis on its own
      // clock, so every expiry in this namespace is brought `ms` closer instead.
      for await (const keys of redis!.scanIterator({ MATCH: `${redisNamespace}*`, COUNT: 500 })) {
        for (const key of keys) {
          const left = await redis!.pTTL(key);
          if (left < 0) continue;
          if (left <= ms) await redis!.pExpireAt(key, 1);
          else await redis!.pExpire(key, left - ms);
        }
      }
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
    await a?.close();
    await b?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
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

  it('forgets a value after its ttl, not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await a.set('cache:users', ['ada'], 60_000);
    await backend.passTime(59_000);
    expect(await b.get('cache:users')).toEqual(['ada']);
    await backend.passTime(1_001);
    expect(await b.get('cache:users')).toBeUndefined();
    expect(await a.get('cache:users')).toBeUndefined();
  });

  it('lets exactly one of two concurrent claimers take a key', async () => {
    const key = `digest:${randomUUID()}`;
    const results = await Promise.all([a.claim(key, 5_000, 'replica-1'), b.claim(key, 5_000, 'replica-2')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim(key, 5_000, 'replica-3')).toBe(false);
  });

  it('hands an expired claim to the next claimer, and not before it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = `idem:${randomUUID()}`;
    expect(await a.claim(key, 30_000, 'first')).toBe(true);
    expect(await b.claim(key, 30_000, 'second')).toBe(false);
    await backend.passTime(29_000);
    expect(await b.claim(key, 30_000, 'second')).toBe(false);
    await backend.passTime(1_001);
    expect(await b.claim(key, 30_000, 'second')).toBe(true);
    expect(await a.claim(key, 30_000, 'first')).toBe(false);
  });

  it('renews a lease for its holder: it outlives its first ttl', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = `lease:${randomUUID()}`;
    expect(await a.claim(key, 30_000, 'worker')).toBe(true);
    await backend.passTime(20_000);
    expect(await a.claim(key, 30_000, 'worker')).toBe(true);
    await backend.passTime(20_000);
    expect(await b.claim(key, 30_000, 'other')).toBe(false);
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
    let holderIn!: () => void;
    const held = new Promise<void>((resolve) => (holderIn = resolve));
    const holding = a.withLock(name, () => {
      holderIn();
      return new Promise<void>((resolve) => (releaseHolder = resolve));
    });
    await held;
    const waiting = b.withLock(name, async () => 'never', { waitMs: 100 });
    await expect(waiting).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(waiting).rejects.toMatchObject({ key: name, waitedMs: 100 });
    releaseHolder();
    await holding;
  });

  it('lets a waiter in once the holder dies and its lock expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const name = `lock-${randomUUID()}`;
    // A holder that never releases: the claim behind the lock, taken and abandoned.
    expect(await a.claim(`lock:${name}`, 30_000, 'crashed-process')).toBe(true);
    let ran = false;
    const waiting = b.withLock(
      name,
      async () => {
        ran = true;
        return 'recovered';
      },
      { waitMs: 120_000 },
    );
    // Whatever the waiter tried meanwhile, the lock is not free yet.
    await a.get('anything');
    expect(ran).toBe(false);
    await backend.passTime(30_001);
    await expect(waiting).resolves.toBe('recovered');
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

describe('a store that can no longer keep what it is told', () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
  });

  async function openSqlite(
    name: string,
    options: { simulateReadOnly?: boolean } = {},
  ): Promise<{ store: Store; file: string; url: string }> {
    const file = path.join(dir, `${name}-${randomUUID()}.sqlite`);
    const url = `sqlite://${file}`;
    const store = await createStore(url, options);
    opened.push(store);
    return { store, file, url };
  }

  it('passes the probe while the SQLite file is the one it opened', async () => {
    const { store } = await openSqlite('healthy');
    await expect(probeStore(store)).resolves.toBeUndefined();
  });

  it('refuses the next write once the SQLite file is deleted, and the probe says why', async () => {
    const { store, file, url } = await openSqlite('deleted');
    await store.set('deal:1', { title: 'Kept' });
    await unlink(file);
    // SQLite would carry on writing into the unlinked file, and lose it all at the next restart.
    const refused = await store.set('deal:2', { title: 'Would be lost' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).message).toMatch(/SQLite file .* was deleted while Dealbot was running/);
    await expect(store.delete('deal:1')).rejects.toBeInstanceOf(StoreError);
    await expect(probeStore(store)).rejects.toThrow(/was deleted/);
    // `/readyz` runs this probe as its store check (see `main.ts`): not ready, and why.
    const readiness = createReadiness();
    readiness.setStarting(null);
    readiness.addCheck('store', () => probeStore(store));
    const report = await readiness.report();
    expect(report.ready).toBe(false);
    expect(report.checks.store).toEqual({ ok: false, reason: expect.stringMatching(/SQLite file .* was deleted/) });
    // A fresh file at the same path (another process starting) is another store: still refused.
    opened.push(await createStore(url));
    await expect(store.set('deal:3', 'x')).rejects.toThrow(/was deleted/);
  });

  it('refuses writes once the SQLite file is replaced by another', async () => {
    const { store, file } = await openSqlite('replaced');
    const other = `${file}.other`;
    await copyFile(file, other);
    await rename(other, file);
    await expect(store.set('k', 'v')).rejects.toThrow(/SQLite file .* was replaced/);
    await expect(probeStore(store)).rejects.toBeInstanceOf(StoreError);
  });

  it('confirms no deal to a person once its file is gone: the embedded CRM refuses the create', async () => {
    const { store, file } = await openSqlite('crm');
    const crm = createLocalCrm({ store });
    const pipeline = await crm.createPipeline({ name: 'Sales' });
    await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
    await expect(crm.createDeal({ title: 'Before' })).resolves.toMatchObject({ title: 'Before' });
    await unlink(file);
    await expect(crm.createDeal({ title: 'After the file vanished' })).rejects.toBeInstanceOf(StoreError);
  });

  // Tests run as root, where chmod stops no write; `simulateReadOnly` opens the file with
  // `PRAGMA query_only`, which SQLite refuses writes under exactly as for a read-only file.
  it('will not start on a read-only SQLite file, and says it is read-only', async () => {
    const { file, url } = await openSqlite('read-only-later');
    const error = await createStore(url, { simulateReadOnly: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(`The SQLite store at ${file} is read-only`);
    expect((error as StoreError).cause).toBeDefined();
  });

  it('will not start on a SQLite file its user may not write to (chmod, as a user it applies to)', async (context) => {
    const { store, file, url } = await openSqlite('chmod');
    await store.set('deal:1', 'kept');
    await store.close();
    await chmod(file, 0o444);
    await chmod(dir, 0o755);
    // As root, chmod stops nothing: open it as `nobody` instead, if `nobody` can read this checkout.
    const asRoot = process.getuid?.() === 0;
    const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const run = promisify(execFile);
    const opened = await run(process.execPath, ['--import', 'tsx', 'test/store/open-store.ts', url], {
      cwd: repoRoot,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    }).catch((error: unknown) => error as Error);
    if (opened instanceof Error && asRoot) {
      context.skip(`nobody cannot run this checkout (${opened.message.split('\n')[0]}); the simulated read-only test covers it`);
    }
    if (opened instanceof Error) throw opened;
    expect(JSON.parse(opened.stdout)).toEqual({
      opened: false,
      error: 'StoreError',
      message: expect.stringContaining(`The SQLite store at ${file} is read-only`),
    });
  });

  it('names a read-only backend in the probe and in each refused write', async () => {
    const memory = await createStore('memory://');
    opened.push(memory);
    const readOnly = Object.assign(new Error('SQLITE_READONLY: attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    const refusing: Store = {
      ...memory,
      kind: 'sqlite',
      set: () => Promise.reject(new StoreError('The sqlite store failed to set', { cause: readOnly })),
    };
    await expect(probeStore(refusing)).rejects.toThrow('The sqlite store is read-only: it answers reads but refuses every write');
  });
});
