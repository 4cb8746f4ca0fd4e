// The ack path without HTTP: how much CPU an app spends from a request's arrival in Bolt
// (`processEvent`) to its ack, for bursts of 200, Dealbot as `npm start` assembles it
// (instrumented receiver, installation guard, info-level logs to /dev/null) on the embedded
// CRM, or a bare Bolt app whose listeners only ack. The HTTP bench (ack-latency.ts) times what
// Slack sees, but its p99s move a lot from run to run with the machine; here the sockets,
// the signature check and the sender are left out, so one change to the ack path shows.
// Work after the ack never starts: its queue never grants a slot, and the parked requests
// are let go of after each burst (as their work finishing would), so only the ack path is
// timed and the heap stays as small as the HTTP bench's.
// Forked by bench/ack-path.ts with BENCH_APP (dealbot | bare) and BENCH_KIND (command |
// action | view); answers {cpuMsPerRound, gcMsPerRound, acks, answers} over IPC.

import { PerformanceObserver } from 'node:perf_hooks';
import { App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { boltLogger, createApp } from '../src/app.js';
import { STANDIN_BOT, STANDIN_TEAM, startSlackApiStandin } from '../src/console/slack-api-standin.js';
import { createLocalCrm } from '../src/crm/local/local-crm.js';
import { ensureSeeded } from '../src/crm/local/seed.js';
import { createLogger } from '../src/logger.js';
import type { InFlight } from '../src/runtime/in-flight.js';
import { instrumentReceiver } from '../src/runtime/instrumented-receiver.js';
import { createMetrics } from '../src/runtime/metrics.js';
import type { WorkQueue } from '../src/runtime/work-queue.js';
import { createStore } from '../src/store/create-store.js';
import { benchPayload, REQUEST_KINDS, type RequestKind } from './bench-payloads.js';

const BURST = 200;
const WARM_UP_ROUNDS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const app = process.env.BENCH_APP === 'bare' ? 'bare' : 'dealbot';
const kind: RequestKind = REQUEST_KINDS.find((k) => k === process.env.BENCH_KIND) ?? 'view';

/** Hands Bolt each event; `init` is given the app (or the instruments in front of it). */
class BurstReceiver implements Receiver {
  processEvent!: (event: ReceiverEvent) => Promise<void>;
  init(target: App) {
    this.processEvent = (event) => target.processEvent(event);
  }
  async start() {
    return undefined;
  }
  async stop() {
    return undefined;
  }
}

/** The after-ack queue, never granting a slot: the work after each ack never starts. */
let parked: Array<() => void> = [];
const neverStarts: WorkQueue = {
  acquire: () => new Promise((resolve) => parked.push(() => resolve(() => undefined))),
  run: () => new Promise(() => undefined),
  running: 0,
  waiting: 0,
  onIdle: async () => undefined,
  arrived: () => undefined,
};

/** In-flight tracking as production's, let go of after each burst with the parked work (it never finishes). */
const tracked = new Set<Promise<unknown>>();
const inFlight: InFlight = {
  track(work) {
    tracked.add(work);
    const forget = () => void tracked.delete(work);
    work.then(forget, forget);
    return work;
  },
  get size() {
    return tracked.size;
  },
  drain: async () => ({ left: tracked.size }),
};

const receiver = new BurstReceiver();
const standin = await startSlackApiStandin({
  users: [{ id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' }],
});
if (app === 'bare') {
  const bare = new App({
    token: 'xoxb-bench',
    receiver,
    logger: boltLogger(createLogger('silent')),
    botId: 'BBENCH',
    botUserId: 'UBENCH',
    tokenVerificationEnabled: false,
  });
  bare.command(/.*/, async ({ ack }) => ack());
  bare.action(/.*/, async ({ ack }) => ack());
  bare.view(/.*/, async ({ ack }) => ack());
} else {
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  instrumentReceiver(receiver, { inFlight, logger, metrics: createMetrics(), releaseAtAck: true });
  const store = await createStore('memory://');
  const crm = createLocalCrm({ store });
  await ensureSeeded(crm, store);
  createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver,
    token: 'xoxb-bench',
    slackApiUrl: standin.url,
    identity: { botId: 'BBENCH', botUserId: 'UBENCH' },
    installation: { teamId: STANDIN_TEAM.id, enterpriseId: null, isEnterpriseInstall: false, appId: STANDIN_BOT.appId },
    afterAck: neverStarts,
  });
}

let counter = 0;
/** One request as the HTTP receiver hands it to Bolt: its JSON, parsed per delivery. */
function requestJson(): string {
  counter += 1;
  return JSON.stringify(
    benchPayload(kind, {
      n: counter,
      responseUrl: `https://hooks.slack.com/commands/${STANDIN_TEAM.id}/1/${counter}`,
      dealId: String(1 + (counter % 40)),
      stageId: '3',
      triggerId: `1.2.${counter}`,
    }),
  );
}

let acks = 0;
/** How the acks answered, by shape (`empty`, a view's `response_action`, `message`): the parent checks the path timed is the one meant. */
const answers: Record<string, number> = {};
const shapeOf = (response: unknown): string => {
  if (response === undefined || response === '') return 'empty';
  const action = (response as { response_action?: unknown }).response_action;
  return typeof action === 'string' ? action : 'message';
};
/** A burst: every request delivered at once; resolves when all are acked (the answer serialized, as the receiver would). */
async function burst(bodies: string[]): Promise<void> {
  await Promise.all(
    bodies.map((json) =>
      receiver.processEvent({
        body: JSON.parse(json) as Record<string, unknown>,
        ack: async (response?: unknown) => {
          acks += 1;
          // Serialized, as the receiver would before writing it.
          if (response !== undefined) JSON.stringify(response);
          const shape = shapeOf(response);
          answers[shape] = (answers[shape] ?? 0) + 1;
        },
        retryNum: undefined,
        retryReason: undefined,
        customProperties: {},
      }),
    ),
  );
  // Bare Bolt is done with each request here; Dealbot's work waits for a slot: let it go.
  parked = [];
  tracked.clear();
  // A turn of the event loop between bursts, as between the HTTP bench's rounds (GC entries are reported then, too).
  await new Promise((resolve) => setImmediate(resolve));
}

const gc = { ms: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gc.ms += entry.duration;
}).observe({ entryTypes: ['gc'] });
const cpuMs = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

for (let i = 0; i < WARM_UP_ROUNDS; i += 1) await burst(Array.from({ length: BURST }, requestJson));
const rounds = Array.from({ length: ROUNDS }, () => Array.from({ length: BURST }, requestJson));
acks = 0;
for (const shape of Object.keys(answers)) delete answers[shape];
const cpuBefore = cpuMs();
const gcBefore = gc.ms;
for (const round of rounds) await burst(round);
const cpuMsPerRound = (cpuMs() - cpuBefore) / ROUNDS;
const gcMsPerRound = (gc.ms - gcBefore) / ROUNDS;
await standin.close();
process.send?.({ cpuMsPerRound, gcMsPerRound, acks, answers });
process.on('disconnect', () => process.exit(0));
