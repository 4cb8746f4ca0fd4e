// Opens the store named by `STORE_URL`: `sqlite://<path>` (the default, one file shared by
// every process on the machine), `redis://…` (shared by replicas) or `memory://` (this
// process only; tests and throwaway runs). All three are keyv underneath, with claims and
// locks built on each backend's own atomic operation (see `claim-backend.ts`).

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Keyv from 'keyv';
import KeyvRedis, { createClient, defaultReconnectStrategy } from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { StoreError } from '../errors.js';
import { createKeyvStore } from './keyv-store.js';
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
}

/** How long a second process waits for SQLite's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const REDIS_CONNECT_TIMEOUT_MS = 5_000;

export async function createStore(url: string, options: CreateStoreOptions = {}): Promise<Store> {
  const namespace = options.namespace ?? 'dealbot';
  if (url.startsWith('sqlite://')) return openSqlite(url.slice('sqlite://'.length), namespace, options.simulateReadOnly === true);
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return openRedis(url, namespace);
  if (url === 'memory://' || url === 'memory:') return openMemory(namespace);
  throw new StoreError(`Unsupported store URL "${redactUrl(url)}": use sqlite://<path>, redis://<host>:<port> or memory://`);
}

function openMemory(namespace: string): Store {
  const keyv = new Keyv({ namespace, throwOnErrors: true });
  return createKeyvStore({
    kind: 'memory',
    keyv,
    claims: createMemoryClaims(),
    close: async () => {
      await keyv.clear();
    },
  });
}

async function openSqlite(location: string, namespace: string, simulateReadOnly: boolean): Promise<Store> {
  if (location === '') throw new StoreError('The sqlite store URL has no path (e.g. sqlite://./data/dealbot.sqlite)');
  const inMemory = location === ':memory:';
  const file = inMemory ? location : path.resolve(process.cwd(), location);
  let adapter: KeyvSqlite | undefined;
  try {
    if (!inMemory) await mkdir(path.dirname(file), { recursive: true });
    adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
    const opened = adapter;
    const query = opened.query as SqliteQuery;
    // WAL lets readers carry on while another process writes; the busy timeout makes a second
    // writer wait its turn instead of failing.
    await query('PRAGMA journal_mode = WAL');
    await query('PRAGMA synchronous = NORMAL');
    const claims = await createSqliteClaims(query, `${namespace}:`);
    if (simulateReadOnly) await query('PRAGMA query_only = ON');
    const guard = inMemory ? undefined : await guardSqliteFile(file);
    const keyv = new Keyv({ store: opened, namespace, throwOnErrors: true });
    const store = createKeyvStore({ kind: 'sqlite', keyv, claims, close: () => opened.disconnect(), beforeWrite: guard?.check });
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

async function openRedis(url: string, namespace: string): Promise<Store> {
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
    await client.connect();
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
    close: async () => {
      if (client.isOpen) await client.close();
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

/** Drops a password from a URL before it reaches an error message. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, '//***@');
}
