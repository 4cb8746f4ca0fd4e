// The memory store forgets what has expired (src/store/expiring-map.ts, memory-claims.ts):
// Keyv drops an expired entry only when it is read again, so without a sweep a long-running
// process on `memory://` keeps every key it ever wrote.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpiringMap, SWEEP_EVERY_MS } from '../../src/store/expiring-map.js';
import { createMemoryClaims } from '../../src/store/memory-claims.js';
import { createStore } from '../../src/store/create-store.js';

describe('ExpiringMap', () => {
  it('sweeps entries past their time to live on a write, at most once a minute, and keeps the rest', () => {
    let now = 1_000_000;
    const map = new ExpiringMap<string>(() => now);
    map.set('short', 'a', 1_000);
    map.set('long', 'b', 10 * 60_000);
    map.set('forever', 'c');
    now += 5_000;
    // Expired, but the last sweep was under a minute ago: still there until the next one.
    map.set('other', 'd', 1_000);
    expect([...map.keys()].sort()).toEqual(['forever', 'long', 'other', 'short']);
    now += SWEEP_EVERY_MS;
    map.set('fresh', 'e', 1_000);
    expect([...map.keys()].sort()).toEqual(['forever', 'fresh', 'long']);
  });

  it('never reads back an entry past its time to live, swept or not', () => {
    let now = 0;
    const map = new ExpiringMap<string>(() => now);
    map.set('short', 'a', 1_000);
    map.set('forever', 'b');
    now += 999;
    expect([map.get('short'), map.has('short')]).toEqual(['a', true]);
    now += 1;
    expect([map.get('short'), map.has('short'), map.get('forever')]).toEqual([undefined, false, 'b']);
  });

  it('forgets a key’s expiry when it is written again without one, or deleted', () => {
    let now = 0;
    const map = new ExpiringMap<string>(() => now);
    map.set('k', 'v1', 1_000);
    map.set('k', 'v2');
    map.set('gone', 'x', 1_000);
    map.delete('gone');
    map.set('gone', 'y');
    now += SWEEP_EVERY_MS + 1_000;
    map.set('tick', 't');
    expect(Object.fromEntries(map)).toEqual({ k: 'v2', gone: 'y', tick: 't' });
  });
});

describe('the memory:// store', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps its values in an ExpiringMap, told each time to live, so expired ones are swept', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const set = vi.spyOn(ExpiringMap.prototype, 'set');
    const store = await createStore('memory://');
    for (let i = 0; i < 500; i += 1) await store.set(`cache:${i}`, { i }, 1_000);
    await store.set('kept', { forever: true });
    vi.setSystemTime(Date.now() + SWEEP_EVERY_MS + 2_000);
    await store.set('cache:new', { i: -1 }, 1_000);
    expect(await store.get('kept')).toEqual({ forever: true });
    expect(await store.get('cache:new')).toEqual({ i: -1 });
    expect(await store.get('cache:7')).toBeUndefined();
    expect(set).toHaveBeenCalledWith(expect.stringContaining('cache:7'), expect.anything(), 1_000);
    expect(set).toHaveBeenCalledWith(expect.stringContaining('kept'), expect.anything(), undefined);
    set.mockRestore();
    await store.close();
  });

  it('sweeps lapsed claims, and a lapsed claim can be taken by someone else as before', async () => {
    let now = 0;
    const claims = createMemoryClaims(() => now);
    for (let i = 0; i < 100; i += 1) expect(await claims.claim(`delivery:${i}`, 1_000, 'a')).toBe(true);
    expect(await claims.claim('lease', 10 * SWEEP_EVERY_MS, 'a')).toBe(true);
    expect(claims.size).toBe(101);
    now += SWEEP_EVERY_MS + 1_000;
    expect(await claims.claim('delivery:0', 1_000, 'b')).toBe(true);
    expect(await claims.claim('lease', 1_000, 'b')).toBe(false);
    expect(claims.size).toBe(2);
    // A lease that has run out is free at once, before any sweep; a zero lease is not kept.
    expect(await claims.claim('short', 500, 'a')).toBe(true);
    now += 500;
    expect(await claims.claim('short', 0, 'b')).toBe(true);
    now += 1;
    expect(await claims.claim('short', 1_000, 'c')).toBe(true);
    await claims.release('short', 'b');
    expect(await claims.claim('short', 1_000, 'd')).toBe(false);
  });
});
