// Forks one of the benchmark's helper processes and waits for its first IPC message, so
// measured code runs on an event loop of its own. By default the process runs the compiled
// JavaScript (bench/compile-entries.ts) under plain `node`, as production runs dist/, with
// the V8 flags given; `tsx: true` runs the TypeScript through tsx instead.

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileBenchEntries, compiledEntry } from './compile-entries.js';

/** The V8 flags `npm start` runs Dealbot with (package.json's start script), for processes measured as production runs. */
export const START_FLAGS: readonly string[] = (() => {
  const start = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts
    .start;
  return start.match(/--max-[a-z-]+=\d+/g) ?? [];
})();

/** Extra Node/V8 flags for a measured process from an environment variable (space-separated), e.g. BENCH_APP_NODE_FLAGS. */
export function envFlags(name: string): string[] {
  return process.env[name]?.split(' ').filter(Boolean) ?? [];
}

export interface BenchProcess<T> {
  child: ChildProcess;
  /** The first message the process sent. */
  message: T;
  stop(): Promise<void>;
}

export interface BenchProcessOptions {
  timeoutMs?: number;
  /** Node/V8 flags for the child (e.g. `--max-semi-space-size=8`). */
  nodeFlags?: string[];
  /** Run the TypeScript through tsx instead of the compiled JavaScript. */
  tsx?: boolean;
}

export async function forkBenchProcess<T>(
  script: string,
  env: Record<string, string>,
  options: BenchProcessOptions | number = {},
): Promise<BenchProcess<T>> {
  const { timeoutMs = 60_000, nodeFlags = [], tsx = false } = typeof options === 'number' ? { timeoutMs: options } : options;
  if (!tsx) await compileBenchEntries();
  const file = tsx ? fileURLToPath(new URL(script, import.meta.url)) : compiledEntry(script);
  const child = fork(file, [], {
    execArgv: tsx ? ['--import', 'tsx', ...nodeFlags] : nodeFlags,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const message = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} sent nothing within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before answering`));
    });
  });
  return {
    child,
    message,
    async stop() {
      // Disconnecting lets the child exit on its own (profiles written); a kill follows if it lingers.
      if (child.connected) child.disconnect();
      const lingering = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      }, 2_000);
      await exited;
      clearTimeout(lingering);
    },
  };
}
