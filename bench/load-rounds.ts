// Sustained load on one process: rounds of mixed requests (show a deal, quick-create one,
// move one from its card, the pipeline board) at a fixed number in flight, against Dealbot
// on the embedded CRM in a SQLite file, as `npm start` runs it. Per round: ack latencies,
// acks slower than Slack's 3 s, and whether every request's reply reached the Slack stand-in.
// Then a burst of quick creates, counted in the CRM afterwards: every create must be stored.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalCrm } from '../src/crm/local/local-crm.js';
import type { SlackApiStandin } from '../src/console/slack-api-standin.js';
import { blockActionPayload, slashCommandPayload } from '../src/console/slack-payloads.js';
import { createStore } from '../src/store/create-store.js';
import { visibleText } from './support/dealbot-over-http.js';
import { ActionId, encodeDealStage } from '../src/ui/ids.js';
import { envFlags, forkBenchProcess, START_FLAGS } from './bench-process.js';
import { latencyStats, type LatencyStats } from './latency-stats.js';
import { formBody, payloadBody, postSigned } from './signed-requests.js';

export interface LoadRound {
  requests: number;
  ack: LatencyStats;
  /** Acks slower than Slack's 3 s, and requests not acked with a 200. */
  over3s: number;
  failed: number;
  /** Requests whose reply reached the stand-in, and when the last one did (from the round's start). */
  replied: number;
  lastReplyMs: number;
  /**
   * Per kind of request: sent, replies that reached the stand-in, replies worded as a failure
   * ("try again", "went wrong"…: a reply, but not the answer), and from sending to the reply.
   * What tells a lost reply (never sent) from a late one and from an error.
   */
  byKind: Record<Kind, { sent: number; replied: number; failures: number; reply: LatencyStats; failureSample: string | null }>;
}

export interface LoadResult {
  concurrency: number;
  rounds: LoadRound[];
  burst: { creates: number; ack: LatencyStats; over3s: number; stored: number; lastReplyMs: number };
  /**
   * The same mix at the same concurrency against a bare Bolt app on the same receiver whose
   * listeners only ack, measured in this run right after Dealbot's rounds: the floor the
   * machine allows at that moment, so `ack p99 / bare p99` means something on a busy machine.
   */
  bare: { requests: number; ack: LatencyStats; over3s: number };
}

export type Kind = 'show' | 'create' | 'move' | 'board';
/** How a reply that reports a failure reads (src/ui/error-message.ts). */
const FAILURE_WORDING = /try again|went wrong|could not|couldn't|not answer/i;
const MIX: Kind[] = ['show', 'create', 'move', 'board'];
/** Requests sent before the measured rounds. */
const WARM_UP = 100;

