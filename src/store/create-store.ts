// Opens the store named by `STORE_URL`: `sqlite://<path>` (the default, one file shared by
// every process on the machine), `redis://…` (shared by replicas) or `memory://` (this
// process only; tests and throwaway runs). All three are keyv underneath, with claims and
// locks built on each backend's own atomic operation (see `claim-backend.ts`). Each backend's
// client is imported when it is opened: a SQLite deployment never loads the Redis client
// (about 5 MB resident), nor a Redis one the SQLite driver.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Keyv from 'keyv';
import type KeyvSqlite from '@keyv/sqlite';
import { DeadlineError, StoreError } from '../errors.js';
import { createKeyvStore, DEFAULT_STORE_DEADLINE_MS } from './keyv-store.js';
import { ExpiringMap } from './expiring-map.js';
import { createMemoryClaims } from './memory-claims.js';
import { probeStore } from './probe-store.js';
import { isReadOnlyError } from './read-only.js';
import { createRedisClaims } from './redis-claims.js';
import { createSqliteClaims, type SqliteQuery } from './sqlite-claims.js';
import { guardSqliteFile } from './sqlite-file-guard.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  /** Prefix of every key, so several apps (or test runs) can share one backend. Default `dealbot`. */
  namespace?: string;
  /**
   * Tests only: opens SQLite with `PRAGMA query_only`, which refuses writes exactly as a
   * read-only file, folder or mount does (tests run as root, where chmod stops nothing).
   */
  simulateReadOnly?: boolean;
  /** Longest one store operation may take (see `keyv-store.ts`); tests shorten it. */
  deadlineMs?: number;
}

/** How long a second process waits for SQLite's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/**
 * SQLite's operations are already bounded by its busy timeout; the deadline only backs that up,
 * so a write waiting its turn behind another process is not cut short (and then land anyway).
 */
const SQLITE_DEADLINE_MS = SQLITE_BUSY_TIMEOUT_MS + 2_000;

export async function createStore(url: string, options: CreateStoreOptions = {}): Promise<Store> {
  const namespace = options.namespace ?? 'dealbot';
  const { deadlineMs } = options;
  if (url.startsWith('sqlite://')) {
    return openSqlite(url.slice('sqlite://'.length), namespace, options.simulateReadOnly === true, deadlineMs ?? SQLITE_DEADLINE_MS);
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return openRedis(url, namespace, deadlineMs);
  if (url === 'memory://' || url === 'memory:') return openMemory(namespace, deadlineMs);
  throw new StoreError(`Unsupported store URL "${redactUrl(url)}": use sqlite://<path>, redis://<host>:<port> or memory://`);
}

function openMemory(namespace: string, deadlineMs: number | undefined): Store {
  const keyv = new Keyv({ store: new ExpiringMap(), namespace, throwOnErrors: true });
  return createKeyvStore({
    kind: 'memory',
    keyv,
    claims: createMemoryClaims(),
    deadlineMs,
    close: async () => {
      await keyv.clear();
    },
  });
}

/**
 * Switching to WAL takes an exclusive lock that SQLite does not wait for: a second process
 * opening the file while the first sets it up gets SQLITE_BUSY at once, busy timeout or not.
 * Try again for a few seconds before calling the store unusable.
 */
async function whileBusy<T>(step: () => Promise<T>, attempts = 40): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 100));
    }
  }
}

async function openSqlite(location: string, namespace: string, simulateReadOnly: boolean, deadlineMs: number): Promise<Store> {
  if (location === '') throw new StoreError('The sqlite store URL has no path (e.g. sqlite://./data/dealbot.sqlite)');
  const inMemory = location === ':memory:';
  const file = inMemory ? location : path.resolve(process.cwd(), location);
  let adapter: KeyvSqlite | undefined;
  try {
    if (!inMemory) await mkdir(path.dirname(file), { recursive: true });
    const { default: KeyvSqliteAdapter } = await import('@keyv/sqlite');
    adapter = new KeyvSqliteAdapter({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
    const opened = adapter;
    const query = opened.query as SqliteQuery;
    // WAL lets readers carry on while another process writes; the busy timeout makes a second
    // writer wait its turn instead of failing.
    await whileBusy(() => query('PRAGMA journal_mode = WAL'));
    await query('PRAGMA synchronous = NORMAL');
    const claims = await createSqliteClaims(query, `${namespace}:`);
    if (simulateReadOnly) await query('PRAGMA query_only = ON');
    const guard = inMemory ? undefined : await guardSqliteFile(file);
    const keyv = new Keyv({ store: opened, namespace, throwOnErrors: true });
    const store = createKeyvStore({
      kind: 'sqlite',
      keyv,
      claims,
      deadlineMs,
      close: () => opened.disconnect(),
      beforeWrite: guard?.check,
    });
    // A file that opens but refuses writes would report itself healthy and then lose
    // everything it is told: find out now.
    await probeStore(store);
    return store;
  } catch (error) {
    await adapter?.disconnect().catch(() => undefined);
    if (isReadOnlyError(error)) {
      throw new StoreError(
        `The SQLite store at ${file} is read-only: Dealbot could not write to it, so everything it was told would be lost. ` +
          'Give the file and its folder write access',
        { cause: error },
      );
    }
    throw new StoreError(`Could not open the SQLite store at ${file}`, { cause: error });
  }
}

async function openRedis(url: string, namespace: string, deadlineMs: number | undefined): Promise<Store> {
  const { default: KeyvRedis, createClient, defaultReconnectStrategy } = await import('@keyv/redis');
  let connected = false;
  const client = createClient({
    url,
    // Fail a command at once while disconnected (the user gets "try again") rather than
    // queueing it until Redis comes back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      // A Redis that is not there at start-up is a configuration problem: fail now. Once
      // connected, a dropped connection is retried with backoff.
      reconnectStrategy: (attempts: number, cause: Error) => (connected ? defaultReconnectStrategy(attempts) : cause),
    },
  });
  const adapter = new KeyvRedis(client, { namespace, throwOnErrors: true, throwOnConnectError: true });
  try {
    // The socket may connect to a server that then never answers the handshake: bound it all.
    await within(client.connect(), deadlineMs ?? REDIS_CONNECT_TIMEOUT_MS, `Redis at ${redactUrl(url)} (connect)`);
    connected = true;
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new StoreError(`Could not connect to Redis at ${redactUrl(url)}`, { cause: error });
  }
  const keyv = new Keyv({ store: adapter, namespace, useKeyPrefix: false, throwOnErrors: true });
  // keyv's own keys are `<namespace>::<key>`; claims use a single colon so they never collide.
  const claims = createRedisClaims(client, `${namespace}:claim:`);
  const store = createKeyvStore({
    kind: 'redis',
    keyv,
    claims,
    deadlineMs,
    close: async () => {
      if (!client.isOpen) return;
      // A clean close waits for the replies still owed; a frozen Redis never sends them. Past
      // the deadline the socket is let go of, so it cannot keep a stopping process alive.
      await within(client.close(), deadlineMs ?? DEFAULT_STORE_DEADLINE_MS, 'Redis (close)').catch(() => client.unref());
    },
  });
  try {
    // A read-only replica answers reads and refuses every write: find out now.
    await probeStore(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new StoreError(`The Redis at ${redactUrl(url)} cannot be written to: ${(error as Error).message}`, { cause: error });
  }
  return store;
}

/** `work`, or a `DeadlineError` after `ms` (the work is left to settle on its own). */
function within(work: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work.then(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** Drops a password from a URL before it reaches an error message. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, '//***@');
}
