// `npm run bench`: how fast Dealbot acks, what it spends of a Pipedrive account, how heavy a
// digest's reading is, and how quickly it starts. Everything runs on loopback against the
// fake Pipedrive (bench/support/fake-pipedrive-server.ts) and the Slack Web API stand-in.
// Prints tables and writes bench/results/latest.json (git-ignored). Not part of `npm test`:
// timings depend on the machine. Sections can be picked: `npm run bench -- ack budget`;
// `npm run bench -- short` (or `--short`) is a quick check of every section with smaller
// sizes (about 2 minutes), the full run takes about 30 on a quiet machine (the ack section 20); `-- ack --kinds=view`
// times only view submissions (or `command,action`), `--in-flight=200 --rounds=16` only that
// level, for more rounds. `path` times the ack path in-process, without HTTP (steadier).
//
// The measured processes (the apps, the digest reader) run compiled JavaScript under plain
// node, as production runs dist/; the fakes and the load generator live in this process.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSlackApiStandin, type StandinUser } from '../src/console/slack-api-standin.js';
import { loadPipedriveTokenCosts, startFakePipedrive } from './support/fake-pipedrive-server.js';
import { ACK_LEVELS, measureAckLatency, type AckLatencyResult } from './ack-latency.js';
import { REQUEST_KINDS, type RequestKind } from './bench-payloads.js';
import { measureAlertsBurst, type BurstResult } from './alerts-burst.js';
import { measureAlertsPollCost, type PollCostResult } from './alerts-poll-cost.js';
import { measureCrmBudget, type BudgetRow } from './crm-budget.js';
import { measureDigestReading, type DigestRow } from './digest-reading.js';
import { measureLoad, type LoadResult } from './load-rounds.js';
import { measureServiceStartUp, measureStartUp, type ServiceStartUpRun, type StartUpResult } from './start-up.js';
import { textTable } from './text-table.js';
import { measureAckPath, type AckPathRow } from './ack-path.js';
import { START_FLAGS } from './bench-process.js';

const SECTIONS = ['ack', 'path', 'load', 'budget', 'digest', 'startup', 'service', 'alerts'] as const;
type Section = (typeof SECTIONS)[number];

/** The person sending every request: linked by email to the CRM user Ada Lovelace. */
const ADA: StandinUser = { id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };

const args = process.argv.slice(2);
/** Stops with what was wrong and what would do, before anything is started. */
function usage(problem: string): never {
  process.stderr.write(
    `npm run bench: ${problem}\n` +
      `usage: npm run bench -- [${SECTIONS.join(' | ')} …] [short] [--kinds=${REQUEST_KINDS.join(',')}] ` +
      `[--in-flight=${ACK_LEVELS.map((l) => l.concurrency).join(',')}] [--rounds=N]\n`,
  );
  process.exit(2);
}
/** The values of `--name=a,b`, or null when it is not given. */
const listOption = (name: string): string[] | null => {
  const given = args.find((a) => a.startsWith(`--${name}=`));
  return given === undefined ? null : given.slice(name.length + 3).split(',');
};
for (const arg of args) {
  const known = (SECTIONS as readonly string[]).includes(arg) || arg === 'short' || arg === '--short';
  if (!known && !/^--(kinds|in-flight|rounds)=/.test(arg)) usage(`unknown argument "${arg}"`);
}
const short = args.includes('short') || args.includes('--short');
const asked = args.filter((a): a is Section => (SECTIONS as readonly string[]).includes(a));
const wanted = new Set<Section>(asked.length > 0 ? asked : SECTIONS);
/** `--kinds=view` (or `command,action`) times only those requests in the ack and path sections. */
const ackKinds = listOption('kinds')?.map((k) =>
  (REQUEST_KINDS as readonly string[]).includes(k) ? (k as RequestKind) : usage(`--kinds: "${k}" is not a request kind`),
);
/** `--in-flight=200` (or `1,50`) times only those levels in the ack section; `--rounds=N` runs N rounds of each. */
const ackInFlight = listOption('in-flight')?.map((n) =>
  ACK_LEVELS.some((l) => String(l.concurrency) === n) ? Number(n) : usage(`--in-flight: ${n} is not one of the levels timed`),
);
const roundsGiven = listOption('rounds');
const ackRounds = roundsGiven === null ? null : Number(roundsGiven[0]);
if (ackRounds !== null && !(Number.isInteger(ackRounds) && ackRounds > 0)) usage('--rounds takes a whole number above 0');
const log = (line: string) => process.stderr.write(`${line}\n`);
/** A port nothing listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
const ratio = (a: number | null, b: number | null): string => (a !== null && b ? (a / b).toFixed(2) : '?');
const median = (values: Array<number | null>): number | null => {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return known.length === 0 ? null : (known[Math.floor((known.length - 1) / 2)] ?? null);
};

const started = Date.now();
const results: {
  at: string;
  mode: 'full' | 'short';
  machine: { node: string; cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] };
  ack?: AckLatencyResult;
  path?: AckPathRow[];
  load?: LoadResult;
  budget?: BudgetRow[];
  digest?: DigestRow[];
  startUp?: StartUpResult[];
  service?: ServiceStartUpRun[];
  alerts?: {
    burst: BurstResult;
    pollCost: PollCostResult;
    /** One ack run with the alert runtime polling and delivering beside Dealbot, one without. */
    ack: { without: AckLatencyResult & { alertPosts: number }; with: AckLatencyResult & { alertPosts: number } };
  };
  seconds?: number;
} = {
  at: new Date().toISOString(),
  mode: short ? 'short' : 'full',
  machine: { node: process.version, cpus: cpus().length, loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100) },
};

