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
