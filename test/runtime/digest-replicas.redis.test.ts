// Two Dealbot processes on one real Redis, one scheduled digest, and one replica killed
// (SIGKILL) in the middle of it: its message posted, its chart upload in flight. The other
// must finish that digest — the chart, under the message already in the channel, and the
// snapshot — without posting the message again. Both talk to the Slack stand-in through a
// small proxy here, which tells who called what and holds the first chart upload while the
// test kills its caller. No sleeps: the test waits on the stand-in's calls and on the store,
// each with a generous bound that only a failing run reaches.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../digest/require-redis.js';
import { schedule } from './scheduler-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const replicaScript = path.join(here, 'digest-replica.ts');
const repoRoot = path.resolve(here, '../..');
const ZONE = 'Europe/Berlin';
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const SLOT = DateTime.fromISO('2026-03-09T09:00:00', { zone: ZONE });
const WORKSPACE = workspaceNamespace({ teamId: 'T0CONSOLE' });
const LEASE_MS = 2_000;
/** Only a failing run waits this long. */
const BOUND_MS = 45_000;

const namespace = `dealbot-test-replicas-${randomUUID().slice(0, 8)}`;
let admin: RedisAdmin | undefined;
const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  admin = await requireRedis();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  if (!admin) return;
  for await (const keys of admin.scanIterator({ MATCH: `${namespace}*`, COUNT: 500 })) if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

interface ProxiedCall {
  replica: number;
  method: string;
}

/**
 * Forwards `/r<n>/api/<method>` to the stand-in, recording which replica called what. The
 * first `files.getUploadURLExternal` is not forwarded: `onChartUpload` is told who asked, and
 * the request is left unanswered (its caller is about to die).
 */
async function startProxy(standin: SlackApiStandin, onChartUpload: (replica: number) => void) {
  const calls: ProxiedCall[] = [];
  let held = false;
  const readBody = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const match = /^\/r(\d+)\/api\/([\w.]+)/.exec(req.url ?? '');
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const replica = Number(match[1]);
      const method = match[2] ?? '';
      const body = await readBody(req);
      calls.push({ replica, method });
      if (method === 'files.getUploadURLExternal' && !held) {
        held = true;
        onChartUpload(replica);
        return;
      }
      const answer = await fetch(`${standin.url}${method}`, {
        method: 'POST',
        headers: Object.fromEntries(
          ['content-type', 'authorization'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : [])),
        ),
        body,
      });
      const retryAfter = answer.headers.get('retry-after');
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
        ...(retryAfter ? { 'retry-after': retryAfter } : {}),
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { calls, urlFor: (replica: number) => `http://127.0.0.1:${port}/r${replica}/api/` };
}

function startReplica(task: object): { child: ChildProcess; ready: Promise<void>; exited: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', replicaScript, JSON.stringify(task)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`replica exited (${code ?? signal}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(signal ?? code))));
  return { child, ready, exited };
}

describe('two replicas on one Redis', () => {
  it('one killed after posting the message: the other adds the chart under it, nothing doubled, nothing lost', async () => {
    const store: Store = await createStore(REDIS_URL, { namespace });
    cleanup.push(() => store.close());
    await ensureSeeded(createLocalCrm({ store }), store);
    const schedules = createScheduleStore(scopeStore(store, WORKSPACE));
    const saved = await schedules.save(schedule(SET_AT, { channelId: 'C0CONSOLE' }));
    const slot = SLOT.toUTC().toISO() ?? '';

    const standin = await startSlackApiStandin();
    cleanup.push(() => standin.close());
    const replicas: Array<ReturnType<typeof startReplica>> = [];
    let victim: number | null = null;
    const proxy = await startProxy(standin, (replica) => {
      victim = replica;
      replicas[replica]?.child.kill('SIGKILL');
    });

    const task = (replica: number) => ({
      storeUrl: REDIS_URL,
      storeNamespace: namespace,
      workspace: WORKSPACE,
      slackApiUrl: proxy.urlFor(replica),
      now: SLOT.plus({ seconds: 5 }).toUTC().toISO(),
      leaseMs: LEASE_MS,
    });
    replicas.push(startReplica(task(0)), startReplica(task(1)));
    await Promise.all(replicas.map((r) => r.ready));

    // The first replica to reach the chart dies there; the chart then comes from the other.
    const chart = await standin.waitFor((c) => c.method === 'files.completeUploadExternal' && c.result.ok === true, BOUND_MS);
    expect(victim).not.toBeNull();
    expect(await replicas[victim ?? 0]?.exited).toBe('SIGKILL');
    const survivor = victim === 0 ? 1 : 0;

    // The slot is complete: its completion record and the run state say so.
    await vi.waitFor(
      async () => {
        expect(await schedules.progress(saved.id, slot)).toMatchObject({
          messageTs: expect.any(String),
          chartDone: true,
          snapshotDone: true,
          done: true,
        });
        expect((await schedules.runStates([saved.id])).get(saved.id)?.lastSlot).toBe(slot);
      },
      { timeout: BOUND_MS, interval: 50 },
    );

    const messages = standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0CONSOLE' && c.result.ok === true);
    expect(messages).toHaveLength(1);
    expect(chart.args).toMatchObject({ channel_id: 'C0CONSOLE', thread_ts: messages[0]?.result.ts });
    expect(standin.calls.filter((c) => c.method === 'files.completeUploadExternal')).toHaveLength(1);
    // Who did what: the victim posted the message and asked to upload; the survivor uploaded only.
    expect(proxy.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([{ replica: victim, method: 'chat.postMessage' }]);
    expect(proxy.calls.filter((c) => c.method === 'files.completeUploadExternal')).toEqual([
      { replica: survivor, method: 'files.completeUploadExternal' },
    ]);
    // The snapshot for the next "what changed" was recorded under the workspace.
    const snapshots = await scopeStore(store, WORKSPACE).get(
      `digest:snapshot:C0CONSOLE:${(await createLocalCrm({ store }).listPipelines()).find((p) => p.isDefault)?.id}`,
    );
    expect(snapshots).toBeDefined();
    // Two Node processes compiling TypeScript at start take seconds on a busy machine: the
    // bound is generous, and the test never waits for time itself, only for events.
  }, 120_000);
});