log(`Dealbot bench on Node ${process.version}, ${cpus().length} CPU(s), load ${results.machine.loadAverageAtStart.join(' ')}`);
// Read the token costs from the specs before anything is timed.
await loadPipedriveTokenCosts();

if (wanted.has('ack')) {
  log('Ack latency (Pipedrive answering after 200 ms)…');
  const pipedrive = await startFakePipedrive({ deals: 2_000, seed: 7 });
  const standin = await startSlackApiStandin({ users: [ADA] });
  try {
    results.ack = await measureAckLatency({
      pipedrive,
      standin,
      signingSecret: 'bench-signing-secret',
      log,
      ...(ackKinds?.length ? { kinds: ackKinds } : {}),
      ...(short
        ? {
            levels: [
              { concurrency: 1, rounds: 2 },
              { concurrency: 50, rounds: 2 },
              { concurrency: 200, rounds: 2 },
            ],
          }
        : {}),
      ...(ackInFlight || ackRounds
        ? {
            levels: ACK_LEVELS.filter((l) => !ackInFlight || ackInFlight.includes(l.concurrency)).map((l) => ({
              concurrency: l.concurrency,
              rounds: ackRounds ?? l.rounds,
            })),
          }
        : {}),
    });
  } finally {
    await standin.close();
    await pipedrive.close();
  }
}

if (wanted.has('path')) {
  log('Ack path in-process, bursts of 200 (no HTTP)…');
  results.path = await measureAckPath({ log, ...(ackKinds?.length ? { kinds: ackKinds } : {}), ...(short ? { runs: 1, rounds: 10 } : {}) });
}

if (wanted.has('load')) {
  const load = short ? { rounds: 1, perRound: 400, burst: 400 } : { rounds: 5, perRound: 2_000, burst: 2_000 };
  log(
    `Load: ${load.rounds} round(s) × ${load.perRound} mixed requests, 50 in flight, embedded CRM on SQLite; ` +
      `then a burst of ${load.burst} creates; then the same mix on a bare Bolt app…`,
  );
  const standin = await startSlackApiStandin({ users: [ADA] });
  try {
    results.load = await measureLoad({ standin, signingSecret: 'bench-signing-secret', log, ...load });
  } finally {
    await standin.close();
  }
}

if (wanted.has('budget')) {
  log('CRM budget per command…');
  const pipedrive = await startFakePipedrive({ deals: 2_000, seed: 9 });
  try {
    results.budget = await measureCrmBudget(pipedrive, log);
  } finally {
    await pipedrive.close();
  }
}

if (wanted.has('digest')) {
  const sizes = short ? [100, 10_000] : [100, 10_000, 100_000];
  log(`Digest build at ${sizes.map((n) => n.toLocaleString('en')).join(', ')} deals…`);
  results.digest = await measureDigestReading(sizes, log, short ? { variants: ['node defaults', 'bounded heap'] } : {});
}

