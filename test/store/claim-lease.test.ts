// Claims as leases, on every backend: the holder claiming again renews its claim, anyone
// else is refused until it lapses or is released; a scoped view keeps its claims, locks and
// keys apart from another namespace's on the same store.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { CONSOLE_NAMESPACE, workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';

let dir: string;
let admin: RedisAdmin | undefined;
const redisNamespace = `dealbot-test-lease-${randomUUID().slice(0, 8)}`;
const opened: Store[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-lease-'));
  admin = await requireRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (!admin) return;
  for await (const keys of admin.scanIterator({ MATCH: `${redisNamespace}*`, COUNT: 500 })) if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

describe.each([
  { name: 'memory', url: () => 'memory://', namespace: 'dealbot' },
  { name: 'SQLite', url: () => `sqlite://${path.join(dir, 'lease.sqlite')}`, namespace: 'dealbot' },
  { name: 'Redis', url: () => REDIS_URL, namespace: redisNamespace },
])('claims on $name', ({ url, namespace }) => {
  async function open(): Promise<Store> {
    const store = await createStore(url(), { namespace });
    opened.push(store);
    return store;
  }

  it('are renewed by their holder and refused to anyone else until released', async () => {
    const store = await open();
    const key = `lease:${randomUUID()}`;
    expect(await store.claim(key, 60_000, 'holder')).toBe(true);
    expect(await store.claim(key, 60_000, 'holder')).toBe(true);
    expect(await store.claim(key, 60_000, 'other')).toBe(false);
    await store.release(key, 'other');
    expect(await store.claim(key, 60_000, 'other')).toBe(false);
    await store.release(key, 'holder');
    expect(await store.claim(key, 60_000, 'other')).toBe(true);
    expect(await store.claim(key, 60_000, 'holder')).toBe(false);
  });

  it('belong to one namespace when taken through a scoped view', async () => {
    const store = await open();
    const bot = scopeStore(store, workspaceNamespace({ teamId: 'T0ACME' }));
    const console_ = scopeStore(store, CONSOLE_NAMESPACE);
    const key = `lease:${randomUUID()}`;
    expect(await bot.claim(key, 60_000, 'a')).toBe(true);
    expect(await console_.claim(key, 60_000, 'b')).toBe(true);
    await bot.set('setting', 'bot');
    await console_.set('setting', 'console');
    expect(await bot.get('setting')).toBe('bot');
    expect(await console_.get('setting')).toBe('console');
    expect(await store.get('setting')).toBeUndefined();
  });
});

describe('workspace namespaces', () => {
  it('key an org-wide install by its enterprise, any other by its team', () => {
    expect(workspaceNamespace({ teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: true })).toBe('slack:E1');
    expect(workspaceNamespace({ teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: false })).toBe('slack:T1');
    expect(workspaceNamespace({ teamId: 'T1' })).toBe('slack:T1');
    expect(workspaceNamespace({})).not.toBe(CONSOLE_NAMESPACE);
  });
});
