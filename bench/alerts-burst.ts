// A burst of deal changes through the real alert runtime (queue, pace, batches, the hourly
// cap, the Web API client that fails fast on 429) to a Slack that enforces its limit: a
// pacing proxy in front of the Slack stand-in answers `chat.postMessage` with HTTP 429 and
// Retry-After when a channel's posts come less than a second apart, and forwards the rest to
// the stand-in (strict like Slack about Block Kit). What each channel got is counted at that
// boundary: the deals its messages name, the deals a batch or the hour's cap counts as "N
// more", repeats, and what is missing. Real time: the batched channels wait for their window.
//
//   npx tsx bench/alerts-burst.ts [changes] [channels]

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSlackApiStandin, type StandinChannel } from '../src/console/slack-api-standin.js';
import type { CrmClient } from '../src/crm/port.js';
import type { AlertSubscription } from '../src/domain/alert-subscription.js';
import type { DealEvent } from '../src/domain/deal-events.js';
import { createLogger } from '../src/logger.js';
import { createAlertRuntime } from '../src/runtime/alert-runtime.js';
import { createAlertStore } from '../src/store/alert-store.js';
import { createStore } from '../src/store/create-store.js';
import { scopeStore } from '../src/store/scoped-store.js';

export interface BurstChannelRow {
  channel: string;
  delivery: string;
  changes: number;
  messages: number;
  /** Deals named in a message. */
  shown: number;
  /** Deals counted as "N more" (a batch past 47 deals, the hour's cap). */
  counted: number;
  duplicates: number;
  lost: number;
  /** Smallest gap between two accepted posts in this channel, ms (null with one post). */
  minGapMs: number | null;
  /** From the burst to the channel's last message, ms. */
  doneMs: number;
}

export interface BurstResult {
  changes: number;
  channels: number;
  /** From the burst to every channel having got everything, ms. */
  allDoneMs: number;
  /** How long queueing the burst took, ms. */
  enqueueMs: number;
  rateLimited: number;
  rows: BurstChannelRow[];
}

interface Accepted {
  channel: string;
  method: string;
  at: number;
  text: string;
  ts: string;
}