if (wanted.has('startup')) {
  log('Start-up (console mode, STORE_URL=memory://)…');
  const pipedrive = await startFakePipedrive({ deals: 100, seed: 3 });
  try {
    results.startUp = await measureStartUp(
      [
        { label: 'local CRM (default)', env: {} },
        {
          label: 'Pipedrive (fake)',
          env: { CRM_PROVIDER: 'pipedrive', PIPEDRIVE_API_TOKEN: pipedrive.apiToken, PIPEDRIVE_BASE_URL: pipedrive.url },
        },
      ],
      short ? 1 : 3,
      log,
    );
  } finally {
    await pipedrive.close();
  }
}
if (wanted.has('service')) {
  log('Service: npm start in HTTP mode (embedded CRM, memory store) to /healthz, idle memory, SIGTERM…');
  // Built beforehand, as a deployment does: the first `npm start` after a change compiles dist/.
  spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build-if-stale.mjs', import.meta.url))], { stdio: 'inherit' });
  const standin = await startSlackApiStandin({ users: [ADA] });
  try {
    results.service = [];
    for (let i = 0; i < (short ? 1 : 3); i += 1) {
      const run = await measureServiceStartUp(await freePort(), standin.url);
      results.service.push(run);
      log(
        `  npm start: /healthz after ${run.healthMs} ms, /readyz after ${run.readyMs} ms, tree RSS ${run.treeRssMb} MB ` +
          `(${run.processes.map((p) => `${p.name.split(' ')[0]} ${p.rssMb}`).join(' + ')}; shared pages once: ${run.treeUniqueMb} MB), ` +
          `SIGTERM to exit ${run.stopMs} ms (code ${run.exitCode})`,
      );
    }
  } finally {
    await standin.close();
  }
}
if (wanted.has('alerts')) {
  const changes = short ? 200 : 1_000;
  log(`Alerts: a burst of ${changes} changes into 10 channels (half each, half batched every minute), real time…`);
  const burst = await measureAlertsBurst({ changes, channels: 10, log });
  log(`Alerts: the poll's cost on a fake Pipedrive of ${short ? '2,000' : '10,000'} deals…`);
  const pollCost = await measureAlertsPollCost(short ? 2_000 : 10_000);
  log('Alerts: ack latency without, then with, the alert runtime polling every 5 s and delivering…');
  const levels = short
    ? [
        { concurrency: 1, rounds: 1 },
        { concurrency: 50, rounds: 1 },
      ]
    : [
        { concurrency: 1, rounds: 3 },
        { concurrency: 50, rounds: 3 },
        { concurrency: 200, rounds: 2 },
      ];
  const ackRun = async (alerts: boolean): Promise<AckLatencyResult & { alertPosts: number }> => {
    const pipedrive = await startFakePipedrive({ deals: 2_000, seed: 7 });
    const standin = await startSlackApiStandin({ users: [ADA] });
    try {
      const result = await measureAckLatency({ pipedrive, standin, signingSecret: 'bench-signing-secret', log, levels, alerts });
      // The alert messages Slack got meanwhile, known by their words (one change, a batch, the hour's cap).
      const alertPosts = standin.calls.filter(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.result.ok &&
          /\bmoved\b|was created|changes? to \d+ deals?|more alerts? this hour/.test(String(c.args.text ?? '')),
      ).length;
      return { ...result, alertPosts };
    } finally {
      await standin.close();
      await pipedrive.close();
    }
  };
  const without = await ackRun(false);
  const withAlerts = await ackRun(true);
  results.alerts = { burst, pollCost, ack: { without, with: withAlerts } };
}
results.seconds = Math.round((Date.now() - started) / 1000);
results.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);

// ------------------------------------------------------------------------------ report

