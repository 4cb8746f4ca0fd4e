// The app whose acks the benchmark times, in a process of its own so the load generator and
// the fakes do not share its event loop. `BENCH_APP=dealbot` runs the real app (Bolt's HTTP
// receiver, the cached Pipedrive adapter pointed at the fake, the Slack stand-in) on the store
// at `BENCH_STORE_URL` (a SQLite file, as `npm start` keeps it);
// `BENCH_APP=dealbot-local` runs it on the embedded CRM in a SQLite file (`BENCH_STORE_URL`);
// `BENCH_ALERTS=1` also runs the deal alerts beside the Pipedrive app: the runtime polls the
// fake every BENCH_ALERTS_POLL_SECONDS (default 5) and delivers what the bench's own moves and
// creates change to #sales, each as it comes and batched every minute.
// `BENCH_APP=bare` runs the floor: the same receiver and a Bolt app whose listeners only ack.
// Forked by bench/run.ts, which it tells its port over IPC.

import type { Server, ServerResponse } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { boltLogger, createApp } from '../src/app.js';
import { createCachedCrm } from '../src/crm/cached-crm.js';
import { createLocalCrm } from '../src/crm/local/local-crm.js';
import { ensureSeeded } from '../src/crm/local/seed.js';
import { createPipedriveClient } from '../src/crm/pipedrive/pipedrive-client.js';
import { createLogger } from '../src/logger.js';
import { createAlertRuntime } from '../src/runtime/alert-runtime.js';
import { createAlertStore } from '../src/store/alert-store.js';
import { scopeStore } from '../src/store/scoped-store.js';
import { createWorkQueue } from '../src/runtime/work-queue.js';
import { createHttpReceiver } from '../src/slack/receivers.js';
import { instrumentReceiver } from '../src/runtime/instrumented-receiver.js';
import { createInFlight } from '../src/runtime/in-flight.js';
import { createMetrics } from '../src/runtime/metrics.js';
import { STANDIN_BOT, STANDIN_TEAM } from '../src/console/slack-api-standin.js';
import pino from 'pino';
import { createStore } from '../src/store/create-store.js';