const WORKSPACE = 'bench-alerts';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Slack's own limit, per channel: about one message a second; faster is 429 + Retry-After. */
async function startPacingProxy(
  target: URL,
): Promise<{ url: string; accepted: Accepted[]; limited: () => number; close: () => Promise<void> }> {
  const lastPost = new Map<string, number>();
  const accepted: Accepted[] = [];
  let limited = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const method = /\/api\/([A-Za-z0-9_.]+)/.exec(req.url ?? '')?.[1] ?? '';
      const type = String(req.headers['content-type'] ?? '');
      const args: Record<string, unknown> = type.includes('json')
        ? (JSON.parse(body.toString() || '{}') as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(body.toString()));
      const channel = typeof args.channel === 'string' ? args.channel : '';
      const at = Date.now();
      if (method === 'chat.postMessage') {
        const last = lastPost.get(channel);
        if (last !== undefined && at - last < 1_000) {
          limited += 1;
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        }
        lastPost.set(channel, at);
      }
      const forward = request(
        new URL(`/api/${method}`, target),
        { method: 'POST', headers: { 'content-type': type, authorization: req.headers.authorization ?? '' } },
        (answer) => {
          void readBody(answer).then((raw) => {
            const result = JSON.parse(raw.toString()) as { ok: boolean; ts?: string };
            if (result.ok && (method === 'chat.postMessage' || method === 'chat.update')) {
              const blocks = typeof args.blocks === 'string' ? args.blocks : JSON.stringify(args.blocks ?? []);
              accepted.push({ channel, method, at, text: `${String(args.text ?? '')}\n${blocks}`, ts: result.ts ?? String(args.ts ?? '') });
            }
            res.writeHead(answer.statusCode ?? 200, { 'content-type': 'application/json' });
            res.end(raw);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    accepted,
    limited: () => limited,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Only what drawing an alert reads: no stages, pipelines or users to name. */
const benchCrm = {
  displayName: 'Bench CRM',
  listStages: async () => [],
  listPipelines: async () => [],
  listUsers: async () => [],
} as unknown as CrmClient;

const title = (deal: number) => `Burst deal ${String(deal).padStart(5, '0')}`;

export async function measureAlertsBurst(
  options: { changes?: number; channels?: number; batchEveryMinutes?: number; log?: (line: string) => void; timeoutMs?: number } = {},
): Promise<BurstResult> {
  const changes = options.changes ?? 1_000;
  const channelCount = options.channels ?? 10;
  const everyMinutes = options.batchEveryMinutes ?? 1;
  const log = options.log ?? (() => undefined);
  const channels: StandinChannel[] = Array.from({ length: channelCount }, (_, i) => ({
    id: `C0BURST${String(i).padStart(2, '0')}`,
    name: `burst-${i}`,
  }));
  const standin = await startSlackApiStandin({ channels });
  const proxy = await startPacingProxy(new URL(standin.url));
  const store = await createStore('memory://');
  // Half the channels take each change as it comes, half a batch every `everyMinutes`.
  const deliveryOf = (i: number): AlertSubscription['delivery'] => (i % 2 === 0 ? { kind: 'each' } : { kind: 'batched', everyMinutes });
  const subscriptions: AlertSubscription[] = channels.map((c, i) => ({
    id: `S${i}`,
    target: { kind: 'channel', channelId: c.id },
    events: ['created', 'moved', 'won', 'lost', 'reopened', 'value', 'closeDatePushed'],
    toStageIds: [],
    pipelineId: String(i + 1),
    pipelineName: null,
    minValue: null,
    ownerId: null,
    delivery: deliveryOf(i),
    quietHours: null,
    threadPerDeal: false,
    createdBy: 'U0BENCH',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }));
  await createAlertStore(scopeStore(store, WORKSPACE)).apply({ add: subscriptions });
  const runtime = createAlertRuntime({
    store,
    workspace: WORKSPACE,
    crm: benchCrm,
    logger: createLogger('silent'),
    token: 'xoxb-bench',
    slackApiUrl: proxy.url,
    pollSeconds: 0,
    watch: false,
  });
  try {
    runtime.start();
    // One change per deal, deal i in pipeline i % channels: each channel's share is its own.
    const now = new Date().toISOString();
    const events: DealEvent[] = Array.from({ length: changes }, (_, i) => {
      const dealId = String(i + 1);
      const pipelineId = String((i % channelCount) + 1);
      return {
        id: `${dealId}:created:${now}`,
        dealId,
        kind: 'created',
        at: now,
        actor: null,
        source: 'webhook',
        deal: {
          dealId,
          title: title(i + 1),
          status: 'open',
          pipelineId,
          stageId: '1',
          ownerId: null,
          value: { amount: 1000 + i, currency: 'EUR' },
          expectedCloseDate: null,
          lostReason: null,
          url: null,
          changedAt: now,
        },
      };
    });
    const started = Date.now();
    // As a webhook burst arrives: in requests of 50 changes.
    for (let i = 0; i < events.length; i += 50) await runtime.enqueue(events.slice(i, i + 50));
    const enqueueMs = Date.now() - started;
    log(`  ${changes} changes queued for ${channelCount} channels in ${enqueueMs} ms; delivering…`);

    const expected = new Map(
      channels.map((c, i) => [
        c.id,
        new Set(events.filter((e) => e.deal.pipelineId === String(i + 1)).map((e) => title(Number(e.dealId)))),
      ]),
    );
    const tally = () => {
      const rows: BurstChannelRow[] = channels.map((c, i) => {
        const mine = proxy.accepted.filter((a) => a.channel === c.id);
        const posts = mine.filter((a) => a.method === 'chat.postMessage');
        const seen = new Map<string, number>();
        let counted = 0;
        const capByTs = new Map<string, number>();
        for (const a of mine) {
          const more = /and (\d+) more (deal|alert)s?\b/.exec(a.text);
          if (more && more[2] === 'alert') capByTs.set(a.ts, Number(more[1]));
          if (a.method !== 'chat.postMessage') continue;
          if (more && more[2] === 'deal') counted += Number(more[1]);
          for (const name of new Set(a.text.match(/Burst deal \d{5}/g) ?? [])) seen.set(name, (seen.get(name) ?? 0) + 1);
        }
        counted += [...capByTs.values()].reduce((s, n) => s + n, 0);
        const want = expected.get(c.id)!;
        const shown = [...seen.keys()].filter((n) => want.has(n)).length;
        const duplicates = [...seen.values()].reduce((s, n) => s + (n - 1), 0) + [...seen.keys()].filter((n) => !want.has(n)).length;
        const gaps = posts.slice(1).map((p, j) => p.at - posts[j]!.at);
        return {
          channel: c.id,
          delivery: deliveryOf(i).kind === 'each' ? 'each' : `batched ${everyMinutes} min`,
          changes: want.size,
          messages: posts.length,
          shown,
          counted,
          duplicates,
          lost: Math.max(0, want.size - shown - counted),
          minGapMs: gaps.length > 0 ? Math.min(...gaps) : null,
          doneMs: mine.length > 0 ? Math.max(...mine.map((a) => a.at)) - started : 0,
        };
      });
      return rows;
    };
    const deadline = started + (options.timeoutMs ?? 5 * 60_000);
    let rows = tally();
    while (Date.now() < deadline) {
      rows = tally();
      const outboxes = await runtime.delivery.scan();
      if (rows.every((r) => r.lost === 0) && outboxes.due.length === 0 && outboxes.nextAt === null) break;
      await sleep(250);
    }
    return {
      changes,
      channels: channelCount,
      allDoneMs: Math.max(...rows.map((r) => r.doneMs)),
      enqueueMs,
      rateLimited: proxy.limited(),
      rows,
    };
  } finally {
    await runtime.stop();
    await proxy.close();
    await standin.close();
    await store.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureAlertsBurst({
    changes: Number(process.argv[2] ?? 1_000),
    channels: Number(process.argv[3] ?? 10),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
