// Forks one of the benchmark's helper processes (a TypeScript file run through tsx) and
// waits for its first IPC message, so measured code runs on an event loop of its own.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchProcess<T> {
  child: ChildProcess;
  /** The first message the process sent. */
  message: T;
  stop(): Promise<void>;
}

export async function forkBenchProcess<T>(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<BenchProcess<T>> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
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
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}
