// Two Dealbot processes on one real Redis, one create, and the replica doing it killed
// (SIGKILL) in the middle: after the CRM made the deal but before the completion record was
// written, or before the CRM write. The other replica then handles the same request (same
// idempotency key), as a retry would: it must answer with the deal the dead one made, or make
// exactly one. The dead replica's lease lapses on its own (2 s here, renewed while alive);
// nothing else is cleaned up for the survivor. No sleeps: the test waits on what the children
// print and on their exit, each with a generous bound that only a failing run reaches.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient } from '../../src/crm/port.js';
import { createDealService } from '../../src/services/deal-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const replicaScript = path.join(here, 'create-replica.ts');
const repoRoot = path.resolve(here, '../..');
/** Short so the survivor need not wait 30 s; the replica renews it every third of it while alive. */
const LEASE_MS = 2_000;
/** Only a failing run waits this long. */
const BOUND_MS = 45_000;

const run = randomUUID().slice(0, 8);
/**
 * One namespace per test: a replica killed in one test may die holding the embedded CRM's
 * lock (until its 30 s expiry), which is the product working as designed, not something the
 * next scenario should wait behind.
 */
let namespace = '';
let tests = 0;
let admin: RedisAdmin | undefined;
let store: Store;
let crm: CrmClient;
let adaId: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Without a Redis this fails at once saying "Redis is not running on 127.0.0.1:6379".
  admin = await requireRedis();
});
beforeEach(async () => {
  tests += 1;
  namespace = `dealbot-test-create-takeover-${run}-${tests}`;
  store = await createStore(REDIS_URL, { namespace });
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store);
  crm = local;
  const ada = (await crm.listUsers()).find((u) => u.name === 'Ada Lovelace');
  if (!ada) throw new Error('the seeded CRM has no Ada Lovelace');
  adaId = ada.id;
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await store?.close();
  if (!admin) return;
  for await (const keys of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) if (keys.length > 0) await admin.del(keys);
});
afterAll(async () => {
  await admin?.close();
});

/** Resolves with the first line `match` accepts, or rejects when the child exits first or the bound passes. */
function lineFrom(child: ChildProcess, stderr: () => string, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no matching line within ${BOUND_MS} ms: ${stderr()}`)), BOUND_MS);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const found = lines.find(match);
      if (found === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(found);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`replica exited (${code ?? signal}) first: ${stderr()}`));
    });
  });
}

function startReplica(task: { hang: 'before-crm-write' | 'after-crm-write' | null; line: string; onceKey: string }) {
  const full = { ...task, storeUrl: REDIS_URL, storeNamespace: namespace, leaseMs: LEASE_MS, crmUserId: adaId };
  const child = spawn(process.execPath, ['--import', 'tsx', replicaScript, JSON.stringify(full)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = lineFrom(
    child,
    () => stderr,
    (line) => line === 'ready',
  );
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(signal ?? code))));
  return {
    child,
    ready,
    exited,
    /** Starts the create; `until` is the line to wait for. */
    go: (until: (line: string) => boolean) => {
      const seen = lineFrom(child, () => stderr, until);
      child.stdin?.end('go\n');
      return seen;
    },
  };
}

const answerOf = (line: string) =>
  (JSON.parse(line) as { answer: { id: string; title: string; ownerId: string; duplicate: boolean } }).answer;

describe('a replica killed mid-create, the same request then handled by another replica', () => {
  it('killed after the CRM made the deal: the other answers with that deal and makes none', async () => {
    const title = `Takeover after write ${run}`;
    const request = { line: `${title} 12k EUR`, onceKey: `trigger:after-${run}` };
    const a = startReplica({ ...request, hang: 'after-crm-write' });
    const b = startReplica({ ...request, hang: null });
    await Promise.all([a.ready, b.ready]);

    const wrote = await a.go((line) => line.startsWith('wrote '));
    const made = wrote.slice('wrote '.length);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');

    const answer = answerOf(await b.go((line) => line.startsWith('{')));
    expect(answer).toEqual({ id: made, title, ownerId: adaId, duplicate: false });
    expect(await b.exited).toBe('0');

    // Exactly one deal of that title exists, and it is the dead replica's.
    const { hits } = await crm.searchDeals(title, { limit: 10 });
    expect(hits.map((h) => h.id)).toEqual([made]);
    // The survivor recorded the completion: a further retry is a duplicate of that deal.
    const again = await createDealService(crm, store).quickCreate(request.line, request.onceKey, {
      actor: { crmUserId: adaId, name: 'Ada Lovelace' },
    });
    expect(again).toMatchObject({ deal: { id: made }, duplicate: true });
  }, 120_000);

  it('killed before the CRM write: the other makes exactly one deal and answers with it', async () => {
    const title = `Takeover before write ${run}`;
    const request = { line: `${title} 3k EUR`, onceKey: `trigger:before-${run}` };
    const a = startReplica({ ...request, hang: 'before-crm-write' });
    const b = startReplica({ ...request, hang: null });
    await Promise.all([a.ready, b.ready]);

    await a.go((line) => line === 'writing');
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    expect((await crm.searchDeals(title, { limit: 10 })).hits).toEqual([]);

    const answer = answerOf(await b.go((line) => line.startsWith('{')));
    expect(answer).toMatchObject({ title, ownerId: adaId, duplicate: false });
    expect(await b.exited).toBe('0');

    const { hits } = await crm.searchDeals(title, { limit: 10 });
    expect(hits.map((h) => h.id)).toEqual([answer.id]);
  }, 120_000);
});
