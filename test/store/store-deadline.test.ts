// A store that stops answering fails each operation within its deadline (a `StoreError` whose
// cause is a `DeadlineError`), instead of holding the request forever. Shown twice: on a
// backend whose promises never settle, with the clock faked; and on a real Redis reached
// through a loopback proxy that is then frozen (it keeps the connection and drops every byte,
// which is what a paused or wedged Redis looks like from the client).

import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type Keyv from 'keyv';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineError, StoreError } from '../../src/errors.js';
import { createReadiness } from '../../src/runtime/readiness.js';
import { createStore } from '../../src/store/create-store.js';
import { createKeyvStore, DEFAULT_STORE_DEADLINE_MS } from '../../src/store/keyv-store.js';
import { probeStore } from '../../src/store/probe-store.js';
import type { Store } from '../../src/store/store.js';
import { requireRedis, type RedisAdmin } from '../digest/require-redis.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

function frozenKeyvStore(deadlineMs?: number): Store {
  const keyv = { get: never, getMany: never, set: never, delete: never } as unknown as Keyv;
  return createKeyvStore({
    kind: 'redis',
    keyv,
    claims: { claim: never, release: never },
    close: async () => undefined,
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  });
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected the store operation to fail');
    },
    (error: unknown) => error,
  );
}

describe('store operations have a deadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails get, set, delete, claim and release of a backend that never answers after the deadline, naming what timed out', async () => {
    vi.useFakeTimers();
    const store = frozenKeyvStore();
    const operations = {
      get: failureOf(store.get('deal:1')),
      getMany: failureOf(store.getMany(['a', 'b'])),
      set: failureOf(store.set('deal:1', { id: 1 })),
      delete: failureOf(store.delete('deal:1')),
      claim: failureOf(store.claim('digest:claim:s1', 30_000, 'me')),
      release: failureOf(store.release('digest:claim:s1', 'me')),
    };
    let settled = 0;
    for (const p of Object.values(operations)) void p.then(() => settled++);
    await vi.advanceTimersByTimeAsync(DEFAULT_STORE_DEADLINE_MS - 1);
    expect(settled).toBe(0);
    await vi.advanceTimersByTimeAsync(1);

    expect.assertions(1 + 3 * 6);
    for (const [name, failure] of Object.entries(operations)) {
      const error = await failure;
      expect(error, name).toBeInstanceOf(StoreError);
      expect((error as StoreError).message, name).toMatch(/did not answer in time/);
      expect((error as StoreError).cause, name).toBeInstanceOf(DeadlineError);
    }
  });

  it('gives up on a lock whose claim never answers instead of waiting for it', async () => {
    vi.useFakeTimers();
    const store = frozenKeyvStore(500);
    const ran = vi.fn();
    const failure = failureOf(store.withLock('deal:1', async () => ran()));
    await vi.advanceTimersByTimeAsync(500);
    const error = await failure;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toBeInstanceOf(DeadlineError);
    expect(ran).not.toHaveBeenCalled();
  });
});

/** A TCP proxy to the Redis on 6379 that can be frozen: connections stay open, no byte goes through. */
async function startFreezableProxy(target: { host: string; port: number }) {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a Redis that freezes', () => {
  let admin: RedisAdmin | undefined;
  const namespace = `dealbot-test-frozen-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    if (!admin) return;
    for await (const keys of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) if (keys.length > 0) await admin.del(keys);
    await admin.close();
  });

  it('fails reads and writes within the deadline, turns readiness red within 5 s, and still closes', async () => {
    admin ??= await requireRedis();
    const proxy = await startFreezableProxy({ host: '127.0.0.1', port: 6379 });
    // Long enough that a healthy Redis on a busy machine is never cut short before the freeze.
    const store = await createStore(proxy.url, { namespace, deadlineMs: 1_500 });
    try {
      await store.set('deal:1', 'kept');
      expect(await store.get('deal:1')).toBe('kept');
      const readiness = createReadiness();
      readiness.setStarting(null);
      readiness.addCheck('store', () => probeStore(store), { cacheMs: 0 });
      expect((await readiness.report()).ready).toBe(true);

      proxy.freeze();

      const read = await failureOf(store.get('deal:1'));
      expect(read).toBeInstanceOf(StoreError);
      expect((read as StoreError).cause).toBeInstanceOf(DeadlineError);
      const write = await failureOf(store.set('deal:2', 'lost'));
      expect((write as StoreError).cause).toBeInstanceOf(DeadlineError);

      const asked = performance.now();
      const report = await readiness.report();
      expect(report.ready).toBe(false);
      expect(report.checks.store).toEqual({ ok: false, reason: expect.stringMatching(/did not answer/) });
      expect(performance.now() - asked).toBeLessThan(5_000);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('refuses to open a "Redis" that accepts the connection and never answers, within the deadline', async () => {
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => void accepted.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const error = await failureOf(createStore(`redis://127.0.0.1:${port}`, { deadlineMs: 300 }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).cause).toBeInstanceOf(DeadlineError);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