const out: string[] = [];
if (results.ack) {
  out.push(
    `\nACK LATENCY (ms): signed POST to the HTTP receiver until its answer; Pipedrive answers after ${results.ack.crmLatencyMs} ms`,
    textTable(
      results.ack.rows.map((r) => ({
        request: r.kind === 'command' ? '/deal <id>' : r.kind === 'action' ? 'card Move (block action)' : 'create modal (view submission)',
        'in flight': r.concurrency,
        n: r.dealbot.n,
        'dealbot p50': r.dealbot.p50,
        'dealbot p99': r.dealbot.p99,
        'dealbot max': r.dealbot.max,
        'bare p50': r.bare.p50,
        'bare p99': r.bare.p99,
        'bare max': r.bare.max,
        'p99 ratio': ratio(r.dealbot.p99, r.bare.p99),
        'cpu/round dealbot': r.cpuMsPerRound.dealbot,
        'cpu/round bare': r.cpuMsPerRound.bare,
        'gc/round dealbot': r.gcMsPerRound.dealbot,
        'gc/round bare': r.gcMsPerRound.bare,
        errors: r.errors.dealbot + r.errors.bare,
      })),
    ),
    'cpu/round, gc/round: CPU time of the app process and its garbage-collection pauses (ms), from the first request of a round to its last ack.',
    results.ack.commandReply
      ? `The reply itself (/deal <id>, one at a time, Pipedrive at ${results.ack.crmLatencyMs} ms): ` +
          `p50 ${results.ack.commandReply.p50} ms, max ${results.ack.commandReply.max} ms.`
      : "A/A calibration: the bare app in both columns, so the ratios are the bench's own noise.",
  );
}
if (results.path) {
  out.push(
    "\nACK PATH (ms of CPU per burst of 200, in-process from Bolt's processEvent to the ack; no HTTP; median of runs)",
    textTable(
      results.path.map((r) => ({
        request: r.kind === 'command' ? '/deal <id>' : r.kind === 'action' ? 'card Move (block action)' : 'create modal (view submission)',
        dealbot: r.cpuMsPerRound.dealbot,
        bare: r.cpuMsPerRound.bare,
        ratio: ratio(r.cpuMsPerRound.dealbot, r.cpuMsPerRound.bare),
        'dealbot, node defaults': r.cpuMsPerRound.defaults,
        'ratio, node defaults': ratio(r.cpuMsPerRound.defaults, r.cpuMsPerRound.bare),
        'gc dealbot / bare / defaults': `${r.gcMsPerRound.dealbot} / ${r.gcMsPerRound.bare} / ${r.gcMsPerRound.defaults}`,
        'runs dealbot': r.runs.dealbot.join(' / '),
        'runs bare': r.runs.bare.join(' / '),
        'runs defaults': r.runs.defaults.join(' / '),
      })),
    ),
  );
}
if (results.load) {
  const load = results.load;
  out.push(
    `\nLOAD (one process, embedded CRM on SQLite, ${load.concurrency} in flight; mix: /deal <id>, /deal new, card Move, /pipeline)`,
    textTable(
      load.rounds.map((r, i) => ({
        round: i + 1,
        requests: r.requests,
        'ack p50': r.ack.p50,
        'ack p99': r.ack.p99,
        'ack max': r.ack.max,
        'acks > 3 s': r.over3s,
        failed: r.failed,
        replies: r.replied,
        'last reply ms': r.lastReplyMs,
      })),
    ),
    `Burst of ${load.burst.creates} /deal new: ack p99 ${load.burst.ack.p99} ms, max ${load.burst.ack.max} ms, ` +
      `${load.burst.over3s} acks over 3 s, ${load.burst.stored} deals stored, last reply after ${load.burst.lastReplyMs} ms.`,
    `Bare Bolt app, same mix and concurrency, same run: ack p50 ${load.bare.ack.p50} ms, p99 ${load.bare.ack.p99} ms, ` +
      `max ${load.bare.ack.max} ms (Dealbot's worst round p99 / bare p99: ` +
      `${ratio(Math.max(...load.rounds.map((r) => r.ack.p99)), load.bare.ack.p99)}).`,
  );
}
if (results.budget) {
  out.push(
    '\nCRM BUDGET per command (Pipedrive requests / tokens at the HTTP boundary; floor = fewest requests for the same answer, warm)',
    textTable(
      results.budget.map((r) => ({
        command: r.command,
        'cold req': r.cold.requests,
        'cold tok': r.cold.tokens,
        'warm req': r.warm.requests,
        'warm tok': r.warm.tokens,
        'floor req': r.floor.requests,
        'floor tok': r.floor.tokens,
        'warm requests': r.warm.detail,
      })),
    ),
    'Cold = fresh store and adapter (reference data read); floors: ' +
      results.budget.map((r) => `${r.command}: ${r.floor.why}`).join('; ') +
      '.',
  );
}
if (results.digest) {
  out.push(
    "\nDIGEST READING (the scheduled digest: a channel's first, chart included; and the /pipeline board; cold, each in a " +
      `compiled process of its own: node defaults; bounded heap = ${START_FLAGS.join(' ')}, as npm start runs it; ` +
      'gc each page = --expose-gc, a full collection after each page, so live heap = what the build holds)',
    textTable(
      results.digest.map((r) => ({
        step: r.step,
        process: r.variant,
        'account deals': r.accountDeals,
        'deals needed': r.needed,
        'deals used': r.dealsRead,
        truncated: r.truncated ? 'yes' : 'no',
        req: r.requests,
        tokens: r.tokens,
        'floor tok': r.floorTokens,
        ms: r.ms,
        'base RSS MB': r.baseRssMb,
        'peak RSS MB': r.peakRssMb,
        'peak heap MB': r.peakHeapMb,
        'base heap MB': r.baseHeapMb,
        'live heap MB': r.livePeakHeapMb,
        blocks: r.blocks,
        'chart KB': r.chartKb,
      })),
    ),
  );
}
if (results.startUp) {
  out.push(
    '\nSTART-UP (node --import tsx src/main.ts, console mode, stdin a pipe, STORE_URL=memory://; median of 3)',
    textTable(
      results.startUp.map((s) => ({
        variant: s.label,
        'ready ms': median(s.runs.map((r) => r.readyMs)),
        'first answer ms': median(s.runs.map((r) => r.firstAnswerMs)),
        'idle RSS MB': median(s.runs.map((r) => r.idleRssMb)),
        'exit after EOF ms': median(s.runs.map((r) => r.exitMs)),
        'exit codes': s.runs.map((r) => r.exitCode ?? '?').join(','),
        problem: s.runs.find((r) => r.problem)?.problem ?? '',
      })),
    ),
  );
}
if (results.service) {
  out.push(
    '\nSERVICE (npm start as a supervisor runs it: HTTP mode, embedded CRM, STORE_URL=memory://; dist/ built beforehand)',
    textTable(
      results.service.map((r, i) => ({
        run: i + 1,
        'to /healthz ms': r.healthMs,
        'to /readyz ms': r.readyMs,
        'idle tree RSS MB': r.treeRssMb,
        'of which npm MB': r.processes[0]?.rssMb ?? null,
        'Dealbot MB': r.processes.at(-1)?.rssMb ?? null,
        'tree, shared pages once MB': r.treeUniqueMb,
        'SIGTERM to exit ms': r.stopMs,
        'exit code': r.exitCode,
      })),
    ),
  );
}
if (results.alerts) {
  const { burst, pollCost, ack } = results.alerts;
  const sum = (f: (r: BurstResult['rows'][number]) => number) => burst.rows.reduce((s, r) => s + f(r), 0);
  const gaps = burst.rows.map((r) => r.minGapMs).filter((g): g is number => g !== null);
  out.push(
    `\nALERTS BURST: ${burst.changes} changes into ${burst.channels} channels through the alert runtime (memory store, real time), ` +
      `to a Slack that answers 429 + Retry-After to a channel's second post within 1 s; counted at that boundary`,
    textTable(
      burst.rows.map((r) => ({
        channel: r.channel,
        delivery: r.delivery,
        changes: r.changes,
        messages: r.messages,
        'deals named': r.shown,
        'counted as "N more"': r.counted,
        duplicates: r.duplicates,
        lost: r.lost,
        'min gap ms': r.minGapMs,
        'done after s': (r.doneMs / 1000).toFixed(1),
      })),
    ),
    `Every channel had everything after ${(burst.allDoneMs / 1000).toFixed(1)} s (queued in ${burst.enqueueMs} ms); ` +
      `smallest gap in a channel ${gaps.length > 0 ? Math.min(...gaps) : '?'} ms; 429s answered ${burst.rateLimited}; ` +
      `duplicates ${sum((r) => r.duplicates)}, lost ${sum((r) => r.lost)}.`,
    `\nALERTS POLL on a fake Pipedrive of ${pollCost.deals.toLocaleString('en')} deals (CRM_POLL_SECONDS=60)`,
    textTable(pollCost.rows.map((r) => ({ poll: r.poll, requests: r.requests, tokens: r.tokens, events: r.events }))),
    `Idle, per day: ${pollCost.idlePerDay.requests} requests, ${pollCost.idlePerDay.tokens} tokens.`,
    '\nACK LATENCY WITH ALERTS (ms): Dealbot alone vs Dealbot with the alert runtime polling every 5 s and delivering ' +
      `(alert messages posted during the runs: ${ack.without.alertPosts} without, ${ack.with.alertPosts} with)`,
    textTable(
      ack.without.rows.map((r, i) => {
        const w = ack.with.rows[i];
        return {
          request: r.kind,
          'in flight': r.concurrency,
          'p50 without': r.dealbot.p50,
          'p99 without': r.dealbot.p99,
          'p50 with alerts': w?.dealbot.p50 ?? null,
          'p99 with alerts': w?.dealbot.p99 ?? null,
          'max with alerts': w?.dealbot.max ?? null,
          errors: r.errors.dealbot + (w?.errors.dealbot ?? 0),
        };
      }),
    ),
  );
}
out.push(
  `\nTotal ${results.seconds} s; load average ${results.machine.loadAverageAtStart.join(' ')} at the start, ` +
    `${results.machine.loadAverageAtEnd?.join(' ')} at the end (${results.machine.cpus} CPUs).`,
);
process.stdout.write(`${out.join('\n')}\n`);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
log(`Written to bench/results/latest.json`);