export async function measureLoad(options: {
  standin: SlackApiStandin;
  signingSecret: string;
  rounds?: number;
  perRound?: number;
  concurrency?: number;
  burst?: number;
  log?: (line: string) => void;
}): Promise<LoadResult> {
  const { standin, signingSecret } = options;
  const rounds = options.rounds ?? 5;
  const perRound = options.perRound ?? 2_000;
  const concurrency = options.concurrency ?? 50;
  const burstSize = options.burst ?? 2_000;
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(path.join(tmpdir(), 'dealbot-load-'));
  const storeUrl = `sqlite://${path.join(dir, 'dealbot.sqlite')}`;
  const app = await forkBenchProcess<{ port: number }>(
    './app-under-test.ts',
    {
      BENCH_APP: 'dealbot-local',
      BENCH_STORE_URL: storeUrl,
      BENCH_SIGNING_SECRET: signingSecret,
      BENCH_SLACK_API_URL: standin.url,
    },
    // As `npm start` runs it; BENCH_APP_NODE_FLAGS adds to that.
    { nodeFlags: [...START_FLAGS, ...envFlags('BENCH_APP_NODE_FLAGS')] },
  );
  const dealbotUrl = `http://127.0.0.1:${app.message.port}/slack/events`;
  let counter = 0;

  const bodyFor = (kind: Kind, responseUrl: string, label: string): string => {
    counter += 1;
    // The demo pipeline's deals 1–8 and its stages 2 and 3 (Needs defined, Proposal).
    const dealId = String((counter % 8) + 1);
    switch (kind) {
      case 'show':
        return formBody(slashCommandPayload({ command: '/deal', text: dealId, responseUrl, triggerId: standin.triggerId() }));
      case 'create':
        return formBody(
          slashCommandPayload({ command: '/deal', text: `new ${label} ${counter} 12k EUR`, responseUrl, triggerId: standin.triggerId() }),
        );
      case 'board':
        return formBody(slashCommandPayload({ command: '/pipeline', text: '', responseUrl, triggerId: standin.triggerId() }));
      case 'move':
        return payloadBody(
          blockActionPayload({
            action: {
              action_id: ActionId.cardMove,
              type: 'static_select',
              selected_option: { text: 'Proposal', value: encodeDealStage({ dealId, stageId: counter % 2 === 0 ? '2' : '3' }) },
            },
            message: { ts: '1700000000.000100', ephemeral: true },
            responseUrl,
          }),
        );
    }
  };

  /** `size` requests, `concurrency` in flight; resolves once every reply arrived (or 120 s passed) unless told not to wait. */
  async function round(size: number, kindOf: (i: number) => Kind, label: string, url = dealbotUrl, waitForReplies = true) {
    const acks: number[] = [];
    let failed = 0;
    const expected = new Set<string>();
    const replied = new Set<string>();
    const kindOfReply = new Map<string, { kind: Kind; sentAt: number }>();
    const byKind = Object.fromEntries(
      MIX.map((k) => [k, { sent: 0, replied: 0, failures: 0, latencies: [] as number[], failureSample: null as string | null }]),
    ) as Record<Kind, { sent: number; replied: number; failures: number; latencies: number[]; failureSample: string | null }>;
    const from = standin.calls.length;
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < size) {
        const i = next++;
        const responseUrl = standin.responseUrl({ channel: 'C0CONSOLE', ephemeral: true });
        const responseId = standin.responseIdOf(responseUrl) ?? responseUrl;
        expected.add(responseId);
        const kind = kindOf(i);
        const body = bodyFor(kind, responseUrl, label);
        const sent = performance.now();
        kindOfReply.set(responseId, { kind, sentAt: Date.now() });
        byKind[kind].sent += 1;
        try {
          const res = await postSigned({ url, secret: signingSecret, body });
          await res.arrayBuffer();
          if (res.status === 200) acks.push(performance.now() - sent);
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    let lastReplyMs = 0;
    const deadline = waitForReplies ? Date.now() + 120_000 : 0;
    let scanned = from;
    while (Date.now() < deadline) {
      for (; scanned < standin.calls.length; scanned += 1) {
        const call = standin.calls[scanned];
        if (call?.method === 'response_url' && call.responseId && expected.has(call.responseId) && !replied.has(call.responseId)) {
          replied.add(call.responseId);
          lastReplyMs = performance.now() - started;
          const sentAs = kindOfReply.get(call.responseId);
          if (sentAs) {
            const tally = byKind[sentAs.kind];
            tally.replied += 1;
            tally.latencies.push(call.at - sentAs.sentAt);
            const text = visibleText(call);
            if (call.result.ok !== true || FAILURE_WORDING.test(text)) {
              tally.failures += 1;
              tally.failureSample ??= call.result.ok === true ? text.slice(0, 160) : String(call.result.error);
            }
          }
        }
      }
      if (replied.size >= expected.size) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const kinds = Object.fromEntries(
      MIX.map((k) => {
        const { latencies, ...rest } = byKind[k];
        return [k, { ...rest, reply: latencyStats(latencies) }];
      }),
    ) as LoadRound['byKind'];
    return { acks, failed, replied: replied.size, lastReplyMs: Math.round(lastReplyMs), byKind: kinds };
  }

  try {
    // Warm-up, not measured: the first requests of a fresh process compile code and open the
    // SQLite file; a replica that has just started meets that once, not per round.
    await round(WARM_UP, (i) => MIX[i % MIX.length] as Kind, 'Warm-up deal');
    const results: LoadRound[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const { acks, failed, replied, lastReplyMs, byKind } = await round(perRound, (i) => MIX[i % MIX.length] as Kind, 'Load deal');
      const row: LoadRound = {
        requests: perRound,
        ack: latencyStats(acks),
        over3s: acks.filter((ms) => ms > 3_000).length,
        failed,
        replied,
        lastReplyMs,
        byKind,
      };
      results.push(row);
      log(
        `  load round ${r + 1}: ack p50 ${row.ack.p50} p99 ${row.ack.p99} max ${row.ack.max} ms, over 3 s ${row.over3s}, replies ${replied}/${perRound} (last at ${lastReplyMs} ms)`,
      );
      for (const k of MIX) {
        const t = byKind[k];
        log(
          `    ${k}: ${t.replied}/${t.sent} replied, ${t.failures} worded as failures, reply p50 ${t.reply.p50} p99 ${t.reply.p99} max ${t.reply.max} ms` +
            (t.failureSample ? ` (e.g. "${t.failureSample}")` : ''),
        );
      }
    }
    const burst = await round(burstSize, () => 'create', 'Burst deal');

    // Count what the CRM holds, from outside the app's process.
    const store = await createStore(storeUrl);
    const crm = createLocalCrm({ store });
    let stored = 0;
    let cursor: string | null = null;
    do {
      const page = await crm.listDeals({ cursor });
      stored += page.items.filter((d) => d.title.startsWith('Burst deal ')).length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    await store.close();
    const acks = latencyStats(burst.acks);
    log(`  burst of ${burstSize} creates: ack p99 ${acks.p99} ms, ${stored} stored, last reply at ${burst.lastReplyMs} ms`);
    await app.stop();

    const bareApp = await forkBenchProcess<{ port: number }>('./app-under-test.ts', {
      BENCH_APP: 'bare',
      BENCH_SIGNING_SECRET: signingSecret,
      BENCH_SLACK_API_URL: standin.url,
    });
    let bare: LoadResult['bare'];
    try {
      const bareUrl = `http://127.0.0.1:${bareApp.message.port}/slack/events`;
      const floor = await round(perRound, (i) => MIX[i % MIX.length] as Kind, 'Bare deal', bareUrl, false);
      bare = { requests: perRound, ack: latencyStats(floor.acks), over3s: floor.acks.filter((ms) => ms > 3_000).length };
    } finally {
      await bareApp.stop();
    }
    log(`  bare Bolt, same mix: ack p50 ${bare.ack.p50} p99 ${bare.ack.p99} max ${bare.ack.max} ms`);
    return {
      concurrency,
      rounds: results,
      burst: {
        creates: burstSize,
        ack: acks,
        over3s: burst.acks.filter((ms) => ms > 3_000).length,
        stored,
        lastReplyMs: burst.lastReplyMs,
      },
      bare,
    };
  } finally {
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
