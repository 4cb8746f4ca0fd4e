import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../../src/crm/local/local-crm.js';
import type { DealChange } from '../../../src/crm/port.js';
import { createStore } from '../../../src/store/create-store.js';
import { REDIS_URL, requireRedis, type RedisAdmin } from '../../digest/require-redis.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const writerScript = path.join(here, 'concurrent-writer.ts');
const repoRoot = path.resolve(here, '../../..');
const CHANGES_PER_WRITER = 50;

let dir: string;
const redisNamespace = `dealbot-test-${randomUUID().slice(0, 8)}`;
let redis: RedisAdmin | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-processes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (!redis) return;
  for await (const keys of redis.scanIterator({ MATCH: `${redisNamespace}*`, COUNT: 500 })) {
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.close();
});

/** Starts a writer process; resolves `ready` once it has connected, `done` when it exits. */
function startWriter(task: object) {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, JSON.stringify(task)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}

describe.each([
  { name: 'one SQLite file', url: () => `sqlite://${path.join(dir, 'shared.sqlite')}`, namespace: 'dealbot', needsRedis: false },
  { name: 'one Redis', url: () => REDIS_URL, namespace: redisNamespace, needsRedis: true },
])('two processes writing to one deal through $name', ({ url, namespace, needsRedis }) => {
  it('lose no change: every change is in the history and the deal shows the last one', async () => {
    // Without a Redis this fails at once saying "Redis is not running on 127.0.0.1:6379".
    if (needsRedis) redis ??= await requireRedis();
    const store = await createStore(url(), { namespace });
    const crm = createLocalCrm({ store });
    const pipeline = await crm.createPipeline({ name: 'Sales' });
    const stages = [];
    for (const name of ['Start', 'A1', 'A2', 'B1', 'B2']) stages.push(await crm.createStage({ pipelineId: pipeline.id, name }));
    const [start, a1, a2, b1, b2] = stages.map((s) => s.id) as [string, string, string, string, string];
    const deal = await crm.createDeal({ title: 'Contended deal', stageId: start, value: { amount: 0, currency: 'EUR' } });

    const common = { storeUrl: url(), storeNamespace: namespace, dealId: deal.id, count: CHANGES_PER_WRITER };
    const writers = [
      startWriter({ ...common, writer: 'A', valueBase: 1_000, stageIds: [a1, a2] }),
      startWriter({ ...common, writer: 'B', valueBase: 2_000, stageIds: [b1, b2] }),
    ];
    await Promise.all(writers.map((w) => w.ready));
    for (const writer of writers) writer.go();
    await Promise.all(writers.map((w) => w.done));

    const newestFirst: DealChange[] = [];
    let cursor: string | null = null;
    do {
      const page = await crm.getDealHistory(deal.id, cursor);
      newestFirst.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    const history = newestFirst.reverse();
    expect(history).toHaveLength(1 + 2 * CHANGES_PER_WRITER);
    expect(history[0]?.kind).toBe('created');

    // Each writer's changes are all there, in the order it made them.
    for (const writer of ['A', 'B']) {
      const actors = history.map((c) => c.actor).filter((a) => a?.startsWith(`${writer}#`));
      expect(actors).toEqual(Array.from({ length: CHANGES_PER_WRITER }, (_, i) => `${writer}#${i}`));
    }

    // Each change started from the state the previous one left: no write read stale data.
    let stageId = start;
    let amount = '0';
    for (const change of history.slice(1)) {
      if (change.kind === 'stage') {
        expect(change.fromStageId).toBe(stageId);
        stageId = change.toStageId;
      } else if (change.kind === 'field' && change.field === 'value') {
        expect(change.from).toBe(amount);
        amount = change.to ?? '';
      } else {
        throw new Error(`unexpected change ${JSON.stringify(change)}`);
      }
    }
    const final = await crm.getDeal(deal.id);
    expect(final.stageId).toBe(stageId);
    expect(String(final.value?.amount)).toBe(amount);

    // The board agrees: the deal is listed in its final stage and nowhere else.
    for (const stage of [start, a1, a2, b1, b2]) {
      const listed = (await crm.listDeals({ stageId: stage })).items.map((d) => d.id);
      expect(listed).toEqual(stage === stageId ? [deal.id] : []);
    }
    await store.close();
  }, 60_000);
});
