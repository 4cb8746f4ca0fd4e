// Start-up as `npm start` does it, in console mode: `node --import tsx src/main.ts` with no
// Slack credentials, stdin a pipe (not a TTY) and STORE_URL=memory://. Timed from spawn to
// the console's first line (src/console/console.ts writes "Dealbot console: …" once the app
// is up), then to the answer of a first command (`/deal help`, answered in the ack); idle
// memory is the process's resident set a moment later (/proc/<pid>/status VmRSS). Then the
// input ends and the process must exit on its own.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** How long a started service sits without work before its idle memory is read. */
const IDLE_AFTER_READY_MS = 15_000;

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
  /** From spawning `npm start` to the first 200 from GET /readyz (everything loaded, Slack and the store answered). */
  readyMs: number | null;
  /** Resident memory of the whole process tree (npm and node), a second after /readyz: each process's RSS, summed. */
  treeRssMb: number | null;
  /** Each process of the tree and its RSS (`npm start`, then Dealbot's node). */
  processes: Array<{ name: string; rssMb: number }>;
  /**
   * The memory the tree holds: each process's private pages, plus each shared file page once.
   * Summed RSS counts the pages of the node binary and its libraries that npm's node and
   * Dealbot's node share (30–40 MB) twice; this counts them once.
   */
  treeUniqueMb: number | null;
  /** From SIGTERM to npm's exit, and its exit code. */
  stopMs: number | null;
  exitCode: number | null;
}

/** `pid` and all its descendants. */
function processTree(pid: number): number[] {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // gone already
  }
  return [pid, ...children.flatMap((child) => processTree(Number(child)))];
}

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

/** The tree's memory: private pages of each process, and each shared mapping of a file once (its largest resident part). */
function treeUniqueMb(pids: number[]): number | null {
  let privateKb = 0;
  const shared = new Map<string, number>();
  for (const pid of pids) {
    let smaps: string;
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let key = '';
    for (const line of smaps.split('\n')) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ ([0-9a-f]+) (\S+) (\d+)/.exec(line);
      if (header) {
        // A file's mapping is the same pages in every process (device, inode, offset); anonymous ones are each process's own.
        key = header[3] === '0' ? `${pid}:${line}` : `${header[2]}:${header[3]}:${header[1]}`;
        continue;
      }
      const field = /^(Private_Clean|Private_Dirty|Shared_Clean|Shared_Dirty):\s+(\d+) kB/.exec(line);
      if (!field) continue;
      const kb = Number(field[2]);
      if (field[1]?.startsWith('Private')) privateKb += kb;
      else shared.set(`${key}:${field[1]}`, Math.max(shared.get(`${key}:${field[1]}`) ?? 0, kb));
    }
  }
  const total = privateKb + [...shared.values()].reduce((a, b) => a + b, 0);
  return total > 0 ? mb(total) : null;
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 60);
  } catch {
    return '?';
  }
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
    const run: ServiceStartUpRun = {
      healthMs: null,
      readyMs: null,
      treeRssMb: null,
      processes: [],
      treeUniqueMb: null,
      stopMs: null,
      exitCode: null,
    };
    let stoppedAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      run.exitCode = code;
      run.stopMs = stoppedAt ? Math.round(performance.now() - stoppedAt) : null;
      resolve(run);
    });
    const measureIdle = () => {
      const pids = child.pid ? processTree(child.pid) : [];
      run.processes = pids.flatMap((pid) => {
        const rss = rssMb(pid);
        return rss === null ? [] : [{ name: processName(pid), rssMb: rss }];
      });
      run.treeRssMb = run.processes.length > 0 ? Math.round(run.processes.reduce((a, p) => a + p.rssMb, 0) * 10) / 10 : null;
      run.treeUniqueMb = treeUniqueMb(pids);
      stoppedAt = performance.now();
      child.kill('SIGTERM');
    };
    // /healthz answers before the app is loaded (src/main.ts): idle memory is read once /readyz
    // says ready (everything loaded, Slack and the store answered) and the process has sat
    // without work for IDLE_AFTER_READY_MS: V8 gives start-up's garbage and young-generation
    // growth back only once it sees the process idle (its memory reducer), which a second
    // after ready it has not yet done (10–15 MB more, and varying run to run).
    const waitReady = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) {
          run.readyMs = Math.round(performance.now() - started);
          setTimeout(measureIdle, IDLE_AFTER_READY_MS);
          return;
        }
      } catch {
        // not answering yet
      }
      if (child.exitCode === null && performance.now() - started < 30_000) setTimeout(() => void waitReady(), 20);
      else if (child.exitCode === null) measureIdle();
    };
    const poll = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        await res.arrayBuffer();
        if (res.status === 200) {
          run.healthMs = Math.round(performance.now() - started);
          void waitReady();
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
