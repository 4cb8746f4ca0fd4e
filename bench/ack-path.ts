// `npm run bench -- path`: the CPU an app spends on its ack path for a burst of 200 requests,
// in-process, without HTTP (bench/ack-path-app.ts): Dealbot as `npm start` assembles it,
// with its V8 flags, beside a bare Bolt app on Node's defaults, and Dealbot again on Node's
// defaults (what the heap flags cost). Steadier than the HTTP p99s (which move with the
// machine from run to run), so a change to the ack path shows here.

import { forkBenchProcess, START_FLAGS } from './bench-process.js';
import { REQUEST_KINDS, type RequestKind } from './bench-payloads.js';

export interface AckPathRow {
  kind: RequestKind;
  /** Milliseconds of CPU per burst of 200, median of the runs, per app (`defaults`: Dealbot without `npm start`'s V8 flags). */
  cpuMsPerRound: Record<PathApp, number>;
  gcMsPerRound: Record<PathApp, number>;
  /** Each run's CPU per burst, per app, in run order. */
  runs: Record<PathApp, number[]>;
}

type PathApp = 'dealbot' | 'bare' | 'defaults';
const APPS: PathApp[] = ['dealbot', 'bare', 'defaults'];

interface PathAnswer {
  cpuMsPerRound: number;
  gcMsPerRound: number;
  acks: number;
  /** Acks by how they answered (`empty`, `update`, `message`…). */
  answers: Record<string, number>;
}

/** How every ack must answer for the path timed to be the one meant (not a refusal or an error). */
const expectedAnswer = (app: PathApp, kind: RequestKind): string => (app !== 'bare' && kind === 'view' ? 'update' : 'empty');

const round1 = (n: number) => Math.round(n * 10) / 10;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

async function runOnce(app: PathApp, kind: RequestKind, rounds: number): Promise<PathAnswer> {
  const child = await forkBenchProcess<PathAnswer>(
    './ack-path-app.ts',
    { BENCH_APP: app === 'bare' ? 'bare' : 'dealbot', BENCH_KIND: kind, BENCH_ROUNDS: String(rounds) },
    { nodeFlags: app === 'dealbot' ? [...START_FLAGS] : [], timeoutMs: 180_000 },
  );
  await child.stop();
  const { acks, answers } = child.message;
  const expected = expectedAnswer(app, kind);
  if (acks !== rounds * 200 || answers[expected] !== acks) {
    throw new Error(`${app} acked ${acks} of ${rounds * 200} ${kind} requests, answering ${JSON.stringify(answers)}; expected ${expected}`);
  }
  return child.message;
}

export async function measureAckPath(options: {
  kinds?: RequestKind[];
  runs?: number;
  rounds?: number;
  log?: (line: string) => void;
}): Promise<AckPathRow[]> {
  const { kinds = [...REQUEST_KINDS], runs = 3, rounds = 30, log = () => undefined } = options;
  const rows: AckPathRow[] = [];
  for (const kind of kinds) {
    const answers: Record<PathApp, PathAnswer[]> = { dealbot: [], bare: [], defaults: [] };
    // Alternating, so every app meets the same machine.
    for (let run = 0; run < runs; run += 1) {
      for (const app of APPS) answers[app].push(await runOnce(app, kind, rounds));
    }
    const cpu = (app: PathApp) => answers[app].map((a) => round1(a.cpuMsPerRound));
    const gc = (app: PathApp) => round1(median(answers[app].map((a) => a.gcMsPerRound)));
    const per = <T>(f: (app: PathApp) => T) => ({ dealbot: f('dealbot'), bare: f('bare'), defaults: f('defaults') });
    const row: AckPathRow = {
      kind,
      cpuMsPerRound: per((app) => median(cpu(app))),
      gcMsPerRound: per(gc),
      runs: per(cpu),
    };
    log(`  ack path ${kind}: dealbot ${row.cpuMsPerRound.dealbot} ms, bare ${row.cpuMsPerRound.bare} ms of CPU per 200`);
    rows.push(row);
  }
  return rows;
}
