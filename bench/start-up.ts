// Start-up as `npm start` does it, in console mode: `node --import tsx src/main.ts` with no
// Slack credentials, stdin a pipe (not a TTY) and STORE_URL=memory://. Timed from spawn to
// the console's first line (src/console/console.ts writes "Dealbot console: …" once the app
// is up), then to the answer of a first command (`/deal help`, answered in the ack); idle
// memory is the process's resident set a moment later (/proc/<pid>/status VmRSS). Then the
// input ends and the process must exit on its own.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface StartUpRun {
  readyMs: number | null;
  firstAnswerMs: number | null;
  idleRssMb: number | null;
  exitCode: number | null;
  exitMs: number | null;
  /** The first stderr line when it did not start. */
  problem: string | null;
}

export interface StartUpResult {
  label: string;
  runs: StartUpRun[];
}

const REPO = fileURLToPath(new URL('..', import.meta.url));
const READY = /Dealbot console/;
/** The help answer's header, as the console draws an ephemeral reply. */
const ANSWERED = /Dealbot · only visible to you/;

function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

function startOnce(env: Record<string, string>): Promise<StartUpRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', STORE_URL: 'memory://', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const run: StartUpRun = { readyMs: null, firstAnswerMs: null, idleRssMb: null, exitCode: null, exitMs: null, problem: null };
    let stdout = '';
    let stderr = '';
    let endedAt = 0;
    const killer = setTimeout(() => child.kill(), 30_000);

    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (run.readyMs === null && READY.test(stdout)) {
        run.readyMs = Math.round(performance.now() - started);
        child.stdin.write('/deal help\n');
      }
      if (run.readyMs !== null && run.firstAnswerMs === null && ANSWERED.test(stdout)) {
        run.firstAnswerMs = Math.round(performance.now() - started);
        // Let it sit idle for a moment, then read what it holds.
        setTimeout(() => {
          run.idleRssMb = child.pid ? rssMb(child.pid) : null;
          endedAt = performance.now();
          child.stdin.end();
        }, 1000);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      run.exitCode = code;
      run.exitMs = endedAt ? Math.round(performance.now() - endedAt) : null;
      if (run.readyMs === null) run.problem = stderr.split('\n').find((l) => l.trim()) ?? `exited with ${code}`;
      resolve(run);
    });
  });
}

export async function measureStartUp(
  variants: Array<{ label: string; env: Record<string, string> }>,
  runsEach = 3,
  log: (line: string) => void = () => undefined,
): Promise<StartUpResult[]> {
  const results: StartUpResult[] = [];
  for (const variant of variants) {
    const runs: StartUpRun[] = [];
    for (let i = 0; i < runsEach; i += 1) runs.push(await startOnce(variant.env));
    results.push({ label: variant.label, runs });
    log(`  start-up ${variant.label}: ready ${runs.map((r) => r.readyMs ?? 'failed').join(', ')} ms`);
  }
  return results;
}

export interface ServiceStartUpRun {
  /** From spawning `npm start` to the first 200 from GET /healthz. */
  healthMs: number | null;
  /** Resident memory of the whole process tree (npm and node), a second after /healthz. */
  treeRssMb: number | null;
  /** From SIGTERM to npm's exit, and its exit code. */
  stopMs: number | null;
  exitCode: number | null;
}

/** The resident sets of `pid` and all its descendants, summed. */
function treeRssMb(pid: number): number | null {
  let total = 0;
  const visit = (p: number) => {
    const mb = rssMb(p);
    if (mb !== null) total += mb;
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      // gone already
    }
    for (const child of children) visit(Number(child));
  };
  visit(pid);
  return total > 0 ? Math.round(total * 10) / 10 : null;
}

/**
 * The README's start command as a supervisor runs it: `npm start` in HTTP mode with the
 * embedded CRM (dist/ already built), timed to the first healthy answer; then idle memory
 * of the process tree; then SIGTERM and the time to a clean exit.
 */
export function measureServiceStartUp(port: number, slackApiUrl: string): Promise<ServiceStartUpRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: 'bench-secret',
        SLACK_API_URL: slackApiUrl,
        PORT: String(port),
        STORE_URL: 'memory://',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const run: ServiceStartUpRun = { healthMs: null, treeRssMb: null, stopMs: null, exitCode: null };
    let stoppedAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      run.exitCode = code;
      run.stopMs = stoppedAt ? Math.round(performance.now() - stoppedAt) : null;
      resolve(run);
    });
    const poll = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) {
          run.healthMs = Math.round(performance.now() - started);
          setTimeout(() => {
            run.treeRssMb = child.pid ? treeRssMb(child.pid) : null;
            stoppedAt = performance.now();
            child.kill('SIGTERM');
          }, 1000);
          return;
        }
      } catch {
        // not listening yet
      }
      if (child.exitCode === null) setTimeout(() => void poll(), 20);
    };
    void poll();
  });
}