/** Who the bench's bot token is; Dealbot is told as `npm start` tells it (`identity`), after its own auth.test. */
const BENCH_BOT = { botId: 'BBENCH', botUserId: 'UBENCH' };

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bench/app-under-test.ts needs ${name}`);
  return value;
};

async function startApp(): Promise<Server> {
  const bare = process.env.BENCH_APP === 'bare';
  // Dealbot logs as `npm start` does (info, JSON), to /dev/null: a log line written per request would be timed.
  const logger = bare ? createLogger('silent') : createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const http = createHttpReceiver({ signingSecret: need('BENCH_SIGNING_SECRET'), logger: boltLogger(logger) });
  // Dealbot's requests go through what `npm start` puts between the receiver and the app: each
  // one counted and timed in the metrics, run in its request context, tracked for shutdown.
  const receiver = bare
    ? http
    : instrumentReceiver(http, { inFlight: createInFlight(), logger, metrics: createMetrics(), releaseAtAck: true });
  /** The installation the bench's requests come from (the stand-in's app and team), checked as in production. */
  const installation = { teamId: STANDIN_TEAM.id, enterpriseId: null, isEnterpriseInstall: false, appId: STANDIN_BOT.appId };
  const slackApiUrl = need('BENCH_SLACK_API_URL');

  if (bare) {
    const bare = new App({
      token: 'xoxb-bench',
      receiver,
      logger: boltLogger(logger),
      clientOptions: { slackApiUrl },
      // Who the token is, as a bare app learns once from auth.test at start: without it Bolt
      // 5.1 calls auth.test before every request's listeners (tokenVerificationEnabled false).
      ...BENCH_BOT,
      tokenVerificationEnabled: false,
    });
    bare.command(/.*/, async ({ ack }) => ack());
    bare.action(/.*/, async ({ ack }) => ack());
    bare.view(/.*/, async ({ ack }) => ack());
    return (await bare.start(0)) as Server;
  }

  if (process.env.BENCH_APP === 'dealbot-local') {
    // The embedded CRM on a SQLite file, as `npm start` runs it by default.
    const store = await createStore(need('BENCH_STORE_URL'));
    const local = createLocalCrm({ store });
    await ensureSeeded(local, store);
    // BENCH_AFTER_ACK_CONCURRENCY tries another size of the after-ack queue than the app's default.
    const slots = Number(process.env.BENCH_AFTER_ACK_CONCURRENCY);
    const app = createApp({
      store,
      logger,
      crmForTeam: () => local,
      receiver,
      token: 'xoxb-bench',
      slackApiUrl,
      tokenVerification: false,
      identity: BENCH_BOT,
      installation,
      ...(slots > 0 ? { afterAck: createWorkQueue({ concurrency: slots }) } : {}),
    });
    return (await app.start(0)) as Server;
  }

  const store = await createStore(need('BENCH_STORE_URL'));
  const pipedrive = createPipedriveClient({ apiToken: need('BENCH_PIPEDRIVE_TOKEN'), baseUrl: need('BENCH_PIPEDRIVE_URL') });
  const crm = createCachedCrm(pipedrive, store, { namespace: 'bench' });
  if (process.env.BENCH_ALERTS === '1') await startAlerts(store, crm, slackApiUrl, logger);
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver,
    token: 'xoxb-bench',
    slackApiUrl,
    tokenVerification: false,
    identity: BENCH_BOT,
    installation,
    // BENCH_QUIET_MS tries another lull for the after-ack queue (src/runtime/work-queue.ts); 0 turns it off.
    ...(process.env.BENCH_QUIET_MS ? { afterAck: createWorkQueue({ concurrency: 16, quietMs: Number(process.env.BENCH_QUIET_MS) }) } : {}),
  });
  return (await app.start(0)) as Server;
}

/** Deal alerts beside the app, as `npm start` runs them: polling the CRM and posting to the stand-in. */
async function startAlerts(
  store: Awaited<ReturnType<typeof createStore>>,
  crm: ReturnType<typeof createCachedCrm>,
  slackApiUrl: string,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  const workspace = 'bench-alerts';
  const subscription = (id: string, delivery: { kind: 'each' } | { kind: 'batched'; everyMinutes: number }) => ({
    id,
    target: { kind: 'channel' as const, channelId: 'C0CONSOLE' },
    events: ['created', 'moved', 'won', 'lost', 'reopened', 'value', 'closeDatePushed'] as const,
    toStageIds: [],
    pipelineId: null,
    pipelineName: null,
    minValue: null,
    ownerId: null,
    delivery,
    quietHours: null,
    threadPerDeal: false,
    createdBy: 'U0CONSOLE',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  });
  await createAlertStore(scopeStore(store, workspace)).apply({
    add: [subscription('SEACH', { kind: 'each' }), subscription('SBATCH', { kind: 'batched', everyMinutes: 1 })].map((s) => ({
      ...s,
      events: [...s.events],
    })),
  });
  const alerts = createAlertRuntime({
    store,
    workspace,
    crm,
    logger,
    token: 'xoxb-bench',
    slackApiUrl,
    pollSeconds: Number(process.env.BENCH_ALERTS_POLL_SECONDS ?? 5),
  });
  alerts.start();
}

// Time spent in garbage collection, and CPU time, which the parent asks for around each burst ('gc?').
const gc = { ms: 0, count: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    gc.count += 1;
  }
}).observe({ entryTypes: ['gc'] });
process.on('message', (message) => {
  if (message === 'gc?') process.send?.({ gc: { ...gc, roundCpuMs: lastAnswerCpuMs - roundStartCpuMs } });
});

const server = await startApp();
// CPU time of a round: from the first request after a quiet spell (the bench waits for the
// app's work to settle between rounds) to the last answer, so the work the app does after
// its acks (its after-ack queue) is not counted.
const cpuMs = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};
let roundStartCpuMs = 0;
let lastAnswerCpuMs = 0;
let lastRequestAt = 0;
server.on('request', (_req, res: ServerResponse) => {
  const now = performance.now();
  if (now - lastRequestAt > 100) roundStartCpuMs = cpuMs();
  lastRequestAt = now;
  res.once('finish', () => void (lastAnswerCpuMs = cpuMs()));
});
process.send?.({ port: (server.address() as AddressInfo).port });
// The parent ends this process (kill) when it is done measuring.
process.on('disconnect', () => process.exit(0));
